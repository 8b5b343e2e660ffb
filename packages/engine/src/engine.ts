import {
  ConflictError,
  IllegalTransitionError,
  IsoTimeSchema,
  NotFoundError,
  ValidationError,
  parseOrThrow,
  type CommandResult,
} from '@muster/contracts';
import {
  canSee,
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
import { answerFor, commandKey, fingerprintOf, reactionKey, scopeOf, type SystemCaller } from './command-key';
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
  /**
   * Set only by in-process system callers (the timers), never from a request: their command ids live
   * in a namespace of their own, and rules for them (DeadlinePassed) check this rather than a user id.
   * Their occurredAt is trusted beyond a sanity check (a deadline's due time, however late it fires).
   */
  system?: SystemCaller | undefined;
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
  /** How far a command's occurredAt may lie ahead of the engine's clock (other clocks drift); default 5 minutes. */
  maxClockSkewMs?: number;
  /** How far before now a newly reported incident may say it happened; default 30 days. */
  maxReportBackdateMs?: number;
}

export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const DEFAULT_MAX_REPORT_BACKDATE_MS = 30 * 24 * 60 * 60_000;

/**
 * Times outside these years never reach the store, whoever sends them: PostgreSQL has no year 0 and
 * deadlines computed from a time near 9999 overflow ISO 8601's four-digit years.
 */
const EARLIEST_TIME = Date.UTC(1970, 0, 1);
const LATEST_TIME = Date.UTC(2999, 11, 31, 23, 59, 59, 999);

/** Commands that only ever open a new stream: sent to an id in use, they are refused alike for everyone. */
const OPENING_ONLY = new Set(['ReportIncident', 'SubmitResourceRequest']);

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

/** How one command is recorded: its id as sent (or given), its idempotency key and its fingerprint. */
interface Handled {
  commandId: string;
  key: string;
  /** Computed off the event loop's critical path (Web Crypto is asynchronous); awaited where it is needed. */
  fingerprint: Promise<string>;
}

/** An incident stream's context: the incident machine writes every incident snapshot, so it is an IncidentContext. */
function incidentContextOf(stream: StoredStream): IncidentContext {
  return stream.state.context as unknown as IncidentContext;
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
  const policy = options.policy ?? commandPolicy;
  const maxRetries = options.maxConflictRetries ?? 12;
  const streamTurns = new KeyedTurns();
  const tree = options.jurisdictions ?? new JurisdictionTree(ZHAOQING_JURISDICTIONS);
  const env: ReactionEnv = { reportRules: options.reportRules ?? DEFAULT_REPORT_RULES };
  const maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  const maxReportBackdateMs = options.maxReportBackdateMs ?? DEFAULT_MAX_REPORT_BACKDATE_MS;

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

  function occurredAtIssue(message: string): ValidationError {
    return new ValidationError([{ path: 'occurredAt', message }]);
  }

  /** occurredAt as a time, if it is one the store can hold; checked for every caller. */
  function occurredTime(occurredAt: string): number {
    const time = Date.parse(occurredAt);
    if (!IsoTimeSchema.safeParse(occurredAt).success || !Number.isFinite(time)) throw occurredAtIssue('must be an ISO 8601 time with an offset');
    if (time < EARLIEST_TIME || time > LATEST_TIME) throw occurredAtIssue('must lie between 1970 and 2999');
    return time;
  }

  /**
   * A client's occurredAt must not lie in the future beyond the clock skew allowed (confirming "in 2099"
   * would move every deadline there), nor before `notBefore`: the opening of the stream's record, or
   * for a new incident the reporting window. System callers are trusted beyond the sanity check.
   */
  function checkOccurredAt(command: CommandEnvelope, now: Date, notBefore: { time: number; what: string } | null): void {
    if (command.occurredAt === undefined) return;
    const time = occurredTime(command.occurredAt);
    if (command.system !== undefined) return;
    if (time > now.getTime() + maxClockSkewMs) throw occurredAtIssue(`must not lie in the future (more than ${Math.round(maxClockSkewMs / 1000)} s ahead of the server clock)`);
    if (notBefore !== null && time < notBefore.time) throw occurredAtIssue(`must not lie before ${notBefore.what} (${new Date(notBefore.time).toISOString()})`);
  }

  /** The moment a stream's record opens: its own opening, else what its incident's state says. */
  function openingTime(stream: StoredStream | null, incident: IncidentContext | null): number | null {
    const candidates = [stream?.openedAt, ...(stream?.openedAt === undefined ? [incident?.occurredAt, incident?.reportedAt] : [])]
      .filter((t): t is string => typeof t === 'string')
      .map((t) => Date.parse(t))
      .filter((t) => Number.isFinite(t));
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /**
   * The incident a command names without reading any stream: the incident stream itself, a child
   * stream named after its incident (`command:<id>`, `report:<id>`, `correction:<id>`), or the
   * incident a creating payload gives. Null when only the stream's stored state knows it (an existing
   * resource request): then the client has named the stream, not the incident.
   */
  function namedIncidentOf(registration: AggregateRegistration, command: CommandEnvelope, payload: Record<string, unknown>): string | null {
    const { streamType } = registration.definition;
    if (streamType === 'incident') return command.streamId;
    const fromId = registration.incidentOf(command.streamId, {}, null);
    if (command.streamId === `${streamType}:${fromId}`) return fromId;
    if (registration.creates.includes(command.type) && typeof payload['incidentId'] === 'string') return payload['incidentId'];
    return null;
  }

  /**
   * The incident a command's stream belongs to, if the sender may see it. Nothing about a stream whose
   * incident the sender cannot see is revealed (issue 14, finding 9): its existence, version and state
   * stay out of every answer, which is the same NotFound as for an incident or stream that does not
   * exist. System callers see everything.
   */
  async function visibleIncident(command: CommandEnvelope, incidentId: string, notFound: () => NotFoundError) {
    const stream = await store.loadStream(incidentId);
    if (!stream || stream.streamType !== 'incident') throw notFound();
    const incident = incidentContextOf(stream);
    if (command.system === undefined && !canSee(tree, command.actor.jurisdiction, incident)) throw notFound();
    return { stream, incident };
  }

  async function attempt(registration: AggregateRegistration, command: CommandEnvelope, handled: Handled, payload: Record<string, unknown>) {
    const { definition } = registration;
    const { key } = handled;
    const { streamType } = definition;
    const raw = await store.loadStream(command.streamId);
    // An id in use is refused before anything is known about who holds it: one answer for everyone,
    // with no version or state in it (not even for a sender who may see the stream).
    if (raw && OPENING_ONLY.has(command.type)) {
      throw new ConflictError(`${streamType} id ${command.streamId} is already in use; choose another`);
    }
    const stream = raw && raw.streamType === streamType ? raw : null;
    const missing = () => new NotFoundError(streamType, command.streamId);

    // Who may see the incident is decided before anything about the stream is: for a stream named
    // after its incident the answer is about the incident, whether or not the stream itself exists.
    const named = namedIncidentOf(registration, command, payload);
    let incident: IncidentContext | null = null;
    let incidentStream: StoredStream | null = null;
    if (streamType === 'incident') {
      if (stream) {
        incident = incidentContextOf(stream);
        if (command.system === undefined && !canSee(tree, command.actor.jurisdiction, incident)) throw missing();
      }
    } else if (named !== null) {
      ({ stream: incidentStream, incident } = await visibleIncident(command, named, () => new NotFoundError('incident', named)));
    }
    if (!stream && !registration.creates.includes(command.type)) throw missing();
    const incidentId = registration.incidentOf(command.streamId, payload, stream?.state.context ?? null);
    if (streamType !== 'incident' && (incidentStream === null || incidentId !== named)) {
      // Only the stream's state knows its incident (an existing resource request): it is the stream
      // the client named that is not found.
      ({ stream: incidentStream, incident } = await visibleIncident(command, incidentId, missing));
    }
    // Nothing more happens under an incident that is over: its command and requests are closed too.
    if (incidentStream && CLOSED_INCIDENT_STATES.has(incidentStream.state.value)) {
      throw new IllegalTransitionError('incident', command.type, incidentStream.state.value, []);
    }
    const creating = !stream;
    const related: Record<string, Record<string, unknown> | null> = {};
    for (const r of registration.related(incidentId)) related[r.streamType] = (await store.loadStream(r.streamId))?.state.context ?? null;
    policy({
      actor: command.actor,
      system: command.system ?? null,
      streamType,
      command: command.type,
      context: stream?.state.context ?? null,
      incident,
      payload,
      related,
      tree,
    });
    const version = stream?.version ?? 0;
    if (command.expectedVersion !== undefined && command.expectedVersion !== version) {
      throw new ConflictError(`${streamType} ${command.streamId} is at version ${version}, not ${command.expectedVersion}`, {
        expectedVersion: command.expectedVersion,
        actualVersion: version,
      });
    }
    const now = clock.now();
    const opening = streamType === 'incident' && creating ? null : openingTime(stream ?? incidentStream, incident);
    checkOccurredAt(
      command,
      now,
      opening !== null
        ? { time: opening, what: `the ${stream ? streamType : 'incident'}'s first record` }
        : streamType === 'incident' && creating
          ? { time: now.getTime() - maxReportBackdateMs, what: `the reporting window of ${Math.round(maxReportBackdateMs / 86_400_000)} days` }
          : null,
    );
    const enriched = withJurisdictions(streamType, command.type, payload, stream?.state.context ?? null);

    const nowIso = now.toISOString();
    const meta = { commandId: handled.commandId, actor: command.actor, now: nowIso, occurredAt: command.occurredAt ?? nowIso };
    const state = stream?.state ?? initialState(definition);
    const machineCommand = creating ? { ...enriched, ...registration.creationFields(command.streamId, incidentId) } : enriched;
    const decision = decide(definition, state, { ...machineCommand, type: command.type, meta });
    if (!decision.ok) throw new IllegalTransitionError(streamType, command.type, decision.state, decision.allowed);

    // Events are filed under the incident's lead jurisdiction as it stands after this command.
    const lead = (streamType === 'incident' ? (decision.state.context as unknown as IncidentContext) : incident) ?? null;
    const write = writeFor(registration, command.streamId, version, decision, meta, incidentId, incident, lead);
    const fingerprint = await handled.fingerprint;
    write.commandKey = key;
    write.fingerprint = fingerprint;
    write.reactions = await reactionsOf(registration, decision, meta, key, fingerprint, incidentId, lead);
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
    key: string,
    fingerprint: string,
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
      // Events keep the command id as sent, with the reaction's number; the key is scoped like the command's.
      const reactionMeta = { ...meta, commandId: `${meta.commandId}.${i + 1}` };
      const state = stream?.state ?? initialState(target.definition);
      const decided = decide(target.definition, state, { ...payload, type: reaction.type, meta: reactionMeta });
      if (!decided.ok) continue;
      const write = writeFor(target, reaction.streamId, stream?.version ?? 0, decided, reactionMeta, incidentId, lead, lead);
      write.commandKey = reactionKey(key, i + 1);
      write.fingerprint = fingerprint;
      writes.push(write);
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
      // Scoped to the sender and the stream (issue 14): the lookup can only return the sender's own
      // earlier answer, so it may run before anything else is checked.
      const scope = scopeOf(command.streamType, command.streamId, OPENING_ONLY.has(command.type));
      const key = commandKey({ system: command.system, userId: command.actor.userId }, scope, commandId);
      const fingerprint = fingerprintOf({
        streamType: command.streamType,
        type: command.type,
        data: payload,
        expectedVersion: command.expectedVersion,
        occurredAt: command.occurredAt,
      });
      // Awaited below or in attempt(); a command refused before that must not leave a rejection unhandled.
      void fingerprint.catch(() => undefined);
      if (command.commandId !== undefined) {
        const earlier = await store.findCommand(key);
        if (earlier) return answerFor(earlier, key, await fingerprint);
      }
      // Commands to one stream from this process take turns: racing them would only make all but
      // one lose and retry. Writers in other processes still race, and the retry below handles it.
      return streamTurns.run(command.streamId, () => withRetries(registration, command, { commandId, key, fingerprint }, payload));
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

  async function withRetries(registration: AggregateRegistration, command: CommandEnvelope, handled: Handled, payload: Record<string, unknown>) {
      for (let retry = 0; ; retry++) {
        try {
          return await attempt(registration, command, handled, payload);
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
