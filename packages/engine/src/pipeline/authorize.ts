import { ConflictError, IllegalTransitionError, NotFoundError } from '@muster/contracts';
import { canSee, isOver, rulesFor, type IncidentContext, type StreamType } from '@muster/domain';
import { AGGREGATES, type AggregateRegistration, type Payload } from '../aggregates';
import type { StoredStream } from '../ports';
import { loadRelated, loadStream } from './load';
import type { KnownCommand, PipelineContext } from './types';

/** What authorization found out about the incident a command's stream belongs to. */
export interface Authorized {
  incidentId: string;
  /** The incident stream the command's stream belongs to; null for the incident's own commands. */
  parent: StoredStream<'incident'> | null;
  /** The incident before the command: the stream's own state for an incident (null when it opens). */
  incident: IncidentContext | null;
}

/**
 * The incident a command names without reading any stream: the incident stream itself, a child
 * stream named after its incident (`scene:<id>`, `report:<id>`, `correction:<id>`), or the
 * incident a creating payload gives. Null when only the stream's stored state knows it (an existing
 * resource request): then the client has named the stream, not the incident.
 */
function namedIncidentOf<K extends StreamType>(registration: AggregateRegistration<K>, command: KnownCommand<K>, payload: Payload): string | null {
  if (registration.ownIncident) return command.streamId;
  const fromId = registration.incidentOf(command.streamId, {}, null);
  if (command.streamId === `${command.streamType}:${fromId}`) return fromId;
  const named = payload['incidentId'];
  if (registration.creates.includes(command.type) && typeof named === 'string') return named;
  return null;
}

/** The lead a creating incident command names, for the rules of that jurisdiction. */
function leadNamedBy(payload: Payload): string | null {
  const lead = payload['leadJurisdiction'];
  return typeof lead === 'string' ? lead : null;
}

/**
 * The incident stream, if the sender may see it. Nothing about a stream whose incident the sender
 * cannot see is revealed (issue 14, finding 9): its existence, version and state stay out of every
 * answer, which is the same NotFound as for an incident or stream that does not exist. System
 * callers see everything.
 */
async function visibleIncident(ctx: PipelineContext, command: KnownCommand<StreamType>, incidentId: string, notFound: () => NotFoundError) {
  const stream = await loadStream(ctx.store, 'incident', incidentId);
  if (!stream) throw notFound();
  if (command.system === undefined && !canSee(ctx.tree, command.actor.jurisdiction, stream.state.context)) throw notFound();
  return stream;
}

/**
 * Everything decided before the command reaches its machine, in the order that reveals nothing to
 * whom it does not concern: who may see the incident (before anything about the stream is said),
 * whether the stream exists, whether the incident is over, the command policy, and only then the
 * stream's version.
 */
export async function authorize<K extends StreamType>(
  ctx: PipelineContext,
  registration: AggregateRegistration<K>,
  command: KnownCommand<K>,
  payload: Payload,
  stream: StoredStream<K> | null,
): Promise<Authorized> {
  const missing = () => new NotFoundError(command.streamType, command.streamId);
  if (registration.ownRoom) return authorizeInRoom(ctx, registration, command, payload, stream, missing);

  // Who may see the incident is decided before anything about the stream is: for a stream named
  // after its incident the answer is about the incident, whether or not the stream itself exists.
  const named = namedIncidentOf(registration, command, payload);
  let incident: IncidentContext | null = null;
  let parent: StoredStream<'incident'> | null = null;
  if (registration.ownIncident) {
    if (stream) {
      incident = registration.ownIncident(stream.state.context);
      if (command.system === undefined && !canSee(ctx.tree, command.actor.jurisdiction, incident)) throw missing();
    }
  } else if (named !== null) {
    parent = await visibleIncident(ctx, command, named, () => new NotFoundError('incident', named));
    incident = parent.state.context;
  }
  if (!stream && !registration.creates.includes(command.type)) throw missing();
  const incidentId = registration.incidentOf(command.streamId, payload, stream?.state.context ?? null);
  if (!registration.ownIncident && (parent === null || incidentId !== named)) {
    // Only the stream's state knows its incident (an existing resource request): it is the stream
    // the client named that is not found.
    parent = await visibleIncident(ctx, command, incidentId, missing);
    incident = parent.state.context;
  }
  // Nothing more happens under an incident that is over: its command and requests are closed too.
  if (parent && isOver(AGGREGATES.incident.definition, parent.state)) {
    throw new IllegalTransitionError('incident', command.type, parent.state.value, []);
  }
  const related = await loadRelated(ctx.store, registration, incidentId);
  ctx.policy({
    actor: command.actor,
    system: command.system ?? null,
    streamType: command.streamType,
    command: command.type,
    context: stream?.state.context ?? null,
    incident,
    payload,
    related,
    tree: ctx.tree,
    rules: rulesFor(ctx.env.rules, ctx.tree, incident?.leadJurisdiction ?? leadNamedBy(payload) ?? command.actor.jurisdiction),
  });
  checkVersion(command, stream);
  return { incidentId, parent, incident };
}

/** The stream's version, last: told only to a sender the policy let through. */
function checkVersion<K extends StreamType>(command: KnownCommand<K>, stream: StoredStream<K> | null): void {
  const version = stream?.version ?? 0;
  if (command.expectedVersion !== undefined && command.expectedVersion !== version) {
    throw new ConflictError(`${command.streamType} ${command.streamId} is at version ${version}, not ${command.expectedVersion}`, {
      expectedVersion: command.expectedVersion,
      actualVersion: version,
    });
  }
}

/**
 * A stream that belongs to a room (a warning): seen by that room and the rooms above it, like the
 * room's own records; a stream with members (a drill) by its members only. To anyone else it does
 * not exist. Then the policy, then the version.
 */
function authorizeInRoom<K extends StreamType>(
  ctx: PipelineContext,
  registration: AggregateRegistration<K>,
  command: KnownCommand<K>,
  payload: Payload,
  stream: StoredStream<K> | null,
  missing: () => NotFoundError,
): Authorized {
  const owner = registration.ownRoom?.(stream?.state.context ?? null, command.actor);
  const room = owner?.jurisdiction ?? command.actor.jurisdiction;
  // A stream with members (a drill) is theirs alone; otherwise the room's and the rooms' above it.
  const sees = owner?.members ? owner.members.includes(command.actor.jurisdiction) : ctx.tree.isWithin(room, command.actor.jurisdiction);
  if (stream && command.system === undefined && !(command.actor.roles.length > 0 && sees)) throw missing();
  if (!stream && !registration.creates.includes(command.type)) throw missing();
  ctx.policy({
    actor: command.actor,
    system: command.system ?? null,
    streamType: command.streamType,
    command: command.type,
    context: stream?.state.context ?? null,
    incident: null,
    payload,
    related: {},
    tree: ctx.tree,
    rules: rulesFor(ctx.env.rules, ctx.tree, room),
  });
  checkVersion(command, stream);
  return { incidentId: registration.incidentOf(command.streamId, payload, stream?.state.context ?? null), parent: null, incident: null };
}
