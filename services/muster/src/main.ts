import { connect, migrateToLatest, verifyHashChains } from '@muster/store-postgres';
import { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { ActorSchema, parseOrThrow, ValidationError } from '@muster/contracts';
import { hashPassword, issueToken } from '@muster/identity';
import { jurisdictionsFromEnv } from '@muster/service-runtime';
import { z } from 'zod';
import { tokenSecret } from './auth';
import { startAll } from './start';
import { musterEnv, type MusterEnv } from './config';
import { startEmbeddedDatabase } from './embedded-database';

/** The database to use: DATABASE_URL when set, otherwise the embedded one under MUSTER_DATA_DIR. */
async function database(env: MusterEnv, logger: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stop: async () => undefined };
  return startEmbeddedDatabase(env.MUSTER_DATA_DIR, env.MUSTER_PG_PORT, logger);
}

const program = new Command('muster').description('Muster incident command engine');

program
  .command('start')
  .description('run every service in one process (embedded PostgreSQL when DATABASE_URL is not set)')
  .action(async () => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const db = await database(env, logger);
    const muster = await startAll(env, db.url, logger).catch(async (error: unknown) => {
      await db.stop();
      throw error;
    });
    logger.info({ embeddedDatabase: !env.DATABASE_URL }, 'database');
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      await muster.stop();
      await db.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program
  .command('token')
  .description('print a signed token for development (uses MUSTER_JWT_SECRET or the data directory\'s secret)')
  .requiredOption('--user <id>', 'user id')
  .option('--roles <roles>', 'comma-separated roles', 'duty_officer')
  .requiredOption('--jurisdiction <code>', 'jurisdiction code of the served tree (6 digits, 9 for a township)')
  .option('--name <name>', 'display name')
  .option('--ttl <seconds>', 'validity in seconds', '3600')
  .action(async (options: { user: string; roles: string; jurisdiction: string; name?: string; ttl: string }) => {
    const env = musterEnv();
    const actor = parseOrThrow(ActorSchema, { userId: options.user, roles: options.roles.split(','), jurisdiction: options.jurisdiction }, ['options']);
    // A token for a room outside the served tree would be refused by every service: refuse to print it.
    const tree = await jurisdictionsFromEnv(env);
    if (!tree.has(actor.jurisdiction)) throw new ValidationError([{ path: 'options.jurisdiction', message: `unknown jurisdiction ${actor.jurisdiction}: not in the served tree` }]);
    const ttlSeconds = parseOrThrow(z.coerce.number().int().min(1).max(30 * 24 * 3600), options.ttl, ['options', 'ttl']);
    const token = await issueToken({ ...actor, name: options.name ?? actor.userId }, { secret: await tokenSecret(env), ttlSeconds });
    process.stdout.write(`${token}\n`);
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const target = await database(env, logger);
    const db = connect({ connectionString: target.url, maxConnections: 1 });
    try {
      const result = await migrateToLatest(db);
      for (const r of result.results ?? []) logger.info({ migration: r.migrationName, status: r.status }, 'migration');
      if (!result.results?.length) logger.info('database already up to date');
    } finally {
      await db.destroy();
      await target.stop();
    }
  });

program
  .command('verify')
  .description('check the hash chain of every stream; exit 1 naming the first changed event of each broken one')
  .action(async () => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const target = await database(env, logger);
    const db = connect({ connectionString: target.url, maxConnections: 1 });
    let ok = false;
    try {
      const report = await verifyHashChains(db);
      for (const b of report.broken) process.stdout.write(`BROKEN stream=${b.streamId} version=${b.version} event=${b.eventId ?? '-'} reason=${b.reason}\n`);
      process.stdout.write(`${report.ok ? 'OK' : 'FAILED'} streams=${report.streams} events=${report.events} broken=${report.broken.length} heads=${report.headsDigest}\n`);
      ok = report.ok;
    } finally {
      await db.destroy();
      await target.stop();
    }
    // An explicit exit: the embedded database's exit hook otherwise ends the process with status 0.
    process.exit(ok ? 0 : 1);
  });

program
  .command('hash-password')
  .description('read a password on standard input and print its hash for MUSTER_USERS_FILE (passwordHash)')
  .action(async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    // One line, as typed or piped; the line break is not part of the password.
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (password.length === 0) {
      process.stderr.write('muster hash-password: no password on standard input\n');
      process.exit(2);
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A bad variable, option or configuration file (jurisdictions, rules, users): its path and what is wrong, no stack.
  if (!(error instanceof ValidationError)) throw error;
  process.stderr.write(`muster: invalid configuration\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
  process.exit(2);
}
