import { CategorySchema, INCIDENT_COMMAND_SCHEMAS, SeveritySchema } from '@muster/contracts';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { isOver, offeredActions } from '../lib/incident-actions';
import { href } from '../lib/route';
import { jurisdictionName, useApp } from '../lib/session';
import { useIncident } from '../lib/live-incident';
import { actorLabel, summary } from '../lib/timeline-text';
import { formatTime } from '../lib/time';
import { ConnectionBadge, SeverityBadge } from '../lib/widgets';
import { LeadPromptBanner, responseLevelOptions, SuggestionBanner } from './IncidentRules';
import { ReportsPanel } from './Reports';
import { ResourceRequestsPanel } from './ResourceRequests';
import { SupervisionPanel } from './Supervision';

const FIGURES = ['dead', 'injured', 'missing', 'trapped', 'evacuated', 'sheltered'] as const;


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
  const { incident, scene, requests, reports, supervision, timeline, responseAuthority } = data;
  const staff = hasRole('duty_officer', 'leader');
  const me = session.user.jurisdiction;
  // 以县为主: the lead room runs the incident; a room above it follows, grades it, activates the
  // responses of its level and may take the lead (the api enforces the same, by the plan's rules).
  const leads = staff && incident.leadJurisdiction === me;
  const above = staff && !leads && isAbove(jurisdictions, me, incident.leadJurisdiction);
  const offered = offeredActions(incident.state, { staff, leads, above });
  const over = isOver(incident.state);
  const send = (type: keyof typeof INCIDENT_COMMAND_SCHEMAS) => (payload: unknown) =>
    client.sendCommand(incidentId, { type, data: payload as Record<string, unknown> } as Parameters<typeof client.sendCommand>[1]).then(reload);
  const severityOptions = SeveritySchema.options.map((s) => ({ value: s, label: tr('sev', s) }));
  const levelOptions = responseLevelOptions(tr, responseAuthority, jurisdictions.get(me)?.level);
  const categoryOptions = CategorySchema.options.map((c) => ({ value: c, label: tr('cat', c) }));
  const others = [...jurisdictions.values()].filter((j) => j.code !== incident.leadJurisdiction && j.level !== 'province');
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

          <section className="panel" data-testid="command-structure">
            <h2>{t('commandStructure')}</h2>
            <dl className="facts">
              <dt>{t('commander')}</dt>
              <dd data-testid="incident-commander">
                {scene.commander ? `${scene.commander.name} · ${scene.commander.unit ?? ''} ${scene.commander.phone ?? ''}` : t('noCommander')}
              </dd>
              <dt>{t('deputies')}</dt>
              <dd>{scene.deputies.map((d) => d.name).join('、') || '—'}</dd>
              <dt>{t('agencies')}</dt>
              <dd>{scene.agencies.map((a) => String((a as { agency?: string }).agency ?? '')).join('、') || '—'}</dd>
              <dt>{t('commandPost')}</dt>
              <dd>{(scene.commandPost as { location?: { description?: string } } | null)?.location?.description ?? '—'}</dd>
              <dt>{t('pendingOffer')}</dt>
              <dd>{scene.offers.map((o) => `${o.to.name} (${o.offerId})`).join('、') || '—'}</dd>
            </dl>
          </section>

          <SupervisionPanel incident={incident} items={supervision} onChanged={() => void reload()} />

          <ResourceRequestsPanel incident={incident} scene={scene} requests={requests} timeline={timeline} offered={offered} commandRoom={leads || above} onChanged={() => void reload()} />
        </div>

        <div>
          {offered.lifecycle || offered.linkage ? (
            <section className="actions" data-testid="incident-actions">
              <h2>{t('actions')}</h2>
              {offered.lifecycle ? (
                <>
                  {leads && incident.state === 'reported' ? (
                    <CommandForm title={t('beginVerification')} testId="begin-verification" schema={INCIDENT_COMMAND_SCHEMAS.BeginVerification} fields={[]} send={send('BeginVerification')} />
                  ) : null}
                  {leads && incident.state === 'verifying' ? (
                    <CommandForm
                      title={t('confirm')}
                      testId="confirm-incident"
                      schema={INCIDENT_COMMAND_SCHEMAS.ConfirmIncident}
                      fields={[
                        { name: 'category', label: 'category', kind: 'select', options: categoryOptions },
                        { name: 'severity', label: 'severity', kind: 'select', options: severityOptions },
                      ]}
                      send={send('ConfirmIncident')}
                    />
                  ) : null}
                  {leads && incident.state === 'confirmed' ? (
                    <CommandForm
                      title={t('beginInitialHandling')}
                      testId="begin-initial-handling"
                      schema={INCIDENT_COMMAND_SCHEMAS.BeginInitialHandling}
                      fields={[{ name: 'measures', label: 'measures', kind: 'textarea' }]}
                      send={send('BeginInitialHandling')}
                    />
                  ) : null}
                  {incident.state === 'initialHandling' ? (
                    <CommandForm
                      title={t('activateResponse')}
                      testId="activate-response"
                      schema={INCIDENT_COMMAND_SCHEMAS.ActivateResponse}
                      fields={[
                        { name: 'level', label: 'responseLevel', kind: 'select', options: levelOptions },
                        { name: 'measures', label: 'measures', kind: 'textarea' },
                      ]}
                      send={send('ActivateResponse')}
                    />
                  ) : null}
                  {incident.state === 'responseActive' ? (
                    <CommandForm
                      title={t('changeResponseLevel')}
                      testId="change-response-level"
                      schema={INCIDENT_COMMAND_SCHEMAS.ChangeResponseLevel}
                      fields={[
                        { name: 'level', label: 'responseLevel', kind: 'select', options: levelOptions.filter((o) => o.value !== incident.responseLevel) },
                        { name: 'reason', label: 'reason', kind: 'text' },
                      ]}
                      send={send('ChangeResponseLevel')}
                    />
                  ) : null}
                  {leads && incident.state === 'responseActive' ? (
                    <CommandForm title={t('declareControlled')} testId="declare-controlled" schema={INCIDENT_COMMAND_SCHEMAS.DeclareControlled} fields={[]} send={send('DeclareControlled')} />
                  ) : null}
                  {['reported', 'verifying', 'confirmed', 'initialHandling', 'responseActive', 'controlled'].includes(incident.state) ? (
                    <CommandForm
                      title={t('classify')}
                      testId="classify-incident"
                      schema={INCIDENT_COMMAND_SCHEMAS.ClassifyIncident}
                      fields={[
                        { name: 'category', label: 'category', kind: 'select', options: categoryOptions, initial: incident.category ?? '' },
                        { name: 'severity', label: 'severity', kind: 'select', options: severityOptions, initial: incident.severity ?? '' },
                        { name: 'reason', label: 'reason', kind: 'text' },
                      ]}
                      send={send('ClassifyIncident')}
                    />
                  ) : null}
                </>
              ) : null}
              {offered.linkage ? (
                <>
                  <h2>{t('linkage')}</h2>
                  {leads && incident.upperJurisdiction ? (
                    <CommandForm title={t('raiseLead')} testId="raise-lead" schema={INCIDENT_COMMAND_SCHEMAS.RaiseLead} fields={[{ name: 'reason', label: 'reason', kind: 'text' }]} send={send('RaiseLead')} />
                  ) : null}
                  {above ? (
                    <CommandForm
                      title={t('takeLeadHere')}
                      testId="take-lead-here"
                      schema={INCIDENT_COMMAND_SCHEMAS.RaiseLead}
                      fields={[{ name: 'reason', label: 'reason', kind: 'text' }]}
                      extra={() => ({ to: me })}
                      send={send('RaiseLead')}
                    />
                  ) : null}
                  {leads ? (
                    <CommandForm title={t('handBackLead')} testId="hand-back-lead" schema={INCIDENT_COMMAND_SCHEMAS.HandBackLead} fields={[{ name: 'reason', label: 'reason', kind: 'text' }]} send={send('HandBackLead')} />
                  ) : null}
                  <CommandForm
                    title={t('addSupporting')}
                    testId="add-supporting"
                    schema={INCIDENT_COMMAND_SCHEMAS.AddSupportingJurisdiction}
                    fields={[
                      { name: 'jurisdiction', label: 'supporting', kind: 'select', options: others.map((j) => ({ value: j.code, label: lang === 'en' ? (j.nameEn ?? j.name) : j.name })) },
                      { name: 'reason', label: 'reason', kind: 'text' },
                    ]}
                    send={send('AddSupportingJurisdiction')}
                  />
                </>
              ) : null}
            </section>
          ) : null}

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

