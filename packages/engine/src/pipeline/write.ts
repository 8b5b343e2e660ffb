import type { CommandResult } from '@muster/contracts';
import { roomsOf, type CommandMeta, type IncidentContext, type StreamType } from '@muster/domain';
import type { AggregateRegistration } from '../aggregates';
import type { Ids, NewEvent, StreamWrite } from '../ports';
import type { Accepted } from './decide';

/**
 * What the events of a command carry about it: the machine's CommandMeta and, for a command that came
 * in over HTTP, the request's id (so the relay's and the api's logs of one request can be joined).
 */
export type RecordedMeta = CommandMeta & { requestId?: string | undefined; drillId?: string | undefined };

/** One accepted decision on one stream, with what filing its events needs. */
export interface AcceptedOn<K extends StreamType> {
  registration: AggregateRegistration<K>;
  streamId: string;
  /** The stream's version before the command (0 for a new stream). */
  version: number;
  decision: Accepted<K>;
  meta: RecordedMeta;
  incidentId: string;
  /** The incident before the command, and as it stands after it (its lead files the events). */
  before: IncidentContext | null;
  lead: IncidentContext | null;
  /** For a stream that belongs to a room (see ownRoom): the room it is filed under and whether it is a drill's. */
  room?: { jurisdiction: string; exercise: boolean; roomsOf?(eventType: string): readonly string[] } | null;
}

/** The write of one accepted decision: its events with ids, versions and rooms, its effects and result. */
export function writeFor<K extends StreamType>(ids: Ids, accepted: AcceptedOn<K>): StreamWrite {
  const { registration, streamId, version, decision, meta, incidentId, before, lead, room } = accepted;
  const { streamType } = registration.definition;
  const jurisdiction = room?.jurisdiction ?? lead?.leadJurisdiction ?? '';
  const exercise = room?.exercise ?? lead?.exercise ?? false;
  // A room that stops following the incident still gets the event that says so; some streams go
  // to further rooms too (reports: the room above, which receives them and hears when one is late;
  // supervision items: the supervising room).
  const rooms = room
    ? [room.jurisdiction]
    : [
    ...new Set([...(before ? roomsOf(before) : []), ...(lead ? roomsOf(lead) : []), ...(lead ? (registration.extraRooms?.(lead, decision.state.context) ?? []) : [])]),
  ];
  const events: NewEvent[] = decision.events.map((event, i) => ({
    eventId: ids.newId(),
    streamId,
    streamType,
    version: version + i + 1,
    type: event.type,
    data: event.data,
    meta: {
      commandId: meta.commandId,
      actor: meta.actor,
      occurredAt: meta.occurredAt,
      recordedAt: meta.now,
      jurisdiction,
      rooms: room?.roomsOf ? [...room.roomsOf(event.type)] : rooms,
      exercise,
      incidentId,
      ...(event.derived ? { derived: true } : {}),
      // Only when there is one: events without it hash exactly as before (store-postgres hash-chain.ts).
      ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
      ...(meta.drillId === undefined ? {} : { drillId: meta.drillId }),
    },
  }));
  const { context } = decision.state;
  const effects = decision.events.flatMap((event) => registration.effectsOf(event, context, lead));
  if (decision.ends) effects.push(...(registration.whenOver?.(context) ?? []));
  // A drill's deadlines carry its id like its events (issue 22).
  const { drillId } = meta;
  const filed = drillId === undefined ? effects : effects.map((e) => (e.kind === 'scheduleDeadline' ? { ...e, deadline: { ...e.deadline, drillId } } : e));
  const result: CommandResult = {
    streamId,
    streamType,
    version: version + events.length,
    state: decision.state.value,
    events: events.map((e) => ({ eventId: e.eventId, type: e.type, version: e.version })),
  };
  return { streamId, streamType, expectedVersion: version, state: decision.state, events, commandId: meta.commandId, result, effects: filed };
}
