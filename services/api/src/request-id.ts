import { randomUUID } from 'node:crypto';

/** An id a client may choose: a short token of letters, digits and `._:-` (a UUID, a trace id), nothing a log could be fooled by. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * The id of a request: the caller's `x-request-id` when it is a sane short token (a proxy or a client
 * joining its own logs to ours), otherwise a new UUID. It labels the request's log lines, comes back
 * in the answer's `x-request-id`, and is recorded on the events the request's command wrote.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
