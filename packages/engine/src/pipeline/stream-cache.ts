import type { StreamRecord, StreamWrite } from '../ports';

/**
 * The streams this engine last loaded or wrote, by id, so that a command to a hot stream need not
 * read and parse its snapshot again (issue 18). A copy is only ever used after EventStore.peek said
 * the stream is stored at exactly its version, inside the stream's turn, and the write checks that
 * version again: another process (an api worker, the timers) that moved the stream makes the copy
 * unused, never wrong. Least recently used copies go first past `capacity`.
 *
 * The states are shared with the commands that use them, read-only: the decider works on a clone
 * (domain `decide`), and a write's state is the decider's own new object.
 */
export class StreamCache {
  private readonly streams = new Map<string, StreamRecord>();

  constructor(private readonly capacity: number) {}

  get(streamId: string): StreamRecord | undefined {
    const stream = this.streams.get(streamId);
    if (stream) {
      // Map keeps insertion order: re-inserting marks it as the most recently used.
      this.streams.delete(streamId);
      this.streams.set(streamId, stream);
    }
    return stream;
  }

  set(stream: StreamRecord): void {
    this.streams.delete(stream.streamId);
    this.streams.set(stream.streamId, stream);
    if (this.streams.size > this.capacity) {
      const oldest = this.streams.keys().next();
      if (!oldest.done) this.streams.delete(oldest.value);
    }
  }

  /** The streams as a committed write left them (the command's and its reactions'). */
  written(write: StreamWrite): void {
    for (const w of [write, ...(write.reactions ?? [])]) {
      this.set({ streamId: w.streamId, streamType: w.streamType, version: w.expectedVersion + w.events.length, state: w.state });
    }
  }

  /** Forgets the streams of a write whose outcome is not known to be this write (refused, failed, a duplicate), or a stale copy. */
  forget(write: Pick<StreamWrite, 'streamId' | 'reactions'>): void {
    for (const w of [write, ...(write.reactions ?? [])]) this.streams.delete(w.streamId);
  }
}
