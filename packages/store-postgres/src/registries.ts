import { ConflictError, NotFoundError, ValidationError, type EventEnvelope } from '@muster/contracts';
import {
  applyRegistryEvent,
  decideRegistration,
  decideRegistry,
  foldAvailability,
  registryStreamId,
  type Actor,
  type AvailabilityState,
  type EntryOf,
  type Registration,
  type Registry,
  type RegistryCommand,
  type RegistryEntry,
  type RegistryEvent,
  type RegistryRefusal,
} from '@muster/domain';
import { StreamVersionConflict } from '@muster/engine';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';
import { PostgresEventStore } from './postgres-event-store';

/**
 * Registries (issue 23): each team, expert, shelter and depot is a stream `<registry>:<id>` of its own
 * room. A change is decided by the domain's pure decider on the entry's view, recorded as events in
 * the event log (so the relay carries it, the hash chain covers it, and `muster replay` checks it) and
 * folded into `registry_entry`, all in one transaction. Teams and stock keep their running state in
 * `rescue_team` and `depot_stock` as well, where a resource request's dispatch and release move them.
 */

/** Who changes an entry, when, under which command id. */
export interface RegistryChange {
  actor: Actor;
  now: string;
  commandId: string;
  newId(): string;
}

/** An incident a change is filed under (an expert's attachment and advice join its timeline and feed). */
export interface FiledUnder {
  incidentId: string;
  rooms: string[];
  exercise: boolean;
}

export type RegistryEntryView = RegistryEntry & { version: number };

function refused(refusal: RegistryRefusal): Error {
  return refusal.kind === 'conflict' ? new ConflictError(refusal.message) : new ValidationError([{ path: refusal.path, message: refusal.message }]);
}

/** The stream write of an entry's events: the snapshot is the fold of its own events. */
async function writeEvents(
  trx: Transaction<Database>,
  entry: { registry: Registry; id: string; jurisdiction: string },
  version: number,
  snapshot: RegistryEntry,
  events: RegistryEvent[],
  change: RegistryChange,
  filed: FiledUnder | null,
): Promise<void> {
  const streamId = registryStreamId(entry.registry, entry.id);
  const newEvents: Omit<EventEnvelope, 'position'>[] = events.map((e, i) => ({
    eventId: change.newId(),
    streamId,
    streamType: entry.registry,
    version: version + i + 1,
    type: e.type,
    data: e.data,
    meta: {
      commandId: change.commandId,
      actor: change.actor,
      occurredAt: change.now,
      recordedAt: change.now,
      jurisdiction: entry.jurisdiction,
      rooms: filed ? [...new Set([entry.jurisdiction, ...filed.rooms])] : [entry.jurisdiction],
      exercise: filed?.exercise ?? false,
      incidentId: filed?.incidentId ?? streamId,
    },
  }));
  const state = { value: 'registered', context: snapshot as unknown as Record<string, unknown> };
  await new PostgresEventStore(trx).write(trx, {
    streamId,
    streamType: entry.registry,
    expectedVersion: version,
    state,
    events: newEvents,
    commandId: change.commandId,
    commandKey: keyOfChange(change, streamId),
    result: { streamId, streamType: entry.registry, version: version + events.length, state: 'registered', events: newEvents.map((e) => ({ eventId: e.eventId, type: e.type, version: e.version })) },
    effects: [],
  });
}

const metaOf = (change: RegistryChange) => ({ occurredAt: change.now, actor: change.actor });

const keyOfChange = (change: RegistryChange, streamId: string) => `u/${change.actor.userId}/${streamId}/${change.commandId}`;

/**
 * Whether this sender already sent this command id to this entry: a retry (the client resends after a
 * lost answer) is answered with the entry as it is, and records nothing again.
 */
async function handledBefore(trx: Transaction<Database>, change: RegistryChange, streamId: string): Promise<boolean> {
  const row = await trx.selectFrom('command').select('command_key').where('command_key', '=', keyOfChange(change, streamId)).executeTakeFirst();
  return row !== undefined;
}

/** Registers an entry inside the caller's transaction (a single registration, or a row of an import). */
async function registerIn<R extends Registry>(trx: Transaction<Database>, registry: R, registration: Registration[R], change: RegistryChange): Promise<RegistryEntryView> {
  const existing = await trx.selectFrom('registry_entry').select(['view', 'version']).where('registry', '=', registry).where('entry_id', '=', registration.id).executeTakeFirst();
  if (existing && (await handledBefore(trx, change, registryStreamId(registry, registration.id)))) return { ...existing.view, version: existing.version };
  // Depots and teams made before the registries existed hold their ids too.
  const legacy =
    registry === 'depot'
      ? await trx.selectFrom('depot').select('depot_id').where('depot_id', '=', registration.id).executeTakeFirst()
      : registry === 'team'
        ? await trx.selectFrom('rescue_team').select('team_id').where('team_id', '=', registration.id).executeTakeFirst()
        : undefined;
  const decision = decideRegistration(registry, existing?.view ?? null, registration);
  if (!decision.ok) throw refused(decision.refusal);
  if (legacy) throw new ConflictError(`${registry} ${registration.id} already exists`);
  let entry: RegistryEntry | null = null;
  for (const event of decision.events) entry = applyRegistryEvent(entry, event, metaOf(change));
  if (!entry) throw new Error('a registration records its entry');
  await writeEvents(trx, entry, 0, entry, decision.events, change, null);
  await trx
    .insertInto('registry_entry')
    .values({ registry, entry_id: entry.id, jurisdiction: entry.jurisdiction, version: decision.events.length, view: JSON.stringify(entry), updated_at: change.now })
    .execute();
  if (entry.registry === 'team') {
    await trx.insertInto('rescue_team').values({ team_id: entry.id, name: entry.name, jurisdiction: entry.jurisdiction, specialty: entry.kind, status: 'available', incident_id: null }).execute();
  } else if (entry.registry === 'depot') {
    await trx.insertInto('depot').values({ depot_id: entry.id, name: entry.name, jurisdiction: entry.jurisdiction, location: entry.location }).execute();
  }
  return { ...entry, version: decision.events.length };
}

/**
 * Two registrations of one id racing: the loser's stream or row insert fails on its key; it gets the
 * conflict a registration of an id in use gets, not a server error.
 */
function asConflict(error: unknown, registry: Registry, id: string): unknown {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (error instanceof StreamVersionConflict || code === '23505') return new ConflictError(`${registry} ${id} already exists`);
  return error;
}

export async function registerEntry<R extends Registry>(db: Kysely<Database>, registry: R, registration: Registration[R], change: RegistryChange): Promise<RegistryEntryView> {
  try {
    return await db.transaction().execute((trx) => registerIn(trx, registry, registration, change));
  } catch (error) {
    throw asConflict(error, registry, registration.id);
  }
}

/**
 * Registers every row of an import in ONE transaction: all of them or none. A row whose id is in use
 * fails the whole import with the line it came from.
 */
export async function registerAll<R extends Registry>(db: Kysely<Database>, registry: R, rows: { line: number; registration: Registration[R] }[], change: RegistryChange): Promise<number> {
  return db.transaction().execute(async (trx) => {
    for (const row of rows) {
      try {
        await registerIn(trx, registry, row.registration, { ...change, commandId: `${change.commandId}-${row.line}` });
      } catch (error) {
        const conflict = asConflict(error, registry, row.registration.id);
        if (conflict instanceof ConflictError) throw new ValidationError([{ path: `line ${row.line}.id`, message: conflict.message }]);
        throw error;
      }
    }
    return rows.length;
  });
}

/** Stock counts of an import (one line per depot and kind), in one transaction, depot by depot. */
export async function countAllStock(db: Kysely<Database>, rows: { line: number; depotId: string; item: EntryOf<'depot'>['stock'][number] }[], change: RegistryChange, mayKeep: (jurisdiction: string) => boolean): Promise<number> {
  const byDepot = new Map<string, typeof rows>();
  for (const row of rows) byDepot.set(row.depotId, [...(byDepot.get(row.depotId) ?? []), row]);
  return db.transaction().execute(async (trx) => {
    for (const [depotId, lines] of [...byDepot].sort(([a], [b]) => a.localeCompare(b))) {
      const first = lines[0];
      if (!first) continue;
      const found = await trx.selectFrom('registry_entry').select('jurisdiction').where('registry', '=', 'depot').where('entry_id', '=', depotId).executeTakeFirst();
      if (!found || !mayKeep(found.jurisdiction)) throw new ValidationError([{ path: `line ${first.line}.depotId`, message: `no depot ${depotId} of your room` }]);
      await changeIn(trx, 'depot', depotId, { registry: 'depot', type: 'CountStock', items: lines.map((l) => l.item) }, { ...change, commandId: `${change.commandId}-${depotId}` }, null);
    }
    return rows.length;
  });
}

async function changeIn(trx: Transaction<Database>, registry: Registry, id: string, command: RegistryCommand, change: RegistryChange, filed: FiledUnder | null): Promise<RegistryEntryView> {
  // A team's row first, as a dispatch locks it first: the two never wait on each other in a cycle.
  if (registry === 'team') await trx.selectFrom('rescue_team').select('team_id').where('team_id', '=', id).forUpdate().executeTakeFirst();
  const row = await trx.selectFrom('registry_entry').select(['view', 'version']).where('registry', '=', registry).where('entry_id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new NotFoundError(registry, id);
  if (await handledBefore(trx, change, registryStreamId(registry, id))) return { ...row.view, version: row.version };
  const decision = decideRegistry(row.view, command);
  if (!decision.ok) throw refused(decision.refusal);
  const streamId = registryStreamId(registry, id);
  const stream = await trx.selectFrom('stream').select(['snapshot', 'version']).where('stream_id', '=', streamId).executeTakeFirst();
  if (!stream) throw new NotFoundError(registry, id);
  let view: RegistryEntry = row.view;
  let snapshot = stream.snapshot.context as unknown as RegistryEntry;
  for (const event of decision.events) {
    view = applyRegistryEvent(view, event, metaOf(change));
    snapshot = applyRegistryEvent(snapshot, event, metaOf(change));
  }
  await writeEvents(trx, view, stream.version, snapshot, decision.events, change, filed);
  const version = row.version + decision.events.length;
  await trx.updateTable('registry_entry').set({ view: JSON.stringify(view), version, updated_at: change.now }).where('registry', '=', registry).where('entry_id', '=', id).execute();
  await keepRunningState(trx, view, command);
  return { ...view, version };
}

/** What dispatch reads besides the registry: a team's name and readiness, a depot's name and counted stock. */
async function keepRunningState(trx: Transaction<Database>, entry: RegistryEntry, command: RegistryCommand): Promise<void> {
  if (entry.registry === 'team') {
    await trx.updateTable('rescue_team').set({ name: entry.name, specialty: entry.kind, status: entry.readiness }).where('team_id', '=', entry.id).execute();
  } else if (entry.registry === 'depot') {
    await trx.updateTable('depot').set({ name: entry.name, location: entry.location }).where('depot_id', '=', entry.id).execute();
    if (command.type !== 'CountStock') return;
    for (const item of command.items) {
      const values = { quantity: item.quantity, returnable: item.returnable, unit: item.unit, expires_on: item.expiresOn };
      await trx
        .insertInto('depot_stock')
        .values({ depot_id: entry.id, kind: item.kind, ...values })
        .onConflict((oc) => oc.columns(['depot_id', 'kind']).doUpdateSet(values))
        .execute();
    }
  }
}

export async function changeEntry(db: Kysely<Database>, registry: Registry, id: string, command: RegistryCommand, change: RegistryChange, filed: FiledUnder | null = null): Promise<RegistryEntryView> {
  return db.transaction().execute((trx) => changeIn(trx, registry, id, command, change, filed));
}

/** A depot's view shows the running stock (after dispatches and returns), not only the last count. */
async function withRunningStock(db: Kysely<Database>, entries: RegistryEntryView[]): Promise<RegistryEntryView[]> {
  const depots = entries.filter((e) => e.registry === 'depot').map((e) => e.id);
  if (depots.length === 0) return entries;
  const stock = await db
    .selectFrom('depot_stock')
    .select(['depot_id', 'kind', 'quantity', 'unit', 'returnable', sql<string | null>`expires_on::text`.as('expires_on')])
    .where('depot_id', 'in', depots)
    .orderBy('depot_id')
    .orderBy('kind')
    .execute();
  return entries.map((e) =>
    e.registry === 'depot'
      ? { ...e, stock: stock.filter((s) => s.depot_id === e.id).map((s) => ({ kind: s.kind, quantity: s.quantity, unit: s.unit, returnable: s.returnable, expiresOn: s.expires_on })) }
      : e,
  );
}

/** The entry, or null when there is none by that id. */
export async function findEntry(db: Kysely<Database>, registry: Registry, id: string): Promise<RegistryEntryView | null> {
  const row = await db.selectFrom('registry_entry').select(['view', 'version']).where('registry', '=', registry).where('entry_id', '=', id).executeTakeFirst();
  if (!row) return null;
  const [entry] = await withRunningStock(db, [{ ...row.view, version: row.version }]);
  return entry ?? null;
}

/** Entries of a registry in the given jurisdictions, by id. */
export async function listEntries<R extends Registry>(db: Kysely<Database>, registry: R, jurisdictions: readonly string[]): Promise<(EntryOf<R> & { version: number })[]> {
  if (jurisdictions.length === 0) return [];
  const rows = await db.selectFrom('registry_entry').select(['view', 'version']).where('registry', '=', registry).where('jurisdiction', 'in', [...jurisdictions]).orderBy('entry_id').execute();
  return (await withRunningStock(db, rows.map((r) => ({ ...r.view, version: r.version })))) as (EntryOf<R> & { version: number })[];
}

/** Keeps a team's registry view in step with a dispatch or a release (called by the store's effects). */
export async function recordTeamMoves(trx: Transaction<Database>, teamIds: readonly string[], move: { readiness: 'assigned' | 'available'; incidentId: string | null; by: string; type: string }): Promise<void> {
  if (teamIds.length === 0) return;
  // The moment is the transaction's: the dispatch or release commits with it.
  const { at } = await sql<{ at: string }>`select to_json(now())#>>'{}' as at`.execute(trx).then((r) => r.rows[0] ?? { at: new Date().toISOString() });
  const history = JSON.stringify([{ at, by: move.by, type: move.type, to: move.readiness, ...(move.incidentId ? { incidentId: move.incidentId } : {}) }]);
  await sql`update registry_entry
      set view = jsonb_set(jsonb_set(jsonb_set(view, '{readiness}', to_jsonb(${move.readiness}::text)), '{incidentId}', coalesce(to_jsonb(${move.incidentId}::text), 'null'::jsonb)),
                           '{history}', coalesce(view->'history', '[]'::jsonb) || ${history}::jsonb)
      where registry = 'team' and entry_id in (${sql.join([...teamIds])})`.execute(trx);
}

/** The availability the store keeps now: every depot's stock and every team's readiness. */
export async function storedAvailability(db: Kysely<Database>): Promise<AvailabilityState> {
  const registered = (registry: 'team' | 'depot') => db.selectFrom('registry_entry').select('entry_id').where('registry', '=', registry);
  const stock = await db.selectFrom('depot_stock').select(['depot_id', 'kind', 'quantity']).where('depot_id', 'in', registered('depot')).execute();
  const teams = await db.selectFrom('rescue_team').select(['team_id', 'status', 'incident_id']).where('team_id', 'in', registered('team')).execute();
  return {
    stock: stock.map((s) => ({ depotId: s.depot_id, kind: s.kind, quantity: s.quantity })).sort((a, b) => a.depotId.localeCompare(b.depotId) || a.kind.localeCompare(b.kind)),
    teams: teams.map((t) => ({ teamId: t.team_id, readiness: t.status, incidentId: t.incident_id })).sort((a, b) => a.teamId.localeCompare(b.teamId)),
  };
}

/** The availability the event log implies: registry and resource request events in commit order, folded. */
export async function availabilityFromLog(db: Kysely<Database>): Promise<AvailabilityState> {
  const rows = await db
    .selectFrom('event')
    .select(['stream_id', 'type', 'data', 'incident_id'])
    .where('stream_type', 'in', ['team', 'depot', 'resourceRequest'])
    .orderBy('tx_id')
    .orderBy('seq')
    .execute();
  return foldAvailability(rows.map((r) => ({ streamId: r.stream_id, type: r.type, data: r.data, incidentId: r.incident_id })));
}

/**
 * Rewrites the running stock and team readiness from the event log (after a restore, or to prove the
 * view is what the log says), in one transaction; returns what it wrote.
 */
export async function rebuildAvailability(db: Kysely<Database>): Promise<AvailabilityState> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table depot_stock, rescue_team in exclusive mode`.execute(trx);
    const state = await availabilityFromLog(trx);
    for (const s of state.stock) await trx.updateTable('depot_stock').set({ quantity: s.quantity }).where('depot_id', '=', s.depotId).where('kind', '=', s.kind).execute();
    for (const t of state.teams) await trx.updateTable('rescue_team').set({ status: t.readiness, incident_id: t.incidentId }).where('team_id', '=', t.teamId).execute();
    return state;
  });
}
