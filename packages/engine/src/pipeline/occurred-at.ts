import { IsoTimeSchema, ValidationError } from '@muster/contracts';
import type { IncidentContext, StreamType } from '@muster/domain';
import type { AggregateRegistration } from '../aggregates';
import type { StoredStream } from '../ports';
import type { CommandEnvelope, PipelineContext } from './types';

/**
 * Times outside these years never reach the store, whoever sends them: PostgreSQL has no year 0 and
 * deadlines computed from a time near 9999 overflow ISO 8601's four-digit years.
 */
const EARLIEST_TIME = Date.UTC(1970, 0, 1);
const LATEST_TIME = Date.UTC(2999, 11, 31, 23, 59, 59, 999);

/** The earliest moment a command may claim to have happened, and what that moment is. */
export interface NotBefore {
  time: number;
  what: string;
}

function occurredAtIssue(message: string): ValidationError {
  return new ValidationError([{ path: 'occurredAt', message }]);
}

/** occurredAt as a time, if it is one the store can hold; checked for every caller. */
function occurredTime(occurredAt: string): number {
  const time = Date.parse(occurredAt);
  if (!IsoTimeSchema.safeParse(occurredAt).success || !Number.isFinite(time)) throw occurredAtIssue('must be an ISO 8601 time with an offset');
  if (time < EARLIEST_TIME || time > LATEST_TIME) throw occurredAtIssue('must lie between 1970 and 2999');
  return time;
}

/** The moment a stream's record opens: its own opening, else what its incident's state says. */
function openingTime(stream: { openedAt?: string | undefined } | null, incident: IncidentContext | null): number | null {
  const candidates = [stream?.openedAt, ...(stream?.openedAt === undefined ? [incident?.occurredAt, incident?.reportedAt] : [])]
    .filter((t): t is string => typeof t === 'string')
    .map((t) => Date.parse(t))
    .filter((t) => Number.isFinite(t));
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/**
 * What a command may not claim to precede: the opening of its stream's record (or of its incident's,
 * for a stream it opens); for a new incident, the reporting window.
 */
export function notBeforeOf<K extends StreamType>(
  ctx: PipelineContext,
  registration: AggregateRegistration<K>,
  target: { stream: StoredStream<K> | null; parent: StoredStream<'incident'> | null; incident: IncidentContext | null },
  now: Date,
): NotBefore | null {
  const { stream, parent, incident } = target;
  const opensIncident = registration.ownIncident !== undefined && stream === null;
  const opening = opensIncident ? null : openingTime(stream ?? parent, incident);
  if (opening !== null) return { time: opening, what: `the ${stream ? registration.definition.streamType : 'incident'}'s first record` };
  if (!opensIncident) return null;
  const window = ctx.maxReportBackdateMs;
  return { time: now.getTime() - window, what: `the reporting window of ${Math.round(window / 86_400_000)} days` };
}

/**
 * A client's occurredAt must not lie in the future beyond the clock skew allowed (confirming "in 2099"
 * would move every deadline there), nor before `notBefore`: the opening of the stream's record, or
 * for a new incident the reporting window. System callers are trusted beyond the sanity check.
 */
export function checkOccurredAt(ctx: PipelineContext, command: CommandEnvelope, now: Date, notBefore: NotBefore | null): void {
  if (command.occurredAt === undefined) return;
  const time = occurredTime(command.occurredAt);
  if (command.system !== undefined) return;
  const skew = ctx.maxClockSkewMs;
  if (time > now.getTime() + skew) throw occurredAtIssue(`must not lie in the future (more than ${Math.round(skew / 1000)} s ahead of the server clock)`);
  if (notBefore !== null && time < notBefore.time) throw occurredAtIssue(`must not lie before ${notBefore.what} (${new Date(notBefore.time).toISOString()})`);
}
