import { ConflictError } from '@muster/contracts';
import { isStreamOf, type HazardContext, type PersistedState } from '@muster/domain';
import type { Kysely } from 'kysely';
import type { Database } from './database';

/** A hazard stream as stored: its state and version. */
export interface StoredHazard {
  streamId: string;
  version: number;
  state: PersistedState<HazardContext>;
}

function storedHazards(rows: { stream_id: string; stream_type: string; version: number; snapshot: PersistedState }[]): StoredHazard[] {
  return rows.flatMap((row) => {
    const stream = { streamType: row.stream_type, state: row.snapshot };
    return isStreamOf(stream, 'hazard') ? [{ streamId: row.stream_id, version: row.version, state: stream.state }] : [];
  });
}

/** The hazards owned by the given rooms (none when the list is empty), newest first. */
export async function listHazardStreams(db: Kysely<Database>, rooms: readonly string[]): Promise<StoredHazard[]> {
  if (rooms.length === 0) return [];
  const rows = await db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot'])
    .where('stream_type', '=', 'hazard')
    .where((eb) => eb(eb.ref('snapshot', '->>').key('context').key('jurisdiction'), 'in', [...rooms]))
    .orderBy('created_at', 'desc')
    .orderBy('stream_id')
    .execute();
  return storedHazards(rows);
}

/** The hazards an incident names as its origin (LinkHazardToIncident). */
export async function hazardsLinkedTo(db: Kysely<Database>, incidentId: string): Promise<StoredHazard[]> {
  const rows = await db
    .selectFrom('stream')
    .select(['stream_id', 'stream_type', 'version', 'snapshot'])
    .where('stream_type', '=', 'hazard')
    .where((eb) => eb(eb.ref('snapshot', '->').key('context').key('incidents'), '@>', JSON.stringify([incidentId]) as never))
    .orderBy('stream_id')
    .execute();
  return storedHazards(rows);
}

/** The events of one hazard, oldest first. */
export async function hazardEvents(db: Kysely<Database>, streamId: string): Promise<{ type: string; version: number; recordedAt: string; actor: string; data: Record<string, unknown> }[]> {
  const rows = await db.selectFrom('event').select(['type', 'version', 'data', 'meta']).where('stream_id', '=', streamId).where('stream_type', '=', 'hazard').orderBy('version').execute();
  return rows.map((row) => {
    const meta = row.meta as { recordedAt?: string; actor?: { userId?: string } };
    return { type: row.type, version: row.version, recordedAt: meta.recordedAt ?? '', actor: meta.actor?.userId ?? '', data: row.data };
  });
}

// ---- Tip-off reporters (举报人), kept apart ------------------------------------------------------

export interface TipOffReporter {
  tipOffId: string;
  hazardId: string;
  jurisdiction: string;
  receivedAt: string;
  name: string;
  phone: string;
  idNumber: string | null;
  address: string | null;
}

/** Keeps a reporter's identity, before the hazard is reported (a failed report removes it again). */
export async function saveTipOffReporter(db: Kysely<Database>, r: TipOffReporter): Promise<void> {
  await db
    .insertInto('tip_off_reporter')
    .values({ tip_off_id: r.tipOffId, hazard_id: r.hazardId, jurisdiction: r.jurisdiction, received_at: r.receivedAt, name: r.name, phone: r.phone, id_number: r.idNumber, address: r.address })
    .execute();
}

export async function removeTipOffReporter(db: Kysely<Database>, tipOffId: string): Promise<void> {
  await db.deleteFrom('tip_off_reporter').where('tip_off_id', '=', tipOffId).execute();
}

export async function findTipOffReporter(db: Kysely<Database>, tipOffId: string): Promise<TipOffReporter | null> {
  const row = await db.selectFrom('tip_off_reporter').selectAll().where('tip_off_id', '=', tipOffId).executeTakeFirst();
  if (!row) return null;
  return {
    tipOffId: row.tip_off_id,
    hazardId: row.hazard_id,
    jurisdiction: row.jurisdiction,
    receivedAt: row.received_at.toISOString(),
    name: row.name,
    phone: row.phone,
    idNumber: row.id_number,
    address: row.address,
  };
}

// ---- Inspections (明查暗访) ------------------------------------------------------------------------

export interface InspectionRecord {
  inspectionId: string;
  jurisdiction: string;
  kind: 'planned' | 'unannounced';
  subject: string;
  inspectedAt: string;
  inspectors: string[];
  attachments: { name: string; ref: string }[];
  hazards: string[];
  recordedBy: string;
  recordedAt: string;
}

/** Records an inspection; an id in use is a conflict, nothing changed. */
export async function saveInspection(db: Kysely<Database>, r: InspectionRecord): Promise<void> {
  const inserted = await db
    .insertInto('inspection')
    .values({
      inspection_id: r.inspectionId,
      jurisdiction: r.jurisdiction,
      kind: r.kind,
      subject: r.subject,
      inspected_at: r.inspectedAt,
      inspectors: JSON.stringify(r.inspectors),
      attachments: JSON.stringify(r.attachments),
      hazards: JSON.stringify(r.hazards),
      recorded_by: r.recordedBy,
      recorded_at: r.recordedAt,
    })
    .onConflict((oc) => oc.column('inspection_id').doNothing())
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows === 0n) throw new ConflictError(`inspection ${r.inspectionId} exists`, { inspectionId: r.inspectionId });
}

/** Inspections of the given rooms, newest first. */
export async function listInspections(db: Kysely<Database>, rooms: readonly string[]): Promise<InspectionRecord[]> {
  if (rooms.length === 0) return [];
  const rows = await db.selectFrom('inspection').selectAll().where('jurisdiction', 'in', [...rooms]).orderBy('inspected_at', 'desc').orderBy('inspection_id').execute();
  return rows.map((row) => ({
    inspectionId: row.inspection_id,
    jurisdiction: row.jurisdiction,
    kind: row.kind,
    subject: row.subject,
    inspectedAt: row.inspected_at.toISOString(),
    inspectors: row.inspectors,
    attachments: row.attachments,
    hazards: row.hazards,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at.toISOString(),
  }));
}
