import {
  ConflictError,
  IllegalTransitionError,
  NotFoundError,
  ValidationError,
  parseOrThrow,
  type CommandResult,
} from '@muster/contracts';
import {
  decide,
  DEFAULT_REPORT_RULES,
  initialState,
  JurisdictionTree,
  roomsOf,
  ZHAOQING_JURISDICTIONS,
  type Actor,
  type CommandMeta,
  type Decision,
  type IncidentContext,
  type ReportRuleTable,
} from '@muster/domain';
import { AGGREGATES, type AggregateRegistration, type ReactionEnv } from './aggregates';
import { commandPolicy, type Policy } from './authorization';
import {
  StreamVersionConflict,
  randomIds,
  systemClock,
  type Clock,
  type EventStore,
  type Ids,
  type NewEvent,
  type StoredStream,
  type StreamWrite,
} from './ports';

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
  /** The jurisdictions served: who is above whom. Defaults to Zhaoqing's tree. */
  jurisdictions?: JurisdictionTree;
  clock?: Clock;
  ids?: Ids;
  policy?: Policy;
  /** How often a command without expectedVersion is retried after losing a race for its stream. */
  maxConflictRetries?: number;
  /** The reporting rule table (信息报送 时限); defaults to DEFAULT_REPORT_RULES. */
  reportRules?: ReportRuleTable;
}

export interface Engine {
  handle(command: CommandEnvelope): Promise<CommandResult>;
  load(streamType: string, streamId: string): Promise<StoredStream>;
  /** Like load, but null when the stream does not exist yet. */
  tryLoad(streamType: string, streamId: string): Promise<StoredStream | null>;
}

/** Runs tasks one at a time per key, in arrival order; keys with nothing queued hold no memory. */
class KeyedTurns {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

const CLOSED_INCIDENT_STATES = new Set(['closed', 'dismissed']);

function registrationOf(streamType: string): AggregateRegistration {
  const registration = AGGREGATES[streamType];
  if (!registration) throw new ValidationError([{ path: 'streamType', message: `unknown stream type ${streamType}` }]);
  return registration;
}

export function createEngine(options: EngineOptions): Engine {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const policy = options.policy ?? commandPolicy;
  const maxRetries = options.maxConflictRetries ?? 12;
  const streamTurns = new KeyedTurns();
  const tree = options.jurisdictions ?? new JurisdictionTree(ZHAOQING_JURISDICTIONS);
  const env: ReactionEnv = { reportRules: options.reportRules ?? DEFAULT_REPORT_RULES };

  /** Every jurisdiction a command names must be one the tree knows; the tree fills in levels above. */
  function withJurisdictions(streamType: string, type: string, payload: Record<string, unknown>, context: Record<string, unknown> | null) {
    if (streamType !== 'incident') return payload;
    for (const field of ['leadJurisdiction', 'jurisdiction']) {
      const code = payload[field];
      if (typeof code === 'string' && !tree.has(code)) throw new ValidationError([{ path: `data.${field}`, message: `unknown jurisdiction ${code}` }]);
    }
    if (type === 'ReportIncident') return { ...payload, upperJurisdiction: tree.parentOf(String(payload['leadJurisdiction'])) };
    if (type === 'RaiseLead') {
      const to = tree.parentOf(String(context?.['leadJurisdiction']));
      return { ...payload, to, upperJurisdiction: to === null ? null : tree.parentOf(to) };
    }
    return payload;
  }

  /** The incident a command belongs to, as it stands: the stream itself for incident commands. */
  async function incidentFor(registration: AggregateRegistration, command: CommandEnvelope, stream: StoredStream | null, payload: Record<string, unknown>) {
    const incidentId = registration.incidentOf(command.streamId, payload, stream?.state.context ?? null);
    if (registration.definition.streamType === 'incident') {
      return { incidentId, incident: (stream?.state.context ?? null) as IncidentContext | null, incidentState: stream?.state.value ?? null };
    }
    const incidentStream = await store.loadStream(incidentId);
    if (!incidentStream || incidentStream.streamType !== 'incident') throw new NotFoundError('incident', incidentId);
    // Nothing more happens under an incident that is over: its command and requests are closed too.
    if (CLOSED_INCIDENT_STATES.has(incidentStream.state.value)) {
      throw new IllegalTransitionError('incident', command.type, incidentStream.state.value, []);
    }
    return { incidentId, incident: incidentStream.state.context as unknown as IncidentContext, incidentState: incidentStream.state.value };
  }

  async function attempt(registration: AggregateRegistration, command: CommandEnvelope, commandId: string, payload: Record<string, unknown>) {
    const { definition } = registration;
    const stream = await store.loadStream(command.streamId);
    const creating = registration.creates.includes(command.type) && !stream;
    if (!stream && !registration.creates.includes(command.type)) throw new NotFoundError(definition.streamType, command.streamId);
    if (stream && stream.streamType !== definition.streamType) throw new NotFoundError(definition.streamType, command.streamId);
    const version = stream?.version ?? 0;
    if (command.expectedVersion !== undefined && command.expectedVersion !== version) {
      throw new ConflictError(`${definition.streamType} ${command.streamId} is at version ${version}, not ${command.expectedVersion}`, {
        expectedVersion: command.expectedVersion,
        actualVersion: version,
      });
    }
    if (stream && definition.streamType === 'incident' && command.type === 'ReportIncident') {
      throw new ConflictError(`${definition.streamType} ${command.streamId} already exists`, { actualVersion: version });
    }
    const { incidentId, incident } = await incidentFor(registration, command, stream, payload);
    const related: Record<string, Record<string, unknown> | null> = {};
    for (const r of registration.related(incidentId)) related[r.streamType] = (await store.loadStream(r.streamId))?.state.context ?? null;
    policy({
      actor: command.actor,
      streamType: definition.streamType,
      command: command.type,
      context: stream?.state.context ?? null,
      incident,
      payload,
      related,
      tree,
    });
    const enriched = withJurisdictions(definition.streamType, command.type, payload, stream?.state.context ?? null);

    const now = clock.now().toISOString();
    const meta = { commandId, actor: command.actor, now, occurredAt: command.occurredAt ?? now };
    const state = stream?.state ?? initialState(definition);
    const machineCommand = creating ? { ...enriched, ...registration.creationFields(command.streamId, incidentId) } : enriched;
    const decision = decide(definition, state, { ...machineCommand, type: command.type, meta });
    if (!decision.ok) throw new IllegalTransitionError(definition.streamType, command.type, decision.state, decision.allowed);

    // Events are filed under the incident's lead jurisdiction as it stands after this command.
    const lead = (definition.streamType === 'incident' ? (decision.state.context as unknown as IncidentContext) : incident) ?? null;
    const write = writeFor(registration, command.streamId, version, decision, meta, incidentId, incident, lead);
    write.reactions = await reactionsOf(registration, decision, meta, incidentId, lead);
    const outcome = await store.append(write);
    return outcome.kind === 'duplicate' ? outcome.result : write.result;
  }

  /** The write of one accepted decision: its events with ids, versions and rooms, its effects and result. */
  function writeFor(
    registration: AggregateRegistration,
    streamId: string,
    version: number,
    decision: Extract<Decision, { ok: true }>,
    meta: CommandMeta,
    incidentId: string,
    before: IncidentContext | null,
    lead: IncidentContext | null,
  ): StreamWrite {
    const { definition } = registration;
    const jurisdiction = lead?.leadJurisdiction ?? '';
    const exercise = lead?.exercise ?? false;
    // A room that stops following the incident still gets the event that says so; some streams go
    // to further rooms too (reports: the room above, which receives them and hears when one is late).
    const rooms = [
      ...new Set([...(before ? roomsOf(before) : []), ...(lead ? roomsOf(lead) : []), ...(lead ? (registration.extraRooms?.(lead) ?? []) : [])]),
    ];
    const events: NewEvent[] = decision.events.map((event, i) => ({
      eventId: ids.newId(),
      streamId,
      streamType: definition.streamType,
      version: version + i + 1,
      type: event.type,
      data: event.data,
      meta: {
        commandId: meta.commandId,
        actor: meta.actor,
        occurredAt: meta.occurredAt,
        recordedAt: meta.now,
        jurisdiction,
        rooms,
        exercise,
        incidentId,
        ...(event.derived ? { derived: true } : {}),
      },
    }));
    const effects = decision.events.flatMap((event) => registration.effectsOf(event, decision.state.context));
    const result: CommandResult = {
      streamId,
      streamType: definition.streamType,
      version: version + events.length,
      state: decision.state.value,
      events: events.map((e) => ({ eventId: e.eventId, type: e.type, version: e.version })),
    };
    return { streamId, streamType: definition.streamType, expectedVersion: version, state: decision.state, events, commandId: meta.commandId, result, effects };
  }

  /**
   * Decides the commands the accepted events cause on other streams (DESIGN §2: one command, one
   * transaction). They act on the authority of the command that caused them, so the policy is not
   * asked again; their command ids derive from it, so a retried command re-derives the same ones.
   */
  async function reactionsOf(
    registration: AggregateRegistration,
    decision: Extract<Decision, { ok: true }>,
    meta: CommandMeta,
    incidentId: string,
    lead: IncidentContext | null,
  ): Promise<StreamWrite[]> {
    const reactions = decision.events.flatMap((event) => registration.reactions?.(event, decision.state.context, env) ?? []);
    const writes: StreamWrite[] = [];
    for (const [i, reaction] of reactions.entries()) {
      const target = registrationOf(reaction.streamType);
      const schema = target.schemas[reaction.type];
      if (!schema) throw new Error(`reaction ${reaction.type} is not a ${reaction.streamType} command`);
      const payload = parseOrThrow(schema, reaction.data, ['reaction', reaction.type]) as Record<string, unknown>;
      const stream = await store.loadStream(reaction.streamId);
      if (!stream && !target.creates.includes(reaction.type)) continue;
      if (stream && stream.streamType !== target.definition.streamType) continue;
      const reactionMeta = { ...meta, commandId: `${meta.commandId}.${i + 1}` };
      const state = stream?.state ?? initialState(target.definition);
      const decided = decide(target.definition, state, { ...payload, type: reaction.type, meta: reactionMeta });
      if (!decided.ok) continue;
      writes.push(writeFor(target, reaction.streamId, stream?.version ?? 0, decided, reactionMeta, incidentId, lead, lead));
    }
    return writes;
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
      // Commands to one stream from this process take turns: racing them would only make all but
      // one lose and retry. Writers in other processes still race, and the retry below handles it.
      return streamTurns.run(command.streamId, () => withRetries(registration, command, commandId, payload));
    },
    async tryLoad(streamType, streamId) {
      const stream = await store.loadStream(streamId);
      return stream && stream.streamType === streamType ? stream : null;
    },
    async load(streamType, streamId) {
      const stream = await store.loadStream(streamId);
      if (!stream || stream.streamType !== streamType) throw new NotFoundError(streamType, streamId);
      return stream;
    },
  };

  async function withRetries(registration: AggregateRegistration, command: CommandEnvelope, commandId: string, payload: Record<string, unknown>) {
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
  }
}
