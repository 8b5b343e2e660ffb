/**
 * Command → console at a realistic room load (issue 18, item 4): 200 consoles on one room, 200
 * commands/s offered open-loop for 30 s, latency from each command's due time to its event frame on
 * every console (p50, p99, max), with gaps and duplicates counted per console. The baseline is the
 * gateway's own delivery capacity in the same run and with the same consoles: a burst committed
 * straight to the store, timed from the first commit until every console has all of it.
 */
import { informational, judged, type Figure } from './figures';
import { histogramMax, histogramPct } from './histogram';
import { wallClock, type ConsoleKind, type ConsoleStats } from './console-process';
import { describeCores, machineDuring } from './cpu-by-role';
import { cpus } from 'node:os';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CONSOLES = num('BENCH_LATENCY_CONSOLES', 200);
const RATE = num('BENCH_LATENCY_RATE', 200);
const SECONDS = num('BENCH_LATENCY_SECONDS', 30);
const BURST = 1000;
const QUIET_RATE = 5;
const QUIET_SECONDS = 4;

/** What run.ts lends this phase: its console fleet, the api and a way to commit a burst. */
export interface LatencyContext {
  fleet: {
    open(kind: ConsoleKind, url: string, token: string, count: number, options?: { trackIds?: boolean }): Promise<void>;
    stats(): Promise<ConsoleStats[]>;
    latencies(): Promise<{ fromSend: Map<number, number>; fromRecorded: Map<number, number> }>;
    closeAll(): Promise<void>;
  };
  kind: ConsoleKind;
  gatewayUrl: string;
  token: string;
  incidents: readonly string[];
  post(path: string, body: Record<string, unknown>): Promise<unknown>;
  /** Makes the incident the burst copies (before the consoles open, so they do not count it). */
  prepareBurst(): Promise<void>;
  /** Commits `count` events of that incident straight through the store, 100 per transaction. */
  burst(count: number): Promise<void>;
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T>;
  /**
   * A probe splitting the path in two: for each event of these commands on the bus, ms from its
   * `meta.recordedAt` (api) to JetStream's timestamp of storing it (commit, NOTIFY, relay, publish).
   */
  recordedToStored(commandIdPrefix: string): Promise<number[]>;
  log(line: string): void;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


export async function latencyFigures(ctx: LatencyContext): Promise<Figure[]> {
  const { fleet } = ctx;
  const openFresh = async () => {
    // close clears each process's histograms, so what is measured next is this phase's alone.
    await fleet.closeAll();
    await fleet.open(ctx.kind, ctx.gatewayUrl, ctx.token, CONSOLES, { trackIds: true });
    await ctx.waitFor('consoles live', async () => ((await fleet.stats()).every((c) => c.live) ? true : undefined), 120_000);
  };

  // Baseline: the gateway's delivery capacity to these consoles.
  await ctx.prepareBurst();
  await openFresh();
  const before = (await fleet.stats()).map((c) => c.received);
  const burstStart = performance.now();
  await ctx.burst(BURST);
  await ctx.waitFor('burst on every console', async () => ((await fleet.stats()).every((c, i) => c.received - (before[i] ?? 0) >= BURST) ? true : undefined), 300_000);
  const capacity = (BURST * CONSOLES) / ((performance.now() - burstStart) / 1000);
  ctx.log(`latency: gateway capacity ${round(capacity)} deliveries/s to ${CONSOLES} consoles`);

  /** Offers `rate` commands/s open-loop for `seconds`: command i is due at start + i/rate and its latency counts from then (no coordinated omission). */
  const paced = async (rate: number, seconds: number, tag: string): Promise<{ ackedCount: number; achieved: number; total: number }> => {
    const total = Math.round(rate * seconds);
    const acked: Promise<boolean>[] = [];
    const paceStart = performance.now();
    const paceWall = wallClock();
    let lastAck = paceStart;
    for (let i = 0; i < total; ) {
      const now = performance.now();
      for (; i < total && paceStart + (i * 1000) / rate <= now; i++) {
        const due = paceWall + (i * 1000) / rate;
        acked.push(
          ctx.post(`/incidents/${ctx.incidents[i % ctx.incidents.length] ?? ''}/commands`, { type: 'UpdateIncidentDetails', commandId: `latency-${tag}-${i}`, data: { description: `paced ${i} t=${due.toFixed(2)}` } }).then(
            () => {
              lastAck = performance.now();
              return true;
            },
            () => false,
          ),
        );
      }
      await sleep(1);
    }
    const ackedCount = (await Promise.all(acked)).filter(Boolean).length;
    return { ackedCount, achieved: ackedCount / ((lastAck - paceStart) / 1000), total };
  };

  // A quiet room first: a few commands a second, nothing queued anywhere; what NOTIFY and no fixed waits give.
  await openFresh();
  const quiet = await paced(QUIET_RATE, QUIET_SECONDS, 'quiet');
  await ctx.waitFor('quiet events on every console', async () => ((await fleet.stats()).every((c) => c.unique >= quiet.ackedCount) ? true : undefined), 60_000).catch(() => false);
  const { fromSend: quietLatency, fromRecorded: quietFromRecorded } = await fleet.latencies();
  // Where a quiet event's time goes: to JetStream (api after recordedAt, commit, NOTIFY, relay), then on to the consoles.
  const quietToStored = (await ctx.recordedToStored('latency-quiet-')).sort((a, b) => a - b);
  const quietStoredP50 = quietToStored[Math.floor(quietToStored.length / 2)] ?? Number.NaN;
  ctx.log(`latency: quiet room, ${quiet.ackedCount} commands at ${QUIET_RATE}/s: p50 ${round(histogramPct(quietLatency, 50))} ms; recorded → stored p50 ${quietStoredP50} ms, recorded → console p50 ${round(histogramPct(quietFromRecorded, 50))} ms`);

  // The paced load, on fresh consoles and histograms.
  await openFresh();
  const {
    result: { ackedCount, achieved, total },
    machine: { used: machine, stolen },
  } = await machineDuring(() => paced(RATE, SECONDS, 'room'));
  const machineCores = machine.reduce((sum, r) => sum + r.cores, 0);
  ctx.log(`latency: the machine during the paced load: ${describeCores(machine, cpus().length, stolen)}`);
  const drained = await ctx
    .waitFor('paced events on every console', async () => ((await fleet.stats()).every((c) => c.unique >= ackedCount) ? true : undefined), 120_000)
    .catch(() => false);
  await sleep(500); // anything sent twice would arrive right behind
  const stats = await fleet.stats();
  const gaps = stats.reduce((s, c) => s + Math.max(0, ackedCount - c.unique), 0);
  const duplicates = stats.reduce((s, c) => s + (c.received - c.unique), 0);
  const outOfOrder = stats.reduce((s, c) => s + c.outOfOrder, 0);
  const { fromSend, fromRecorded }: { fromSend: Map<number, number>; fromRecorded: Map<number, number> } = await fleet.latencies();
  const toStored = (await ctx.recordedToStored('latency-room-')).sort((a, b) => a - b);
  const storedPct = (p: number) => toStored[Math.min(toStored.length - 1, Math.ceil((p / 100) * toStored.length) - 1)] ?? Number.NaN;
  ctx.log(`latency: recorded → stored on the bus p50 ${storedPct(50)} ms, p99 ${storedPct(99)} ms (${toStored.length} events); recorded → console p50 ${round(histogramPct(fromRecorded, 50))} ms, p99 ${round(histogramPct(fromRecorded, 99))} ms`);
  const deliveries = [...fromSend.values()].reduce((a, b) => a + b, 0);
  await fleet.closeAll();
  ctx.log(`latency: ${ackedCount} of ${total} acknowledged at ${round(achieved)}/s; ${deliveries} deliveries, gaps ${gaps}, duplicates ${duplicates}`);

  const load = `${CONSOLES} consoles, ${RATE}/s offered for ${SECONDS} s`;
  const baseline = { name: `gateway delivery capacity to the same ${CONSOLES} consoles (burst of ${BURST})`, value: round(capacity), unit: 'deliveries/s' };
  const offeredShare = (RATE * CONSOLES) / capacity;
  const conditions = [
    { holds: gaps === 0, text: `${gaps} events missing on consoles${drained ? '' : ' (not drained in 120 s)'}` },
    { holds: duplicates === 0, text: `${duplicates} duplicate frames` },
    { holds: achieved >= 0.95 * RATE, text: `the api acknowledged ${round(achieved)}/s of ${RATE}/s offered` },
  ];
  const note = `${round(achieved)}/s acknowledged; ${deliveries} deliveries; the load is ${round(offeredShare * 100)} % of the gateway's measured capacity; gaps ${gaps}, duplicates ${duplicates}, out of order ${outOfOrder}`;
  return [
    informational('latency.gateway_capacity', baseline.name, baseline.value, baseline.unit, { note: 'baseline: relay, JetStream and gateway, from the first commit to the last console' }),
    judged('latency.command_to_console_p50', `command → console p50 (${load})`, round(histogramPct(fromSend, 50)), 'ms', { atMost: 15 }, { baseline, note, conditions }),
    judged('latency.command_to_console_p99', `command → console p99 (${load})`, round(histogramPct(fromSend, 99)), 'ms', { atMost: 50 }, { baseline, conditions }),
    informational('latency.command_to_console_max', `command → console max (${load})`, round(fromSend.size ? histogramMax(fromSend) : Number.NaN), 'ms'),
    informational('latency.quiet_command_to_console_p50', `command → console p50 in a quiet room (${CONSOLES} consoles, ${QUIET_RATE}/s for ${QUIET_SECONDS} s)`, round(histogramPct(quietLatency, 50)), 'ms', {
      note: `max ${round(quietLatency.size ? histogramMax(quietLatency) : Number.NaN)} ms, ${quiet.ackedCount} commands: nothing queued, so this is the path's own latency (api, commit, NOTIFY, relay, JetStream, gateway); recorded → stored in JetStream p50 ${quietStoredP50} ms, recorded → console p50 ${round(histogramPct(quietFromRecorded, 50))} ms`,
    }),
    informational('latency.recorded_to_console_p99', `recorded → console p99 (${load})`, round(histogramPct(fromRecorded, 99)), 'ms', {
      note: `p50 ${round(histogramPct(fromRecorded, 50))} ms: from meta.recordedAt (the api's clock, ms resolution), without the HTTP queue before the api`,
    }),
    informational('latency.recorded_to_stored_p99', `recorded → stored in JetStream p99 (${load})`, storedPct(99), 'ms', {
      note: `p50 ${storedPct(50)} ms, ${toStored.length} events: the api's commit, NOTIFY, the relay's read and publish; the rest of recorded → console is JetStream → gateway → console (both clocks ms resolution)`,
    }),
    informational('latency.machine_cores', `cores busy during the paced load (${load})`, round(machineCores, 2), 'cores', {
      note: `by process: ${describeCores(machine, cpus().length, stolen)}; everything, the consoles and the load generator included, shares these cores`,
    }),
    informational('latency.gaps', `events missing on a console after the run (${load})`, gaps, 'events'),
    informational('latency.duplicates', `frames received twice (${load})`, duplicates, 'frames'),
  ];
}
