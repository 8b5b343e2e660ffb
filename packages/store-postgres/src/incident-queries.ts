import { findUnstorable, type IncidentView } from '@muster/contracts';
import type { Kysely } from 'kysely';
import type { Database } from './database';

export interface IncidentFilter {
  state?: string | undefined;
  severity?: string | undefined;
  /** Incidents on this jurisdiction's board: it leads, follows (linked) or supports them. */
  jurisdiction?: string | undefined;
  /**
   * Visibility of the reader: incidents whose lead is one of `leads` (the reader's jurisdiction and
   * everything below it) or that follow the reader's room. Undefined means no restriction.
   */
  visibleTo?: { leads: readonly string[]; room: string } | undefined;
  exercise?: boolean | undefined;
  /** Only this incident (a board's card read again after its events). */
  incidentId?: string | undefined;
  limit?: number | undefined;
  /** Opaque cursor from the previous page. */
  after?: string | undefined;
}

export class InvalidCursor extends Error {
  constructor() {
    super('the paging cursor is not one this server issued');
    this.name = 'InvalidCursor';
  }
}

function decodeCursor(cursor: string): { reportedAt: string; id: string } {
  try {
    const [reportedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof reportedAt !== 'string' || typeof id !== 'string') throw new InvalidCursor();
    // Only what listIncidents writes (an ISO time as toISOString renders it, an id PostgreSQL can
    // hold): a forged cursor never reaches the database, where a NUL in it was a 500.
    if (Number.isNaN(Date.parse(reportedAt)) || new Date(reportedAt).toISOString() !== reportedAt) throw new InvalidCursor();
    if (findUnstorable(id, { maxDepth: 1 }) !== null) throw new InvalidCursor();
    return { reportedAt, id };
  } catch {
    throw new InvalidCursor();
  }
}

/** Newest reported first; a cursor continues after the last item of the previous page. */
export async function listIncidents(db: Kysely<Database>, filter: IncidentFilter): Promise<{ items: IncidentView[]; next: string | null }> {
  const limit = filter.limit ?? 100;
  let query = db.selectFrom('incident').select(['view', 'reported_at', 'incident_id']);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.severity) query = query.where('severity', '=', filter.severity);
  if (filter.exercise !== undefined) query = query.where('exercise', '=', filter.exercise);
  if (filter.incidentId !== undefined) query = query.where('incident_id', '=', filter.incidentId);
  const jurisdiction = filter.jurisdiction;
  if (jurisdiction) {
    query = query.where((eb) => eb(eb.val(jurisdiction), '=', eb.fn.any('rooms')));
  }
  const visible = filter.visibleTo;
  if (visible) {
    query = query.where((eb) =>
      eb.or([eb('lead_jurisdiction', 'in', visible.leads.length ? [...visible.leads] : ['']), eb(eb.val(visible.room), '=', eb.fn.any('rooms'))]),
    );
  }
  if (filter.after) {
    const { reportedAt, id } = decodeCursor(filter.after);
    query = query.where((eb) =>
      eb.or([eb('reported_at', '<', new Date(reportedAt)), eb.and([eb('reported_at', '=', new Date(reportedAt)), eb('incident_id', '<', id)])]),
    );
  }
  const rows = await query.orderBy('reported_at', 'desc').orderBy('incident_id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next =
    rows.length > limit && last ? Buffer.from(JSON.stringify([last.reported_at.toISOString(), last.incident_id])).toString('base64url') : null;
  return { items: page.map((r) => r.view), next };
}
