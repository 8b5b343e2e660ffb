import type { WarningView } from '@muster/client';
import { COMMAND_PAYLOAD_SCHEMAS, ContactSchema, IssueWarningFilingSchema } from '@muster/contracts';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { z } from 'zod';
import { download } from '../lib/download';
import { apiErrors, check, Field, FormError, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { usePeople } from '../lib/people';
import { nameIn } from '../lib/reports';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLiveFeed, useLoad } from '../lib/session';
import { formatTime } from '../lib/time';
import { useWarningWords } from '../lib/use-warning-words';
import type { WarningWordKey } from '../lib/warning-text';
import { areaDescriptionOf, contentOf, contentPayload, inputsOf, type ContentInputs, type WarningContent } from '../lib/warnings';
import { ConnectionBadge } from '../lib/widgets';
import { AckBoard } from './AckBoard';
import { checkPolygon, errorAt, WarningContentForm } from './WarningContentForm';
import { useAreaNodes, WarningLevelBadge } from './Warnings';

const WARNING = COMMAND_PAYLOAD_SCHEMAS.warning;
const BURST_MS = 150;
type Filing = 'ReviseWarningDraft' | 'ApproveWarning' | 'IssueWarning' | 'UpdateWarning' | 'LiftWarning' | 'LinkWarningToIncident';

/**
 * One warning (`#/warnings/<id>`): what it says, its state and who drafted and approved it (by name),
 * the released messages with their CAP 1.2 and GB/T 35965.1 files, and the commands of its state:
 * 修改草稿 and 审批 (the issuing room's leader, as the release rules say), 发布, 调整 (a level change
 * with its reason) and 解除 (with the reason), 关联事件. It follows the warning's live events.
 */
export function WarningPage({ warningId }: { warningId: string }) {
  const { client, session } = useApp();
  const { t } = useI18n();
  // Bumped once per burst of the warning's live events (an acknowledgement each): the warning and its
  // board are read again, one read per burst, so a board of hundreds of recipients stays cheap.
  const [tick, setTick] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const bump = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setTick((n) => n + 1), BURST_MS);
  };
  const warning = useLoad(() => client.call('getWarning', { params: { warningId } }), [client, warningId, tick]);
  // A warning's events go to its room's feed (the gateway's incident subscriptions take incident ids
  // only): follow the room, and only this warning's stream counts.
  const room = warning.value?.jurisdiction ?? session.user.jurisdiction;
  const connection = useLiveFeed({ rooms: [room], drills: true }, (event) => {
    if (event.streamId === `warning:${warningId}`) bump();
  });
  // Live again (first connection or after a drop): read again, for what passed in between.
  useEffect(() => {
    if (connection.state === 'live') setTick((n) => n + 1);
  }, [connection.state]);
  useEffect(() => () => clearTimeout(timer.current), []);
  if (!warning.value) return <p className={warning.error ? 'form-error' : 'loading'}>{warning.error?.message ?? t('loading')}</p>;
  return <WarningDetails warning={warning.value} connection={<ConnectionBadge connection={connection} />} tick={tick} onChanged={warning.reload} />;
}

function WarningDetails({ warning, connection, tick, onChanged }: { warning: WarningView; connection: ReactNode; tick: number; onChanged(): void }) {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { lang } = useI18n();
  const { w, wr } = useWarningWords();
  const { people } = usePeople([warning.jurisdiction]);
  const incidents = useLoad(() => client.listIncidents({ exercise: 'all', limit: 100 }), [client]);
  const content = contentOf(warning.content);
  const personName = (userId: string | null | undefined) => {
    const found = people.find((p) => p.userId === userId);
    return found ? nameIn(found.name, lang) : w('unknownPerson');
  };
  const incidentTitle = (id: string) => incidents.value?.items.find((i) => i.incidentId === id)?.title;
  const time = (iso: string | null | undefined) => formatTime(iso, lang, { zone: false });
  const ownRoom = session.user.jurisdiction === warning.jurisdiction;
  const staff = ownRoom && hasRole('duty_officer', 'leader');
  const leader = ownRoom && hasRole('leader');
  const inForce = warning.state === 'issued' || warning.state === 'updated';
  const over = warning.state === 'lifted' || warning.state === 'expired';
  const send = (type: Filing) => (data: unknown) => client.call('warningCommand', { params: { warningId: warning.warningId }, body: { type, data } }).then(onChanged);

  async function save(form: 'cap' | 'gb', message?: number) {
    const index = (message ?? warning.messages.length) - 1;
    const identifier = warning.messages[index]?.identifier ?? warning.warningId;
    download(`${identifier}.${form}.xml`, 'application/xml', await client.warningXml(warning.warningId, form, message));
  }
  const msgWord = (n: number): WarningWordKey => (n === 1 ? 'msgAlert' : n === warning.messages.length && warning.state === 'lifted' ? 'msgCancel' : 'msgUpdate');

  return (
    <section className="warning" data-testid="warning-view" data-state={warning.state}>
      <div className="incident-head">
        <WarningLevelBadge level={warning.level} />
        {warning.status === 'exercise' ? <span className="drill-tag">{w('drill')}</span> : null}
        <h1 data-testid="warning-headline">{content?.zh.headline ?? wr('level', warning.level)}</h1>
        {connection}
      </div>
      <nav className="tabs">
        <a href={href({ view: 'warnings' })}>{w('back')}</a>
      </nav>
      <div className="columns">
        <div>
          <section className="panel">
            <dl className="facts">
              <dt>{w('state')}</dt>
              <dd data-testid="warning-state">{wr('wstate', warning.state)}</dd>
              <dt>{w('room')}</dt>
              <dd>{jurisdictionName(jurisdictions, warning.jurisdiction, lang)}</dd>
              <dt>{w('category')}</dt>
              <dd>
                {content ? wr('wcat', content.category) : '—'} · {content?.zh.event ?? '—'}
              </dd>
              <dt>{w('area')}</dt>
              <dd data-testid="warning-area">{content?.area.description ?? '—'}</dd>
              <dt>{w('onsetShort')}</dt>
              <dd>{time(content?.onset ?? warning.issuedAt)}</dd>
              <dt>{w('expires')}</dt>
              <dd>{time(content?.expires)}</dd>
              <dt>{w('channels')}</dt>
              <dd>{content?.channels.map((c) => wr('wchannel', c)).join('、') ?? '—'}</dd>
              <dt>{w('draftedBy')}</dt>
              <dd data-testid="warning-drafted-by">{personName(typeof warning['draftedBy'] === 'string' ? warning['draftedBy'] : null)}</dd>
              <dt>{w('approvedBy')}</dt>
              <dd data-testid="warning-approved-by">{warning.approval ? `${personName(warning.approval.by)} · ${time(warning.approval.at)}` : '—'}</dd>
              <dt>{w('issuedAt')}</dt>
              <dd>{time(warning.issuedAt)}</dd>
              {warning.liftedAt ? (
                <>
                  <dt>{w('liftedAt')}</dt>
                  <dd>
                    {time(warning.liftedAt)}
                    {typeof warning['liftReason'] === 'string' ? ` · ${warning['liftReason']}` : ''}
                  </dd>
                </>
              ) : null}
              {warning.expiredAt ? (
                <>
                  <dt>{w('expiredAt')}</dt>
                  <dd>{time(warning.expiredAt)}</dd>
                </>
              ) : null}
              <dt>{w('incidents')}</dt>
              <dd data-testid="warning-incidents">
                {warning.incidents.length === 0
                  ? '—'
                  : warning.incidents.map((id, i) => (
                      <span key={id}>
                        {i > 0 ? '、' : ''}
                        <a href={href({ view: 'incident', incidentId: id })}>{incidentTitle(id) ?? w('incidents')}</a>
                      </span>
                    ))}
              </dd>
            </dl>
            {content ? (
              <>
                <h3>{w('description')}</h3>
                <p className="prewrap">{content.zh.description}</p>
                <h3>{w('instruction')}</h3>
                <p className="prewrap">{content.zh.instruction}</p>
              </>
            ) : null}
          </section>

          {warning.issuedAt !== null ? <AckBoard warningId={warning.warningId} room={warning.jurisdiction} tick={tick} mayRecord={staff} /> : null}

          <section className="panel" data-testid="warning-messages">
            <h2>{w('messages')}</h2>
            {warning.messages.length === 0 ? <p className="empty">—</p> : null}
            <ol className="messages">
              {warning.messages.map((m, i) => (
                <li key={m.identifier}>
                  {w(msgWord(i + 1))} · {time(m.sent)}{' '}
                  <button type="button" className="link" onClick={() => void save('cap', i + 1)} data-testid={`download-cap-${i + 1}`}>
                    {w('downloadCap')}
                  </button>{' '}
                  <button type="button" className="link" onClick={() => void save('gb', i + 1)} data-testid={`download-gb-${i + 1}`}>
                    {w('downloadGb')}
                  </button>
                </li>
              ))}
            </ol>
          </section>
        </div>

        <div>
          {warning.state === 'draft' && leader ? (
            <NoteForm title={w('approve')} testId="approve-warning" field="note" label="approveNote" schema={WARNING.ApproveWarning} send={send('ApproveWarning')} optional />
          ) : null}
          {warning.state === 'approved' && staff ? <IssueForm send={send('IssueWarning')} /> : null}
          {warning.state === 'draft' && staff && content ? (
            <ContentCommandForm title={w('revise')} testId="revise-warning" warning={warning} content={content} schema={WARNING.ReviseWarningDraft} send={send('ReviseWarningDraft')} />
          ) : null}
          {inForce && leader && content ? (
            <ContentCommandForm title={w('update')} testId="update-warning" warning={warning} content={content} schema={WARNING.UpdateWarning} send={send('UpdateWarning')} withReason />
          ) : null}
          {inForce && leader ? <NoteForm title={w('lift')} testId="lift-warning" field="reason" label="liftReason" schema={WARNING.LiftWarning} send={send('LiftWarning')} /> : null}
          {!over && staff ? (
            <NoteForm
              title={w('link')}
              testId="link-warning"
              field="incidentId"
              label="linkIncident"
              schema={WARNING.LinkWarningToIncident}
              send={send('LinkWarningToIncident')}
              options={(incidents.value?.items ?? []).filter((i) => !warning.incidents.includes(i.incidentId)).map((i) => ({ value: i.incidentId, label: i.title }))}
            />
          ) : null}
        </div>
      </div>
    </section>
  );
}

const CONTACT_ROLES = ContactSchema.shape.role.options;

/** 发布预警: to the registry's contacts in the warning's area, of the roles ticked (all by default). */
function IssueForm({ send }: { send(payload: z.output<typeof IssueWarningFilingSchema>): Promise<unknown> }) {
  const i18n = useI18n();
  const { w, wr } = useWarningWords();
  const [roles, setRoles] = useState<string[]>([...CONTACT_ROLES]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = check(IssueWarningFilingSchema, { recipientRoles: roles });
    if (!checked.ok) return setErrors(checked.errors);
    setBusy(true);
    try {
      await send(checked.value);
      setErrors({});
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="panel command-form" onSubmit={(e) => void submit(e)} noValidate data-testid="issue-warning">
      <h3>{w('issue')}</h3>
      <p className="hint">{w('issueNote')}</p>
      <Field name="recipientRoles" label={w('recipientRoles')} error={errorAt(errors, 'recipientRoles')}>
        <span className="checks">
          {CONTACT_ROLES.map((role) => (
            <label key={role} className="check">
              <input type="checkbox" checked={roles.includes(role)} onChange={() => setRoles(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role])} />
              {wr('crole', role)}
            </label>
          ))}
        </span>
      </Field>
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {w('issue')}
        </button>
      </div>
    </form>
  );
}

/**
 * A command with at most one input (审批意见, 解除理由, the incident to link): checked with the
 * command's schema before it is sent, the api's refusal beside the field it names.
 */
function NoteForm<S extends z.ZodType>(props: {
  title: string;
  testId: string;
  field?: string;
  label?: WarningWordKey;
  options?: { value: string; label: string }[];
  optional?: boolean;
  schema: S;
  send(payload: z.output<S>): Promise<unknown>;
}) {
  const i18n = useI18n();
  const { w } = useWarningWords();
  const [value, setValue] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const payload = props.field && value.trim() !== '' ? { [props.field]: value.trim() } : {};
    const checked = check(props.schema, payload);
    if (!checked.ok) return setErrors(checked.errors);
    setBusy(true);
    try {
      await props.send(checked.value);
      setErrors({});
      setValue('');
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="panel command-form" onSubmit={(e) => void submit(e)} noValidate data-testid={props.testId}>
      <h3>{props.title}</h3>
      {props.field && props.label ? (
        <Field name={props.field} label={w(props.label)} error={errorAt(errors, props.field)}>
          {props.options ? (
            <select name={props.field} value={value} onChange={(e) => setValue(e.target.value)}>
              <option value="">—</option>
              {props.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          ) : (
            <textarea name={props.field} value={value} onChange={(e) => setValue(e.target.value)} />
          )}
        </Field>
      ) : null}
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {props.title}
        </button>
      </div>
    </form>
  );
}

/** 修改草稿 and 调整 (续发): the whole content as it stands, changed and sent again; 调整 with its reason. */
function ContentCommandForm<S extends z.ZodType>(props: {
  title: string;
  testId: string;
  warning: WarningView;
  content: WarningContent;
  schema: S;
  withReason?: boolean;
  send(payload: z.output<S>): Promise<unknown>;
}) {
  const i18n = useI18n();
  const { w } = useWarningWords();
  const nodes = useAreaNodes();
  const [open, setOpen] = useState(false);
  const [inputs, setInputs] = useState<ContentInputs>(() => inputsOf(props.warning.level, props.content));
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const polygon = checkPolygon(inputs.polygon, w);
    const { level, content } = contentPayload(inputs, polygon.ok ? polygon.points : null, areaDescriptionOf(inputs.areas, nodes), props.content);
    const checked = check(props.schema, props.withReason ? { reason, level, content } : { level, content });
    const problems: FieldErrors = polygon.ok ? {} : { 'content.area.polygon': polygon.error };
    if (inputs.areas.length === 0) problems['content.area.jurisdictions'] = w('pickArea');
    if (!checked.ok || Object.keys(problems).length > 0) return setErrors({ ...(checked.ok ? {} : checked.errors), ...problems });
    setBusy(true);
    try {
      await props.send(checked.value);
      setErrors({});
      setOpen(false);
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }
  if (!open) {
    return (
      <div className="panel">
        <button type="button" onClick={() => setOpen(true)} data-testid={`${props.testId}-open`}>
          {props.title}
        </button>
      </div>
    );
  }
  return (
    <form className="panel command-form" onSubmit={(e) => void submit(e)} noValidate data-testid={props.testId}>
      <h3>{props.title}</h3>
      {props.withReason ? (
        <Field name="reason" label={w('updateReason')} error={errorAt(errors, 'reason')}>
          <textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
      ) : null}
      <WarningContentForm inputs={inputs} onChange={setInputs} errors={errors} nodes={nodes} prefix={props.testId} />
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {props.title}
        </button>
        <button type="button" className="link" onClick={() => setOpen(false)}>
          {i18n.t('cancel')}
        </button>
      </div>
    </form>
  );
}
