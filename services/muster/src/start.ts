import { relayLagProbe, startApiServer, verifierFor } from '@muster/api';
import { connectEventBus, natsProbe, NatsEventBus } from '@muster/bus-nats';
import { createEngine, InProcessEventBus, type EventBus } from '@muster/engine';
import { startGateway } from '@muster/gateway';
import { startRelay, type Relay } from '@muster/relay';
import { engineSettingsFromEnv, jurisdictionsFromEnv } from '@muster/service-runtime';
import { commandMetrics, createMetricsRegistry, deadlineMetrics, gatewayMetrics, groupCommitMetrics, poolMetrics, relayMetrics } from '@muster/service-runtime/metrics';
import { connect, countDueDeadlines, GroupCommitEventStore, migrateToLatest, poolUsage, relayLag, type GroupCommitStats } from '@muster/store-postgres';
import { startTimers } from '@muster/timers';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { authOptions } from './auth';
import { seedDemoContacts } from './demo-contacts';
import { repoRoot } from './repo-root';
import type { MusterEnv } from './config';

/** The relay of `muster start` (the relay's default name): its checkpoint is what /health/ready measures lag from. */
const RELAY_NAME = 'main';

export interface RunningMuster {
  apiUrl: string;
  gatewayUrl: string;
  /** The one group-commit queue of the process, which the api's and the timers' commands share. */
  commitStats(): Readonly<GroupCommitStats>;
  stop(): Promise<void>;
}

/**
 * Every service in one process (DESIGN §6, embedded default): the api, the relay, the gateway and the timers,
 * on one database, fed by NATS when NATS_URL is set and by an in-process bus otherwise. The
 * services still talk only through PostgreSQL and the bus, as they do when run apart.
 */
export async function startAll(env: MusterEnv, databaseUrl: string, logger: Logger): Promise<RunningMuster> {
  // The tree and the rules, loaded once and checked before anything starts: every service below gets the same ones.
  const jurisdictions = await jurisdictionsFromEnv(env);
  const settings = await engineSettingsFromEnv(env, jurisdictions);
  const auth = await authOptions(env, (code) => jurisdictions.has(code));
  // One pool, one group-commit queue and one engine for the whole process (issue 15): the api and the
  // timers send their commands through the same queue, so they share its transactions too.
  const db = connect({ connectionString: databaseUrl, maxConnections: env.DB_POOL_SIZE, applicationName: 'muster' });
  // Before anything reads a table: the relay and the gateway start before the api (which also migrates).
  await migrateToLatest(db);
  // Demo mode: a contact registry to send warnings to (issue 21), only into an empty one.
  if (auth.demo) await seedDemoContacts(db, new Date());
  const bus: EventBus = env.NATS_URL
    ? await connectEventBus({
        servers: env.NATS_URL.split(',').map((s) => s.trim()),
        stream: env.NATS_STREAM,
        subjectPrefix: env.NATS_SUBJECT_PREFIX,
        ensureStream: { replicas: env.NATS_STREAM_REPLICAS },
        waitOnFirstConnect: true,
        name: 'muster-start',
      })
    : new InProcessEventBus();
  // One metrics registry for every service of the process: the api serves it at GET /metrics.
  const metrics = createMetricsRegistry();
  poolMetrics(metrics, 'muster', () => poolUsage(db));
  const store = new GroupCommitEventStore(db, { onBatch: groupCommitMetrics(metrics) });
  const engine = createEngine({ store, ...settings, observer: commandMetrics(metrics) });
  const verifier = verifierFor(auth, jurisdictions);
  // The relay reads the log on each commit's NOTIFY (its own LISTEN session) and polls only as a fallback.
  // Its lag metric counts from what it has published (its checkpoint trails by up to 200 ms).
  const relay: Relay = startRelay({ db, bus, name: RELAY_NAME, listen: 'pool', logger: logger.child({ service: 'relay' }), observer: relayMetrics(metrics, () => relayLag(db, RELAY_NAME, { from: relay.published() }), () => relay.heldBackFor()) });
  const gateway = await startGateway({
    db,
    bus,
    jurisdictions,
    verifier,
    host: env.HOST,
    port: env.GATEWAY_PORT,
    maxSocketsPerUser: env.GATEWAY_MAX_SOCKETS_PER_USER,
    logger: logger.child({ service: 'gateway' }),
  });
  gatewayMetrics(metrics, () => ({ sockets: gateway.openSockets(), framesSent: gateway.stats().framesSent, slowConsumersClosed: gateway.stats().slowConsumersClosed }));
  // The console learns the gateway's port from the api, so the gateway listens first.
  const consoleDir = resolve(env.MUSTER_CONSOLE_DIR ?? join(repoRoot(), 'services/console/dist'));
  const hasConsole = existsSync(resolve(consoleDir, 'index.html'));
  if (!hasConsole) logger.warn({ consoleDir }, 'the web console is not built (pnpm --filter @muster/console build); serving the api only');
  const api = await startApiServer({
    db,
    engine,
    jurisdictions,
    rules: settings.rules,
    verifier,
    logger: logger.child({ service: 'api' }),
    auth,
    host: env.HOST,
    port: env.PORT,
    limits: { maxBodyBytes: env.MUSTER_MAX_BODY_BYTES, maxJsonDepth: env.MUSTER_MAX_JSON_DEPTH, requestTimeoutMs: env.MUSTER_REQUEST_TIMEOUT_MS },
    // Ready also means the relay of this process keeps up, and NATS answers when it carries the events.
    readinessProbes: [...(bus instanceof NatsEventBus ? [natsProbe(() => bus)] : []), relayLagProbe(db, RELAY_NAME, env.MUSTER_READY_RELAY_LAG_MS)],
    console: hasConsole ? { dir: consoleDir, gatewayPort: Number(new URL(gateway.url).port), showDemoUsers: auth.demo } : undefined,
    metrics: { registry: metrics, token: env.MUSTER_METRICS_TOKEN },
    // No SMS provider here: the local channels write what they would send to a file of the data directory.
    delivery: { channels: 'local', outboxFile: resolve(env.MUSTER_DATA_DIR, 'local-outbox.jsonl') },
  });
  // Report deadlines fire here too; other timers processes may share the rows (services/timers).
  const timers = startTimers({ db, engine, logger: logger.child({ service: 'timers' }), observer: deadlineMetrics(metrics, () => countDueDeadlines(db, new Date())) });
  logger.info({ api: api.url, console: hasConsole ? `${api.url}/console/` : null, gateway: gateway.url, bus: env.NATS_URL ? 'nats' : 'in-process' }, 'muster started');
  return {
    apiUrl: api.url,
    gatewayUrl: gateway.url,
    commitStats: () => store.stats(),
    async stop() {
      // Refuse new requests first: nothing answers from a process whose database is going away.
      await api.close();
      await timers.stop();
      await gateway.close();
      await relay.stop();
      await bus.close();
      await db.destroy();
    },
  };
}
