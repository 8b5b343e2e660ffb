import type { Jurisdiction, SupervisionItem } from '@muster/client';
import { SUPERVISION_COMMAND_SCHEMAS, type IncidentView as Incident } from '@muster/contracts';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { jurisdictionName, useApp } from '../lib/session';
import { actorLabel, summary } from '../lib/timeline-text';
import { formatTime } from '../lib/time';

const SEVERE = new Set(['I', 'II', 'III']);

/** Whether `room` lies strictly above `below` in the loaded tree. */
function isAbove(tree: ReadonlyMap<string, Jurisdiction>, room: string, below: string): boolean {
  for (let up = tree.get(below)?.parent; up; up = tree.get(up)?.parent) if (up === room) return true;
  return false;
}

/** References typed one per line, as the api takes them. */
const lines = (text: unknown): string[] =>
  typeof text === 'string'
    ? text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
    : [];

/**
 * 督办: the items a room above the lead opened on the incident. The supervising room opens one
 * (督办事项, 责任单位, 办理时限), accepts (办结) or returns (退回) what is reported done and sets a new
 * deadline; the responsible room reports progress (报告进展) and completion with evidence (办结报告).
 * An item whose deadline passed is shown in red with 已逾期, and how often it escalated.
 */
export function SupervisionPanel({
  incident,
  items,
  offered,
  onChanged,
}: {
  incident: Incident;
  items: SupervisionItem[];
  /** The commands the api says this user may send now, by item id (`new`: opening one). */
  offered: Readonly<Record<string, readonly string[]>>;
  onChanged(): void;
}) {
  const { client, session, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const room = session.user.jurisdiction;
  const roomName = (code: string | null | undefined) => jurisdictionName(jurisdictions, code, lang);
  const time = (iso: string | null | undefined) => formatTime(iso, lang, { zone: false });
  const may = (id: string, command: string) => offered[id]?.includes(command) ?? false;
  // Opening an item is the room above's, on an incident of severity III or above (the api's policy).
  const supervises = may('new', 'OpenSupervision');
  // The lead, or a supporting room below the supervising one.
  const owners = [incident.leadJurisdiction, ...incident.supportingJurisdictions].filter((j) => isAbove(jurisdictions, room, j));
  const send = (supervisionId: string, type: 'ReportSupervisionProgress' | 'ReportSupervisionDone' | 'CloseSupervision' | 'ReturnSupervision' | 'ExtendSupervision') => (data: unknown) =>
    client.sendSupervisionCommand(supervisionId, { type, data: data as Record<string, unknown> });

  return (
    <section className="panel" data-testid="supervision">
      <h2>{t('supervision')}</h2>
      {items.length === 0 ? <p className="empty">{t('noSupervision')}</p> : null}
      {items.map((item) => {
        const owes = may(item.supervisionId, 'ReportSupervisionProgress') || may(item.supervisionId, 'ReportSupervisionDone');
        const keeps = may(item.supervisionId, 'CloseSupervision') || may(item.supervisionId, 'ReturnSupervision') || may(item.supervisionId, 'ExtendSupervision');
        const working = item.state === 'open' || item.state === 'overdue';
        return (
          <article key={item.supervisionId} className={`supervision-item${item.overdue ? ' overdue-item' : ''}`} data-testid="supervision-item" data-state={item.state}>
            <h3>
              {item.task} <span className="badge">{tr('svstate', item.state)}</span>
              {item.overdue ? (
                <span className="overdue" data-testid="supervision-overdue">
                  {' '}
                  {t('overdueMark')}
                </span>
              ) : null}
            </h3>
            <dl className="facts">
              <dt>{t('supervisionOwner')}</dt>
              <dd>
                {roomName(item.owner.jurisdiction)}
                {item.owner.person ? ` · ${item.owner.person}` : ''}
              </dd>
              <dt>{t('supervisingRoom')}</dt>
              <dd>{roomName(item.supervisingJurisdiction)}</dd>
              <dt>{t('supervisionDeadline')}</dt>
              <dd className={item.overdue ? 'overdue' : ''} data-testid="supervision-deadline">
                {time(item.deadline)}
              </dd>
              {item.escalationLevel > 0 ? (
                <>
                  <dt>{t('escalatedTimes')}</dt>
                  <dd className="overdue" data-testid="supervision-escalation">
                    {item.escalationLevel} {t('escalatedTo')}
                  </dd>
                </>
              ) : null}
              {item.returns > 0 ? (
                <>
                  <dt>{t('returnsCount')}</dt>
                  <dd>{item.returns}</dd>
                </>
              ) : null}
              {item.evidence ? (
                <>
                  <dt>{t('evidenceText')}</dt>
                  <dd data-testid="supervision-evidence">
                    {item.evidence.text}
                    {item.evidence.references.length ? `（${item.evidence.references.join('、')}）` : ''}
                  </dd>
                </>
              ) : null}
            </dl>

            {owes && working ? (
              <>
                <CommandForm
                  title={t('reportProgress')}
                  testId={`supervision-progress-${item.supervisionId}`}
                  schema={SUPERVISION_COMMAND_SCHEMAS.ReportSupervisionProgress}
                  fields={[{ name: 'note', label: 'progressNote', kind: 'textarea' }]}
                  send={send(item.supervisionId, 'ReportSupervisionProgress')}
                  onSent={onChanged}
                />
                <CommandForm
                  title={t('reportDone')}
                  testId={`supervision-done-${item.supervisionId}`}
                  schema={SUPERVISION_COMMAND_SCHEMAS.ReportSupervisionDone}
                  fields={[
                    { name: 'evidence.text', label: 'evidenceText', kind: 'textarea' },
                    { name: 'evidence.references', label: 'evidenceReferences', kind: 'textarea' },
                  ]}
                  prepare={(payload) => {
                    const evidence = (payload['evidence'] ?? {}) as Record<string, unknown>;
                    const references = lines(evidence['references']);
                    return { ...payload, evidence: { ...evidence, references: references.length ? references : undefined } };
                  }}
                  send={send(item.supervisionId, 'ReportSupervisionDone')}
                  onSent={onChanged}
                />
              </>
            ) : null}

            {keeps && item.state === 'reportedDone' ? (
              <>
                <CommandForm
                  title={t('closeSupervision')}
                  testId={`supervision-close-${item.supervisionId}`}
                  schema={SUPERVISION_COMMAND_SCHEMAS.CloseSupervision}
                  fields={[{ name: 'note', label: 'closingNote', kind: 'text' }]}
                  send={send(item.supervisionId, 'CloseSupervision')}
                  submitLabel={t('closeSupervision')}
                  onSent={onChanged}
                />
                <CommandForm
                  title={t('returnSupervision')}
                  testId={`supervision-return-${item.supervisionId}`}
                  schema={SUPERVISION_COMMAND_SCHEMAS.ReturnSupervision}
                  fields={[
                    { name: 'reason', label: 'reason', kind: 'textarea' },
                    { name: 'deadline', label: 'newDeadline', kind: 'datetime' },
                  ]}
                  send={send(item.supervisionId, 'ReturnSupervision')}
                  submitLabel={t('returnSupervision')}
                  onSent={onChanged}
                />
              </>
            ) : null}
            {keeps && working ? (
              <CommandForm
                title={t('extendSupervision')}
                testId={`supervision-extend-${item.supervisionId}`}
                schema={SUPERVISION_COMMAND_SCHEMAS.ExtendSupervision}
                fields={[
                  { name: 'deadline', label: 'newDeadline', kind: 'datetime' },
                  { name: 'reason', label: 'reason', kind: 'text' },
                ]}
                send={send(item.supervisionId, 'ExtendSupervision')}
                submitLabel={t('extendSupervision')}
                onSent={onChanged}
              />
            ) : null}

            <details>
              <summary>
                {t('history')} ({item.history.length})
              </summary>
              <ol className="timeline">
                {item.history.map((h) => (
                  <li key={h.version} data-type={h.type}>
                    <time>{time(h.recordedAt)}</time> <strong>{tr('event', h.type)}</strong>{' '}
                    <span className="actor">{actorLabel(h, roomName, tr)}</span>{' '}
                    <span className="summary">{summary(h, { tr, lang, room: roomName, time })}</span>
                  </li>
                ))}
              </ol>
            </details>
          </article>
        );
      })}

      {supervises ? (
        SEVERE.has(incident.severity ?? '') ? (
          <CommandForm
            title={t('openSupervision')}
            testId="open-supervision"
            schema={SUPERVISION_COMMAND_SCHEMAS.OpenSupervision.omit({ incidentId: true })}
            fields={[
              { name: 'task', label: 'supervisionTask', kind: 'textarea' },
              { name: 'owner.jurisdiction', label: 'supervisionOwner', kind: 'select', options: owners.map((j) => ({ value: j, label: roomName(j) })), initial: incident.leadJurisdiction },
              { name: 'owner.person', label: 'supervisionPerson', kind: 'text' },
              { name: 'deadline', label: 'supervisionDeadline', kind: 'datetime' },
            ]}
            send={(data) => client.openSupervision(incident.incidentId, { data })}
            submitLabel={t('openSupervision')}
            onSent={onChanged}
          />
        ) : (
          <p className="hint">{t('supervisionOnlySevere')}</p>
        )
      ) : null}
      <p className="hint">{t('timesIn')}</p>
    </section>
  );
}
