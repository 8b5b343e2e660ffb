import { createEngine } from '@muster/engine';
import { connect, migrateToLatest, PostgresEventStore } from '@muster/store-postgres';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApi } from './app';

export interface ApiServerOptions {
  databaseUrl: string;
  host: string;
  port: number;
  logLevel: string;
  poolSize: number;
  /** Run migrations before listening (the default: `muster start` and the api both migrate on start). */
  migrate?: boolean;
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Connects, migrates and listens: the api as one process or as part of `muster start`. */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApi> {
  const logger = pino({ level: options.logLevel, name: 'api' });
  const db = connect({ connectionString: options.databaseUrl, maxConnections: options.poolSize, applicationName: 'muster-api' });
  if (options.migrate ?? true) await migrateToLatest(db);
  const engine = createEngine({ store: new PostgresEventStore(db) });
  const app = buildApi({ engine, db, logger });
  const url = await app.listen({ host: options.host, port: options.port });
  return {
    app,
    url,
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}
