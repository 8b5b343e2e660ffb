import {
  ConflictError,
  IllegalTransitionError,
  NotFoundError,
  ValidationError,
  parseOrThrow,
  type CommandResult,
} from '@muster/contracts';
import { decide, initialState, type Actor } from '@muster/domain';
import { AGGREGATES, type AggregateRegistration } from './aggregates';
import { baselinePolicy, type Policy } from './authorization';
import { StreamVersionConflict, randomIds, systemClock, type Clock, type EventStore, type Ids, type NewEvent, type StoredStream } from './ports';

/** A command as it reaches the engine from any entry point (HTTP, timers, CLI). */
export interface CommandEnvelope {
  streamType: string;
  streamId: string;
  type: string;
  data: unknown;
  actor: Actor;
  commandId?: string | undefined;
  expectedVersion?: number | undefined;
  occurredAt?: string | undefined;
}

export interface EngineOptions {
  store: EventStore;
  clock?: Clock;
  ids?: Ids;
  policy?: Policy;
  /** How often a command without expectedVersion is retried after losing a race for its stream. */
  maxConflictRetries?: number;
}

export interface Engine {
  handle(command: CommandEnvelope): Promise<CommandResult>;
  load(streamType: string, streamId: string): Promise<StoredStream>;
}

function registrationOf(streamType: string): AggregateRegistration {
  const registration = AGGREGATES[streamType];
  if (!registration) throw new ValidationError([{ path: 'streamType', message: `unknown stream type ${streamType}` }]);
  return registration;
}

export function createEngine(options: EngineOptions): Engine {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const policy = options.policy ?? baselinePolicy;
  const maxRetries = options.maxConflictRetries ?? 12;

  async function attempt(registration: AggregateRegistration, command: CommandEnvelope, commandId: string, payload: Record<string, unknown>) {
    const { definition } = registration;
    const stream = await store.loadStream(command.streamId);
    const creating = command.type === registration.creates;
    if (!stream && !creating) throw new NotFoundError(definition.streamType, command.streamId);
    if (stream && stream.streamType !== definition.streamType) throw new NotFoundError(definition.streamType, command.streamId);
    const version = stream?.version ?? 0;
    if (command.expectedVersion !== undefined && command.expectedVersion !== version) {
      throw new ConflictError(`${definition.streamType} ${command.streamId} is at version ${version}, not ${command.expectedVersion}`, {
        expectedVersion: command.expectedVersion,
        actualVersion: version,
      });
    }
    if (stream && creating) {
      throw new ConflictError(`${definition.streamType} ${command.streamId} already exists`, { actualVersion: version });
    }
    policy({ actor: command.actor, streamType: definition.streamType, command: command.type, context: stream?.state.context ?? null });

    const now = clock.now().toISOString();
    const meta = { commandId, actor: command.actor, now, occurredAt: command.occurredAt ?? now };
    const state = stream?.state ?? initialState(definition);
    const machineCommand = creating ? { ...payload, [`${definition.streamType}Id`]: command.streamId } : payload;
    const decision = decide(definition, state, { ...machineCommand, type: command.type, meta });
    if (!decision.ok) throw new IllegalTransitionError(definition.streamType, command.type, decision.state, decision.allowed);

    const jurisdiction = registration.jurisdictionOf(decision.state.context);
    const exercise = registration.exerciseOf(decision.state.context);
    const events: NewEvent[] = decision.events.map((event, i) => ({
      eventId: ids.newId(),
      streamId: command.streamId,
      streamType: definition.streamType,
      version: version + i + 1,
      type: event.type,
      data: event.data,
      meta: {
        commandId,
        actor: command.actor,
        occurredAt: meta.occurredAt,
        recordedAt: now,
        jurisdiction,
        exercise,
        ...(event.derived ? { derived: true } : {}),
      },
    }));
    const result: CommandResult = {
      streamId: command.streamId,
      streamType: definition.streamType,
      version: version + events.length,
      state: decision.state.value,
      events: events.map((e) => ({ eventId: e.eventId, type: e.type, version: e.version })),
    };
    const outcome = await store.append({
      streamId: command.streamId,
      streamType: definition.streamType,
      expectedVersion: version,
      state: decision.state,
      events,
      commandId,
      result,
    });
    return outcome.kind === 'duplicate' ? outcome.result : result;
  }

  return {
    async handle(command) {
      const registration = registrationOf(command.streamType);
      const schema = registration.schemas[command.type];
      if (!schema) {
        throw new ValidationError([
          { path: 'type', message: `unknown ${command.streamType} command; one of ${Object.keys(registration.schemas).join(', ')}` },
        ]);
      }
      const payload = parseOrThrow(schema, command.data ?? {}, ['data']) as Record<string, unknown>;
      const commandId = command.commandId ?? ids.newId();
      if (command.commandId !== undefined) {
        const earlier = await store.findCommand(command.commandId);
        if (earlier) return earlier;
      }
      for (let retry = 0; ; retry++) {
        try {
          return await attempt(registration, command, commandId, payload);
        } catch (error) {
          if (!(error instanceof StreamVersionConflict)) throw error;
          if (command.expectedVersion !== undefined || retry >= maxRetries) {
            throw new ConflictError(`${command.streamType} ${command.streamId} was changed by another command; reload and retry`, {
              expectedVersion: error.expectedVersion,
            });
          }
          // Exponential backoff with full jitter, so that racing writers spread out instead of
          // colliding again in lockstep; capped so that a hot stream still answers quickly.
          await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 2 * 2 ** retry)));
        }
      }
    },
    async load(streamType, streamId) {
      const stream = await store.loadStream(streamId);
      if (!stream || stream.streamType !== streamType) throw new NotFoundError(streamType, streamId);
      return stream;
    },
  };
}
