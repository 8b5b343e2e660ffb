import { formatPosition, type CommandResult, type EventEnvelope } from '@muster/contracts';
import { StreamVersionConflict, type AppendOutcome, type EventStore, type StoredStream, type StreamWrite } from './ports';

/** The EventStore contract in memory, for unit tests of the engine and of policies. */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, StoredStream>();
  private readonly commands = new Map<string, CommandResult>();
  readonly log: EventEnvelope[] = [];

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
    const current = this.streams.get(write.streamId)?.version ?? 0;
    if (current !== write.expectedVersion) throw new StreamVersionConflict(write.streamId, write.expectedVersion);
    for (const event of write.events) {
      this.log.push({ ...event, position: formatPosition({ tx: BigInt(this.log.length + 1), seq: BigInt(this.log.length + 1) }) });
    }
    this.streams.set(write.streamId, {
      streamId: write.streamId,
      streamType: write.streamType,
      version: write.expectedVersion + write.events.length,
      state: structuredClone(write.state),
    });
    this.commands.set(write.commandId, write.result);
    return { kind: 'appended' };
  }

  async readStream(streamId: string, afterVersion = 0): Promise<EventEnvelope[]> {
    return this.log.filter((e) => e.streamId === streamId && e.version > afterVersion);
  }
}
