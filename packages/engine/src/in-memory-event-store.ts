import { formatPosition, type EventEnvelope } from '@muster/contracts';
import { answerFor, type StoredCommand } from './command-key';
import { StreamVersionConflict, keyOf, type AppendOutcome, type EventStore, type Peeked, type StoreEffect, type StreamRecord, type StreamWrite } from './ports';

/**
 * When a stream's record opens, given its first event's times: the earlier of when it happened and
 * when it was recorded (a time that does not parse is left out). See StreamRecord.openedAt.
 */
export function openingOf(first: { occurredAt: string; recordedAt: string } | undefined): string | undefined {
  if (!first) return undefined;
  const times = [first.occurredAt, first.recordedAt].filter((t) => Number.isFinite(Date.parse(t)));
  return times.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

/** The EventStore contract in memory, for unit tests of the engine and of policies. */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, StreamRecord>();
  private readonly commands = new Map<string, StoredCommand>();
  readonly log: EventEnvelope[] = [];
  /** Every store effect of every appended write, in order: what a real store would have applied. */
  readonly effects: StoreEffect[] = [];

  async loadStream(streamId: string): Promise<StreamRecord | null> {
    const stream = this.streams.get(streamId);
    return stream ? structuredClone(stream) : null;
  }

  async openingOf(streamId: string): Promise<string | undefined> {
    return this.streams.get(streamId)?.openedAt;
  }

  async drillOfIncident(incidentId: string): Promise<string | null> {
    for (const stream of this.streams.values()) {
      const context = stream.state.context as { drillId?: unknown; incidents?: unknown };
      if (stream.streamType === 'drill' && Array.isArray(context.incidents) && context.incidents.includes(incidentId) && typeof context.drillId === 'string') return context.drillId;
    }
    return null;
  }

  async findCommand(commandKey: string): Promise<StoredCommand | null> {
    return this.commands.get(commandKey) ?? null;
  }

  async peek(commandKey: string | undefined, streamId: string): Promise<Peeked> {
    return { command: commandKey === undefined ? null : (this.commands.get(commandKey) ?? null), version: this.streams.get(streamId)?.version ?? null };
  }

  async append(write: StreamWrite): Promise<AppendOutcome> {
    const earlier = this.commands.get(keyOf(write));
    if (earlier) return { kind: 'duplicate', result: answerFor(earlier, keyOf(write), write.fingerprint) };
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
      const before = this.streams.get(w.streamId);
      const openedAt = before ? before.openedAt : openingOf(w.events[0]?.meta);
      this.streams.set(w.streamId, {
        streamId: w.streamId,
        streamType: w.streamType,
        version: w.expectedVersion + w.events.length,
        state: structuredClone(w.state),
        ...(openedAt === undefined ? {} : { openedAt }),
      });
      this.commands.set(keyOf(w), { result: w.result, fingerprint: w.fingerprint ?? null });
      this.effects.push(...w.effects);
    }
    return { kind: 'appended' };
  }

  async readStream(streamId: string, afterVersion = 0): Promise<EventEnvelope[]> {
    return this.log.filter((e) => e.streamId === streamId && e.version > afterVersion);
  }
}
