import type { Jurisdiction } from '@muster/client';
import { CreateHazardRequestSchema, HAZARD_COMMAND_SCHEMAS } from '@muster/contracts';
import { Fragment, useEffect, useState } from 'react';
import { CommandForm, type FieldSpec } from '../lib/command-form';
import { useI18n, type MessageKey } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime } from '../lib/time';

/** How often the hazard screens read again: deadlines pass and other rooms act while they are open. */
const REFRESH_MS = 4_000;

const GRADES = ['general', 'major'] as const;
const STATES = ['reported', 'verified', 'graded', 'rectifying', 'rectificationReported', 'accepted', 'writtenOff', 'dismissed'] as const;
const CRITERIA = ['requires_stoppage', 'external_factors', 'fixable_at_once'] as const;
const PLAN_PARTS = ['objectives', 'methods', 'funding', 'organisation', 'timeline', 'safetyMeasures'] as const;
type Tab = 'register' | 'tipOffs' | 'supervision';

/** `room` and the rooms below it in the loaded tree. */
function roomsWithin(tree: ReadonlyMap<string, Jurisdiction>, room: string): Jurisdiction[] {
  return [...tree.values()].filter((j) => {
    for (let up: string | null | undefined = j.code; up; up = tree.get(up)?.parent) if (up === room) return true;
    return false;
  });
}

/** A room's name indented by its depth below `room`, so a flat list reads as the jurisdiction tree. */
function treeLabel(tree: ReadonlyMap<string, Jurisdiction>, room: string, code: string, name: string): string {
  let depth = 0;
  for (let up = tree.get(code)?.parent; up && code !== room; up = tree.get(up)?.parent) {
    depth += 1;
    if (up === room) break;
  }
  return `${'\u3000'.repeat(depth)}${name}`;
}

/** Reads again every REFRESH_MS while the screen is open. */
function useRefresh(reload: () => void): void {
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
}

/** Lines of a textarea, trimmed, empty ones dropped. */
const lines = (text: unknown): string[] =>
  typeof text === 'string'
    ? text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
    : [];

/**
 * 风险隐患: the register of the room and the rooms below it, filtered by grade, state, overdue and
 * jurisdiction; the tip-off intake queue (群众举报, 待核实); the city's list of hazards under 挂牌督办
 * or escalated to it. A room reports a hazard found by an inspection or a self-check here.
 */
export function HazardsView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, tr, lang } = useI18n();
  const room = session.user.jurisdiction;
  const [tab, setTab] = useState<Tab>(jurisdictions.get(room)?.level === 'city' ? 'supervision' : 'register');
  const [grade, setGrade] = useState('');
  const [state, setState] = useState('');
  const [overdue, setOverdue] = useState(false);
  const [place, setPlace] = useState('');
  const query = {
    ...(grade ? { grade } : {}),
    ...(state ? { state } : {}),
    ...(overdue ? { overdue: 'true' } : {}),
    ...(place ? { jurisdiction: place } : {}),
    ...(tab === 'tipOffs' ? { source: 'tip_off', state: 'reported' } : {}),
    ...(tab === 'supervision' ? { supervision: 'true' } : {}),
  };
  const key = JSON.stringify(query);
  const { value, error, reload } = useLoad(() => client.call('listHazards', { query }), [client, key]);
  useRefresh(reload);
  const roomName = (code: string | null | undefined) => jurisdictionName(jurisdictions, code, lang);
  const places = roomsWithin(jurisdictions, room);
  const items = value?.items ?? [];
  const reports = hasRole('duty_officer', 'leader', 'responder');

  return (
    <section data-testid="hazards-view">
      <nav className="tabs">
        <a href={href({ view: 'board' })}>← {t('board')}</a>
        {(['register', 'tipOffs', 'supervision'] as const).map((name) => (
          <button key={name} type="button" className={tab === name ? 'link active' : 'link'} onClick={() => setTab(name)} data-testid={`hazards-tab-${name}`}>
            {t(name === 'register' ? 'hazardRegister' : name === 'tipOffs' ? 'tipOffQueue' : 'supervisionList')}
          </button>
        ))}
        <a href={href({ view: 'inspections' })} data-testid="hazards-inspections">
          {t('inspections')}
        </a>
      </nav>
      <h1>{t(tab === 'register' ? 'hazardRegister' : tab === 'tipOffs' ? 'tipOffQueue' : 'supervisionList')}</h1>
      <div className="hazard-filters">
        <select value={grade} onChange={(e) => setGrade(e.target.value)} data-testid="hazards-grade">
          <option value="">{t('allGrades')}</option>
          {GRADES.map((g) => (
            <option key={g} value={g}>
              {tr('hgrade', g)}
            </option>
          ))}
        </select>
        <select value={state} onChange={(e) => setState(e.target.value)} data-testid="hazards-state">
          <option value="">{t('allStates')}</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {tr('hstate', s)}
            </option>
          ))}
        </select>
        <select value={place} onChange={(e) => setPlace(e.target.value)} data-testid="hazards-place">
          <option value="">{t('allRooms')}</option>
          {places.map((j) => (
            <option key={j.code} value={j.code}>
              {treeLabel(jurisdictions, room, j.code, roomName(j.code))}
            </option>
          ))}
        </select>
        <label>
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} data-testid="hazards-overdue" /> {t('onlyOverdue')}
        </label>
      </div>
      {error ? <p className="form-error">{error.message}</p> : null}
      {value && items.length === 0 ? <p className="empty">{t('noHazards')}</p> : null}
      <table className="hazards">
        <thead>
          <tr>
            <th>{t('hazardTitle')}</th>
            <th>{t('hazardLocation')}</th>
            <th>{t('hazardSource')}</th>
            <th>{t('hazardGrade')}</th>
            <th>{t('hazardState')}</th>
            <th>{t('hazardDeadline')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((h) => (
            <tr key={h.hazardId} data-testid="hazard-row" data-title={h.title} data-state={h.state}>
              <td>
                <a href={href({ view: 'hazard', hazardId: h.hazardId })}>{h.title}</a>
              </td>
              <td>
                {roomName(h.location.jurisdiction.slice(0, 6))} · {h.location.address}
              </td>
              <td>{tr('hsource', h.source)}</td>
              <td>{h.grade ? tr('hgrade', h.grade) : '—'}</td>
              <td>{tr('hstate', h.state)}</td>
              <td>
                {formatTime(h.rectification?.deadline, lang, { zone: false })}
                {h.overdue ? <span className="overdue" data-testid="hazard-overdue"> {t('overdueBadge')}</span> : null}
                {h.escalations.length > 0 ? <span className="badge" data-testid="hazard-escalated"> {t('escalatedBadge')}</span> : null}
                {h.listedSupervision ? <span className="badge" data-testid="hazard-listed"> {t('listedBadge')}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {reports ? (
        <CommandForm
          title={t('reportHazard')}
          testId="report-hazard"
          schema={CreateHazardRequestSchema}
          fields={[
            { name: 'data.location.jurisdiction', label: 'hazardLocation', kind: 'select', options: places.map((j) => ({ value: j.code, label: treeLabel(jurisdictions, room, j.code, roomName(j.code)) })) },
            { name: 'data.location.address', label: 'hazardAddress', kind: 'text' },
            { name: 'data.title', label: 'hazardTitle', kind: 'text' },
            { name: 'data.description', label: 'hazardDescription', kind: 'textarea' },
            { name: 'data.source', label: 'hazardSource', kind: 'select', options: (['inspection', 'self_check'] as const).map((s) => ({ value: s, label: tr('hsource', s) })) },
          ]}
          send={(body) => client.call('reportHazard', { body })}
          onSent={reload}
        />
      ) : null}
    </section>
  );
}

type HazardCommandType = keyof typeof HAZARD_COMMAND_SCHEMAS;

/** A hazard, what happened to it, and the actions its state and the user's room allow. */
export function HazardView({ hazardId }: { hazardId: string }) {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, tr, lang } = useI18n();
  const hazard = useLoad(() => client.call('getHazard', { params: { hazardId } }), [client, hazardId]);
  const history = useLoad(() => client.call('hazardHistory', { params: { hazardId } }), [client, hazardId]);
  const incidents = useLoad(() => client.listIncidents({}), [client]);
  const [reporter, setReporter] = useState<{ name: string; phone: string; idNumber: string | null; address: string | null } | null>(null);
  const reloadBoth = () => {
    hazard.reload();
    history.reload();
  };
  useRefresh(hazard.reload);
  const h = hazard.value;
  if (hazard.error) return <p className="form-error">{hazard.error.message}</p>;
  if (!h) return <p className="loading">{t('loading')}</p>;

  const room = session.user.jurisdiction;
  const roomName = (code: string | null | undefined) => jurisdictionName(jurisdictions, code, lang);
  const time = (iso: string | null | undefined) => formatTime(iso, lang);
  const owns = room === h.jurisdiction && hasRole('duty_officer', 'leader');
  const city = jurisdictions.get(room)?.level === 'city' && hasRole('duty_officer', 'leader');
  const open = h.state === 'graded' || h.state === 'rectifying' || h.state === 'rectificationReported';
  const send = (type: HazardCommandType) => (data: unknown) => client.call('hazardCommand', { params: { hazardId }, body: { type, data: data as Record<string, unknown> } });
  const form = (type: HazardCommandType, title: MessageKey, fields: FieldSpec[], prepare?: (p: Record<string, unknown>) => Record<string, unknown>) => (
    <CommandForm key={type} title={t(title)} testId={`hazard-${type}`} schema={HAZARD_COMMAND_SCHEMAS[type]} fields={fields} {...(prepare ? { prepare } : {})} send={send(type)} onSent={reloadBoth} />
  );
  const actions = [
    owns && h.state === 'reported' ? form('VerifyHazard', 'verifyHazard', []) : null,
    owns && h.state === 'reported' ? form('DismissHazard', 'dismissHazard', [{ name: 'reason', label: 'hazardDismissReason', kind: 'textarea' }]) : null,
    owns && (h.state === 'verified' || h.state === 'graded')
      ? form('GradeHazard', 'gradeHazard', [{ name: 'criterion', label: 'gradingCriterion', kind: 'select', options: CRITERIA.map((c) => ({ value: c, label: tr('hcrit', c) })) }], ({ criterion, ...rest }) => ({
          ...rest,
          criteria: criterion === undefined ? [] : [criterion],
        }))
      : null,
    owns && h.state === 'graded'
      ? form(
          'AssignRectification',
          'assignRectification',
          [
            { name: 'responsibleUnit', label: 'responsibleUnit', kind: 'text' },
            { name: 'measures', label: 'rectificationMeasures', kind: 'textarea' },
            { name: 'deadline', label: 'rectificationDeadline', kind: 'datetime' },
            ...(h.grade === 'major'
              ? [...PLAN_PARTS.map((part): FieldSpec => ({ name: `plan.${part}`, label: `plan.${part}`, kind: 'textarea' })), { name: 'interimControls', label: 'interimControls', kind: 'textarea' } as FieldSpec]
              : []),
          ],
          (payload) => (payload['interimControls'] === undefined ? payload : { ...payload, interimControls: lines(payload['interimControls']) }),
        )
      : null,
    owns && h.state === 'rectifying' ? form('ReportRectification', 'reportRectification', [{ name: 'summary', label: 'rectificationSummary', kind: 'textarea' }]) : null,
    owns && h.state === 'rectificationReported' ? form('AcceptRectification', 'acceptRectification', [{ name: 'note', label: 'acceptNote', kind: 'textarea' }]) : null,
    owns && h.state === 'rectificationReported'
      ? form('ReturnRectification', 'returnRectification', [
          { name: 'reason', label: 'hazardReturnReason', kind: 'textarea' },
          { name: 'deadline', label: 'hazardNewDeadline', kind: 'datetime' },
        ])
      : null,
    owns && h.state === 'accepted' ? form('WriteOffHazard', 'writeOffHazard', []) : null,
    city && open && !h.listedSupervision
      ? form('ListForSupervision', 'listForSupervision', [
          { name: 'note', label: 'supervisionNote', kind: 'textarea' },
          { name: 'deadline', label: 'supervisionDeadlineLabel', kind: 'datetime' },
        ])
      : null,
    owns && h.tipOffId && !h.fine && h.state !== 'reported' && h.state !== 'dismissed' ? form('RecordFine', 'recordFine', [{ name: 'amount', label: 'fineAmount', kind: 'int' }]) : null,
    owns && h.reward && h.reward.paidAt === null
      ? form('RecordRewardPayment', 'recordRewardPayment', [
          { name: 'amount', label: 'rewardAmount', kind: 'int' },
          { name: 'reference', label: 'rewardReference', kind: 'text' },
        ])
      : null,
    owns && h.state !== 'dismissed'
      ? form('LinkHazardToIncident', 'linkIncident', [
          {
            name: 'incidentId',
            label: 'incidentToLink',
            kind: 'select',
            options: (incidents.value?.items ?? []).filter((i) => !h.incidents.includes(i.incidentId)).map((i) => ({ value: i.incidentId, label: i.title })),
          },
        ])
      : null,
  ].filter((x) => x !== null);

  return (
    <section data-testid="hazard-view" data-state={h.state}>
      <nav className="tabs">
        <a href={href({ view: 'hazards' })}>← {t('hazardRegister')}</a>
      </nav>
      <h1>
        {h.title} <span className="badge">{tr('hstate', h.state)}</span> {h.grade ? <span className="badge" data-testid="hazard-grade">{tr('hgrade', h.grade)}</span> : null}
      </h1>
      <div className="columns">
        <section className="panel">
          <dl className="facts">
            <dt>{t('hazardLocation')}</dt>
            <dd>
              {roomName(h.location.jurisdiction.slice(0, 6))} · {h.location.address}
            </dd>
            <dt>{t('hazardSource')}</dt>
            <dd>{tr('hsource', h.source)}</dd>
            <dt>{t('hazardDescription')}</dt>
            <dd>{h.description}</dd>
            {h.rectification ? (
              <>
                <dt>{t('responsibleUnit')}</dt>
                <dd>{h.rectification.responsibleUnit}</dd>
                <dt>{t('rectificationMeasures')}</dt>
                <dd>{h.rectification.measures}</dd>
                <dt>{t('rectificationDeadline')}</dt>
                <dd className={h.overdue ? 'overdue' : ''} data-testid="hazard-deadline">
                  {time(h.rectification.deadline)}
                  {h.overdue ? ` ${t('overdueBadge')}` : ''}
                </dd>
              </>
            ) : null}
            {h.escalations.map((e) => (
              <Fragment key={e.at}>
                <dt>{t('hazardEscalatedTo')}</dt>
                <dd data-testid="hazard-escalation">
                  {roomName(e.to)} · {time(e.at)}
                </dd>
              </Fragment>
            ))}
            {h.listedSupervision ? (
              <>
                <dt>{t('listedBadge')}</dt>
                <dd data-testid="hazard-listing">
                  {roomName(h.listedSupervision.jurisdiction)} · {h.listedSupervision.note} · {t('supervisionDeadlineLabel')} {time(h.listedSupervision.deadline)}
                  {h.listedSupervision.overdueAt ? ` ${t('listedOverdueBadge')}` : ''}
                </dd>
              </>
            ) : null}
            {h.reward ? (
              <>
                <dt>{t('rewardDue')}</dt>
                <dd>
                  ¥{h.reward.amount}
                  {h.reward.paidAt ? ` · ${t('rewardPaid')} ¥${h.reward.paidAmount ?? ''} · ${time(h.reward.paidAt)}` : ''}
                </dd>
              </>
            ) : null}
          </dl>
          {h.tipOffId && owns && hasRole('leader') ? (
            <p>
              <button
                type="button"
                data-testid="show-reporter"
                onClick={() => void client.call('tipOffReporter', { params: { tipOffId: h.tipOffId ?? '' } }).then((answer) => setReporter(answer.reporter))}
              >
                {t('showReporter')}
              </button>{' '}
              <span className="hint">{t('reporterConfidential')}</span>
            </p>
          ) : null}
          {reporter ? (
            <dl className="facts" data-testid="reporter">
              <dt>{t('reporterName')}</dt>
              <dd>{reporter.name}</dd>
              <dt>{t('reporterPhone')}</dt>
              <dd>{reporter.phone}</dd>
              <dt>{t('reporterIdNumber')}</dt>
              <dd>{reporter.idNumber ?? '—'}</dd>
              <dt>{t('reporterAddress')}</dt>
              <dd>{reporter.address ?? '—'}</dd>
            </dl>
          ) : null}
          <h2>{t('hazardHistory')}</h2>
          <ol className="history" data-testid="hazard-history">
            {(history.value?.items ?? []).map((e) => (
              <li key={e.version}>
                {time(e.recordedAt)} · {tr('hevent', e.type)}
              </li>
            ))}
          </ol>
        </section>
        <section className="actions">{actions}</section>
      </div>
    </section>
  );
}
