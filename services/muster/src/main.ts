import { connect, migrateToLatest, verifyHashChains } from '@muster/store-postgres';
import { Command } from 'commander';
import pino from 'pino';
import { ActorSchema, parseOrThrow, ValidationError } from '@muster/contracts';
import { hashPassword, issueToken } from '@muster/identity';
import { jurisdictionsFromEnv } from '@muster/service-runtime';
import { z } from 'zod';
import { tokenSecret } from './auth';
import { startAll } from './start';
import { musterEnv } from './config';
import { readOnly, serverDatabase, toolDatabase } from './databases';
import { DataDirBusy } from './running-server';
import { backupDatabase, restoreDatabase, RestoreHorizonError } from './backup';

const program = new Command('muster').description('Muster incident command engine');

program
  .command('start')
  .description('run every service in one process (embedded PostgreSQL when DATABASE_URL is not set)')
  .action(async () => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const db = await serverDatabase(env, logger);
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
    // The embedded PostgreSQL is ours to keep up: started again when it stops under us, and when it
    // cannot be, the process exits non-zero so that its supervisor sees it (never 503s forever).
    db.supervise?.((error) => {
      logger.fatal({ err: error }, 'the database is gone; exiting');
      stopping = true;
      void muster.stop().finally(() => process.exit(1));
    });
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
    const target = await toolDatabase(env, logger, 'migrate');
    const db = connect({ connectionString: target.url, maxConnections: 1, applicationName: 'muster-migrate' });
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
    const target = await toolDatabase(env, logger, 'verify');
    const db = connect({ connectionString: readOnly(target.url), maxConnections: 1, applicationName: 'muster-verify' });
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
  .command('backup')
  .description('dump the database (pg_dump, custom format) to a file: events, projections, migrations and relay checkpoints')
  .requiredOption('--file <path>', 'the dump to write')
  .action(async (options: { file: string }) => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const target = await toolDatabase(env, logger, 'backup');
    let code = 0;
    try {
      const done = await backupDatabase(target.url, options.file);
      process.stdout.write(`BACKUP file=${options.file} postgres=${done.serverMajor} tool=${done.tool}\n`);
    } catch (error) {
      // pg_dump missing or too old, or its own error (its stderr is in the message): said plainly, exit 1.
      process.stderr.write(`muster backup: ${error instanceof Error ? error.message : String(error)}\n`);
      code = 1;
    } finally {
      await target.stop();
    }
    process.exit(code);
  });

program
  .command('restore')
  .description('restore a dump of `muster backup` into a new database on the same PostgreSQL server (pg_restore); run `muster verify` on it next')
  .requiredOption('--file <path>', 'the dump to read')
  .requiredOption('--database <name>', 'the database to create and restore into (must not exist)')
  .action(async (options: { file: string; database: string }) => {
    const env = musterEnv();
    const logger = pino({ level: env.LOG_LEVEL, name: 'muster' });
    const name = parseOrThrow(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _'), options.database, ['options', 'database']);
    const target = await toolDatabase(env, logger, 'restore');
    let code = 0;
    try {
      const done = await restoreDatabase(target.url, options.file, name);
      process.stdout.write(`RESTORED database=${name} events=${done.events} checkpoints=${done.checkpoints.join(',') || '-'}\n`);
    } catch (error) {
      if (!(error instanceof RestoreHorizonError)) throw error;
      process.stderr.write(`muster restore: ${error.message}\n`);
      code = 1;
    } finally {
      await target.stop();
    }
    process.exit(code);
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
  if (error instanceof DataDirBusy) {
    process.stderr.write(`muster: ${error.message}\n`);
    process.exit(2);
  }
  // A bad variable, option or configuration file (jurisdictions, rules, users): its path and what is wrong, no stack.
  if (!(error instanceof ValidationError)) throw error;
  process.stderr.write(`muster: invalid configuration\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
  process.exit(2);
}
