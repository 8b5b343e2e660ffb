/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`, e.g. the api's under
 * BENCH_PROFILE_DIR) as Markdown: where the process spent its CPU by package, and the functions
 * with the most self time. No downloads, no viewer: the report carries the table.
 *
 *   tsx test/bench/profile-summary.ts <file.cpuprofile | directory of them> [top=25] [fromUs toUs]
 *
 * A directory is summarised as one profile (the api's cluster workers each write their own).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  /** The ids of the frames this one called (what makes the nodes a call tree). */
  children?: number[];
}
export interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a frame belongs to, from its file: node_modules/<pkg>, packages|services/<name>, node: internals. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internals)';
  const modules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  const own = /\/(packages|services|test)\/([^/]+)\//.exec(url);
  if (own?.[1] && own[2]) return own[1] === 'test' ? 'test' : `@muster/${own[2]}`;
  return url;
}

export const short = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?|packages\/|services\/)/, '');

export async function profilesIn(path: string): Promise<CpuProfile[]> {
  if (!(await stat(path)).isDirectory()) return [JSON.parse(await readFile(path, 'utf8')) as CpuProfile];
  const files = (await readdir(path)).filter((f) => f.endsWith('.cpuprofile'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(path, f), 'utf8')) as CpuProfile));
}

/**
 * A span of the monotonic clock in microseconds (`process.hrtime.bigint() / 1000n`, which is the
 * clock of a profile's startTime and timeDeltas on Linux, across processes): only samples in it count.
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Self time in ms by key, over the samples of every profile (those in `window` when given). */
function selfTimes(profiles: CpuProfile[], keyOf: (frame: CallFrame) => string, window?: ProfileWindow): { byKey: Map<string, number>; totalMs: number } {
  const byKey = new Map<string, number>();
  let totalMs = 0;
  for (const profile of profiles) {
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    let at = profile.startTime;
    for (const [i, id] of profile.samples.entries()) {
      const delta = profile.timeDeltas[i] ?? 0;
      at += delta;
      if (window && (at < window.fromUs || at > window.toUs)) continue;
      const ms = delta / 1000;
      const frame = frames.get(id);
      if (!frame) continue;
      totalMs += ms;
      const key = keyOf(frame);
      byKey.set(key, (byKey.get(key) ?? 0) + ms);
    }
  }
  return { byKey, totalMs };
}

export function summarise(profiles: CpuProfile[], top: number, window?: ProfileWindow): string {
  const byPackage = selfTimes(profiles, packageOf, window);
  const idle = byPackage.byKey.get('(idle)') ?? 0;
  const busy = byPackage.totalMs - idle;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1)} %`;
  const rows = (map: Map<string, number>, n: number) => [...map.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, n);
  const lines = [
    `Profiled ${(byPackage.totalMs / 1000).toFixed(1)} s, of which ${(idle / 1000).toFixed(1)} s idle; shares below are of the ${(busy / 1000).toFixed(1)} s on CPU.`,
    '',
    '| package (self time) | ms | share |',
    '| --- | --- | --- |',
    ...rows(byPackage.byKey, 15).map(([k, ms]) => `| ${k} | ${ms.toFixed(0)} | ${pct(ms)} |`),
    '',
    `| function (top ${top} by self time) | where | ms | share |`,
    '| --- | --- | --- | --- |',
  ];
  const byFunction = selfTimes(profiles, (f) => `${f.functionName || '(anonymous)'}\u0000${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ''}`, window);
  for (const [key, ms] of rows(byFunction.byKey, top)) {
    const [name, where] = key.split('\u0000');
    lines.push(`| \`${name ?? ''}\` | ${where ?? ''} | ${ms.toFixed(0)} | ${pct(ms)} |`);
  }
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const [path, top, from, to] = process.argv.slice(2);
  if (!path) throw new Error('usage: profile-summary.ts <file.cpuprofile | directory> [top] [fromUs toUs]');
  const window = from && to ? { fromUs: Number(from), toUs: Number(to) } : undefined;
  process.stdout.write(`${summarise(await profilesIn(path), Number(top ?? 25), window)}\n`);
}
