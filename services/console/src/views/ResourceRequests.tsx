import { MusterApiError, type MusterHttpClient, type ResourceRequestView, type SceneView, type TimelineEntry } from '@muster/client';
import { REQUEST_COMMAND_SCHEMAS, type IncidentView as Incident } from '@muster/contracts';
import { useEffect, useMemo, useState } from 'react';
import { CommandForm } from '../lib/command-form';
import { Field } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { fill, personName } from '../lib/reports';
import { namesFromRecord, readRequest, returnedPayload, roomOfActor, stepNotes, type RequestRecord } from '../lib/requests';
import { jurisdictionName, useApp } from '../lib/session';
import { dispatchDepots, shortage } from '../lib/stock';
import { formatTime } from '../lib/time';

type DepotView = Awaited<ReturnType<MusterHttpClient['listDepots']>>['items'][number];
type TeamView = Awaited<ReturnType<MusterHttpClient['listTeams']>>['items'][number];
type RequestCommandType = keyof typeof REQUEST_COMMAND_SCHEMAS;

interface Reference {
  depots: DepotView[];
  teams: TeamView[];
}

/**
 * The depots and teams of the room and the rooms below it, read again whenever another request
 * awaits dispatch (its picker shows the stock of that moment). A room that may not read them (a reviewer) sees none.
 */
function useReference(client: MusterHttpClient, enabled: boolean, changeKey: string): Reference {
  const [reference, setReference] = useState<Reference>({ depots: [], teams: [] });
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    void Promise.all([client.listDepots(), client.listTeams()]).then(
      ([depots, teams]) => current && setReference({ depots: depots.items, teams: teams.items }),
      () => current && setReference({ depots: [], teams: [] }),
    );
    return () => {
      current = false;
    };
  }, [client, enabled, changeKey]);
  return reference;
}

/**
 * The resource requests (ICS 213RR) of an incident as the room works them: each request's items, who
 * asked and when, and the commands its state and the viewer's room allow — approve, reject, dispatch
 * from a depot picked with its stock, en route, arrived, release, cancel.
 */
export function ResourceRequestsPanel(props: {
  incident: Incident;
  scene: SceneView;
  requests: readonly ResourceRequestView[];
  timeline: readonly TimelineEntry[];
  /** The commands the api says this user may send now, by request id (the incident record's `offered.requests`). */
  offered: Readonly<Record<string, readonly string[]>>;
  onChanged(): void;
}) {
  const { incident, scene, timeline, offered } = props;
  const { client, config, session, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const me = session.user.jurisdiction;
  // Each form is offered when the api offers its command on that request now (state and policy).
  const may = (r: { requestId: string }, type: RequestCommandType) => offered[r.requestId]?.includes(type) ?? false;
  const records = useMemo(() => props.requests.map(readRequest), [props.requests]);
  // Depots and teams are read for a dispatch picker, or to name the depot of a dispatched request.
  const worksRequests = records.some((r) => may(r, 'DispatchResources'));
  // Stock is read again when a request comes up for dispatch (its picker shows stock now), not on
  // every event of every request: one live event costs the view one read of its record.
  const changeKey = records
    .filter((r) => r.state === 'approved')
    .map((r) => r.requestId)
    .join(',');
  const reference = useReference(client, worksRequests || records.some((r) => r.dispatch), changeKey);
  const known = useMemo(() => {
    const names = new Map(config.demoUsers.map((u) => [u.username, u.name]));
    for (const [id, name] of namesFromRecord(scene, timeline)) names.set(id, name);
    if (session.user.name) names.set(session.user.userId, session.user.name);
    return names;
  }, [config.demoUsers, scene, timeline, session.user]);
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const person = (r: RequestRecord, userId: string | null) => personName(userId, roomOfActor(timeline, r.requestId, userId ?? '') ?? incident.leadJurisdiction, known, roomName, tr, lang);
  const time = (iso: string | null) => formatTime(iso, lang);
  const send = (r: RequestRecord, type: RequestCommandType) => (data: unknown) =>
    client.sendResourceRequestCommand(r.requestId, { type, data: data as Record<string, unknown> }).then(props.onChanged);

  return (
    <section className="panel" data-testid="resource-requests">
      <h2>{t('resourceRequests')}</h2>
      {records.length === 0 ? <p className="empty">{t('noRequests')}</p> : null}
      {records.map((r) => (
        <div key={r.requestId} className="request" data-testid="resource-request" data-state={r.state} data-request-id={r.requestId}>
          <div className="request-head">
            <strong data-testid="request-state">{tr('rstate', r.state)}</strong>
            <span data-testid="request-by">
              {t('requestedBy')}：{person(r, r.requestedBy)} · {time(r.requestedAt)}
            </span>
          </div>
          <table className="request-items" data-testid="request-items">
            <thead>
              <tr>
                <th>{t('kind')}</th>
                <th>{t('quantity')}</th>
                <th>{t('priority')}</th>
                <th>{t('deliverTo')}</th>
              </tr>
            </thead>
            <tbody>
              {r.items.map((item, index) => (
                <tr key={index} data-testid="request-item">
                  <td>{item.kind}</td>
                  <td>{item.quantity}</td>
                  <td>{item.priority ? tr('priority', item.priority) : '—'}</td>
                  <td>{item.deliverTo ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <RequestFacts record={r} notes={stepNotes(timeline, r.requestId)} person={(userId) => person(r, userId)} time={time} reference={reference} roomName={roomName} />

          {may(r, 'ApproveResourceRequest') ? (
            <CommandForm
              title={t('approve')}
              testId="approve-request"
              schema={REQUEST_COMMAND_SCHEMAS.ApproveResourceRequest}
              fields={[{ name: 'note', label: 'approveNote', kind: 'text' }]}
              send={send(r, 'ApproveResourceRequest')}
              submitLabel={t('approve')}
            />
          ) : null}
          {may(r, 'RejectResourceRequest') ? (
            <CommandForm
              title={t('reject')}
              testId="reject-request"
              schema={REQUEST_COMMAND_SCHEMAS.RejectResourceRequest}
              fields={[{ name: 'reason', label: 'rejectReason', kind: 'text' }]}
              send={send(r, 'RejectResourceRequest')}
              submitLabel={t('reject')}
            />
          ) : null}
          {may(r, 'DispatchResources') ? <DispatchForm record={r} reference={reference} room={me} send={send(r, 'DispatchResources')} /> : null}
          {may(r, 'MarkEnRoute') ? (
            <CommandForm
              title={t('markEnRoute')}
              testId="enroute-request"
              schema={REQUEST_COMMAND_SCHEMAS.MarkEnRoute}
              fields={[{ name: 'eta', label: 'eta', kind: 'datetime' }]}
              send={send(r, 'MarkEnRoute')}
              submitLabel={t('markEnRoute')}
            />
          ) : null}
          {may(r, 'ConfirmArrival') ? (
            <CommandForm
              title={t('confirmArrival')}
              testId="arrive-request"
              schema={REQUEST_COMMAND_SCHEMAS.ConfirmArrival}
              fields={[{ name: 'note', label: 'arrivalNote', kind: 'text' }]}
              send={send(r, 'ConfirmArrival')}
              submitLabel={t('confirmArrival')}
            />
          ) : null}
          {may(r, 'ReleaseResources') ? <ReleaseForm record={r} send={send(r, 'ReleaseResources')} /> : null}
          {may(r, 'CancelResourceRequest') ? (
            <CommandForm
              title={t('cancelRequest')}
              testId="cancel-request"
              schema={REQUEST_COMMAND_SCHEMAS.CancelResourceRequest}
              fields={[{ name: 'reason', label: 'cancelReason', kind: 'text' }]}
              send={send(r, 'CancelResourceRequest')}
              submitLabel={t('cancelRequest')}
            />
          ) : null}
        </div>
      ))}
    </section>
  );
}

/** What happened to a request so far: the decision, the dispatch, the way to the scene, the return. */
function RequestFacts({
  record: r,
  notes,
  person,
  time,
  reference,
  roomName,
}: {
  record: RequestRecord;
  notes: ReturnType<typeof stepNotes>;
  person(userId: string | null): string;
  time(iso: string | null): string;
  reference: Reference;
  roomName(code: string): string;
}) {
  const { t } = useI18n();
  const facts: [string, string, string][] = [];
  if (r.justification) facts.push(['justification', t('justification'), r.justification]);
  if (r.decidedAt) facts.push(['decided', t('decidedBy'), `${person(r.decidedBy)} · ${time(r.decidedAt)}`]);
  if (notes.approved) facts.push(['approve-note', t('approveNote'), notes.approved]);
  if (r.rejectionReason) facts.push(['rejection', t('rejectReason'), r.rejectionReason]);
  if (r.dispatch) {
    const d = r.dispatch;
    const depot = reference.depots.find((x) => x.depotId === d.depotId)?.name ?? fill(t('depotOfRoom'), { room: d.room ? roomName(d.room) : '—' });
    const teams = d.teams.map((id) => reference.teams.find((x) => x.teamId === id)?.name);
    const teamText = teams.every((n): n is string => n !== undefined) ? teams.join('、') : fill(t('teamsCount'), { n: String(teams.length) });
    facts.push(['depot', t('dispatchedFrom'), `${depot} · ${t('orderNumber')} ${d.orderNumber}`]);
    facts.push(['dispatched', t('dispatchedAt'), `${d.items.map((i) => `${i.kind} × ${i.quantity}`).join('、')} · ${person(d.dispatchedBy)} · ${time(d.dispatchedAt)}`]);
    if (d.teams.length) facts.push(['teams', t('teams'), teamText]);
  }
  if (r.enRouteAt) facts.push(['enroute', t('enRouteAt'), `${time(r.enRouteAt)}${r.eta ? ` · ${t('eta')} ${time(r.eta)}` : ''}`]);
  if (r.arrivedAt) facts.push(['arrived', t('arrivedAt'), `${time(r.arrivedAt)}${notes.arrived ? ` · ${notes.arrived}` : ''}`]);
  if (r.releasedAt) facts.push(['released', t('releasedAt'), `${time(r.releasedAt)}${notes.released ? ` · ${notes.released}` : ''}`]);
  if (r.returned.length) facts.push(['returned', t('returnedItems'), r.returned.map((i) => `${i.kind} × ${i.quantity}`).join('、')]);
  if (r.cancelledReason) facts.push(['cancelled', t('cancelReason'), r.cancelledReason]);
  if (facts.length === 0) return null;
  return (
    <dl className="facts request-facts">
      {facts.map(([key, label, value]) => (
        <div key={key} className="fact" data-testid={`request-${key}`}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A refusal of the api put beside the field it concerns, in the console's language. */
function dispatchRefusal(error: unknown, t: ReturnType<typeof useI18n>['t']): unknown {
  if (!(error instanceof MusterApiError)) return error;
  const short = error.code === 'conflict' ? shortage(error.details) : null;
  const issue = short
    ? { path: 'depotId', message: fill(t('errStockShort'), { kind: short.kind, available: String(short.available), requested: String(short.requested) }) }
    : error.code === 'forbidden' && error.details?.['depotId'] !== undefined
      ? { path: 'depotId', message: t('errDepotNotOwn') }
      : (error.code === 'conflict' && error.details?.['unavailable'] !== undefined) || (error.code === 'forbidden' && error.details?.['teams'] !== undefined)
        ? { path: 'teams', message: t('errTeamsUnavailable') }
        : null;
  return issue ? new MusterApiError(error.status, { code: error.code, message: error.message, issues: [issue], details: error.details }, error.body) : error;
}

/**
 * Dispatch: the depot picked from the room's own depots, each listed with its stock of the kinds
 * asked ("应急帐篷 库存 40 / 需 10") and marked when short; the teams picked from the room's available
 * teams; the order number typed. The whole request is dispatched (the api takes every item in full).
 */
function DispatchForm({ record, reference, room, send }: { record: RequestRecord; reference: Reference; room: string; send(data: unknown): Promise<unknown> }) {
  const { t } = useI18n();
  const [teams, setTeams] = useState<string[]>([]);
  const depots = dispatchDepots(reference.depots, room, record.items);
  const stockText = (d: (typeof depots)[number]) =>
    d.coverage.lines.map((l) => `${fill(t('stockVsNeed'), { kind: l.kind, have: String(l.have), need: String(l.need) })}${l.short ? t('stockShortMark') : ''}`).join('；');
  const available = reference.teams.filter((x) => x.jurisdiction === room && x.status === 'available');
  return (
    <CommandForm
      title={t('dispatch')}
      testId="dispatch-request"
      schema={REQUEST_COMMAND_SCHEMAS.DispatchResources}
      fields={[
        { name: 'depotId', label: 'depot', kind: 'select', options: depots.map((d) => ({ value: d.depotId, label: `${d.name}${d.coverage.enough ? '' : `（${t('depotShort')}）`}` })) },
        { name: 'orderNumber', label: 'orderNumber', kind: 'text' },
      ]}
      extra={() => (teams.length ? { teams } : {})}
      send={(data) =>
        send(data).then(
          () => setTeams([]),
          (error: unknown) => {
            throw dispatchRefusal(error, t);
          },
        )
      }
      submitLabel={t('dispatch')}
      more={(errors) => (
        <>
          {depots.length === 0 ? <p className="empty">{t('noDepots')}</p> : null}
          <ul className="depot-stock" data-testid="depot-stock">
            {depots.map((d) => (
              <li key={d.depotId} className={d.coverage.enough ? '' : 'short'} data-testid="depot-option" data-short={d.coverage.enough ? 'false' : 'true'}>
                <strong>{d.name}</strong>
                {d.coverage.enough ? '' : <span className="short-mark"> {t('depotShort')}</span>}：{stockText(d)}
              </li>
            ))}
          </ul>
          <Field name="teams" label={t('teams')} error={errors['teams']}>
            {available.length === 0 ? <span className="empty">{t('noTeams')}</span> : null}
            <span className="team-picker">
              {available.map((x) => (
                <label key={x.teamId} className="check" data-testid="team-option">
                  <input
                    type="checkbox"
                    name="teams"
                    checked={teams.includes(x.teamId)}
                    onChange={(e) => setTeams(e.target.checked ? [...teams, x.teamId] : teams.filter((id) => id !== x.teamId))}
                  />
                  {x.name}
                  {x.specialty ? `（${x.specialty}）` : ''}
                </label>
              ))}
            </span>
          </Field>
        </>
      )}
    />
  );
}

/** Release: what goes back to the depot's stock, kind by kind (nothing typed: nothing back), and a note. */
function ReleaseForm({ record, send }: { record: RequestRecord; send(data: unknown): Promise<unknown> }) {
  const { t } = useI18n();
  const sent = record.dispatch?.items ?? [];
  const [typed, setTyped] = useState<Record<string, string>>({});
  return (
    <CommandForm
      title={t('releaseResources')}
      testId="release-request"
      schema={REQUEST_COMMAND_SCHEMAS.ReleaseResources}
      fields={[{ name: 'note', label: 'releaseNote', kind: 'text' }]}
      extra={() => {
        const values = Object.fromEntries(Object.entries(typed).map(([k, v]) => [k, v.trim() === '' ? undefined : /^\d+$/.test(v.trim()) ? Number(v.trim()) : v]));
        const returned = returnedPayload(sent, values);
        return returned.length ? { returned } : {};
      }}
      send={(data) => send(data).then(() => setTyped({}))}
      submitLabel={t('releaseResources')}
      more={(errors) =>
        sent.map((item, index) => (
          <Field
            key={`${item.kind}-${index}`}
            name={`returned.${index}`}
            label={fill(t('returnedQty'), { kind: item.kind, sent: String(item.quantity) })}
            error={errors[`returned.${index}.quantity`] ?? errors[`returned.${index}`]}
          >
            <input name={`returned.${index}`} inputMode="numeric" value={typed[String(index)] ?? ''} onChange={(e) => setTyped({ ...typed, [String(index)]: e.target.value })} />
          </Field>
        ))
      }
    />
  );
}

