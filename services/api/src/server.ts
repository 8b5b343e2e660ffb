import type { JurisdictionTree, RuleBook } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { createTokenVerifier, type TokenVerifier, type UserDirectory } from '@muster/identity';
import type { Database } from '@muster/store-postgres';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { buildApi, type ConsoleOptions } from './app';
import type { LoginLimitOptions } from './login-throttle';
import type { ReadinessProbe } from './readiness';
import { localChannels } from './last-mile/channels';
import { startDeliveryWorker, type DeliveryWorker } from './last-mile/delivery-worker';
import type { ApiMetricsOptions } from './routes/metrics';

/**
 * What the api listens with. The process that runs it builds the pool, the engine and the verifier
 * (services/api/src/main.ts, `muster start`), so a process holds one of each whatever it runs.
 */
export interface ApiServerOptions {
  db: Kysely<Database>;
  engine: Engine;
  /** The tree and the rules the engine was built with (engineSettingsFromEnv): the routes check and show the same. */
  jurisdictions: JurisdictionTree;
  rules: RuleBook;
  verifier: TokenVerifier;
  logger: FastifyBaseLogger;
  host: string;
  port: number;
  auth: ApiAuthOptions;
  /** Body limits (MUSTER_MAX_BODY_BYTES, MUSTER_MAX_JSON_DEPTH, MUSTER_REQUEST_TIMEOUT_MS). */
  limits: { maxBodyBytes: number; maxJsonDepth: number; requestTimeoutMs?: number | undefined };
  /** What `/health/ready` checks besides the database and its migrations (the bus, the relay's lag). */
  readinessProbes?: readonly ReadinessProbe[] | undefined;
  /** Serve the web console (see ConsoleOptions in routes/console.ts). */
  console?: ConsoleOptions | undefined;
  /** The process's metrics registry, served at GET /metrics, and the token a scrape must send (MUSTER_METRICS_TOKEN). */
  metrics?: ApiMetricsOptions | undefined;
  /**
   * Warnings' last mile (issue 21): with it, a delivery worker sends through the local channels (they
   * record, append each message to `outboxFile` when given, and report it delivered) — `muster start`.
   * Without it no worker runs: recipients stay queued and become manual tasks at the deadline, which
   * is the truth when no provider is wired.
   */
  delivery?: { channels: 'local'; outboxFile?: string | undefined } | undefined;
}

export interface ApiAuthOptions {
  /** HS256 secret shared with whoever issues tokens (`muster token`, the login endpoint). */
  secret?: Uint8Array | undefined;
  /** An identity provider's JWKS; tokens it signs are accepted. */
  jwksUrl?: string | undefined;
  users?: UserDirectory | undefined;
  tokenTtlSeconds?: number | undefined;
  /** Failed-login limits (MUSTER_LOGIN_*); unset ones take buildApi's defaults. */
  loginLimits?: LoginLimitOptions | undefined;
}

/**
 * The token verifier of the api and of `muster start`'s gateway. Tokens naming a jurisdiction outside
 * `tree` (the served jurisdictions, as the process loaded them) are refused with 401.
 */
export function verifierFor(auth: ApiAuthOptions, tree: JurisdictionTree): TokenVerifier {
  const knownJurisdiction = (code: string) => tree.has(code);
  if (auth.jwksUrl) return createTokenVerifier({ jwksUrl: auth.jwksUrl, knownJurisdiction });
  if (auth.secret) return createTokenVerifier({ secret: auth.secret, knownJurisdiction });
  throw new Error('no way to verify tokens: set MUSTER_JWT_SECRET or MUSTER_JWKS_URL');
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Listens: the api as one process or as part of `muster start`. `close` stops listening; the caller releases the pool. */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApi> {
  const { auth } = options;
  const login = auth.users && auth.secret ? { users: auth.users, secret: auth.secret, ttlSeconds: auth.tokenTtlSeconds ?? 12 * 3600 } : undefined;
  const app = buildApi({
    engine: options.engine,
    db: options.db,
    jurisdictions: options.jurisdictions,
    rules: options.rules,
    logger: options.logger,
    verifier: options.verifier,
    bodyLimit: options.limits.maxBodyBytes,
    maxJsonDepth: options.limits.maxJsonDepth,
    requestTimeoutMs: options.limits.requestTimeoutMs,
    readinessProbes: options.readinessProbes,
    ...(login ? { login } : {}),
    users: auth.users,
    loginLimits: auth.loginLimits,
    ...(options.console ? { console: options.console } : {}),
    metrics: options.metrics,
    ...(auth.secret ? { ackLinks: { secret: auth.secret } } : {}),
  });
  const url = await app.listen({ host: options.host, port: options.port });
  // The last mile (issue 21): warnings' messages go out through the channel adapters — the local ones
  // here, which record and report delivered; a real provider replaces them (last-mile/channels.ts).
  let delivery: DeliveryWorker | null = null;
  if (auth.secret && options.delivery?.channels === 'local') {
    const channels = localChannels(options.delivery.outboxFile ?? null);
    // The console's phone page (#/ack/<token>) opens the link.
    const worker = startDeliveryWorker({ db: options.db, engine: options.engine, channels, secret: auth.secret, linkBase: `${url}/console/#/ack`, logger: options.logger });
    for (const channel of Object.values(channels)) channel.reportTo(worker.receive);
    delivery = worker;
  }
  return {
    app,
    url,
    close: async () => {
      // No new request first; then the worker, which needs the database but not HTTP.
      await app.close();
      await delivery?.stop();
    },
  };
}
