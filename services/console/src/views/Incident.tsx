import { INCIDENT_COMMAND_SCHEMAS } from '@muster/contracts';
import { useI18n } from '../lib/i18n';
import { incidentForms, sceneForms } from '../lib/incident-forms';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { useIncident } from '../lib/live-incident';
import { actorLabel, summary } from '../lib/timeline-text';
import { entryTime } from '../lib/entry-time';
import { ConnectionBadge, SeverityBadge } from '../lib/widgets';
import { IncidentLifecycle } from './IncidentLifecycle';
import { LeadPromptBanner, responseLevelOptions, SuggestionBanner } from './IncidentRules';
import { IncidentPlanPanel } from './Plans';
import { DrillBanner } from './Drills';
import { ReportsPanel } from './Reports';
import { ResourceRequestsPanel } from './ResourceRequests';
import { SceneCommandPanel } from './SceneCommandPanel';
import { SupervisionPanel } from './Supervision';
import { IncidentWarnings } from './Warnings';

const FIGURES = ['dead', 'injured', 'missing', 'trapped', 'evacuated', 'sheltered'] as const;


export function IncidentView({ incidentId }: { incidentId: string }) {
  const { client, jurisdictions, session } = useApp();
  const { t, tr, lang } = useI18n();
  const { data, error, connection, reload } = useIncident(incidentId);
  // The plan in force (预案) of the incident's category: read again when the category changes.
  const category = data?.incident.category ?? null;
  const { value: planAnswer } = useLoad(() => client.call('incidentPlan', { params: { incidentId } }), [client, incidentId, category]);
  const plan = planAnswer?.plan ?? null;

  if (!data) return <p className={error ? 'form-error' : 'loading'}>{error ?? t('loading')}</p>;
  const { incident, scene, requests, reports, supervision, timeline, responseAuthority } = data;
  const me = session.user.jurisdiction;
  // Every form is offered from what the api says this user may send now (data.offered: the machines'
  // states and the command policy); the console decides nothing of who may do what. Whether the
  // viewer's room leads only tells which of RaiseLead's two forms (raise it, take it) to show.
  const leads = incident.leadJurisdiction === me;
  const over = data.over;
  const formsNow = incidentForms(incident, data.offered.incident, { leads, above: !leads });
  const sceneFormsNow = sceneForms(scene, data.offered.scene);
  const send = (type: keyof typeof INCIDENT_COMMAND_SCHEMAS) => (payload: unknown) =>
    client.sendCommand(incidentId, { type, data: payload as Record<string, unknown> } as Parameters<typeof client.sendCommand>[1]).then(reload);
  const levelOptions = responseLevelOptions(tr, responseAuthority, jurisdictions.get(me)?.level);
  const report = scene.latestReport;

  return (
    <section className="incident" data-testid="incident-view" data-incident-id={incidentId}>
      {incident.exercise ? <DrillBanner /> : null}
      <div className="incident-head">
        <SeverityBadge severity={incident.severity} />
        <h1 data-testid="incident-title">{incident.title}</h1>
        <ConnectionBadge connection={connection} />
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
        <dd data-testid="incident-linked">{incident.linkedJurisdictions.map((j) => jurisdictionName(jurisdictions, j, lang)).join('、') || '—'}</dd>
        <dt>{t('supporting')}</dt>
        <dd data-testid="incident-supporting">{incident.supportingJurisdictions.map((j) => jurisdictionName(jurisdictions, j, lang)).join('、') || '—'}</dd>
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
      <SuggestionBanner incident={incident} mayAnswer={data.offered.incident.includes('ConfirmSuggestedSeverity')} send={send} />

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

          <SupervisionPanel incident={incident} items={supervision} offered={data.offered.supervision} onChanged={() => void reload()} />

          <ResourceRequestsPanel incident={incident} scene={scene} requests={requests} timeline={timeline} offered={data.offered.requests} onChanged={() => void reload()} />
        </div>

        <div>
          <IncidentPlanPanel plan={plan} />
          <IncidentLifecycle incident={incident} forms={formsNow} levelOptions={levelOptions} send={send} plan={plan} />

          <IncidentWarnings incidentId={incidentId} warningEntries={timeline.filter((e) => e.streamType === 'warning').length} />

          <section className="panel" data-testid="timeline">
            <h2>
              {t('timeline')} ({timeline.length})
            </h2>
            <ol className="timeline">
              {[...timeline].reverse().map((e) => (
                <li key={e.eventId} className={e.correctedBy.length ? 'corrected' : ''} data-testid="timeline-entry" data-type={e.type}>
                  <time>{entryTime(e, lang)}</time> <strong>{tr('event', e.type)}</strong>{' '}
                  <span className="actor">{actorLabel(e, (code) => jurisdictionName(jurisdictions, code, lang), tr)}</span>{' '}
                  <span className="summary">{summary(e, { tr, lang, room: (code) => jurisdictionName(jurisdictions, code, lang) })}</span>
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>

      <ReportsPanel incident={incident} reports={reports} timeline={timeline} offered={data.offered.report} onChanged={() => void reload()} />
    </section>
  );
}

