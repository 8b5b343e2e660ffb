import type { ReadinessProbe } from '@muster/service-runtime';
import { databaseProbe, pendingMigrations, relayLag, type Database } from '@muster/store-postgres';
import type { Kysely } from 'kysely';

export { readiness } from '@muster/service-runtime';
export type { ReadinessProbe } from '@muster/service-runtime';

/** PostgreSQL answers a query, and it has run every migration this code knows. */
export function databaseProbes(db: Kysely<Database>): ReadinessProbe[] {
  return [
    databaseProbe(db),
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
