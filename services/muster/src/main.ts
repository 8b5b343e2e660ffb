import { Command } from 'commander';
import type { Logger } from 'pino';
import type { MusterEnv } from './config';
import { exitOnInvalidConfiguration, tokenCommand } from './token-command';

// Each command imports what it needs when it runs (issue 18): `muster token` must answer within a
// second, and loading the api, the gateway, the store and the embedded database for it took most of
// the 11–20 s it used to take. Only commander is loaded for every command. Which database a command
// uses (the running server's, or its own embedded one) is ./databases (issue 19).

async function envAndLogger(): Promise<{ env: MusterEnv; logger: Logger }> {
  const [{ musterEnv }, { createLogger }] = await Promise.all([import('./config'), import('@muster/service-runtime')]);
  const env = musterEnv();
  return { env, logger: await createLogger({ name: 'muster', level: env.LOG_LEVEL, format: env.LOG_FORMAT }) };
}

const program = new Command('muster').description('Muster incident command engine');

program
  .command('start')
  .description('run every service in one process (embedded PostgreSQL when DATABASE_URL is not set)')
  .action(async () => {
    // The embedded PostgreSQL (a process of its own) starts first and the services' modules load
    // meanwhile: a restart waits for the slower of the two instead of both (issue 18: healthy within 3 s).
    const [{ databaseEnv }, { createLogger }] = await Promise.all([import('./database-env'), import('@muster/service-runtime')]);
    const early = databaseEnv();
    const logger = await createLogger({ name: 'muster', level: early.LOG_LEVEL, format: early.LOG_FORMAT });
    const starting = import('./databases').then(({ serverDatabase }) => serverDatabase(early, logger));
    // Not left unhandled while the modules load; awaited (and its error thrown) below.
    starting.catch(() => undefined);
    let env: MusterEnv;
    let startAll: (typeof import('./start'))['startAll'];
    try {
      const [config, start] = await Promise.all([import('./config'), import('./start')]);
      env = config.musterEnv();
      startAll = start.startAll;
    } catch (error) {
      await starting.then((db) => db.stop()).catch(() => undefined);
      throw error;
    }
    const db = await starting;
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

program.addCommand(tokenCommand());

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const { env, logger } = await envAndLogger();
    const [{ connect, migrateToLatest }, { toolDatabase }] = await Promise.all([import('@muster/store-postgres'), import('./databases')]);
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
    const { env, logger } = await envAndLogger();
    const [{ connect, verifyHashChains }, { readOnly, toolDatabase }] = await Promise.all([import('@muster/store-postgres'), import('./databases')]);
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
  .command('replay')
  .description('rebuild every stream (or one incident’s) from its events through its machine and compare with the stored state; exit 1 naming each stream that differs')
  .option('--incident <id>', 'only the streams of this incident')
  .action(async (options: { incident?: string }) => {
    const { env, logger } = await envAndLogger();
    const [{ connect }, { readOnly, toolDatabase }, { replayStreams }] = await Promise.all([import('@muster/store-postgres'), import('./databases'), import('./log-tools')]);
    const target = await toolDatabase(env, logger, 'replay');
    const db = connect({ connectionString: readOnly(target.url), maxConnections: 1, applicationName: 'muster-replay' });
    let ok = false;
    try {
      const report = await replayStreams(db, options.incident);
      for (const m of report.mismatches) process.stdout.write(`DIFFERS stream=${m.streamId} type=${m.streamType} version=${m.version} reason=${m.reason}\n`);
      process.stdout.write(`${report.mismatches.length === 0 ? 'OK' : 'FAILED'} streams=${report.streams} events=${report.events} differing=${report.mismatches.length}\n`);
      ok = report.mismatches.length === 0;
    } finally {
      await db.destroy();
      await target.stop();
    }
    process.exit(ok ? 0 : 1);
  });

program
  .command('export')
  .description('write every event of an incident as JSON lines (stream by stream, in version order) to a file or standard output')
  .requiredOption('--incident <id>', 'the incident')
  .option('--file <path>', 'the file to write (standard output when absent)')
  .action(async (options: { incident: string; file?: string }) => {
    const { env, logger } = await envAndLogger();
    const [{ connect }, { readOnly, toolDatabase }, { exportIncident }, { createWriteStream }] = await Promise.all([
      import('@muster/store-postgres'),
      import('./databases'),
      import('./log-tools'),
      import('node:fs'),
    ]);
    const target = await toolDatabase(env, logger, 'export');
    const db = connect({ connectionString: readOnly(target.url), maxConnections: 1, applicationName: 'muster-export' });
    let count = 0;
    try {
      const file = options.file === undefined ? null : createWriteStream(options.file);
      count = await exportIncident(db, options.incident, (line) => (file ? file.write(line) : process.stdout.write(line)));
      if (file) await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
    } finally {
      await db.destroy();
      await target.stop();
    }
    // No event: no such incident in this database (or a typo): said, and exit 1 for scripts.
    if (count === 0) process.stderr.write(`muster export: no event of incident ${options.incident}\n`);
    else process.stderr.write(`EXPORTED incident=${options.incident} events=${count}${options.file ? ` file=${options.file}` : ''}\n`);
    process.exit(count === 0 ? 1 : 0);
  });

program
  .command('backup')
  .description('dump the database (pg_dump, custom format) to a file: events, projections, migrations and relay checkpoints')
  .requiredOption('--file <path>', 'the dump to write')
  .action(async (options: { file: string }) => {
    const { env, logger } = await envAndLogger();
    const [{ toolDatabase }, { backupDatabase }] = await Promise.all([import('./databases'), import('./backup')]);
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
    const { env, logger } = await envAndLogger();
    const [{ toolDatabase }, { restoreDatabase, RestoreHorizonError }, { parseOrThrow }, { z }] = await Promise.all([
      import('./databases'),
      import('./backup'),
      import('@muster/contracts'),
      import('zod'),
    ]);
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
    const { hashPassword } = await import('@muster/identity');
    process.stdout.write(`${await hashPassword(password)}\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const { DataDirBusy } = await import('./running-server');
  if (error instanceof DataDirBusy) {
    process.stderr.write(`muster: ${error.message}\n`);
    process.exit(2);
  }
  await exitOnInvalidConfiguration(error);
}
