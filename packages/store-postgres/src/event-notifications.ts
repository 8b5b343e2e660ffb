import type { Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from './database';
import { poolOf } from './connect';

/** The channel the `event_notify` trigger notifies on each commit that added events. */
const EVENT_CHANNEL = 'muster_event';

export interface EventListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /**
   * Where the session comes from: a connection of `db`'s own pool (held for as long as it listens,
   * so a process keeps one pool of DB_POOL_SIZE connections), or a session of its own to `connectionString`.
   */
  source: { db: Kysely<Database> } | { connectionString: string; applicationName: string };
  /** Called on every notification: some transaction that added events has committed. */
  onEvents(): void;
  /** Called once when the session is lost after it listened (terminated, network, server restart). */
  onLost(error: Error): void;
}

/** A LISTEN session: a pooled connection given back (destroyed when lost), or a client of its own. */
async function session(source: ListenOptions['source']): Promise<{ client: pg.ClientBase; end(error?: Error): Promise<void> }> {
  if ('db' in source) {
    const pool = poolOf(source.db);
    if (!pool) throw new Error('listenForEvents: this database handle was not made by connect()');
    const client = await pool.connect();
    let released = false;
    return {
      client,
      end: async (error) => {
        if (released) return;
        released = true;
        // A healthy connection goes back without its LISTEN; a lost one is destroyed by the pool.
        if (!error) await client.query(`unlisten ${EVENT_CHANNEL}`).catch(() => undefined);
        client.release(error ?? false);
      },
    };
  }
  const client = new pg.Client({ connectionString: source.connectionString, application_name: source.applicationName, connectionTimeoutMillis: 5_000 });
  await client.connect().catch(async (error: unknown) => {
    await client.end().catch(() => undefined);
    throw error;
  });
  return { client, end: () => client.end().catch(() => undefined) };
}

/**
 * A session that LISTENs for committed events. LISTEN belongs to a session, so it is held for as
 * long as it listens; a lost session loses its notifications, which is why the caller must read the
 * log again (and keep polling slowly) after `onLost`.
 */
export async function listenForEvents(options: ListenOptions): Promise<EventListener> {
  const { client, end } = await session(options.source);
  let closing = false;
  let lost = false;
  const lose = (error: Error) => {
    if (closing || lost) return;
    lost = true;
    options.onLost(error);
    // The session is gone or going: make sure the socket is too.
    void end(error);
  };
  const onNotification = (message: pg.Notification) => {
    if (message.channel === EVENT_CHANNEL) options.onEvents();
  };
  const onEnd = () => lose(new Error('the LISTEN session ended'));
  client.on('notification', onNotification);
  client.on('error', lose);
  client.on('end', onEnd);
  try {
    await client.query(`listen ${EVENT_CHANNEL}`);
  } catch (error) {
    closing = true;
    await end(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  return {
    async close() {
      closing = true;
      // A pooled client lives on after this listener: it must not call us any more.
      client.off('notification', onNotification);
      client.off('error', lose);
      client.off('end', onEnd);
      await end(lost ? new Error('lost') : undefined);
    },
  };
}
