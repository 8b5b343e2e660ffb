import { ValidationError } from '@muster/contracts';
import type { Logger } from 'pino';
import { createLogger, type LogFormat } from './logger';

export interface ServiceContext<E> {
  env: E;
  logger: Logger;
  /** True once a stop signal arrived: long start-up loops (waiting for NATS) give up. */
  stopping(): boolean;
  /**
   * Keeps a resource the service built (a pool, a bus connection, a listening server) and how to
   * release it. On stop, resources are released in the reverse order they were held, so what was
   * built on a resource is gone before the resource itself.
   */
  hold<T>(resource: T, release: (resource: T) => Promise<void>): T;
}

/**
 * Runs a service process: its environment parsed once by `parseEnv` (a zod-checked reader that
 * throws ValidationError; build it from BaseEnvShape), a logger at the environment's LOG_LEVEL, and a
 * clean stop on SIGINT/SIGTERM that releases every held resource, newest first. A ValidationError
 * from `parseEnv` or from `start` (a file the environment names) exits with 2 and the failing paths.
 */
export async function runService<E extends { LOG_LEVEL: string; LOG_FORMAT?: LogFormat | undefined }>(name: string, parseEnv: () => E, start: (context: ServiceContext<E>) => Promise<void>): Promise<void> {
  let env: E;
  try {
    env = parseEnv();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    process.stderr.write(`${name}: invalid environment\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
    process.exit(2);
  }
  const logger = await createLogger({ name, level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  const releases: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async () => {
    for (let release = releases.pop(); release; release = releases.pop()) await release();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping');
      stopping = true;
      stop()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        });
    });
  }
  try {
    await start({
      env,
      logger,
      stopping: () => stopping,
      hold: (resource, release) => {
        releases.push(() => release(resource));
        return resource;
      },
    });
  } catch (error) {
    // A file the environment names (jurisdictions, rules, users) is configuration too: refused like a
    // bad variable, naming the file, the entry and the field, before the service serves anything.
    if (!(error instanceof ValidationError)) throw error;
    process.stderr.write(`${name}: invalid configuration\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
    await stop().catch((releaseError: unknown) => logger.error({ err: releaseError }, 'unclean shutdown'));
    process.exit(2);
  }
}
