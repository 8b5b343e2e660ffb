import type { ReadinessSchema } from '@muster/contracts';
import { pendingMigrations, relayLag, type Database } from '@muster/store-postgres';
import { sql, type Kysely } from 'kysely';
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

/** Runs every probe at once; ready when all are ok. */
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

/** PostgreSQL answers a query, and it has run every migration this code knows. */
export function databaseProbes(db: Kysely<Database>): ReadinessProbe[] {
  return [
    {
      name: 'database',
      async check() {
        await sql`select 1`.execute(db);
        return { ok: true, detail: 'PostgreSQL answers' };
      },
    },
    {
      name: 'migrations',
      async check() {
        const pending = await pendingMigrations(db);
        return pending.length ? { ok: false, detail: `not applied: ${pending.join(', ')}` } : { ok: true, detail: 'current' };
      },
    },
  ];
}

/** The relay of this process publishes the log: the oldest event it has not published is younger than `boundMs`. */
export function relayLagProbe(db: Kysely<Database>, relayName: string, boundMs: number): ReadinessProbe {
  return {
    name: 'relay',
    async check() {
      const lag = await relayLag(db, relayName);
      const detail = `${lag.events} event(s) behind, oldest ${lag.ms} ms (bound ${boundMs} ms)`;
      return { ok: lag.ms <= boundMs, detail };
    },
  };
}
