import pino, { type Logger } from 'pino';

/** How log lines look: `pretty` for people (colours in a terminal), `json` for machines (one object a line). */
export type LogFormat = 'pretty' | 'json';

/** LOG_FORMAT when set; otherwise pretty when standard output is a terminal and JSON lines when it is not. */
export function logFormatOf(format: LogFormat | undefined, stdoutIsTty = process.stdout.isTTY === true): LogFormat {
  return format ?? (stdoutIsTty ? 'pretty' : 'json');
}

/**
 * The logger of a process (a service, `muster start`, a CLI command). JSON lines go straight to
 * standard output; pretty lines go through pino-pretty in this thread (synchronously, so nothing is
 * lost at exit), loaded only when asked for.
 */
export async function createLogger(options: { name: string; level: string; format?: LogFormat | undefined }): Promise<Logger> {
  const settings = { name: options.name, level: options.level };
  if (logFormatOf(options.format) === 'json') return pino(settings);
  const { default: pretty } = await import('pino-pretty');
  return pino(settings, pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
}
