import type { ReportItemView, ReportsView, TimelineEntry } from '@muster/client';
import { REPORT_COMMAND_SCHEMAS, type IncidentView as Incident } from '@muster/contracts';
import { Fragment, useMemo, useState } from 'react';
import { CommandForm, type FieldSpec } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import {
  awaitsReceiptBy,
  fill,
  filingOptions,
  groupByLine,
  isOverdue,
  minutesLate,
  minutesOverdue,
  missingFieldLabels,
  personName,
  rechargeNotice,
  receivingRoom,
  reportTitle,
  roomsAbove,
  supplementaryUntil,
  type FilingOption,
  type ReportGroup,
  type ReportKind,
} from '../lib/reports';
import { jurisdictionName, useApp } from '../lib/session';
import { formatTime } from '../lib/time';

type Filing = 'RecordPhoneReport' | 'SubmitInitialReport' | 'SubmitFollowUpReport' | 'SubmitFinalReport' | 'SubmitSupplementaryReport';

const COMMAND_OF: Record<ReportKind, Filing> = {
  phone: 'RecordPhoneReport',
  initial: 'SubmitInitialReport',
  followUp: 'SubmitFollowUpReport',
  final: 'SubmitFinalReport',
  supplementary: 'SubmitSupplementaryReport',
};
const TEST_ID: Record<ReportKind, string> = {
  phone: 'file-phone-report',
  initial: 'file-initial-report',
  followUp: 'file-follow-up-report',
  final: 'file-final-report',
  supplementary: 'file-supplementary-report',
};

/** Casualty figures of a report, under `prefix`; they count towards completeness (伤亡损失). */
const losses = (prefix: string): FieldSpec[] => [
  { name: `${prefix}losses.dead`, label: 'dead', kind: 'int', tag: 'completeness' },
  { name: `${prefix}losses.injured`, label: 'injured', kind: 'int', tag: 'completeness' },
  { name: `${prefix}losses.missing`, label: 'missing', kind: 'int', tag: 'completeness' },
];
const signedBy: FieldSpec = { name: 'signedBy', label: 'signedBy', kind: 'text', tag: 'required' };

/** The inputs of each report, required ones tagged 必填, the others tagged as counting towards completeness. */
function fieldsOf(kind: ReportKind, incident: Incident, receivedAt: string | null): FieldSpec[] {
  switch (kind) {
    case 'phone':
      return [
        { name: 'recipient', label: 'recipient', kind: 'text', tag: 'required' },
        { name: 'summary', label: 'summary', kind: 'textarea', tag: 'required' },
      ];
    case 'initial':
      // The 初报 goes out with what is known: when, where and what are required; the rest are 缺项 until given.
      return [
        { name: 'content.receivedAt', label: 'chainReceivedAt', kind: 'datetime', tag: 'completeness', initial: receivedAt ?? '' },
        { name: 'content.source', label: 'source', kind: 'text', tag: 'completeness' },
        { name: 'content.occurredAt', label: 'occurredAtField', kind: 'datetime', tag: 'required', initial: incident.occurredAt ?? '' },
        { name: 'content.place', label: 'place', kind: 'text', tag: 'required', initial: incident.location?.description ?? '' },
        { name: 'content.nature', label: 'nature', kind: 'text', tag: 'required' },
        { name: 'content.scope', label: 'scope', kind: 'textarea', tag: 'completeness' },
        ...losses('content.'),
        { name: 'content.trend', label: 'trend', kind: 'textarea', tag: 'completeness' },
        { name: 'content.leadersOnSite', label: 'leadersOnSite', kind: 'text', tag: 'completeness' },
        { name: 'content.measures', label: 'measures', kind: 'textarea', tag: 'completeness' },
        { name: 'content.requests', label: 'requests', kind: 'textarea' },
        signedBy,
      ];
    case 'followUp':
      return [{ name: 'progress', label: 'progress', kind: 'textarea', tag: 'required' }, ...losses(''), signedBy];
    case 'final':
      return [{ name: 'summary', label: 'summary', kind: 'textarea', tag: 'required' }, ...losses(''), signedBy];
    case 'supplementary':
      return [...losses(''), { name: 'note', label: 'note', kind: 'textarea', tag: 'required' }, signedBy];
    default: {
      const unknown: never = kind;
      throw new Error(`no report form for ${String(unknown)}`);
    }
  }
}

/**
 * 信息报送: who owes which report to whom along the reporting chain (the lead to the room above, and
 * for III+ the city on to the province), each report's deadline, filing, receipt, 越级, 退回 and
 * 缺项; the signed-in room files what it owes and acknowledges or returns what was sent to it.
 */
export function ReportsPanel({
  incident,
  reports,
  timeline,
  offered,
  onChanged,
}: {
  incident: Incident;
  reports: ReportsView;
  timeline: readonly TimelineEntry[];
  /** The report commands the api says this user may send now. */
  offered: readonly string[];
  onChanged(): void;
}) {
  const { client, session, jurisdictions, config } = useApp();
  const { t, tr, lang } = useI18n();
  const [returning, setReturning] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const now = Date.now();
  const room = session.user.jurisdiction;
  // Filing, acknowledging and returning are offered when the api offers any report command to this
  // user now (none once the incident is over); which report each applies to is read per item below.
  const acts = offered.length > 0;
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const time = (iso: string | null) => formatTime(iso, lang, { zone: false });
  const known = useMemo(() => {
    const names = new Map(config.demoUsers.map((u) => [u.username, u.name]));
    if (session.user.name) names.set(session.user.userId, session.user.name);
    return names;
  }, [config.demoUsers, session.user]);
  const person = (userId: string | null, of: string) => personName(userId, of, known, roomName, tr, lang);

  const recharges = timeline.filter((e) => e.type === 'ReportObligationRecharged');
  const formerLeads = new Set(recharges.map((e) => e.data['formerLead']).filter((c): c is string => typeof c === 'string'));
  const groups = groupByLine(reports, formerLeads);
  const receivedAt = reports.receivedAt ?? incident.receivedAt;
  const until = supplementaryUntil(incident.occurredAt, reports.terms?.supplementaryWindowDays);
  const supplementaryOpen = until !== null && now <= Date.parse(until);
  const options = acts && reports.state !== 'none' ? filingOptions(reports, room, supplementaryOpen) : [];
  const onChain = groups.some((g) => g.from === room);
  const latest = recharges[recharges.length - 1];

  const receipt = (item: ReportItemView) => {
    setActionError(null);
    client.fileReport(incident.incidentId, { type: 'AcknowledgeReport', data: { key: item.key, from: item.from } }).then(onChanged, (e: unknown) => setActionError(e instanceof Error ? e.message : String(e)));
  };

  const lineTitle = (g: ReportGroup) => {
    const role = t(g.role === 'former' ? (g.formerLead ? 'line.formerLead' : 'line.former') : g.role === 'lead' ? 'line.lead' : 'line.relay');
    return `${roomName(g.from)} → ${roomName(g.to)}${lang === 'en' ? ` (${role})` : `（${role}）`}`;
  };

  return (
    <section className="panel" data-testid="reports">
      <h2>{t('reports')}</h2>
      <dl className="facts">
        <dt>{t('chainReceivedAt')}</dt>
        <dd data-testid="reports-received-at">{formatTime(receivedAt, lang)}</dd>
        {reports.terms?.supplementaryWindowDays != null ? (
          <>
            <dt>{t('supplementaryUntil')}</dt>
            <dd data-testid="supplementary-until">{until ? `${time(until)}${supplementaryOpen ? '' : `（${t('supplementaryClosed')}）`}` : '—'}</dd>
          </>
        ) : null}
      </dl>
      {latest ? (
        <p className="notice" data-testid="recharge-notice">
          {time(latest.recordedAt)} {rechargeNotice(latest.data, { tr, lang, room: roomName, time })}
        </p>
      ) : null}
      {groups.length === 0 ? <p className="empty">{t('noReports')}</p> : null}
      {groups.map((g) => (
        <div key={g.from} className="report-line" data-testid="report-line" data-from={g.from} data-role={g.role}>
          <h3>{lineTitle(g)}</h3>
          {g.role === 'former' && g.owed > 0 ? (
            <p className="overdue" data-testid="former-owed">
              {fill(t(g.formerLead ? 'owed.formerLead' : 'owed.former'), { n: String(g.owed) })}
            </p>
          ) : null}
          {g.items.length ? (
            <table className="reports">
              <thead>
                <tr>
                  <th>{t('report')}</th>
                  <th>{t('dueAt')}</th>
                  <th>{t('submittedAt')}</th>
                  <th>{t('receivedAt')}</th>
                  <th>{t('reportStatus')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {g.items.map((item) => {
                  const overdue = isOverdue(item, now);
                  const over = minutesOverdue(item, now);
                  const late = minutesLate(item);
                  const state = item.submittedAt === null ? (overdue ? 'overdue' : item.returns.length ? 'returned' : 'owed') : item.receivedAt ? 'received' : 'filed';
                  return (
                    <Fragment key={item.id}>
                    <tr data-testid="report-item" data-key={item.id} data-state={state} className={overdue ? 'overdue' : ''}>
                      <td data-testid="report-title">{reportTitle(item, tr, lang)}</td>
                      <td data-testid="report-due">
                        {time(item.dueAt)}
                        {item.firstDueAt && item.firstDueAt !== item.dueAt ? <div className="hint">{fill(t('late.firstDue'), { time: time(item.firstDueAt) })}</div> : null}
                      </td>
                      <td data-testid="report-submitted">
                        {item.submittedAt ? `${time(item.submittedAt)} · ${person(item.submittedBy, item.from)}` : overdue ? t('overdue') : '—'}
                        {item.directTo ? (
                          <div className="direct" data-testid="report-direct">
                            {fill(t('direct.to'), { room: roomName(item.directTo) })}
                            {item.copiedTo.length ? fill(t('direct.copied'), { rooms: item.copiedTo.map(roomName).join('、') }) : ''}
                          </div>
                        ) : null}
                      </td>
                      <td data-testid="report-received">{item.receivedAt ? `${time(item.receivedAt)} · ${person(item.receivedBy, receivingRoom(item))}` : '—'}</td>
                      <td data-testid="report-status">
                        {over !== null ? <div className="overdue">{fill(t('late.overdue'), { n: String(over) })}</div> : null}
                        {late !== null ? <div className="late">{fill(t('late.filed'), { n: String(late) })}</div> : null}
                        {item.submittedAt === null && item.returns.length ? <div className="overdue">{t('reopened')}</div> : null}
                        {item.submittedAt !== null && item.missingFields.length ? (
                          <div data-testid="report-missing">
                            {t('missingFields')}：{missingFieldLabels(item.missingFields, tr).join('、')}
                          </div>
                        ) : null}
                        {item.returns.map((r) => (
                          <div key={r.at} className="returned" data-testid="report-return">
                            {fill(t('returnedBy'), { time: time(r.at), by: person(r.by, receivingRoom(item)), reason: r.reason })}
                          </div>
                        ))}
                        {item.copiedTo.includes(room) ? <div className="hint">{t('direct.copiedYou')}</div> : null}
                      </td>
                      <td>
                        {acts && awaitsReceiptBy(item, room) ? (
                          <div className="buttons">
                            <button type="button" data-testid={`acknowledge-${item.id}`} onClick={() => receipt(item)}>
                              {t('acknowledge')}
                            </button>
                            <button type="button" className="secondary" data-testid={`open-return-${item.id}`} onClick={() => setReturning(returning === item.id ? null : item.id)}>
                              {t('returnReport')}
                            </button>
                          </div>
                        ) : null}
                      </td>
                    </tr>
                    {returning === item.id && acts && awaitsReceiptBy(item, room) ? (
                      <tr>
                        <td colSpan={6}>
                          <CommandForm
                            title={`${t('returnReport')} ${reportTitle(item, tr, lang)}`}
                            testId={`return-${item.id}`}
                            schema={REPORT_COMMAND_SCHEMAS.ReturnReport}
                            fields={[{ name: 'reason', label: 'returnReason', kind: 'textarea', tag: 'required' }]}
                            extra={() => ({ key: item.key, from: item.from })}
                            send={(data) => client.fileReport(incident.incidentId, { type: 'ReturnReport', data })}
                            submitLabel={t('returnReport')}
                            onSent={() => {
                              setReturning(null);
                              onChanged();
                            }}
                          />
                        </td>
                      </tr>
                    ) : null}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          ) : null}
        </div>
      ))}
      {actionError ? (
        <p className="form-error" role="alert">
          {t('error')}: {actionError}
        </p>
      ) : null}
      <p className="hint">{t('timesIn')}</p>
      {acts && (onChain || options.length) ? (
        <section data-testid="file-reports">
          <h3>{t('fileReports')}</h3>
          {options.length === 0 ? <p className="empty">{t('nothingToFile')}</p> : null}
          <div className="filing-forms">
            {options.map((option) => {
              const form = <FilingForm incident={incident} option={option} receivedAt={receivedAt} until={option.kind === 'supplementary' ? until : null} onSent={onChanged} />;
              // What the room owes is open; what it may file besides (补报, an unasked 电话报告) waits behind its name.
              return option.item ? (
                <div key={option.item.id}>{form}</div>
              ) : (
                <details key={option.kind} className="panel" data-testid={`${TEST_ID[option.kind]}-more`}>
                  <summary>{fill(t('fileMore'), { report: reportTitle({ kind: option.kind, number: null }, tr, lang) })}</summary>
                  {form}
                </details>
              );
            })}
          </div>
        </section>
      ) : null}
    </section>
  );
}

/** The form of one report the room files: its fields, where it goes and by when, and 越级上报 past the room above. */
function FilingForm({ incident, option, receivedAt, until, onSent }: { incident: Incident; option: FilingOption; receivedAt: string | null; until: string | null; onSent(): void }) {
  const { client, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const above = roomsAbove(jurisdictions, option.to);
  const [direct, setDirect] = useState(false);
  const [directTo, setDirectTo] = useState(above[0] ?? '');
  const type = COMMAND_OF[option.kind];
  const testId = TEST_ID[option.kind];
  const item = option.item;
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const note = [
    fill(t('fileTo'), { room: roomName(option.to) }),
    item?.dueAt ? fill(t('fileDue'), { time: formatTime(item.dueAt, lang) }) : null,
    item?.returns.length ? t('fileAgain') : null,
    until ? fill(t('supplementaryWindow'), { time: formatTime(until, lang) }) : null,
  ]
    .filter(Boolean)
    .join(' · ');

  return (
    <CommandForm
      title={reportTitle({ kind: option.kind, number: item?.number ?? null }, tr, lang)}
      note={note}
      testId={testId}
      schema={REPORT_COMMAND_SCHEMAS[type]}
      fields={fieldsOf(option.kind, incident, receivedAt)}
      extra={() => (direct && directTo ? { directTo } : {})}
      // A 补报 states losses even when it gives none of the figures: the block is required, the figures count as 缺项.
      prepare={(payload) => (option.kind === 'supplementary' ? { losses: {}, ...payload } : payload)}
      send={(data) => client.fileReport(incident.incidentId, { type, data })}
      onSent={() => {
        setDirect(false);
        onSent();
      }}
      more={(errors) =>
        above.length ? (
          <div className={`field direct-to${errors['directTo'] ? ' invalid' : ''}`} data-field="directTo">
            <label className="check">
              <input type="checkbox" data-testid={`${testId}-direct`} checked={direct} onChange={(e) => setDirect(e.target.checked)} /> {t('directToggle')}
            </label>
            {direct ? (
              <label className="field">
                <span className="label">
                  {t('directTarget')}（{t('directHint')}）
                </span>
                <select name="directTo" value={directTo} onChange={(e) => setDirectTo(e.target.value)}>
                  {above.map((code) => (
                    <option key={code} value={code}>
                      {roomName(code)}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            {errors['directTo'] ? (
              <span className="field-error" role="alert" data-testid="error-directTo">
                {errors['directTo']}
              </span>
            ) : null}
          </div>
        ) : null
      }
    />
  );
}
