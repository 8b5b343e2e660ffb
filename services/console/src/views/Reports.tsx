import type { IncidentView as Incident } from '@muster/contracts';
import { REPORT_COMMAND_SCHEMAS } from '@muster/contracts';
import type { ReportItemView, ReportsView } from '@muster/client';
import { CommandForm, type FieldSpec } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { useApp } from '../lib/session';
import { isOverdue } from '../lib/reports';
import { formatTime } from '../lib/time';

const LOSSES: FieldSpec[] = [
  { name: 'losses.dead', label: 'dead', kind: 'int' },
  { name: 'losses.injured', label: 'injured', kind: 'int' },
  { name: 'losses.missing', label: 'missing', kind: 'int' },
];

/**
 * 信息报送: what the lead room owes (电话报告, 书面初报, 续报, 终报) with its deadlines; the lead room
 * files, the room above acknowledges receipt (签收).
 */
export function ReportsPanel({ incident, reports, onChanged }: { incident: Incident; reports: ReportsView; onChanged(): void }) {
  const { client, session, hasRole } = useApp();
  const { t, lang } = useI18n();
  const items = reports.items ?? [];
  const room = hasRole('duty_officer', 'leader');
  const leads = room && incident.leadJurisdiction === session.user.jurisdiction;
  const receives = room && reports.upperJurisdiction === session.user.jurisdiction;
  const now = Date.now();
  const open = (kind: string) => items.some((i) => i.kind === kind && !i.submittedAt);
  const file = (type: 'RecordPhoneReport' | 'SubmitInitialReport' | 'SubmitFollowUpReport' | 'SubmitFinalReport') => (data: unknown) =>
    client.fileReport(incident.incidentId, { type, data: data as Record<string, unknown> });
  const label = (item: ReportItemView) => (item.kind === 'followUp' ? `${t('report.followUp')} ${item.number ?? ''}` : t(`report.${item.kind}` as 'report.phone'));

  return (
    <section className="panel" data-testid="reports">
      <h2>{t('reports')}</h2>
      {items.length === 0 ? <p className="empty">{t('noReports')}</p> : null}
      <table className="reports">
        <thead>
          <tr>
            <th>{t('report')}</th>
            <th>{t('dueAt')}</th>
            <th>{t('submittedAt')}</th>
            <th>{t('receivedAt')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.key} data-testid="report-item" data-key={item.key} className={isOverdue(item, now) ? 'overdue' : ''}>
              <td>{label(item)}</td>
              <td>{formatTime(item.dueAt, lang, { zone: false })}</td>
              <td data-testid="report-submitted">{item.submittedAt ? `${formatTime(item.submittedAt, lang, { zone: false })} · ${item.submittedBy ?? ''}` : isOverdue(item, now) ? t('overdue') : '—'}</td>
              <td data-testid="report-received">{item.receivedAt ? `${formatTime(item.receivedAt, lang, { zone: false })} · ${item.receivedBy ?? ''}` : '—'}</td>
              <td>
                {receives && item.submittedAt && !item.receivedAt ? (
                  <button
                    type="button"
                    data-testid={`acknowledge-${item.key}`}
                    onClick={() => void client.fileReport(incident.incidentId, { type: 'AcknowledgeReport', data: { key: item.key } }).then(onChanged)}
                  >
                    {t('acknowledge')}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">{t('timesIn')}</p>
      {leads && open('phone') ? (
        <CommandForm
          title={t('report.phone')}
          testId="file-phone-report"
          schema={REPORT_COMMAND_SCHEMAS.RecordPhoneReport}
          fields={[
            { name: 'recipient', label: 'recipient', kind: 'text' },
            { name: 'summary', label: 'summary', kind: 'textarea' },
          ]}
          send={file('RecordPhoneReport')}
          onSent={onChanged}
        />
      ) : null}
      {leads && open('initial') ? (
        <CommandForm
          title={t('report.initial')}
          testId="file-initial-report"
          schema={REPORT_COMMAND_SCHEMAS.SubmitInitialReport}
          fields={[
            { name: 'content.source', label: 'source', kind: 'text' },
            { name: 'content.place', label: 'location', kind: 'text', initial: incident.location?.description ?? '' },
            { name: 'content.nature', label: 'nature', kind: 'text' },
            { name: 'content.scope', label: 'scope', kind: 'textarea' },
            ...LOSSES.map((f) => ({ ...f, name: `content.${f.name}` })),
            { name: 'content.trend', label: 'trend', kind: 'textarea' },
            { name: 'content.leadersOnSite', label: 'leadersOnSite', kind: 'text' },
            { name: 'content.measures', label: 'measures', kind: 'textarea' },
            { name: 'signedBy', label: 'signedBy', kind: 'text' },
          ]}
          prepare={(payload) => {
            const content = (payload['content'] ?? {}) as Record<string, unknown>;
            // Received and happened: as the incident record has them; the losses block is required even when empty.
            return { ...payload, content: { receivedAt: incident.reportedAt, occurredAt: incident.occurredAt ?? incident.reportedAt, losses: {}, ...content } };
          }}
          send={file('SubmitInitialReport')}
          onSent={onChanged}
        />
      ) : null}
      {leads && open('followUp') ? (
        <CommandForm
          title={t('report.followUp')}
          testId="file-follow-up-report"
          schema={REPORT_COMMAND_SCHEMAS.SubmitFollowUpReport}
          fields={[{ name: 'progress', label: 'progress', kind: 'textarea' }, ...LOSSES, { name: 'signedBy', label: 'signedBy', kind: 'text' }]}
          send={file('SubmitFollowUpReport')}
          onSent={onChanged}
        />
      ) : null}
      {leads && open('final') ? (
        <CommandForm
          title={t('report.final')}
          testId="file-final-report"
          schema={REPORT_COMMAND_SCHEMAS.SubmitFinalReport}
          fields={[{ name: 'summary', label: 'summary', kind: 'textarea' }, ...LOSSES, { name: 'signedBy', label: 'signedBy', kind: 'text' }]}
          send={file('SubmitFinalReport')}
          onSent={onChanged}
        />
      ) : null}
    </section>
  );
}
