import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from './database';
import { parsePosition } from '@muster/contracts';

/** The channel the `event_notify` trigger notifies on each commit that added events. */
const EVENT_CHANNEL = 'muster_event';

export interface EventListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  connectionString: string;
  applicationName: string;
  /** Called on every notification: some transaction that added events has committed. */
  onEvents(): void;
  /** Called once when the session is lost after it listened (terminated, network, server restart). */
  onLost(error: Error): void;
}

/**
 * A dedicated session that LISTENs for committed events. LISTEN belongs to a session, so it cannot
 * run on a pooled connection; a lost session loses its notifications, which is why the caller must
 * read the log again (and keep polling slowly) after `onLost`.
 */
export async function listenForEvents(options: ListenOptions): Promise<EventListener> {
  const client = new pg.Client({ connectionString: options.connectionString, application_name: options.applicationName, connectionTimeoutMillis: 5_000 });
  let closing = false;
  let lost = false;
  const lose = (error: Error) => {
    if (closing || lost) return;
    lost = true;
    options.onLost(error);
    // The session is gone or going: make sure the socket is too.
    void client.end().catch(() => undefined);
  };
  client.on('notification', (message) => {
    if (message.channel === EVENT_CHANNEL) options.onEvents();
  });
  client.on('error', lose);
  client.on('end', () => lose(new Error('the LISTEN session ended')));
  try {
    await client.connect();
    await client.query(`listen ${EVENT_CHANNEL}`);
  } catch (error) {
    closing = true;
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    async close() {
      closing = true;
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * Whether committed events after `after` exist that readGlobalLog does not return yet, because a
 * transaction that began before they committed is still in flight (the snapshot horizon). Their
 * NOTIFY has already been delivered, so a reader woken by it must look again shortly.
 */
export async function eventsBehindHorizon(db: Kysely<Database>, after: string): Promise<boolean> {
  const { tx, seq } = parsePosition(after);
  const row = await db
    .selectFrom('event')
    .select(sql<number>`1`.as('one'))
    .where(sql<boolean>`tx_id >= pg_snapshot_xmin(pg_current_snapshot())`)
    .where(sql<boolean>`(tx_id, seq) > (${tx.toString()}::xid8, ${seq.toString()}::bigint)`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
