import { IllegalTransitionError, type CommandResult } from '@muster/contracts';
import type { IncidentContext, StreamType } from '@muster/domain';
import type { AggregateRegistration, Payload } from '../aggregates';
import { authorize } from './authorize';
import { decideOn } from './decide';
import { loadTarget } from './load';
import { checkOccurredAt, notBeforeOf } from './occurred-at';
import { reactionsOf } from './react';
import type { AppendOutcome, StreamRecord } from '../ports';
import type { Handled, KnownCommand, PipelineContext } from './types';
import { writeFor } from './write';

/**
 * One attempt at a command, start to commit: load its stream, authorize it, decide it, decide what
 * it causes, write it all in one transaction. A lost race for the stream (StreamVersionConflict)
 * leaves nothing behind; the caller retries the whole attempt.
 */
export async function attempt<K extends StreamType>(
  ctx: PipelineContext,
  registration: AggregateRegistration<K>,
  command: KnownCommand<K>,
  handled: Handled,
  payload: Payload,
  /** The target stream at its stored version, when the engine knows it already (see loadTarget). */
  known?: StreamRecord | null,
  /** Marked when the store finds this command already written (by a racing send of it): the answer is the stored one. */
  seen?: { duplicate: boolean },
): Promise<CommandResult> {
  const stream = await loadTarget(ctx, registration, command, known);
  const { incidentId, parent, incident } = await authorize(ctx, registration, command, payload, stream);

  const now = ctx.clock.now();
  // The opening of a record is looked up only for a client that states when its command happened.
  const dated = command.occurredAt !== undefined && command.system === undefined;
  const opened = async <S extends { streamId: string; openedAt?: string | undefined }>(s: S | null): Promise<S | null> =>
    s && dated && s.openedAt === undefined ? { ...s, openedAt: await ctx.store.openingOf(s.streamId) } : s;
  // Only a command that states when it happened has anything to check (most do not: the profile
  // of issue 18 showed the bounds' date parsing on every command).
  if (command.occurredAt !== undefined) {
    checkOccurredAt(ctx, command, now, notBeforeOf(ctx, registration, { stream: await opened(stream), parent: await opened(parent), incident }, now));
  }
  const enriched = registration.enrich?.(command.type, payload, stream?.state.context ?? null, ctx.tree, { incident, actor: command.actor, now, rules: ctx.env.rules }) ?? payload;

  const nowIso = now.toISOString();
  const meta = { commandId: handled.commandId, actor: command.actor, now: nowIso, occurredAt: command.occurredAt ?? nowIso, requestId: command.requestId };
  const fields = stream ? enriched : { ...enriched, ...registration.creationFields(command.streamId, incidentId) };
  const decision = decideOn(registration, stream, command.type, fields, meta);
  if (!decision.ok) throw new IllegalTransitionError(command.streamType, command.type, decision.state, decision.allowed);

  // Events are filed under the incident's lead jurisdiction as it stands after this command.
  const lead = (registration.ownIncident ? registration.ownIncident(decision.state.context) : incident) ?? null;
  const room = registration.ownRoom?.(decision.state.context, command.actor) ?? null;
  // The drill (演练, issue 22) the events are part of rides in their meta, only when there is one:
  // every other event hashes exactly as before.
  const drillId = await drillOf(ctx, command.streamType, decision.state.context, incidentId, lead);
  const recorded = drillId === null ? meta : { ...meta, drillId };
  const write = writeFor(ctx.ids, { registration, streamId: command.streamId, version: stream?.version ?? 0, decision, meta: recorded, incidentId, before: incident, lead, room });
  const { fingerprint } = handled;
  write.commandKey = handled.key;
  write.fingerprint = fingerprint;
  write.reactions = await reactionsOf(ctx, registration, decision, { meta: recorded, key: handled.key, fingerprint, incidentId, lead });
  let outcome: AppendOutcome;
  try {
    outcome = await ctx.store.append(write);
  } catch (error) {
    ctx.streams?.forget(write);
    throw error;
  }
  if (outcome.kind === 'duplicate') {
    // Another write of the same command got there first: what the streams hold now is not this write's.
    ctx.streams?.forget(write);
    if (seen) seen.duplicate = true;
    return outcome.result;
  }
  ctx.streams?.written(write);
  return write.result;
}

/**
 * The drill a command's events belong to: the drill's own stream, or an exercise incident (and the
 * streams under it) that a drill lists among its incidents. Real incidents are never looked up.
 */
async function drillOf(ctx: PipelineContext, streamType: StreamType, context: unknown, incidentId: string, lead: IncidentContext | null): Promise<string | null> {
  if (streamType === 'drill') {
    const { drillId } = context as { drillId?: unknown };
    return typeof drillId === 'string' && drillId !== '' ? drillId : null;
  }
  return lead?.exercise ? ctx.store.drillOfIncident(incidentId) : null;
}
