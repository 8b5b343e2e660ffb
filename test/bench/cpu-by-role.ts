/**
 * CPU time by role on this machine (issue 18): every process's user + system time from /proc, grouped
 * by what it is (a Muster service, PostgreSQL, NATS, the bench's console processes, the bench itself).
 * Two readings around a loop say where the machine's cores went during it; on a shared 2-core machine
 * that is what explains a rate or a tail the api alone does not.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

export type CpuReading = Map<string, number>;

function roleOf(commandLine: string): string {
  const service = /services\/(\w+)\/src\/main\.ts/.exec(commandLine);
  if (service?.[1]) return service[1];
  if (commandLine.includes('console-process.ts')) return 'consoles';
  if (commandLine.includes('test/bench/run.ts')) return 'bench';
  if (/^postgres(:|\s|$)|\/postgres\s/.test(commandLine)) return 'postgres';
  if (commandLine.includes('nats-server')) return 'nats';
  return 'other';
}

/** Every process now alive: its parent, the CPU it has used so far (user + system, ms) and its command line. */
export async function processCpu(): Promise<{ pid: number; ppid: number; ms: number; commandLine: string }[]> {
  const processes: { pid: number; ppid: number; ms: number; commandLine: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const [stat, commandLine] = await Promise.all([
      readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''),
      readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
    ]);
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 13) continue;
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    processes.push({ pid: Number(entry), ppid: Number(fields[1]), ms, commandLine: commandLine.replace(/\0/g, ' ').trim() });
  }
  return processes;
}

/**
 * Not a process: the time the hypervisor gave other guests while this machine wanted the cores
 * (steal). Kept beside the roles, left out of their sum.
 */
const STEAL = 'steal';

/** CPU ms used so far by every process now alive, summed by role, and the machine's steal so far. */
export async function cpuByRole(): Promise<CpuReading> {
  const reading: CpuReading = new Map();
  for (const { ms, commandLine } of await processCpu()) {
    const role = roleOf(commandLine);
    reading.set(role, (reading.get(role) ?? 0) + ms);
  }
  reading.set(STEAL, ((await stealTicks()) * 1000) / CLOCK_TICKS);
  return reading;
}

/**
 * What each role used between two readings, in cores (CPU seconds per second of `seconds`), largest
 * first; a process that ended between the readings is missing from the second and is left out.
 */
function coresBetween(before: CpuReading, after: CpuReading, seconds: number): { role: string; cores: number }[] {
  return [...after]
    .filter(([role]) => role !== STEAL)
    .map(([role, ms]) => ({ role, cores: Math.max(0, ms - (before.get(role) ?? 0)) / 1000 / seconds }))
    .filter((r) => r.cores >= 0.005)
    .sort((a, b) => b.cores - a.cores);
}

/** What the machine did while some work ran: each role's cores, the hypervisor's steal, how long. */
export interface MachineStretch {
  used: { role: string; cores: number }[];
  stolen: number;
  seconds: number;
}

/** Runs `work` between two readings of every process's CPU: its result and the machine's stretch. */
export async function machineDuring<T>(work: () => Promise<T>): Promise<{ result: T; machine: MachineStretch }> {
  const before = await cpuByRole();
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  const after = await cpuByRole();
  return { result, machine: { used: coresBetween(before, after, seconds), stolen: stolenBetween(before, after, seconds), seconds } };
}

/** Several measured stretches as one: each role's cores and the steal weighted by the stretch's length; seconds and ops summed. */
export function combinedCores(stretches: readonly (MachineStretch & { ops: number })[]): MachineStretch & { ops: number } {
  const seconds = stretches.reduce((sum, s) => sum + s.seconds, 0);
  const ops = stretches.reduce((sum, s) => sum + s.ops, 0);
  const byRole = new Map<string, number>();
  for (const s of stretches) for (const { role, cores } of s.used) byRole.set(role, (byRole.get(role) ?? 0) + cores * s.seconds);
  const used = [...byRole].map(([role, coreSeconds]) => ({ role, cores: seconds > 0 ? coreSeconds / seconds : 0 })).sort((a, b) => b.cores - a.cores);
  const stolen = seconds > 0 ? stretches.reduce((sum, s) => sum + s.stolen * s.seconds, 0) / seconds : 0;
  return { used, stolen, seconds, ops };
}

/** Cores' worth of time the hypervisor took between two readings (steal). */
export function stolenBetween(before: CpuReading, after: CpuReading, seconds: number): number {
  return Math.max(0, (after.get(STEAL) ?? 0) - (before.get(STEAL) ?? 0)) / 1000 / seconds;
}

/** `api 0.62, postgres 0.41, … (1.85 of 2 cores; the hypervisor took 0.10 more)`. */
export function describeCores(used: { role: string; cores: number }[], cpus: number, stolen?: number): string {
  const total = used.reduce((sum, r) => sum + r.cores, 0);
  const steal = stolen === undefined ? '' : `; the hypervisor took ${stolen.toFixed(2)} more (steal)`;
  return `${used.map((r) => `${r.role} ${r.cores.toFixed(2)}`).join(', ')} (${total.toFixed(2)} of ${cpus} cores${steal})`;
}

/** The machine's steal so far (/proc/stat, all cores, ticks): time the hypervisor gave other guests while this machine wanted its cores. */
async function stealTicks(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal ...
  const steal = Number(line.trim().split(/\s+/)[8]);
  return Number.isFinite(steal) ? steal : 0;
}
