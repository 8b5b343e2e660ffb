import { HTTP_STATUS, MusterError, UnavailableError, ValidationError, type ErrorBody } from '@muster/contracts';
import { InvalidCursor } from '@muster/store-postgres';
import type { FastifyError } from 'fastify';

/** PostgreSQL is unreachable or restarting: the client should retry, so answer 503, not 500. */
function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // 08xxx connection exceptions, 57P01-57P03 admin shutdown / crash / cannot connect now.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE') return true;
  }
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/.test(
    error.message,
  );
}

/** A limit in words a person reads: 262144 bytes is "256 KiB (262144 bytes)". */
function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB (${bytes} bytes)`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}

/**
 * Maps any thrown value to the one error model; the only place HTTP statuses are chosen. `bodyLimit`
 * is the limit of the route that refused the body, named in a 413 so the client knows what fits.
 */
export function toHttpError(error: unknown, context: { bodyLimit?: number | undefined } = {}): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof MusterError) return { status: HTTP_STATUS[error.code], body: error.toBody(), internal: false };
  if (error instanceof InvalidCursor) {
    const e = new ValidationError([{ path: 'after', message: error.message }]);
    return { status: HTTP_STATUS[e.code], body: e.toBody(), internal: false };
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = context.bodyLimit === undefined ? 'the limit' : `the limit of ${describeBytes(context.bodyLimit)}`;
      const e = new MusterError('payload_too_large', `request body is larger than ${limit}`);
      return { status: HTTP_STATUS[e.code], body: e.toBody(), internal: false };
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const e = new MusterError('unsupported_media_type', 'send the body as application/json');
      return { status: HTTP_STATUS[e.code], body: e.toBody(), internal: false };
    }
    // @fastify/static refuses a path that leaves its root (`/console/../x`, `/console/%00`): to the
    // client that file simply does not exist; saying "forbidden" would only confirm the probe.
    case 'FST_STATIC_FORBIDDEN_PATH': {
      const e = new MusterError('not_found', 'no such file');
      return { status: HTTP_STATUS[e.code], body: e.toBody(), internal: false };
    }
    default:
      break;
  }
  // Any other refusal of Fastify or a plugin carries a 4xx status: the request's fault, never a 500.
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const e = clientError(status, fastifyError.message ?? 'bad request');
    return { status: HTTP_STATUS[e.code], body: e.toBody(), internal: false };
  }
  if (isDatabaseUnavailable(error)) {
    const e = new UnavailableError('the database is unavailable; retry shortly');
    return { status: HTTP_STATUS[e.code], body: e.toBody(), internal: false };
  }
  const e = new MusterError('internal', 'internal error');
  return { status: HTTP_STATUS[e.code], body: e.toBody(), internal: true };
}

/** A 4xx of Fastify or a plugin in the closed vocabulary; statuses it has no word for are malformed requests. */
function clientError(status: number, message: string): MusterError {
  switch (status) {
    case 403:
      return new MusterError('forbidden', message);
    case 404:
      return new MusterError('not_found', message);
    case 413:
      return new MusterError('payload_too_large', message);
    case 415:
      return new MusterError('unsupported_media_type', message);
    case 429:
      return new MusterError('rate_limited', message);
    default:
      return new ValidationError([{ path: '', message: `malformed request: ${message}` }], 'malformed');
  }
}
