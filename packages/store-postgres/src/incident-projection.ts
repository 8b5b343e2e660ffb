import type { IncidentView } from '@muster/contracts';
import type { IncidentContext, IncidentState, PersistedState } from '@muster/domain';
import type { Transaction } from 'kysely';
import type { Database } from './database';

export function incidentView(incidentId: string, version: number, state: PersistedState): IncidentView {
  const c = state.context as unknown as IncidentContext;
  return {
    incidentId,
    version,
    state: state.value as IncidentState,
    title: c.title,
    description: c.description,
    category: c.category,
    severity: c.severity,
    responseLevel: c.responseLevel,
    leadJurisdiction: c.leadJurisdiction,
    upperJurisdiction: c.upperJurisdiction ?? null,
    linkedJurisdictions: c.linkedJurisdictions ?? [],
    supportingJurisdictions: c.supportingJurisdictions,
    location: c.location,
    exercise: c.exercise,
    reportedAt: c.reportedAt,
    occurredAt: c.occurredAt,
    confirmedAt: c.confirmedAt,
    responseActivatedAt: c.responseActivatedAt,
    controlledAt: c.controlledAt,
    liftedAt: c.liftedAt,
    closedAt: c.closedAt,
    updatedAt: c.updatedAt,
  };
}

/** Upserts the board row of an incident inside the command's transaction. */
export async function projectIncident(trx: Transaction<Database>, incidentId: string, version: number, state: PersistedState): Promise<void> {
  const view = incidentView(incidentId, version, state);
  const row = {
    state: view.state,
    severity: view.severity,
    category: view.category,
    lead_jurisdiction: view.leadJurisdiction,
    supporting_jurisdictions: view.supportingJurisdictions,
    rooms: [...new Set([view.leadJurisdiction, ...view.linkedJurisdictions, ...view.supportingJurisdictions])],
    exercise: view.exercise,
    version,
    updated_at: view.updatedAt ?? new Date(0).toISOString(),
    view: JSON.stringify(view),
  };
  await trx
    .insertInto('incident')
    .values({ incident_id: incidentId, reported_at: view.reportedAt ?? row.updated_at, ...row })
    .onConflict((oc) => oc.column('incident_id').doUpdateSet(row))
    .execute();
}
