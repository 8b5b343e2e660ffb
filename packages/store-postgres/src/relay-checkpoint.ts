import { isPosition, parsePosition, START_POSITION } from '@muster/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

/** The saved position of relay `name`, or null when it has never published anything. */
export async function loadCheckpoint(db: Kysely<Database>, name: string): Promise<string | null> {
  const row = await db.selectFrom('relay_checkpoint').select('position').where('name', '=', name).executeTakeFirst();
  return row?.position ?? null;
}

/**
 * Saves `position` as relay `name`'s checkpoint, only ever forwards: a relay that lost leadership
 * without noticing yet must not pull the checkpoint back behind what the new leader published (that
 * would only cost duplicates, but it is wrong). Returns false when the stored one was already later.
 */
export async function saveCheckpoint(db: Kysely<Database>, name: string, position: string): Promise<boolean> {
  if (!isPosition(position)) throw new RangeError(`not a log position: ${JSON.stringify(position)}`);
  // Positions compare as (txid, seq) numerically; text order would put "10.1" before "9.1".
  const result = await db
    .insertInto('relay_checkpoint')
    .values({ name, position, updated_at: sql<string>`now()` })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ position: (eb) => eb.ref('excluded.position'), updated_at: sql<string>`now()` })
        .where(
          sql<boolean>`(split_part(relay_checkpoint.position, '.', 1)::numeric, split_part(relay_checkpoint.position, '.', 2)::numeric)
            <= (split_part(excluded.position, '.', 1)::numeric, split_part(excluded.position, '.', 2)::numeric)`,
        ),
    )
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === undefined || result.numInsertedOrUpdatedRows > 0n;
}

interface RelayLag {
  /** Events a reader of the log can see that the relay has not published (by its saved checkpoint, or `from`). */
  events: number;
  /** Age of the oldest of them (its recorded time to the database's now), 0 when there is none. */
  ms: number;
}

/**
 * How far relay `name` is behind the global log, from its saved checkpoint, counting at most `cap`
 * events (an index range scan, so a huge backlog costs no more than `cap` rows). `from`: where the
 * relay's publishing stands when the caller knows it better than the checkpoint (the leading relay's
 * own process: its checkpoint is saved at most every 200 ms behind what the bus acknowledged).
 */
export async function relayLag(db: Kysely<Database>, name: string, options: { cap?: number; from?: string | null | undefined } = {}): Promise<RelayLag> {
  const cap = options.cap ?? 10_000;
  const { tx, seq } = parsePosition(options.from ?? (await loadCheckpoint(db, name)) ?? START_POSITION);
  const { rows } = await sql<{ events: string; ms: string | null }>`
    select count(*)::text as events,
           (extract(epoch from (now() - min(recorded_at))) * 1000)::bigint::text as ms
      from (select recorded_at from event
             where tx_id < pg_snapshot_xmin(pg_current_snapshot())
               and (tx_id, seq) > (${tx.toString()}::xid8, ${seq.toString()}::bigint)
             order by tx_id, seq
             limit ${cap}) behind`.execute(db);
  const row = rows[0];
  return { events: Number(row?.events ?? 0), ms: Math.max(0, Number(row?.ms ?? 0)) };
}
