import { useState } from 'react';
import { useI18n } from '../lib/i18n';
import { jurisdictionName, useApp, useLoad } from '../lib/session';

/**
 * 资源一览: what the rooms the caller reads can draw on — stock of a kind and available teams —
 * nearest first from an incident's place, by distance band. A room dispatches only from its own
 * depots, so for stock of another room the view asks that room to support the incident
 * (AddSupportingJurisdiction): its duty officer then approves and dispatches the request.
 */
export function AvailabilityView() {
  const { client, session, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const [kind, setKind] = useState('');
  const [incidentId, setIncidentId] = useState('');
  const [asked, setAsked] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const incidents = useLoad(() => client.listIncidents(), [client]);
  const view = useLoad(
    () => client.call('availability', { query: { ...(kind.trim() ? { kind: kind.trim() } : {}), ...(incidentId ? { incidentId } : {}) } }),
    [client, kind, incidentId],
  );
  const incident = incidents.value?.items.find((i) => i.incidentId === incidentId) ?? null;
  const room = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const following = new Set(incident ? [incident.leadJurisdiction, ...(incident.supportingJurisdictions ?? []), ...asked] : []);
  const distance = (km: number | null, band: string | null) => (km === null ? t('noPosition') : `${km} ${t('km')}（${tr('band', band)}）`);

  async function askSupport(jurisdiction: string) {
    if (!incident) return;
    setProblem(null);
    try {
      await client.sendCommand(incident.incidentId, { type: 'AddSupportingJurisdiction', data: { jurisdiction, reason: `${t('supportReason')}${kind ? `：${kind}` : ''}` } });
      setAsked([...asked, jurisdiction]);
      incidents.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <section className="availability" data-testid="availability-view">
      <h1>{t('availability')}</h1>
      <p className="hint">{t('availabilityHint')}</p>
      <div className="filters">
        <label>
          {t('stockKind')}
          <input name="kind" value={kind} onChange={(e) => setKind(e.target.value)} data-testid="availability-kind" />
        </label>
        <label>
          {t('nearIncident')}
          <select name="incident" value={incidentId} onChange={(e) => setIncidentId(e.target.value)} data-testid="availability-incident">
            <option value="">{t('noIncidentChosen')}</option>
            {(incidents.value?.items ?? []).map((i) => (
              <option key={i.incidentId} value={i.incidentId}>
                {i.title} · {room(i.leadJurisdiction)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {view.error ? <p className="form-error">{view.error.message}</p> : null}
      {problem ? <p className="form-error">{problem}</p> : null}
      <h2>{t('stock')}</h2>
      {view.value && view.value.stock.length === 0 ? <p className="empty">{t('noStock')}</p> : null}
      {view.value && view.value.stock.length > 0 ? (
        <table data-testid="availability-stock">
          <thead>
            <tr>
              <th>{t('depot')}</th>
              <th>{t('depotRoom')}</th>
              <th>{t('ownerType')}</th>
              <th>{t('stockKind')}</th>
              <th>{t('stockQuantity')}</th>
              <th>{t('distance')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {view.value.stock.map((s) => (
              <tr key={`${s.depotId}-${s.kind}`} data-testid="availability-line" data-depot-name={s.depotName} data-room={room(s.jurisdiction)}>
                <td>{s.depotName}</td>
                <td>{room(s.jurisdiction)}</td>
                <td>{tr('owner', s.ownerType)}</td>
                <td>{s.kind}</td>
                <td data-testid="availability-quantity">
                  {s.quantity} {s.unit}
                </td>
                <td>{distance(s.distanceKm, s.band)}</td>
                <td>
                  {incident && s.jurisdiction !== session.user.jurisdiction && !following.has(s.jurisdiction) ? (
                    <button type="button" className="secondary" data-testid="ask-support" onClick={() => void askSupport(s.jurisdiction)}>
                      {t('askSupport')}
                      {room(s.jurisdiction)}
                    </button>
                  ) : incident && following.has(s.jurisdiction) && s.jurisdiction !== incident.leadJurisdiction ? (
                    <span data-testid="support-asked">{t('supportAsked')}</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h2>{t('availableTeams')}</h2>
      {view.value && view.value.teams.length === 0 ? <p className="empty">{t('noTeams')}</p> : null}
      {view.value && view.value.teams.length > 0 ? (
        <table data-testid="availability-teams">
          <thead>
            <tr>
              <th>{t('team')}</th>
              <th>{t('depotRoom')}</th>
              <th>{t('teamKind')}</th>
              <th>{t('headcount')}</th>
              <th>{t('distance')}</th>
            </tr>
          </thead>
          <tbody>
            {view.value.teams.map((x) => (
              <tr key={x.teamId} data-testid="availability-team">
                <td>{x.name}</td>
                <td>{room(x.jurisdiction)}</td>
                <td>{tr('teamKind', x.kind)}</td>
                <td>{x.headcount}</td>
                <td>{distance(x.distanceKm, x.band)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
