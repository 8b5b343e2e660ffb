import type { SceneView, MusterHttpClient, ReportsView, ResourceRequestView, SupervisionItem, TimelineEntry } from '@muster/client';
import { INCIDENT_COMMAND_SCHEMAS, REQUEST_COMMAND_SCHEMAS, type IncidentView as Incident } from '@muster/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { isOver, offeredActions } from '../lib/incident-actions';
import { incidentForms, sceneForms, type FormViewer } from '../lib/incident-forms';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLiveFeed } from '../lib/session';
import { actorLabel, summary } from '../lib/timeline-text';
import { formatTime } from '../lib/time';
import { ConnectionBadge, SeverityBadge } from '../lib/widgets';
import { IncidentLifecycle } from './IncidentLifecycle';
import { LeadPromptBanner, responseLevelOptions, SuggestionBanner, type ResponseAuthority } from './IncidentRules';
import { ReportsPanel } from './Reports';
import { SceneCommandPanel } from './SceneCommandPanel';
import { SupervisionPanel } from './Supervision';

const FIGURES = ['dead', 'injured', 'missing', 'trapped', 'evacuated', 'sheltered'] as const;

interface Loaded {
  incident: Incident;
  /** Who may activate which response level under the rules of the incident's lead; null when unknown. */
  responseAuthority: ResponseAuthority | null;
  /** What a room above the lead may send without taking the lead (upperRoomRights); null when unknown. */
  upperRoomCommands: string[] | null;
  scene: SceneView;
  requests: ResourceRequestView[];
  reports: ReportsView;
  supervision: SupervisionItem[];
  timeline: TimelineEntry[];
}

/**
 * What `read` returns for an incident, read now and again after each of its events (a burst of
 * events causes one read). The timeline is read whole, not from a cursor: its reads do not wait for
 * the commit-safe horizon, so a cursor could step past an entry whose transaction commits late.
 */
export function useLiveIncident<T>(incidentId: string, read: (client: MusterHttpClient, incidentId: string) => Promise<T>) {
  const { client } = useApp();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reader = useRef(read);
  reader.current = read;

  const load = useCallback(async () => {
    try {
      setData(await reader.current(client, incidentId));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [client, incidentId]);

  useEffect(() => {
    void load();
  }, [load]);

  const connection = useLiveFeed({ incidents: [incidentId] }, () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 120);
  });
  return { data, error, connection, reload: load };
}

/** The whole record of one incident as the room sees it. */
async function readRecord(client: MusterHttpClient, incidentId: string): Promise<Loaded> {
  const [incident, scene, requests, reports, supervision, timeline] = await Promise.all([
    client.getIncident(incidentId),
    client.getScene(incidentId),
    client.listResourceRequests(incidentId),
    client.getReports(incidentId),
    client.listSupervision(incidentId),
    wholeTimeline(client, incidentId),
  ]);
  // The rules in force are the lead's; without them the forms offer every level and the api decides.
  const rules = await client
    .call('rules', { query: { jurisdiction: incident.leadJurisdiction } })
    .then((answer) => answer.rules)
    .catch(() => null);
  return {
    incident,
    scene,
    requests: requests.items,
    reports,
    supervision: supervision.items,
    timeline,
    responseAuthority: rules?.responseAuthority ?? null,
    upperRoomCommands: rules ? [...rules.upperRoomRights.commands] : null,
  };
}

async function wholeTimeline(client: MusterHttpClient, incidentId: string): Promise<TimelineEntry[]> {
  const items: TimelineEntry[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const answer = await client.timeline(incidentId, { limit: 1000, ...(after ? { after } : {}) });
    items.push(...answer.items);
    if (!answer.next) break;
    after = answer.next;
  }
  return items;
}

export function useIncident(incidentId: string) {
  return useLiveIncident(incidentId, readRecord);
}

/** Whether `room` lies above `lead` in the tree the console knows (its parent, or further up). */
function isAbove(jurisdictions: ReturnType<typeof useApp>['jurisdictions'], room: string, lead: string): boolean {
  const seen = new Set<string>();
  for (let code = jurisdictions.get(lead)?.parent ?? null; code != null && !seen.has(code); code = jurisdictions.get(code)?.parent ?? null) {
    if (code === room) return true;
    seen.add(code);
  }
  return false;
}

export function IncidentView({ incidentId }: { incidentId: string }) {
  const { client, jurisdictions, hasRole, session } = useApp();
  const { t, tr, lang } = useI18n();
  const { data, error, connection, reload } = useIncident(incidentId);

  if (!data) return <p className={error ? 'form-error' : 'loading'}>{error ?? t('loading')}</p>;
  const { incident, scene, requests, reports, supervision, timeline, responseAuthority, upperRoomCommands } = data;
  const staff = hasRole('duty_officer', 'leader');
  const me = session.user.jurisdiction;
  // 以县为主: the lead room runs the incident; a room above it follows, grades it, activates the
  // responses of its level and may take the lead (the api enforces the same, by the plan's rules).
  const leads = staff && incident.leadJurisdiction === me;
  const above = staff && !leads && isAbove(jurisdictions, me, incident.leadJurisdiction);
  const offered = offeredActions(incident.state, { staff, leads, above });
  const over = isOver(incident.state);
  const viewer: FormViewer = {
    leads,
    above,
    supporting: staff && incident.supportingJurisdictions.includes(me),
    inCommand: [scene.commander?.userId, ...scene.deputies.map((d) => d.userId)].includes(session.user.userId),
    upperRoomCommands,
  };
  const formsNow = incidentForms(incident, viewer);
  const sceneFormsNow = sceneForms(incident.state, scene, viewer);
  const send = (type: keyof typeof INCIDENT_COMMAND_SCHEMAS) => (payload: unknown) =>
    client.sendCommand(incidentId, { type, data: payload as Record<string, unknown> } as Parameters<typeof client.sendCommand>[1]).then(reload);
  const levelOptions = responseLevelOptions(tr, responseAuthority, jurisdictions.get(me)?.level);
  const report = scene.latestReport;

  return (
    <section className="incident" data-testid="incident-view" data-incident-id={incidentId}>
      <div className="incident-head">
        <SeverityBadge severity={incident.severity} />
        <h1 data-testid="incident-title">{incident.title}</h1>
        <ConnectionBadge state={connection} />
      </div>
      <nav className="tabs">
        <a href={href({ view: 'board' })}>← {t('board')}</a>
        <a href={href({ view: 'commander', incidentId })}>{t('commanderView')}</a>
        <a href={href({ view: 'review', incidentId })}>{t('reviewView')}</a>
      </nav>
      <dl className="facts wide">
        <dt>{t('state')}</dt>
        <dd data-testid="incident-state">{tr('state', incident.state)}</dd>
        <dt>{t('category')}</dt>
        <dd>{tr('cat', incident.category)}</dd>
        <dt>{t('responseLevel')}</dt>
        <dd data-testid="incident-response-level">{incident.responseLevel ? tr('resp', incident.responseLevel) : '—'}</dd>
        <dt>{t('lead')}</dt>
        <dd data-testid="incident-lead">{jurisdictionName(jurisdictions, incident.leadJurisdiction, lang)}</dd>
        <dt>{t('linked')}</dt>
        <dd>{incident.linkedJurisdictions.map((j) => jurisdictionName(jurisdictions, j, lang)).join('、') || '—'}</dd>
        <dt>{t('supporting')}</dt>
        <dd>{incident.supportingJurisdictions.map((j) => jurisdictionName(jurisdictions, j, lang)).join('、') || '—'}</dd>
        <dt>{t('location')}</dt>
        <dd>{incident.location?.description ?? '—'}</dd>
      </dl>

      {over ? (
        <p className="banner over" data-testid="incident-over">
          {t('incidentOver')}
        </p>
      ) : (
        <LeadPromptBanner incident={incident} send={send} />
      )}
      <SuggestionBanner incident={incident} mayAnswer={offered.lifecycle} send={send} />

      <div className="columns">
        <div>
          <section className="panel" data-testid="scene-figures">
            <h2>{t('sceneFigures')}</h2>
            {report ? (
              <>
                <ul className="figures">
                  {FIGURES.map((f) => (
                    <li key={f}>
                      <span className="figure-label">{t(f)}</span>
                      <span className="figure-value" data-testid={`figure-${f}`}>
                        {report[f] ?? '—'}
                      </span>
                    </li>
                  ))}
                </ul>
                {report.needs ? (
                  <p>
                    {t('needs')}: {report.needs}
                  </p>
                ) : null}
                {report.objectives ? (
                  <p>
                    {t('objectives')}: {report.objectives}
                  </p>
                ) : null}
              </>
            ) : (
              <p className="empty">—</p>
            )}
          </section>

          <SceneCommandPanel incident={incident} scene={scene} forms={sceneFormsNow} onChanged={() => void reload()} />

          <SupervisionPanel incident={incident} items={supervision} onChanged={() => void reload()} />

          <section className="panel" data-testid="resource-requests">
            <h2>{t('resourceRequests')}</h2>
            {requests.length === 0 ? <p className="empty">{t('noRequests')}</p> : null}
            {requests.map((r) => (
              <div key={r.requestId} className="request" data-testid="resource-request" data-state={r.state} data-request-id={r.requestId}>
                <div>
                  <strong>{tr('rstate', r.state)}</strong> · {(r.items ?? []).map((i) => `${i.kind} × ${i.quantity}`).join('、')}
                </div>
                {offered.requests && r.state === 'submitted' ? (
                  <button
                    type="button"
                    data-testid="approve-request"
                    onClick={() => void client.sendResourceRequestCommand(r.requestId, { type: 'ApproveResourceRequest', data: {} }).then(reload)}
                  >
                    {t('approve')}
                  </button>
                ) : null}
                {offered.requests && r.state === 'approved' ? (
                  <CommandForm
                    title={t('dispatch')}
                    testId={`dispatch-${r.requestId}`}
                    schema={REQUEST_COMMAND_SCHEMAS.DispatchResources}
                    fields={[
                      { name: 'depotId', label: 'depot', kind: 'text' },
                      { name: 'orderNumber', label: 'orderNumber', kind: 'text' },
                    ]}
                    extra={() => ({ items: (r.items ?? []).map((i) => ({ kind: i.kind, quantity: i.quantity })) })}
                    send={(data) => client.sendResourceRequestCommand(r.requestId, { type: 'DispatchResources', data })}
                    submitLabel={t('dispatch')}
                  />
                ) : null}
              </div>
            ))}
          </section>
        </div>

        <div>
          <IncidentLifecycle incident={incident} forms={formsNow} levelOptions={levelOptions} send={send} />

          <section className="panel" data-testid="timeline">
            <h2>
              {t('timeline')} ({timeline.length})
            </h2>
            <ol className="timeline">
              {[...timeline].reverse().map((e) => (
                <li key={e.eventId} className={e.correctedBy.length ? 'corrected' : ''} data-testid="timeline-entry" data-type={e.type}>
                  <time>{formatTime(e.recordedAt, lang)}</time> <strong>{tr('event', e.type)}</strong>{' '}
                  <span className="actor">{actorLabel(e, (code) => jurisdictionName(jurisdictions, code, lang), tr)}</span>{' '}
                  <span className="summary">{summary(e, { tr, lang, room: (code) => jurisdictionName(jurisdictions, code, lang) })}</span>
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>

      <ReportsPanel incident={incident} reports={reports} timeline={timeline} onChanged={() => void reload()} />
    </section>
  );
}

