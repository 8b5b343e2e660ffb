import { connect, migrateToLatest, type Database } from '@muster/store-postgres';
import type { Kysely } from 'kysely';
import pg from 'pg';

/** The server tests run against: the shared one on this machine unless TEST_DATABASE_URL says otherwise. */
export const TEST_SERVER_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

function urlFor(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(server: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, migrated database of its own for one test file (emmett's pattern): creating a database
 * costs milliseconds, and files never see each other's rows.
 */
export async function createTestDatabase(label: string, options: { migrate?: boolean; serverUrl?: string } = {}): Promise<TestDatabase> {
  // A server of the test's own (startPrivatePostgres) when what it checks depends on the whole server.
  const server = options.serverUrl ?? TEST_SERVER_URL;
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  const name = `muster_t_${safe}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(server, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = urlFor(server, name);
  const db = connect({ connectionString: url, maxConnections: 25, applicationName: `test:${label}` });
  if (options.migrate ?? true) await migrateToLatest(db);
  return {
    name,
    url,
    db,
    async drop() {
      await db.destroy();
      await admin(server, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
