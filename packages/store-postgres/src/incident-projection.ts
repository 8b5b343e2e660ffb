import type { IncidentView } from '@muster/contracts';
import type { IncidentContext, IncidentState, PersistedState } from '@muster/domain';
import type { Transaction } from 'kysely';
import type { Database } from './database';

export function incidentView(incidentId: string, version: number, state: PersistedState<IncidentContext>): IncidentView {
  const c = state.context;
  return {
    incidentId,
    version,
    state: state.value as IncidentState,
    title: c.title,
    description: c.description,
    category: c.category,
    // Snapshots written before subtypes and 接报 were kept lack them.
    subtype: c.subtype ?? null,
    severity: c.severity,
    responseLevel: c.responseLevel,
    leadJurisdiction: c.leadJurisdiction,
    upperJurisdiction: c.upperJurisdiction ?? null,
    linkedJurisdictions: c.linkedJurisdictions ?? [],
    supportingJurisdictions: c.supportingJurisdictions,
    // Snapshots written before issue 16 lack both.
    leadPrompt: c.leadPrompt ?? null,
    suggestedSeverity: c.suggestedSeverity ?? null,
    location: c.location,
    exercise: c.exercise,
    reportedAt: c.reportedAt,
    receivedAt: c.receivedAt ?? c.reportedAt,
    occurredAt: c.occurredAt,
    confirmedAt: c.confirmedAt,
    responseActivatedAt: c.responseActivatedAt,
    controlledAt: c.controlledAt,
    liftedAt: c.liftedAt,
    closedAt: c.closedAt,
    updatedAt: c.updatedAt,
  };
}

/** The board row of an incident at `version` (its view as a value: the callers serialise it their way). */
export function incidentRow(incidentId: string, version: number, state: PersistedState<IncidentContext>) {
  const view = incidentView(incidentId, version, state);
  const updatedAt = view.updatedAt ?? new Date(0).toISOString();
  return {
    incident_id: incidentId,
    state: view.state,
    severity: view.severity,
    category: view.category,
    lead_jurisdiction: view.leadJurisdiction,
    supporting_jurisdictions: view.supportingJurisdictions,
    rooms: [...new Set([view.leadJurisdiction, ...view.linkedJurisdictions, ...view.supportingJurisdictions])],
    exercise: view.exercise,
    version,
    reported_at: view.reportedAt ?? updatedAt,
    updated_at: updatedAt,
    view,
  };
}

/** Upserts the board row of an incident inside the command's transaction. */
export async function projectIncident(trx: Transaction<Database>, incidentId: string, version: number, state: PersistedState<IncidentContext>): Promise<void> {
  await projectIncidents(trx, [{ incidentId, version, state }]);
}

/**
 * Upserts the board rows of several incidents in one statement (group commit writes many commands
 * together). Each incident at most once: a statement cannot update one row twice.
 */
export async function projectIncidents(
  trx: Transaction<Database>,
  incidents: readonly { incidentId: string; version: number; state: PersistedState<IncidentContext> }[],
): Promise<void> {
  if (incidents.length === 0) return;
  const rows = incidents.map(({ incidentId, version, state }) => {
    const row = incidentRow(incidentId, version, state);
    return { ...row, view: JSON.stringify(row.view) };
  });
  await trx
    .insertInto('incident')
    .values(rows)
    // Everything but reported_at, which the first row of an incident set.
    .onConflict((oc) =>
      oc.column('incident_id').doUpdateSet((eb) => ({
        state: eb.ref('excluded.state'),
        severity: eb.ref('excluded.severity'),
        category: eb.ref('excluded.category'),
        lead_jurisdiction: eb.ref('excluded.lead_jurisdiction'),
        supporting_jurisdictions: eb.ref('excluded.supporting_jurisdictions'),
        rooms: eb.ref('excluded.rooms'),
        exercise: eb.ref('excluded.exercise'),
        version: eb.ref('excluded.version'),
        updated_at: eb.ref('excluded.updated_at'),
        view: eb.ref('excluded.view'),
      })),
    )
    .execute();
}
