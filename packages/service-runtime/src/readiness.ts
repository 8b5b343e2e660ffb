import type { ReadinessSchema } from '@muster/contracts';
import type { z } from 'zod';

type Readiness = z.infer<typeof ReadinessSchema>;
type ReadinessCheck = Readiness['checks'][number];

/** One thing `/health/ready` looks at; it throws or answers `ok: false` with what it found. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<{ ok: boolean; detail: string }>;
}

/** A probe that has not answered by then fails: a database that hangs is as unready as one that refuses. */
const PROBE_TIMEOUT_MS = 1_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every probe at once; ready when all are ok. The same answer on every service's `/health/ready`. */
export async function readiness(probes: readonly ReadinessProbe[]): Promise<Readiness> {
  const checks = await Promise.all(
    probes.map(async (probe): Promise<ReadinessCheck> => {
      try {
        return { name: probe.name, ...(await withTimeout(probe.check(), PROBE_TIMEOUT_MS)) };
      } catch (error) {
        return { name: probe.name, ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const failed = checks.filter((c) => !c.ok);
  return { status: failed.length ? 'unavailable' : 'ok', reasons: failed.map((c) => `${c.name}: ${c.detail}`), checks };
}
