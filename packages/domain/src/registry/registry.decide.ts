import type {
  DepotEntry,
  EntryOf,
  ExpertEntry,
  HistoryEntry,
  Registration,
  Registry,
  RegistryCommand,
  RegistryEntry,
  RegistryEvent,
  RegistryEventMeta,
  ShelterEntry,
  TeamEntry,
} from './registry.types';

/** Why a registry command is refused: it does not fit the entry's state (`conflict`) or its input (`invalid`, naming the field). */
export type RegistryRefusal = { kind: 'conflict'; message: string } | { kind: 'invalid'; path: string; message: string };
export type RegistryDecision = { ok: true; events: RegistryEvent[] } | { ok: false; refusal: RegistryRefusal };

const REGISTERED: { [R in Registry]: string } = { team: 'TeamRegistered', expert: 'ExpertRegistered', shelter: 'ShelterRegistered', depot: 'DepotRegistered' };

const accept = (...events: RegistryEvent[]): RegistryDecision => ({ ok: true, events });
const conflict = (message: string): RegistryDecision => ({ ok: false, refusal: { kind: 'conflict', message } });

/** Registering an entry: one event carrying the whole record; an id in use is refused. */
export function decideRegistration<R extends Registry>(registry: R, existing: RegistryEntry | null, registration: Registration[R]): RegistryDecision {
  if (existing) return conflict(`${registry} ${registration.id} already exists`);
  return accept({ type: REGISTERED[registry], data: { ...registration } });
}

/** The pure decider of a registered entry: the events a command records, or why it is refused. */
export function decideRegistry(entry: RegistryEntry, command: RegistryCommand): RegistryDecision {
  if (entry.registry !== command.registry) return conflict(`${command.type} is not a command of a ${entry.registry}`);
  switch (command.type) {
    case 'UpdateTeam':
      return accept({ type: 'TeamUpdated', data: { changes: command.changes } });
    case 'ChangeReadiness': {
      const team = entry as TeamEntry;
      if (team.readiness === 'assigned') return conflict(`team ${team.id} is assigned to an incident; it comes back through its resource request's release`);
      if (team.readiness === command.readiness) return conflict(`team ${team.id} is already ${command.readiness}`);
      return accept({ type: 'TeamReadinessChanged', data: { from: team.readiness, to: command.readiness, note: command.note ?? null } });
    }
    case 'UpdateExpert':
      return accept({ type: 'ExpertUpdated', data: { changes: command.changes } });
    case 'ChangeExpertAvailability': {
      const expert = entry as ExpertEntry;
      if (expert.available === command.available) return conflict(`expert ${expert.id} is already ${command.available ? 'available' : 'unavailable'}`);
      return accept({ type: 'ExpertAvailabilityChanged', data: { available: command.available, note: command.note ?? null } });
    }
    case 'AttachExpert': {
      const expert = entry as ExpertEntry;
      if (!expert.available) return conflict(`expert ${expert.id} is not available`);
      if (expert.attachments.some((a) => a.incidentId === command.incidentId && a.consultation === (command.consultation ?? null))) {
        return conflict(`expert ${expert.id} is already attached to ${command.consultation ?? command.incidentId}`);
      }
      return accept({ type: 'ExpertAttached', data: { incidentId: command.incidentId, consultation: command.consultation ?? null } });
    }
    case 'RecordAdvice': {
      const expert = entry as ExpertEntry;
      if (!expert.attachments.some((a) => a.incidentId === command.incidentId)) {
        return { ok: false, refusal: { kind: 'invalid', path: 'data.incidentId', message: `expert ${expert.id} is not attached to incident ${command.incidentId}; attach the expert first` } };
      }
      return accept({ type: 'ExpertAdviceRecorded', data: { incidentId: command.incidentId, advice: command.advice } });
    }
    case 'UpdateShelter': {
      const shelter = entry as ShelterEntry;
      const capacity = command.changes.capacity ?? shelter.capacity;
      return accept({ type: 'ShelterUpdated', data: { changes: command.changes, overCapacity: shelter.occupancy > capacity } });
    }
    case 'OpenShelter':
      if ((entry as ShelterEntry).open) return conflict(`shelter ${entry.id} is already open`);
      return accept({ type: 'ShelterOpened', data: { note: command.note ?? null } });
    case 'CloseShelter': {
      const shelter = entry as ShelterEntry;
      if (!shelter.open) return conflict(`shelter ${shelter.id} is already closed`);
      if (shelter.occupancy > 0) return conflict(`shelter ${shelter.id} still shelters ${shelter.occupancy} people; report them moved out before closing it`);
      return accept({ type: 'ShelterClosed', data: { note: command.note ?? null } });
    }
    case 'ReportOccupancy': {
      const shelter = entry as ShelterEntry;
      if (!shelter.open && command.occupancy > 0) return conflict(`shelter ${shelter.id} is closed; open it before people are sheltered there`);
      // Over capacity is recorded, not refused: people are not turned away, the room is told to act.
      return accept({
        type: 'ShelterOccupancyReported',
        data: { occupancy: command.occupancy, incidentId: command.incidentId ?? null, capacity: shelter.capacity, overCapacity: command.occupancy > shelter.capacity },
      });
    }
    case 'UpdateDepot':
      return accept({ type: 'DepotUpdated', data: { changes: command.changes } });
    case 'CountStock': {
      const kinds = command.items.map((i) => i.kind);
      const twice = kinds.find((k, i) => kinds.indexOf(k) !== i);
      if (twice !== undefined) return { ok: false, refusal: { kind: 'invalid', path: 'data.items', message: `${twice} is counted twice` } };
      return accept({ type: 'StockCounted', data: { items: command.items } });
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown registry command ${JSON.stringify(unknown)}`);
    }
  }
}

function historyOf(type: string, meta: RegistryEventMeta, extra: Omit<HistoryEntry, 'at' | 'by' | 'type'> = {}): HistoryEntry {
  return { at: meta.occurredAt, by: meta.actor.userId, type, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v !== null)) };
}

function registered(event: RegistryEvent, meta: RegistryEventMeta): RegistryEntry {
  const d = event.data;
  const history = [historyOf(event.type, meta)];
  switch (event.type) {
    case 'TeamRegistered':
      return { ...(d as Registration['team']), registry: 'team', readiness: 'available', incidentId: null, history: [historyOf(event.type, meta, { to: 'available' })] };
    case 'ExpertRegistered': {
      const { available, ...rest } = d as Registration['expert'];
      return { ...rest, registry: 'expert', available: available ?? true, attachments: [], advice: [], history };
    }
    case 'ShelterRegistered':
      return { ...(d as Registration['shelter']), registry: 'shelter', open: false, occupancy: 0, overCapacity: false, occupancyReports: [], history };
    case 'DepotRegistered':
      return { ...(d as Registration['depot']), registry: 'depot', stock: [], history };
    default:
      throw new Error(`${event.type} does not register an entry`);
  }
}

/** The entry after one of its events: the one fold every view of a registry entry is made by. */
export function applyRegistryEvent(entry: RegistryEntry | null, event: RegistryEvent, meta: RegistryEventMeta): RegistryEntry {
  if (entry === null) return registered(event, meta);
  const d = event.data;
  const note = typeof d['note'] === 'string' ? d['note'] : undefined;
  const withHistory = <E extends RegistryEntry>(e: E, extra: Omit<HistoryEntry, 'at' | 'by' | 'type'> = {}): E => ({ ...e, history: [...e.history, historyOf(event.type, meta, { note, ...extra })] });
  switch (event.type) {
    case 'TeamUpdated':
    case 'ExpertUpdated':
    case 'DepotUpdated':
      return withHistory({ ...entry, ...(d['changes'] as object) } as RegistryEntry);
    case 'ShelterUpdated':
      return withHistory({ ...(entry as ShelterEntry), ...(d['changes'] as object), overCapacity: d['overCapacity'] === true });
    case 'TeamReadinessChanged':
      return withHistory({ ...(entry as TeamEntry), readiness: d['to'] as TeamEntry['readiness'] }, { from: d['from'] as string, to: d['to'] as string });
    case 'ExpertAvailabilityChanged':
      return withHistory({ ...(entry as ExpertEntry), available: d['available'] === true }, { to: d['available'] === true ? 'available' : 'unavailable' });
    case 'ExpertAttached': {
      const expert = entry as ExpertEntry;
      const attachment = { incidentId: d['incidentId'] as string, consultation: (d['consultation'] as string | null) ?? null, at: meta.occurredAt };
      return withHistory({ ...expert, attachments: [...expert.attachments, attachment] }, { incidentId: attachment.incidentId });
    }
    case 'ExpertAdviceRecorded': {
      const expert = entry as ExpertEntry;
      const advice = { incidentId: d['incidentId'] as string, advice: d['advice'] as string, at: meta.occurredAt, by: meta.actor.userId };
      return withHistory({ ...expert, advice: [...expert.advice, advice] }, { incidentId: advice.incidentId });
    }
    case 'ShelterOpened':
      return withHistory({ ...(entry as ShelterEntry), open: true }, { to: 'open' });
    case 'ShelterClosed':
      return withHistory({ ...(entry as ShelterEntry), open: false }, { to: 'closed' });
    case 'ShelterOccupancyReported': {
      const shelter = entry as ShelterEntry;
      const occupancy = d['occupancy'] as number;
      const incidentId = (d['incidentId'] as string | null) ?? null;
      return withHistory(
        { ...shelter, occupancy, overCapacity: d['overCapacity'] === true, occupancyReports: [...shelter.occupancyReports, { at: meta.occurredAt, occupancy, incidentId }] },
        { to: String(occupancy), incidentId: incidentId ?? undefined },
      );
    }
    case 'StockCounted': {
      const depot = entry as DepotEntry;
      const counted = d['items'] as DepotEntry['stock'];
      const kept = depot.stock.filter((s) => !counted.some((c) => c.kind === s.kind));
      const stock = [...kept, ...counted].sort((a, b) => a.kind.localeCompare(b.kind));
      return withHistory({ ...depot, stock });
    }
    default:
      throw new Error(`${event.type} is not an event of a ${entry.registry}`);
  }
}

/** The entry an ordered list of its events makes (null before its registration). */
export function foldRegistry<R extends Registry>(events: readonly (RegistryEvent & { meta: RegistryEventMeta })[]): EntryOf<R> | null {
  let entry: RegistryEntry | null = null;
  for (const event of events) entry = applyRegistryEvent(entry, event, event.meta);
  return entry as EntryOf<R> | null;
}
