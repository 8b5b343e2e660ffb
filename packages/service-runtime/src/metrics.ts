import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/**
 * Prometheus metrics of Muster's processes (issue 19). One registry per process: a process that runs
 * several services (`muster start`) hands the same registry to each, so it serves one /metrics.
 * The names are part of the operations interface (dashboards, alerts, the scale-out test read them):
 * they are defined here and nowhere else.
 *
 * Hot paths pay one counter increment or one histogram observation; whatever can be read when
 * Prometheus scrapes (socket counts, pool use, relay lag, deadlines due) is read then, not kept up.
 * No label takes unbounded values: a command type is one of the engine's (anything else is `unknown`),
 * never an id.
 */
export interface MetricsRegistry {
  /** The prom-client registry (default process metrics and event-loop lag included). */
  readonly registry: Registry;
  /** The text exposition format and its content type, for a `/metrics` answer. */
  exposition(): Promise<{ contentType: string; body: string }>;
}

/** A worker's request to its primary for the metrics of every worker, and the answer. */
const CLUSTER_ASK = 'muster:metrics?';
const CLUSTER_ANSWER = 'muster:metrics';
type ClusterAnswer = { type: typeof CLUSTER_ANSWER; id: number; body?: string; error?: string };

function isMessage<T extends string>(message: unknown, type: T): message is { type: T; id: number } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type && typeof (message as { id?: unknown }).id === 'number';
}

/**
 * A registry with prom-client's default process metrics (CPU, memory, GC, `nodejs_eventloop_lag_seconds`).
 *
 * `clusterWorker`: this process is one of the api's `node:cluster` workers (MUSTER_API_WORKERS), whose
 * primary runs serveClusterMetrics. A scrape reaches whichever worker the primary hands the
 * connection to, so a worker answers with the metrics of ALL workers, summed by the primary
 * (prom-client's AggregatorRegistry): counters never seem to go back when another worker answers.
 */
export function createMetricsRegistry(options: { clusterWorker?: boolean } = {}): MetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const own = async () => ({ contentType: registry.contentType, body: await registry.metrics() });
  if (!options.clusterWorker || !process.send) return { registry, exposition: own };
  // Answers the primary's requests for this worker's metrics (prom-client's cluster protocol).
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
  const pending = new Map<number, (answer: ClusterAnswer) => void>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (isMessage(message, CLUSTER_ANSWER)) pending.get(message.id)?.(message as ClusterAnswer);
  });
  return {
    registry,
    exposition() {
      const id = next++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => settle({ type: CLUSTER_ANSWER, id, error: 'the cluster primary did not answer within 10 s' }), 10_000);
        const settle = (answer: ClusterAnswer) => {
          clearTimeout(timer);
          pending.delete(id);
          if (answer.body !== undefined) resolve({ contentType: registry.contentType, body: answer.body });
          else reject(new Error(answer.error ?? 'no metrics from the cluster primary'));
        };
        pending.set(id, settle);
        process.send?.({ type: CLUSTER_ASK, id });
      });
    },
  };
}

/** In the primary of the api's workers: answers a worker's scrape with every worker's metrics, summed. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message, CLUSTER_ASK)) return;
    const answer = (reply: Omit<ClusterAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: CLUSTER_ANSWER, id: message.id, ...reply });
    };
    aggregator.clusterMetrics().then(
      (body) => answer({ body }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/** The metric named so in the registry, made once: two parts of one process (api and timers engines) share it. */
function once<M extends Metric>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/** How a command ended: stored, refused (a 4xx answer), answered from an earlier identical send, or failed (a 5xx). */
export type CommandOutcome = 'accepted' | 'rejected' | 'duplicate' | 'error';

/** Latency buckets for a command, acknowledged after its COMMIT: from a fast group commit to a stalled database. */
const COMMAND_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** `muster_commands_total{type,outcome}` and `muster_command_duration_seconds{type}`: what the engine's observer calls per command. */
export function commandMetrics(metrics: MetricsRegistry): { commandHandled(type: string, outcome: CommandOutcome, seconds: number): void } {
  const { registry } = metrics;
  const total = once(registry, 'muster_commands_total', () => new Counter({ name: 'muster_commands_total', help: 'Commands handled, by command type and outcome (accepted, rejected, duplicate, error)', labelNames: ['type', 'outcome'] as const, registers: [registry] }));
  const duration = once(registry, 'muster_command_duration_seconds', () => new Histogram({ name: 'muster_command_duration_seconds', help: 'Time from a command reaching the engine to its answer (after the COMMIT), by command type', labelNames: ['type'] as const, buckets: COMMAND_SECONDS_BUCKETS, registers: [registry] }));
  return {
    commandHandled(type, outcome, seconds) {
      total.inc({ type, outcome });
      duration.observe({ type }, seconds);
    },
  };
}

/**
 * `muster_group_commit_batch_size` (appends per group-commit transaction; 1: nothing to share it with)
 * and `muster_group_commit_seconds` (each group's time in the database, until every member is answered).
 */
export function groupCommitMetrics(metrics: MetricsRegistry): (size: number, seconds: number) => void {
  const { registry } = metrics;
  const sizes = once(registry, 'muster_group_commit_batch_size', () => new Histogram({ name: 'muster_group_commit_batch_size', help: 'Commands written per group-commit transaction', buckets: [1, 2, 4, 8, 16, 32, 64], registers: [registry] }));
  const times = once(registry, 'muster_group_commit_seconds', () => new Histogram({ name: 'muster_group_commit_seconds', help: "Time each group-commit write took in PostgreSQL, from going out until every member had its answer (retries alone included): the database's share of muster_command_duration_seconds", buckets: GROUP_SECONDS_BUCKETS, registers: [registry] }));
  return (size, seconds) => {
    sizes.observe(size);
    times.observe(seconds);
  };
}

/** A lone command's write takes about a millisecond (a statement and its WAL flush); a busy group tens. */
const GROUP_SECONDS_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** How far the relay is behind the log: events not yet published and the age of the oldest. */
export interface RelayLag {
  events: number;
  ms: number;
}

/**
 * The relay's counters (`muster_relay_published_total`, `muster_jetstream_publish_errors_total`) and
 * its lag gauges (`muster_relay_lag_positions`, `muster_relay_lag_seconds`), read from the database
 * when scraped; `muster_relay_held_back_seconds` from the relay itself.
 */
export function relayMetrics(metrics: MetricsRegistry, lag: () => Promise<RelayLag>, heldBackMs: () => number = () => 0): { published(): void; publishFailed(): void } {
  const { registry } = metrics;
  const published = once(registry, 'muster_relay_published_total', () => new Counter({ name: 'muster_relay_published_total', help: 'Events the relay published and the bus acknowledged', registers: [registry] }));
  const errors = once(registry, 'muster_jetstream_publish_errors_total', () => new Counter({ name: 'muster_jetstream_publish_errors_total', help: 'Publishes to JetStream that failed or were not acknowledged in time (each is retried)', registers: [registry] }));
  // Both gauges come from one query when scraped together; a failed read keeps the last answer.
  let last: RelayLag = { events: 0, ms: 0 };
  let reading: Promise<RelayLag> | null = null;
  const current = (): Promise<RelayLag> =>
    (reading ??= lag()
      .then((answer) => (last = answer))
      .catch(() => last)
      .finally(() => {
        reading = null;
      }));
  once(registry, 'muster_relay_lag_positions', () => new Gauge({
    name: 'muster_relay_lag_positions',
    help: 'Events committed to the log and not yet published by the relay',
    registers: [registry],
    async collect() {
      this.set((await current()).events);
    },
  }));
  once(registry, 'muster_relay_lag_seconds', () => new Gauge({
    name: 'muster_relay_lag_seconds',
    help: 'Age of the oldest event not yet published by the relay (0 when none)',
    registers: [registry],
    async collect() {
      this.set((await current()).ms / 1000);
    },
  }));
  // The lag counts only events the relay may publish: events held behind an older open transaction
  // are not in it, and a transaction left open stops every console while the lag reads 0.
  once(registry, 'muster_relay_held_back_seconds', () => new Gauge({
    name: 'muster_relay_held_back_seconds',
    help: 'How long one open transaction on the PostgreSQL server has held committed events (0 when none does); the relay logs its session after 5 s',
    registers: [registry],
    collect() {
      this.set(heldBackMs() / 1000);
    },
  }));
  return { published: () => published.inc(), publishFailed: () => errors.inc() };
}

/** What the gateway counts, read when scraped. */
export interface GatewayCounts {
  sockets: number;
  framesSent: number;
  slowConsumersClosed: number;
}

/** `muster_gateway_sockets`, `muster_gateway_frames_sent_total`, `muster_gateway_slow_consumers_closed_total`: the gateway's own counters, read at each scrape. */
export function gatewayMetrics(metrics: MetricsRegistry, counts: () => GatewayCounts): void {
  const { registry } = metrics;
  new Gauge({ name: 'muster_gateway_sockets', help: 'Open WebSocket connections of consoles', registers: [registry], collect() { this.set(counts().sockets); } });
  // The gateway keeps the totals (no cost on its send path); a counter mirrors them when scraped.
  new Counter({ name: 'muster_gateway_frames_sent_total', help: 'Frames sent to consoles (events and control frames)', registers: [registry], collect() { mirror(this, counts().framesSent); } });
  new Counter({ name: 'muster_gateway_slow_consumers_closed_total', help: 'Consoles closed because too many bytes waited for them (4408)', registers: [registry], collect() { mirror(this, counts().slowConsumersClosed); } });
}

/** Sets a counter to a total kept elsewhere (a counter has no set: reset, then add the total). */
function mirror(counter: Counter, total: number): void {
  counter.reset();
  counter.inc(total);
}

/** A deadline that fires later than this after its due time counts as late (the timers scan every second by default). */
const LATE_AFTER_MS = 5_000;

/**
 * The timers' counters (`muster_deadlines_fired_total`, `muster_deadlines_late_total`: fired more than
 * 5 s after due) and `muster_deadlines_due` (due and not yet fired, counted in the database when scraped).
 */
export function deadlineMetrics(metrics: MetricsRegistry, dueNow: () => Promise<number>): { deadlineFired(lateMs: number): void } {
  const { registry } = metrics;
  const fired = once(registry, 'muster_deadlines_fired_total', () => new Counter({ name: 'muster_deadlines_fired_total', help: 'Deadlines fired (their command accepted)', registers: [registry] }));
  const late = once(registry, 'muster_deadlines_late_total', () => new Counter({ name: 'muster_deadlines_late_total', help: `Deadlines fired more than ${LATE_AFTER_MS / 1000} s after their due time`, registers: [registry] }));
  let lastDue = 0;
  once(registry, 'muster_deadlines_due', () => new Gauge({
    name: 'muster_deadlines_due',
    help: 'Deadlines due now and not yet fired or cancelled',
    registers: [registry],
    async collect() {
      lastDue = await dueNow().catch(() => lastDue);
      this.set(lastDue);
    },
  }));
  return {
    deadlineFired(lateMs) {
      fired.inc();
      if (lateMs > LATE_AFTER_MS) late.inc();
    },
  };
}

/** Connections of a database pool: checked out by a query or session, and callers waiting for one. */
export interface PoolUsage {
  inUse: number;
  waiting: number;
}

const poolsOf = new WeakMap<Registry, Map<string, () => PoolUsage>>();

/** `muster_db_pool_in_use{pool}` and `muster_db_pool_waiting{pool}` for a pool of this process, read when scraped. */
export function poolMetrics(metrics: MetricsRegistry, pool: string, usage: () => PoolUsage): void {
  const { registry } = metrics;
  let pools = poolsOf.get(registry);
  if (!pools) {
    const known = new Map<string, () => PoolUsage>();
    pools = known;
    poolsOf.set(registry, known);
    new Gauge({ name: 'muster_db_pool_in_use', help: 'PostgreSQL connections checked out of the pool', labelNames: ['pool'] as const, registers: [registry], collect() { for (const [name, read] of known) this.set({ pool: name }, read().inUse); } });
    new Gauge({ name: 'muster_db_pool_waiting', help: 'Queries waiting for a PostgreSQL connection of the pool', labelNames: ['pool'] as const, registers: [registry], collect() { for (const [name, read] of known) this.set({ pool: name }, read().waiting); } });
  }
  pools.set(pool, usage);
}
