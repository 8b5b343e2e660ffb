import { ConflictError } from '@muster/contracts';
import { isStreamOf, type StreamType } from '@muster/domain';
import type { AggregateRegistration } from '../aggregates';
import type { EventStore, StoredStream, StreamRecord } from '../ports';
import type { KnownCommand, PipelineContext } from './types';

/** The stream of type K under an id; null when there is none, or when the id holds a stream of another type. */
export async function loadStream<K extends StreamType>(store: EventStore, streamType: K, streamId: string): Promise<StoredStream<K> | null> {
  const stream = await store.loadStream(streamId);
  return stream && isStreamOf(stream, streamType) ? stream : null;
}

/**
 * The stream a command addresses, if it exists with the command's stream type. A command that only
 * ever opens a stream is refused on an id in use before anything is known about who holds it: one
 * answer for everyone, with no version or state in it (not even for a sender who may see the stream).
 */
export async function loadTarget<K extends StreamType>(
  ctx: Pick<PipelineContext, 'store' | 'streams'>,
  registration: AggregateRegistration<K>,
  command: KnownCommand<K>,
  /** The stream as the engine already knows it at its stored version (null: none stored); undefined: read it. */
  known?: StreamRecord | null,
): Promise<StoredStream<K> | null> {
  let stream = known;
  if (stream === undefined) {
    stream = await ctx.store.loadStream(command.streamId);
    if (stream) ctx.streams?.set(stream);
  }
  if (stream && registration.opensOnly.includes(command.type)) {
    throw new ConflictError(`${command.streamType} id ${command.streamId} is already in use; choose another`);
  }
  return stream && isStreamOf(stream, command.streamType) ? stream : null;
}

/** The state of the streams of the same incident that the policy reads, by stream type (null: none yet). */
export async function loadRelated<K extends StreamType>(
  store: EventStore,
  registration: AggregateRegistration<K>,
  incidentId: string,
): Promise<Record<string, Record<string, unknown> | null>> {
  const related: Record<string, Record<string, unknown> | null> = {};
  for (const r of registration.related(incidentId)) related[r.streamType] = (await store.loadStream(r.streamId))?.state.context ?? null;
  return related;
}
