import { ConflictError, NotFoundError } from '@muster/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { DutyShiftRow } from './tables/duty-shift.table';
import type { Caller, InformedParty, WatchEntryRow } from './tables/watch-entry.table';

// ---- Duty roster (值班表) -----------------------------------------------------------------------

export interface ShiftInput {
  shiftId: string;
  jurisdiction: string;
  post: 'leader' | 'duty_officer';
  officer: { userId: string; name: string; phone?: string | undefined };
  startsAt: string;
  endsAt: string;
  createdBy: string;
}

export interface ShiftView {
  shiftId: string;
  jurisdiction: string;
  post: 'leader' | 'duty_officer';
  officer: { userId: string; name: string; phone: string | null };
  startsAt: string;
  endsAt: string;
  createdBy: string;
}

function shiftView(r: DutyShiftRow): ShiftView {
  return {
    shiftId: r.shift_id,
    jurisdiction: r.jurisdiction,
    post: r.post,
    officer: { userId: r.officer_id, name: r.officer_name, phone: r.officer_phone },
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    createdBy: r.created_by,
  };
}

/** Adds a shift; an officer cannot hold two overlapping shifts in one room. */
export async function createShift(db: Kysely<Database>, shift: ShiftInput): Promise<ShiftView> {
  return db.transaction().execute(async (trx) => {
    // Serialises roster changes of one officer, so two overlapping shifts cannot both pass the check
    // (a row lock would not do: there may be no row of the officer to lock yet).
    await sql`select pg_advisory_xact_lock(hashtext('duty_shift'), hashtext(${shift.officer.userId}))`.execute(trx);
    const overlap = await trx
      .selectFrom('duty_shift')
      .select('shift_id')
      .where('jurisdiction', '=', shift.jurisdiction)
      .where('officer_id', '=', shift.officer.userId)
      .where('starts_at', '<', new Date(shift.endsAt))
      .where('ends_at', '>', new Date(shift.startsAt))
      .executeTakeFirst();
    if (overlap) throw new ConflictError(`${shift.officer.userId} already has shift ${overlap.shift_id} at that time`, { shiftId: overlap.shift_id });
    const row = await trx
      .insertInto('duty_shift')
      .values({
        shift_id: shift.shiftId,
        jurisdiction: shift.jurisdiction,
        post: shift.post,
        officer_id: shift.officer.userId,
        officer_name: shift.officer.name,
        officer_phone: shift.officer.phone ?? null,
        starts_at: shift.startsAt,
        ends_at: shift.endsAt,
        created_by: shift.createdBy,
      })
      .onConflict((oc) => oc.column('shift_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ConflictError(`shift ${shift.shiftId} already exists`);
    return shiftView(row);
  });
}

/** Shifts of a room that overlap [from, to), earliest first. */
export async function listShifts(db: Kysely<Database>, filter: { jurisdiction: string; from?: string | undefined; to?: string | undefined }): Promise<ShiftView[]> {
  let query = db.selectFrom('duty_shift').selectAll().where('jurisdiction', '=', filter.jurisdiction);
  if (filter.to !== undefined) query = query.where('starts_at', '<', new Date(filter.to));
  if (filter.from !== undefined) query = query.where('ends_at', '>', new Date(filter.from));
  const rows = await query.orderBy('starts_at').orderBy('shift_id').execute();
  return rows.map(shiftView);
}

/** Who is on duty in a room at `at`: every shift that covers it (leader and officers). */
export async function onDuty(db: Kysely<Database>, jurisdiction: string, at: string): Promise<ShiftView[]> {
  const rows = await db
    .selectFrom('duty_shift')
    .selectAll()
    .where('jurisdiction', '=', jurisdiction)
    .where('starts_at', '<=', new Date(at))
    .where('ends_at', '>', new Date(at))
    .orderBy('post')
    .orderBy('starts_at')
    .execute();
  return rows.map(shiftView);
}

// ---- Watch log (值班记录) -----------------------------------------------------------------------

export interface WatchEntryInput {
  entryId: string;
  jurisdiction: string;
  channel: string;
  receivedAt: string;
  occurredAt?: string | undefined;
  place: string;
  cause?: string | undefined;
  course: string;
  measures?: string | undefined;
  result?: string | undefined;
  impact?: string | undefined;
  trend?: string | undefined;
  informed: InformedParty[];
  caller: Caller;
  recorderName: string;
  recordedBy: string;
  recordedAt: string;
}

type WatchStatus = WatchEntryRow['status'];

export interface WatchEntryView {
  entryId: string;
  jurisdiction: string;
  channel: string;
  receivedAt: string;
  occurredAt: string | null;
  place: string;
  cause: string | null;
  course: string;
  measures: string | null;
  result: string | null;
  impact: string | null;
  trend: string | null;
  informed: InformedParty[];
  caller: Caller;
  recordedBy: string;
  recorderName: string;
  recordedAt: string;
  status: WatchStatus;
  incidentId: string | null;
  triagedBy: string | null;
  triagedAt: string | null;
  dismissReason: string | null;
  /** A drill's call (演练). */
  exercise: boolean;
}

function entryView(r: WatchEntryRow): WatchEntryView {
  return {
    entryId: r.entry_id,
    jurisdiction: r.jurisdiction,
    channel: r.channel,
    receivedAt: r.received_at.toISOString(),
    occurredAt: r.occurred_at?.toISOString() ?? null,
    place: r.place,
    cause: r.cause,
    course: r.course,
    measures: r.measures,
    result: r.result,
    impact: r.impact,
    trend: r.trend,
    informed: r.informed,
    caller: r.caller,
    recordedBy: r.recorded_by,
    recorderName: r.recorder_name,
    recordedAt: r.recorded_at.toISOString(),
    status: r.status,
    incidentId: r.incident_id,
    triagedBy: r.triaged_by,
    triagedAt: r.triaged_at?.toISOString() ?? null,
    dismissReason: r.dismiss_reason,
    exercise: r.exercise,
  };
}

export async function createWatchEntry(db: Kysely<Database>, entry: WatchEntryInput): Promise<WatchEntryView> {
  const row = await db
    .insertInto('watch_entry')
    .values({
      entry_id: entry.entryId,
      jurisdiction: entry.jurisdiction,
      channel: entry.channel,
      received_at: entry.receivedAt,
      occurred_at: entry.occurredAt ?? null,
      place: entry.place,
      cause: entry.cause ?? null,
      course: entry.course,
      measures: entry.measures ?? null,
      result: entry.result ?? null,
      impact: entry.impact ?? null,
      trend: entry.trend ?? null,
      informed: JSON.stringify(entry.informed),
      caller: JSON.stringify(entry.caller),
      recorded_by: entry.recordedBy,
      recorder_name: entry.recorderName,
      recorded_at: entry.recordedAt,
      status: 'open',
    })
    .onConflict((oc) => oc.column('entry_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ConflictError(`watch entry ${entry.entryId} already exists`);
  return entryView(row);
}

/**
 * A drill's call (inject, issue 22) logged in a room's watch log as if it had rung there: open, for
 * the room to triage, flagged as a drill's. Its id derives from the inject's deadline row, so logging
 * it again (a firing repeated after a crash) adds nothing.
 */
export async function logInjectedCall(db: Kysely<Database>, entry: Pick<WatchEntryInput, 'entryId' | 'jurisdiction' | 'channel' | 'receivedAt' | 'place' | 'course' | 'recorderName' | 'recordedBy' | 'recordedAt'>): Promise<void> {
  await db
    .insertInto('watch_entry')
    .values({
      entry_id: entry.entryId,
      jurisdiction: entry.jurisdiction,
      channel: entry.channel,
      received_at: entry.receivedAt,
      occurred_at: null,
      place: entry.place,
      course: entry.course,
      informed: JSON.stringify([]),
      caller: JSON.stringify({}),
      recorded_by: entry.recordedBy,
      recorder_name: entry.recorderName,
      recorded_at: entry.recordedAt,
      status: 'open',
      exercise: true,
    })
    .onConflict((oc) => oc.column('entry_id').doNothing())
    .execute();
}

export async function getWatchEntry(db: Kysely<Database>, entryId: string): Promise<WatchEntryView> {
  const row = await db.selectFrom('watch_entry').selectAll().where('entry_id', '=', entryId).executeTakeFirst();
  if (!row) throw new NotFoundError('watch entry', entryId);
  return entryView(row);
}

export interface WatchFilter {
  jurisdiction: string;
  status?: WatchStatus | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
  /** Real calls only (false), a drill's only (true), or both (absent). */
  exercise?: boolean | undefined;
}

/** The log of one room, newest first. */
export async function listWatchEntries(db: Kysely<Database>, filter: WatchFilter): Promise<WatchEntryView[]> {
  let query = db.selectFrom('watch_entry').selectAll().where('jurisdiction', '=', filter.jurisdiction);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.exercise !== undefined) query = query.where('exercise', '=', filter.exercise);
  if (filter.from !== undefined) query = query.where('received_at', '>=', new Date(filter.from));
  if (filter.to !== undefined) query = query.where('received_at', '<', new Date(filter.to));
  const rows = await query.orderBy('received_at', 'desc').orderBy('entry_id', 'desc').limit(filter.limit ?? 100).execute();
  return rows.map(entryView);
}

export interface TriageDecision {
  status: Exclude<WatchStatus, 'open'>;
  incidentId?: string | null | undefined;
  dismissReason?: string | null | undefined;
}

/**
 * Triages an open entry exactly once: the row is locked while `decide` runs (it may send a command
 * through the engine, which touches no watch row), so two officers triaging the same call at once
 * get one decision and one 409.
 */
export async function triageWatchEntry(
  db: Kysely<Database>,
  entryId: string,
  by: { userId: string; at: string },
  decide: (entry: WatchEntryView) => Promise<TriageDecision>,
): Promise<WatchEntryView> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('watch_entry').selectAll().where('entry_id', '=', entryId).forUpdate().executeTakeFirst();
    if (!row) throw new NotFoundError('watch entry', entryId);
    if (row.status !== 'open') {
      throw new ConflictError(`watch entry ${entryId} was already triaged (${row.status})`, { status: row.status, incidentId: row.incident_id });
    }
    const decision = await decide(entryView(row));
    const updated = await trx
      .updateTable('watch_entry')
      .set({
        status: decision.status,
        incident_id: decision.incidentId ?? null,
        dismiss_reason: decision.dismissReason ?? null,
        triaged_by: by.userId,
        triaged_at: by.at,
      })
      .where('entry_id', '=', entryId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return entryView(updated);
  });
}
