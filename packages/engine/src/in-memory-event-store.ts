import { formatPosition, type CommandResult, type EventEnvelope } from '@muster/contracts';
import { StreamVersionConflict, type AppendOutcome, type EventStore, type StoreEffect, type StoredStream, type StreamWrite } from './ports';

/** The EventStore contract in memory, for unit tests of the engine and of policies. */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, StoredStream>();
  private readonly commands = new Map<string, CommandResult>();
  readonly log: EventEnvelope[] = [];
  /** Every store effect of every appended write, in order: what a real store would have applied. */
  readonly effects: StoreEffect[] = [];

  async loadStream(streamId: string): Promise<StoredStream | null> {
    const stream = this.streams.get(streamId);
    return stream ? structuredClone(stream) : null;
  }

  async findCommand(commandId: string): Promise<CommandResult | null> {
    return this.commands.get(commandId) ?? null;
  }

  async append(write: StreamWrite): Promise<AppendOutcome> {
    const earlier = this.commands.get(write.commandId);
    if (earlier) return { kind: 'duplicate', result: earlier };
    // All writes of one command (its reactions included) are checked before any is applied: all or nothing.
    const writes = [write, ...(write.reactions ?? [])];
    for (const w of writes) {
      const current = this.streams.get(w.streamId)?.version ?? 0;
      if (current !== w.expectedVersion) throw new StreamVersionConflict(w.streamId, w.expectedVersion);
    }
    for (const w of writes) {
      for (const event of w.events) {
        this.log.push({ ...event, position: formatPosition({ tx: BigInt(this.log.length + 1), seq: BigInt(this.log.length + 1) }) });
      }
      this.streams.set(w.streamId, {
        streamId: w.streamId,
        streamType: w.streamType,
        version: w.expectedVersion + w.events.length,
        state: structuredClone(w.state),
      });
      this.commands.set(w.commandId, w.result);
      this.effects.push(...w.effects);
    }
    return { kind: 'appended' };
  }

  async readStream(streamId: string, afterVersion = 0): Promise<EventEnvelope[]> {
    return this.log.filter((e) => e.streamId === streamId && e.version > afterVersion);
  }
}
