import { ValidationError } from '@muster/contracts';
import pino, { type Logger } from 'pino';

export interface ServiceContext<E> {
  env: E;
  logger: Logger;
  /** True once a stop signal arrived: long start-up loops (waiting for NATS) give up. */
  stopping(): boolean;
  /** What a stop signal runs; each call replaces the previous one as the service starts more parts. */
  onStop(stop: () => Promise<void>): void;
}

/**
 * Runs a service process: its environment parsed by `parseEnv` (a zod-checked reader that throws
 * ValidationError), a logger at the environment's LOG_LEVEL, and a clean stop on SIGINT/SIGTERM.
 */
export async function runService<E extends { LOG_LEVEL: string }>(name: string, parseEnv: () => E, start: (context: ServiceContext<E>) => Promise<void>): Promise<void> {
  let env: E;
  try {
    env = parseEnv();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    process.stderr.write(`${name}: invalid environment\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
    process.exit(2);
  }
  const logger = pino({ name, level: env.LOG_LEVEL });
  let stopping = false;
  let stop: () => Promise<void> = async () => undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping');
      stopping = true;
      void stop()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        });
    });
  }
  await start({
    env,
    logger,
    stopping: () => stopping,
    onStop: (next) => {
      stop = next;
    },
  });
}
