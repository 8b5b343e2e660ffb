import { isStreamOf, type CommandTypeOf, type IncidentContext, type StreamType } from '@muster/domain';
import { AGGREGATES, type AggregateRegistration, type Payload, type Reaction } from '../aggregates';
import { reactionKey } from '../command-key';
import type { StreamWrite } from '../ports';
import { decideOn, type Accepted } from './decide';
import type { PipelineContext } from './types';
import { writeFor, type RecordedMeta } from './write';

/** A reaction to a stream of type K (every Reaction is one, for its own K). */
interface ReactionTo<K extends StreamType> {
  streamType: K;
  streamId: string;
  type: CommandTypeOf<K>;
  data: Payload;
}

/** One reaction decided on its target stream, or null when it does not apply there (see reactions). */
async function reactionWrite<K extends StreamType>(
  ctx: PipelineContext,
  reaction: ReactionTo<K>,
  meta: RecordedMeta,
  incidentId: string,
  lead: IncidentContext | null,
): Promise<StreamWrite | null> {
  const target = AGGREGATES[reaction.streamType];
  const stored = await ctx.store.loadStream(reaction.streamId);
  const stream = stored && isStreamOf(stored, reaction.streamType) ? stored : null;
  if (!stored && !target.creates.includes(reaction.type)) return null;
  if (stored && !stream) return null;
  const decision = decideOn(target, stream, reaction.type, reaction.data, meta);
  if (!decision.ok) return null;
  return writeFor(ctx.ids, { registration: target, streamId: reaction.streamId, version: stream?.version ?? 0, decision, meta, incidentId, before: lead, lead });
}

/**
 * Decides the commands the accepted events cause on other streams (DESIGN §2: one command, one
 * transaction), through the same decide and write steps as the command. Their payloads are typed
 * where the engine builds them, so they are not parsed again. They act on the authority of the
 * command that caused them, so the policy is not asked again; their command ids derive from it, so a
 * retried command re-derives the same ones.
 */
export async function reactionsOf<K extends StreamType>(
  ctx: PipelineContext,
  registration: AggregateRegistration<K>,
  decision: Accepted<K>,
  caused: { meta: RecordedMeta; key: string; fingerprint: string; incidentId: string; lead: IncidentContext | null },
): Promise<StreamWrite[]> {
  const reactions: Reaction[] = decision.events.flatMap((event) => registration.reactions?.(event, decision.state.context, ctx.env, caused.lead) ?? []);
  const writes: StreamWrite[] = [];
  for (const [i, reaction] of reactions.entries()) {
    // Events keep the command id as sent, with the reaction's number; the key is scoped like the command's.
    const meta = { ...caused.meta, commandId: `${caused.meta.commandId}.${i + 1}` };
    const write = await reactionWrite(ctx, reaction, meta, caused.incidentId, caused.lead);
    if (!write) continue;
    write.commandKey = reactionKey(caused.key, i + 1);
    write.fingerprint = caused.fingerprint;
    writes.push(write);
  }
  return writes;
}
