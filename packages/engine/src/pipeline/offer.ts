import { ForbiddenError, ValidationError } from '@muster/contracts';
import { acceptsNow, commandsAllowedIn, isOver, rulesFor, type Actor, type IncidentContext, type StreamType } from '@muster/domain';
import { AGGREGATES, type AggregateRegistration, type Payload } from '../aggregates';
import { loadRelated, loadStream } from './load';
import type { PipelineContext } from './types';

/** A stream of an incident whose commands the caller asks about. */
export interface StreamRef {
  streamType: StreamType;
  streamId: string;
}

/**
 * Payloads to try a command with when the policy's answer depends on the payload: the command is
 * offered when one of them passes. Commands not listed are tried with an empty payload; a payload
 * the policy finds malformed (a ValidationError) says nothing about who may send it, so it offers.
 */
function probesFor(command: string, actor: Actor, context: Record<string, unknown> | null): Payload[] {
  switch (command) {
    case 'AssumeProvisionalCommand':
      return [{ commander: { userId: actor.userId } }];
    case 'AcceptTransfer':
    case 'DeclineTransfer':
    case 'WithdrawTransfer': {
      const offers = (context?.['offers'] ?? []) as readonly { offerId: string }[];
      return offers.map((o) => ({ offerId: o.offerId }));
    }
    case 'AcknowledgeReport':
    case 'ReturnReport': {
      const items = (context?.['items'] ?? []) as readonly { key: string; from: string }[];
      return items.map((i) => ({ key: i.key, from: i.from }));
    }
    default:
      return [{}];
  }
}

/**
 * Commands whose guard reads only the stream's state (the lead was raised, a room was prompted, a
 * severity was suggested): their guard is evaluated too, so that HandBackLead is not offered on an
 * incident whose lead was never raised. Guards that read the payload are left to the command sent.
 */
const GUARDED_BY_STATE: ReadonlySet<string> = new Set(['HandBackLead', 'DeclineLead', 'ConfirmSuggestedSeverity', 'DismissSuggestedSeverity']);

/**
 * The commands `actor` may send to each stream now, by stream id: those its machine takes in its
 * present state (guards on a payload are not evaluated) that the command policy lets this actor
 * send. The console offers these and nothing else; the pipeline still decides each command sent.
 * An incident that is over offers nothing on any of its streams.
 */
export async function offeredCommands(ctx: PipelineContext, actor: Actor, incidentId: string, streams: readonly StreamRef[]): Promise<Record<string, string[]>> {
  const incidentStream = await loadStream(ctx.store, 'incident', incidentId);
  const answer: Record<string, string[]> = {};
  if (!incidentStream || isOver(AGGREGATES.incident.definition, incidentStream.state)) {
    for (const s of streams) answer[s.streamId] = [];
    return answer;
  }
  const incident = incidentStream.state.context;
  const rules = rulesFor(ctx.env.rules, ctx.tree, incident.leadJurisdiction);
  for (const ref of streams) {
    answer[ref.streamId] = await offeredOn(ctx, ref.streamType, ref.streamId, actor, incident, rules);
  }
  return answer;
}

async function offeredOn<K extends StreamType>(
  ctx: PipelineContext,
  streamType: K,
  streamId: string,
  actor: Actor,
  incident: IncidentContext,
  rules: ReturnType<typeof rulesFor>,
): Promise<string[]> {
  const registration: AggregateRegistration<K> = AGGREGATES[streamType];
  const stream = await loadStream(ctx.store, streamType, streamId);
  const candidates: readonly string[] = stream ? commandsAllowedIn(registration.definition, stream.state) : registration.creates;
  const context = (stream?.state.context ?? null) as Record<string, unknown> | null;
  const related = await loadRelated(ctx.store, registration, incident.incidentId);
  const mayWith = (command: string, payload: Payload): boolean => {
    try {
      ctx.policy({ actor, system: null, streamType, command, context, incident, payload, related, tree: ctx.tree, rules });
      return true;
    } catch (error) {
      if (error instanceof ForbiddenError) return false;
      if (error instanceof ValidationError) return true;
      throw error;
    }
  };
  const meta = { commandId: 'offer-probe', actor, now: ctx.clock.now().toISOString(), occurredAt: ctx.clock.now().toISOString() };
  const guardAllows = (command: string, payload: Payload) =>
    !stream || !GUARDED_BY_STATE.has(command) || acceptsNow(registration.definition, stream.state, { ...payload, type: command, meta });
  return candidates.filter((command) => probesFor(command, actor, context).some((p) => mayWith(command, p) && guardAllows(command, p)));
}
