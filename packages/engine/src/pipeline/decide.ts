import { decide, initialState, isOver, type CommandMeta, type CommandTypeOf, type ContextOf, type Decision, type StreamType } from '@muster/domain';
import type { AggregateRegistration, Payload } from '../aggregates';
import type { StoredStream } from '../ports';

/** An accepted command: the stream's next state, its events, and whether it brings the stream to its end. */
export type Accepted<K extends StreamType> = Extract<Decision<ContextOf<K>>, { ok: true }> & {
  /** The command moved the stream into a state tagged `over` (see isOver). */
  ends: boolean;
};

export type Decided<K extends StreamType> = Accepted<K> | Extract<Decision<ContextOf<K>>, { ok: false }>;

/**
 * The machine's decision on a command to a stream (or to a new one), for commands from outside and
 * for reactions alike: `fields` is the payload as the machine takes it (enriched, with creation fields).
 */
export function decideOn<K extends StreamType>(
  registration: AggregateRegistration<K>,
  stream: StoredStream<K> | null,
  type: CommandTypeOf<K>,
  fields: Payload,
  meta: CommandMeta,
): Decided<K> {
  const { definition } = registration;
  const state = stream?.state ?? initialState(definition);
  const decision = decide(definition, state, { ...fields, type, meta });
  if (!decision.ok) return decision;
  return { ...decision, ends: !isOver(definition, state) && isOver(definition, decision.state) };
}
