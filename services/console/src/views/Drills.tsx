import { DrillCommandRequestSchema, PlanDrillRequestSchema, StartDrillRequestSchema } from '@muster/contracts';
import { actionState, drillDetails, drillWord, hotWashText, parseCapabilities, parseCorrectiveActions, useDrillWords, type DrillDetails } from '../lib/drill';
import { Field, type FieldErrors } from '../lib/forms';
import { useI18n, type I18n } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLiveFeed, useLoad } from '../lib/session';
import { SimpleForm, type Values } from '../lib/simple-form';
import { formatTime, fromLocalInput, toLocalInput } from '../lib/time';
import { ConnectionBadge } from '../lib/widgets';
import { DrillReviewPanel } from './DrillReview';

type Words = ReturnType<typeof useDrillWords>;
const INJECT_KINDS = ['watchLogCall', 'sceneReport', 'sensorAlarm', 'casualtyFigure'] as const;
const DRILL_KINDS = ['tabletop', 'functional', 'fullScale'] as const;
const lines = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const errorAt = (errors: FieldErrors, name: string): string | undefined => errors[name] ?? Object.entries(errors).find(([p]) => p.startsWith(`${name}.`))?.[1];

/** The 演练 banner every drill screen the players see carries (incidents with `exercise: true`, the drill views). */
export function DrillBanner() {
  const { lang } = useI18n();
  return (
    <p className="banner drill" role="note" data-testid="drill-banner">
      {drillWord(lang, 'drillBanner')}
    </p>
  );
}

/** 演练: the drills the room controls or plays, and the planning form (controller: the caller's room). */
export function DrillsView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, lang } = useI18n();
  const w = useDrillWords();
  const room = session.user.jurisdiction;
  const { value, error, reload } = useLoad(() => client.call('listDrills'), [client]);
  const drills = (value?.items ?? []).map((d) => drillDetails(d));
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const below = [...jurisdictions.values()].filter((j) => j.parent === room);
  const planner = hasRole('duty_officer', 'leader') && below.length > 0;

  return (
    <section data-testid="drills-view">
      <nav className="tabs">
        <a href={href({ view: 'board' })}>← {t('board')}</a>
      </nav>
      <h1>{w('drills')}</h1>
      <div className="columns">
        <section className="panel">
          {error ? <p className="form-error">{error.message}</p> : null}
          {value && drills.length === 0 ? <p className="empty">{w('noDrills')}</p> : null}
          <ul>
            {drills.map((d) => (
              <li key={d.drillId} data-testid="drill-item">
                <a href={href({ view: 'drill', drillId: d.drillId })}>{d.title || w('hiddenUntilEnd')}</a> · {w(`kind.${d.kind}`)}
                {d.doubleBlind ? ` · ${w('doubleBlindShort')}` : ''} · <span data-testid="drill-state">{w(`state.${stateKey(d.state)}`)}</span> · {w('controller')}：{roomName(d.controller)} ·{' '}
                {w(`role.${d.role}`)}
              </li>
            ))}
          </ul>
        </section>
        {planner ? <PlanDrillForm below={below.map((j) => j.code)} onSent={reload} /> : null}
      </div>
    </section>
  );
}

/** A drill state the words name (none is never shown: a drill listed was planned). */
const stateKey = (state: DrillDetails['state']) => (state === 'none' ? 'planned' : state);

/** The planning form: kind, double-blind, participants, objectives, scenario, and the MSEL rows. */
function PlanDrillForm({ below, onSent }: { below: string[]; onSent(): void }) {
  const { client, jurisdictions } = useApp();
  const plans = useLoad(() => client.call('listPlans', { query: {} }), [client]).value?.items ?? [];
  const { lang } = useI18n();
  const w = useDrillWords();
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const soon = toLocalInput(new Date(Date.now() + 10 * 60_000).toISOString());

  return (
    <SimpleForm
      title={w('planDrill')}
      testId="plan-drill"
      schema={PlanDrillRequestSchema}
      initial={{ kind: 'tabletop', rows: '1', 'inject.0.kind': 'watchLogCall', 'inject.0.dueAt': soon }}
      toPayload={(v) => {
        const rows = Number(v['rows'] ?? '0');
        const injects = Array.from({ length: rows }, (_, i) => i)
          .filter((i) => v[`inject.${i}.removed`] !== 'yes')
          .map((i) => ({
            injectId: `inj-${i + 1}`,
            kind: v[`inject.${i}.kind`],
            dueAt: fromLocalInput(v[`inject.${i}.dueAt`] ?? '') ?? v[`inject.${i}.dueAt`],
            content: v[`inject.${i}.content`] ?? '',
            ...(v[`inject.${i}.expectedAction`]?.trim() ? { expectedAction: v[`inject.${i}.expectedAction`] } : {}),
          }));
        const start = v['scheduledStart']?.trim() ? (fromLocalInput(v['scheduledStart']) ?? v['scheduledStart']) : undefined;
        return {
          drillId: newId('dr'),
          data: {
            title: v['title'] ?? '',
            kind: v['kind'],
            doubleBlind: v['doubleBlind'] === 'yes',
            participants: (v['participants'] ?? '').split(',').filter((c) => c.length > 0),
            objectives: lines(v['objectives']),
            scenario: v['scenario'] ?? '',
            ...(start ? { scheduledStart: start } : {}),
            ...(v['planId'] ? { planId: v['planId'] } : {}),
            injects,
          },
        };
      }}
      send={(payload) => client.call('planDrill', { body: payload })}
      submitLabel={w('planDrill')}
      sentLabel={w('sent')}
      onSent={onSent}
    >
      {(v, set, errors) => {
        const e = (name: string) => errorAt(errors, `data.${name}`) ?? errorAt(errors, name);
        const chosen = new Set((v['participants'] ?? '').split(',').filter((c) => c.length > 0));
        const rows = Number(v['rows'] ?? '0');
        return (
          <>
            <Field name="title" label={w('title')} error={e('title')}>
              <input name="title" value={v['title'] ?? ''} onChange={(ev) => set('title', ev.target.value)} />
            </Field>
            <Field name="kind" label={w('kind')} error={e('kind')}>
              <select name="kind" value={v['kind'] ?? ''} onChange={(ev) => set('kind', ev.target.value)}>
                {DRILL_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {w(`kind.${k}`)}
                  </option>
                ))}
              </select>
            </Field>
            <label className="check">
              <input type="checkbox" name="doubleBlind" checked={v['doubleBlind'] === 'yes'} onChange={(ev) => set('doubleBlind', ev.target.checked ? 'yes' : '')} /> {w('doubleBlind')}
            </label>
            <Field name="participants" label={w('participants')} error={e('participants')}>
              <span className="checks">
                {below.map((code) => (
                  <label key={code} className="check">
                    <input
                      type="checkbox"
                      name={`participant-${code}`}
                      checked={chosen.has(code)}
                      onChange={(ev) => {
                        const next = new Set(chosen);
                        if (ev.target.checked) next.add(code);
                        else next.delete(code);
                        set('participants', [...next].join(','));
                      }}
                    />{' '}
                    {roomName(code)}
                  </label>
                ))}
              </span>
            </Field>
            <Field name="objectives" label={w('objectives')} error={e('objectives')}>
              <textarea name="objectives" value={v['objectives'] ?? ''} onChange={(ev) => set('objectives', ev.target.value)} />
            </Field>
            <Field name="scenario" label={w('scenario')} error={e('scenario')}>
              <textarea name="scenario" value={v['scenario'] ?? ''} onChange={(ev) => set('scenario', ev.target.value)} />
            </Field>
            <Field name="planId" label={w('plan')} error={e('planId')}>
              <select name="planId" value={v['planId'] ?? ''} onChange={(ev) => set('planId', ev.target.value)}>
                <option value="">—</option>
                {plans.map((p) => (
                  <option key={p.planId} value={p.planId}>
                    {roomName(p.jurisdiction)} · {p.title}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="scheduledStart" label={w('scheduledStart')} error={e('scheduledStart')}>
              <input name="scheduledStart" type="datetime-local" step={1} value={v['scheduledStart'] ?? ''} onChange={(ev) => set('scheduledStart', ev.target.value)} />
            </Field>
            <fieldset className="msel" data-testid="msel-editor">
              <legend>{w('msel')}</legend>
              {errorAt(errors, 'data.injects') ? <p className="form-error">{errorAt(errors, 'data.injects')}</p> : null}
              {Array.from({ length: rows }, (_, i) => i)
                .filter((i) => v[`inject.${i}.removed`] !== 'yes')
                .map((i) => (
                  <div key={i} className="msel-row" data-testid="msel-row">
                    <select name={`inject.${i}.kind`} value={v[`inject.${i}.kind`] ?? 'watchLogCall'} onChange={(ev) => set(`inject.${i}.kind`, ev.target.value)} aria-label={w('injectKind')}>
                      {INJECT_KINDS.map((k) => (
                        <option key={k} value={k}>
                          {w(`inject.${k}`)}
                        </option>
                      ))}
                    </select>
                    <input type="datetime-local" step={1} name={`inject.${i}.dueAt`} aria-label={w('dueAt')} value={v[`inject.${i}.dueAt`] ?? ''} onChange={(ev) => set(`inject.${i}.dueAt`, ev.target.value)} />
                    <input name={`inject.${i}.content`} placeholder={w('content')} aria-label={w('content')} value={v[`inject.${i}.content`] ?? ''} onChange={(ev) => set(`inject.${i}.content`, ev.target.value)} />
                    <input
                      name={`inject.${i}.expectedAction`}
                      placeholder={w('expectedAction')}
                      aria-label={w('expectedAction')}
                      value={v[`inject.${i}.expectedAction`] ?? ''}
                      onChange={(ev) => set(`inject.${i}.expectedAction`, ev.target.value)}
                    />
                    <button type="button" className="link" onClick={() => set(`inject.${i}.removed`, 'yes')}>
                      {w('removeRow')}
                    </button>
                  </div>
                ))}
              <button
                type="button"
                className="link"
                data-testid="msel-add-row"
                onClick={() => {
                  set(`inject.${rows}.kind`, 'watchLogCall');
                  set(`inject.${rows}.dueAt`, soon);
                  set('rows', String(rows + 1));
                }}
              >
                {w('addRow')}
              </button>
            </fieldset>
          </>
        );
      }}
    </SimpleForm>
  );
}

/** What an event of the drill feed says, in the console's language: the drill's own steps by name, incident events by the timeline's words. */
/** A drill's own event by name (the review's timeline asks too), or null for any other event. */
export function drillEventName(type: string, lang: I18n['lang']): string | null {
  return DRILL_EVENT_WORDS[lang === 'en' ? 'en' : 'zh'][type] ?? null;
}

function feedEventLabel(type: string, tr: I18n['tr'], lang: I18n['lang']): string {
  const drillEvent = DRILL_EVENT_WORDS[lang === 'en' ? 'en' : 'zh'][type];
  if (drillEvent) return drillEvent;
  const label = tr('event', type);
  return label === type ? (lang === 'en' ? 'action' : '处置操作') : label;
}

const DRILL_EVENT_WORDS: Record<'zh' | 'en', Record<string, string>> = {
  zh: {
    DrillPlanned: '策划演练',
    InjectAdded: '增加注入',
    InjectSkipped: '跳过注入',
    DrillStarted: '开始演练',
    DrillIncidentLinked: '纳入演练事件',
    InjectsPaused: '暂停注入',
    InjectsResumed: '恢复注入',
    DrillEnded: '结束演练',
    ObservationRecorded: '记录评估',
    HotWashRecorded: '记录讲评',
    AfterActionReportDrafted: '起草评估报告',
    DrillClosed: '关闭演练',
    DrillCancelled: '取消演练',
    InjectDelivered: '注入送达',
    CorrectiveActionClosed: '改进措施办结',
    CorrectiveActionOverdue: '改进措施逾期',
  },
  en: {
    DrillPlanned: 'drill planned',
    InjectAdded: 'inject added',
    InjectSkipped: 'inject skipped',
    DrillStarted: 'drill started',
    DrillIncidentLinked: 'incident joined the drill',
    InjectsPaused: 'injects paused',
    InjectsResumed: 'injects resumed',
    DrillEnded: 'drill ended',
    ObservationRecorded: 'observation',
    HotWashRecorded: 'hot-wash note',
    AfterActionReportDrafted: 'AAR/IP drafted',
    DrillClosed: 'drill closed',
    DrillCancelled: 'drill cancelled',
    InjectDelivered: 'inject delivered',
    CorrectiveActionClosed: 'corrective action closed',
    CorrectiveActionOverdue: 'corrective action overdue',
  },
};

/** A drill: the controller's view (MSEL, controls, live feed, evaluation) or the participant's (what it may see), with the 演练 banner. */
export function DrillDetailView({ drillId }: { drillId: string }) {
  const { client, session, jurisdictions } = useApp();
  const { tr, lang } = useI18n();
  const w = useDrillWords();
  const me = session.user.jurisdiction;
  const { value, error, reload } = useLoad(() => client.call('getDrill', { params: { drillId } }), [client, drillId]);
  const drill = value ? drillDetails(value) : null;
  const controller = drill?.role === 'controller';
  const feed = useLoad(() => (controller ? client.call('drillFeed', { params: { drillId } }) : Promise.resolve(null)), [client, drillId, controller]);
  // The plan the drill exercises, by its title (a room that may not read it sees the link only).
  const planId = drill?.planId ?? null;
  const planTitle = useLoad(() => (planId ? client.call('getPlan', { params: { planId } }).then((p) => p.title, () => null) : Promise.resolve(null)), [client, planId]).value;
  // Live: the room's feed with drills, and the drill's incidents; any event re-reads the drill and the feed.
  const incidents = drill?.incidents ?? [];
  const connection = useLiveFeed({ rooms: [me], incidents: [...incidents].sort(), drills: true }, () => {
    reload();
    feed.reload();
  });
  if (!drill) return <p className={error ? 'form-error' : 'loading'}>{error ? error.message : '…'}</p>;

  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const send = (type: string) => (payload: unknown) => client.call('drillCommand', { params: { drillId }, body: payload }).then(() => type);
  const command = (type: string, data: Record<string, unknown> = {}) => ({ type, data });
  const blind = drill.role === 'participant' && drill.doubleBlind && (drill.state === 'planned' || drill.state === 'running');
  const running = drill.state === 'running';
  const planning = drill.state === 'planned';
  const injectById = new Map(drill.injects.map((i) => [i.injectId, i]));
  const after = () => {
    reload();
    feed.reload();
  };

  return (
    <section data-testid="drill-view" data-role={drill.role}>
      <DrillBanner />
      <div className="incident-head">
        <h1 data-testid="drill-title">{drill.title || w('hiddenUntilEnd')}</h1>
        <ConnectionBadge connection={connection} />
      </div>
      <nav className="tabs">
        <a href={href({ view: 'drills' })}>← {w('backToDrills')}</a>
      </nav>
      <dl className="facts wide">
        <dt>{w('state')}</dt>
        <dd data-testid="drill-state">
          {w(`state.${stateKey(drill.state)}`)}
          {drill.injectsPaused ? ` · ${w('paused')}` : ''}
        </dd>
        <dt>{w('kind')}</dt>
        <dd>
          {w(`kind.${drill.kind}`)}
          {drill.doubleBlind ? ` · ${w('doubleBlindShort')}` : ''}
        </dd>
        <dt>{w('controller')}</dt>
        <dd>{roomName(drill.controller)}</dd>
        <dt>{w('participants')}</dt>
        <dd>{drill.participants.map(roomName).join('、')}</dd>
        <dt>{w('role')}</dt>
        <dd>{w(`role.${drill.role}`)}</dd>
        {drill.planId ? (
          <>
            <dt>{w('planShort')}</dt>
            <dd>
              <a href={href({ view: 'plan', planId: drill.planId })} data-testid="drill-plan-link">
                {planTitle ?? drillWord(lang, 'planShort')}
              </a>
            </dd>
          </>
        ) : null}
      </dl>
      {blind ? (
        <p className="hint">{w('hiddenUntilEnd')}</p>
      ) : (
        <section className="panel">
          <h2>{w('objectivesShort')}</h2>
          <ul>
            {drill.objectives.map((o, i) => (
              <li key={i}>{o}</li>
            ))}
          </ul>
          <h2>{w('scenario')}</h2>
          <p>{drill.scenario}</p>
        </section>
      )}
      <div className="columns">
        <div>
          <section className="panel" data-testid="drill-incidents">
            <h2>{w('incidents')}</h2>
            <ul>
              {incidents.map((id, i) => (
                <li key={id}>
                  <a href={href({ view: 'incident', incidentId: id })} data-testid="drill-incident-link">
                    {w('openIncident')} {i + 1}
                  </a>
                </li>
              ))}
            </ul>
          </section>
          <section className="panel" data-testid="msel">
            <h2>{w('msel')}</h2>
            <table className="plans-table">
              <tbody>
                {drill.injects.map((inject) => (
                  <tr key={inject.injectId} data-testid="msel-inject" data-status={inject.status}>
                    <td>{formatTime(inject.dueAt, lang)}</td>
                    <td>{w(`inject.${inject.kind}`)}</td>
                    <td>
                      {inject.content}
                      {controller && inject.expectedAction ? (
                        <>
                          <br />
                          <small>
                            {w('expectedAction')}：{inject.expectedAction}
                          </small>
                        </>
                      ) : null}
                    </td>
                    <td>{w(`status.${inject.status}`)}</td>
                    <td>
                      {controller && inject.status === 'scheduled' && (running || planning) ? (
                        <button type="button" className="link" onClick={() => void send('SkipInject')(command('SkipInject', { injectId: inject.injectId })).then(after)}>
                          {w('skip')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          {controller ? (
            <section className="panel" data-testid="drill-feed">
              <h2>{w('feed')}</h2>
              {(feed.value?.items.length ?? 0) === 0 ? <p className="empty">{w('noFeed')}</p> : null}
              <ol className="timeline">
                {(feed.value?.items ?? []).map((item) => {
                  const injectId = typeof item.data['injectId'] === 'string' ? item.data['injectId'] : null;
                  const inject = injectId ? injectById.get(injectId) : undefined;
                  const description = typeof item.data['description'] === 'string' ? item.data['description'] : typeof item.data['title'] === 'string' ? item.data['title'] : null;
                  return (
                    <li key={item.position} data-testid="drill-feed-item" data-kind={item.kind}>
                      <time>{formatTime(item.recordedAt, lang, { zone: false })}</time> <strong>{w(`feed.${item.kind}`)}</strong> {roomName(item.actorJurisdiction)}{' '}
                      {feedEventLabel(item.type, tr, lang)}
                      {inject ? `：${inject.content}` : description ? `：${description}` : ''}
                    </li>
                  );
                })}
              </ol>
            </section>
          ) : null}
        </div>
        <div>
          {controller && planning ? (
            <SimpleForm
              title={w('start')}
              testId="start-drill"
              schema={StartDrillRequestSchema}
              initial={{}}
              toPayload={(v) => (v['openTitle']?.trim() ? { open: { title: v['openTitle'], leadJurisdiction: v['openLead'] ?? '' } } : {})}
              send={(payload) => client.call('startDrill', { params: { drillId }, body: payload })}
              submitLabel={w('start')}
              sentLabel={w('sent')}
              onSent={after}
            >
              {(v, set, errors) => (
                <>
                  <p className="hint">{w('openIncidentIn')}</p>
                  <Field name="openTitle" label={w('openIncidentTitle')} error={errorAt(errors, 'open.title')}>
                    <input name="openTitle" value={v['openTitle'] ?? ''} onChange={(ev) => set('openTitle', ev.target.value)} />
                  </Field>
                  <Field name="openLead" label={w('participants')} error={errorAt(errors, 'open.leadJurisdiction')}>
                    <select name="openLead" value={v['openLead'] ?? ''} onChange={(ev) => set('openLead', ev.target.value)}>
                      <option value="">—</option>
                      {drill.participants.map((code) => (
                        <option key={code} value={code}>
                          {roomName(code)}
                        </option>
                      ))}
                    </select>
                  </Field>
                </>
              )}
            </SimpleForm>
          ) : null}
          {controller && running ? (
            <div className="buttons" data-testid="drill-controls">
              {drill.injectsPaused ? (
                <button type="button" data-testid="resume-injects" onClick={() => void send('ResumeInjects')(command('ResumeInjects')).then(after)}>
                  {w('resume')}
                </button>
              ) : (
                <button type="button" data-testid="pause-injects" onClick={() => void send('PauseInjects')(command('PauseInjects')).then(after)}>
                  {w('pause')}
                </button>
              )}
              <button type="button" data-testid="end-drill" onClick={() => void send('EndDrill')(command('EndDrill')).then(after)}>
                {w('end')}
              </button>
            </div>
          ) : null}
          {controller && (running || planning) ? <AddInjectForm drillId={drillId} w={w} onSent={after} /> : null}
          {controller && planning ? (
            <CommandBox drillId={drillId} type="CancelDrill" title={w('cancel')} testId="cancel-drill" fields={[['reason', w('cancelReason')]]} w={w} onSent={after} />
          ) : null}
          {controller && (running || drill.state === 'hotWash') ? <ObservationForm drill={drill} w={w} onSent={after} /> : null}
          {drill.state === 'hotWash' ? <CommandBox drillId={drillId} type="RecordHotWash" title={w('recordHotWash')} testId="record-hot-wash" fields={[['note', w('note')]]} w={w} onSent={after} /> : null}
          {controller && drill.state === 'hotWash' ? <DraftAarForm drill={drill} w={w} onSent={after} /> : null}
          {controller && drill.state === 'aarDrafted' ? (
            <div className="buttons">
              <button type="button" data-testid="close-drill" onClick={() => void send('CloseDrill')(command('CloseDrill')).then(after)}>
                {w('close')}
              </button>
            </div>
          ) : null}
          <Evaluation drill={drill} w={w} me={me} onSent={after} />
        </div>
      </div>
      {/* 演练复盘: the controller's at any time, the participants' once the drill has ended. */}
      {controller || ['hotWash', 'aarDrafted', 'closed'].includes(drill.state) ? <DrillReviewPanel drill={drill} revision={drill.version} /> : null}
    </section>
  );
}

/** A form that sends one command to a drill: the schema, the route and the word for "sent" are the same for every one. */
function DrillCommandForm({ drillId, w, ...form }: { drillId: string; w: Words } & Omit<Parameters<typeof SimpleForm<typeof DrillCommandRequestSchema>>[0], 'schema' | 'send' | 'sentLabel'>) {
  const { client } = useApp();
  return <SimpleForm {...form} schema={DrillCommandRequestSchema} send={(payload) => client.call('drillCommand', { params: { drillId }, body: payload })} sentLabel={w('sent')} />;
}

/** A drill command of plain text fields, checked with the api's drill command schema. */
function CommandBox({ drillId, type, title, testId, fields, w, onSent }: { drillId: string; type: string; title: string; testId: string; fields: [string, string][]; w: Words; onSent(): void }) {
  return (
    <DrillCommandForm
      drillId={drillId}
      w={w}
      title={title}
      testId={testId}
      initial={{}}
      toPayload={(v) => ({ type, data: Object.fromEntries(fields.map(([name]) => [name, v[name] ?? ''])) })}
      submitLabel={title}
      onSent={onSent}
    >
      {(v, set, errors) =>
        fields.map(([name, label]) => (
          <Field key={name} name={name} label={label} error={errorAt(errors, name) ?? errorAt(errors, `data.${name}`)}>
            <textarea name={name} value={v[name] ?? ''} onChange={(ev) => set(name, ev.target.value)} />
          </Field>
        ))
      }
    </DrillCommandForm>
  );
}

/** An evaluator's observation against one of the drill's objectives. */
function ObservationForm({ drill, w, onSent }: { drill: DrillDetails; w: Words; onSent(): void }) {
  return (
    <DrillCommandForm
      drillId={drill.drillId}
      w={w}
      title={w('recordObservation')}
      testId="record-observation"
      initial={{ objective: drill.objectives[0] ?? '' }}
      toPayload={(v) => ({ type: 'RecordObservation', data: { objective: v['objective'] ?? '', note: v['note'] ?? '' } })}
      submitLabel={w('recordObservation')}
      onSent={onSent}
    >
      {(v, set, errors) => (
        <>
          <Field name="objective" label={w('objective')} error={errorAt(errors, 'objective')}>
            <select name="objective" value={v['objective'] ?? ''} onChange={(ev) => set('objective', ev.target.value)}>
              {drill.objectives.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </Field>
          <Field name="note" label={w('note')} error={errorAt(errors, 'note')}>
            <textarea name="note" value={v['note'] ?? ''} onChange={(ev) => set('note', ev.target.value)} />
          </Field>
        </>
      )}
    </DrillCommandForm>
  );
}

/** Adds an inject live: its kind, in how many minutes, what it says, what the controller expects. */
function AddInjectForm({ drillId, w, onSent }: { drillId: string; w: Words; onSent(): void }) {
  return (
    <DrillCommandForm
      drillId={drillId}
      w={w}
      title={w('addInject')}
      testId="add-inject"
      initial={{ kind: 'watchLogCall', minutes: '0' }}
      toPayload={(v: Values) => {
        const minutes = Number(v['minutes'] ?? '0');
        const dueAt = new Date(Date.now() + (Number.isFinite(minutes) ? minutes : 0) * 60_000).toISOString();
        return {
          type: 'AddInject',
          data: {
            inject: {
              injectId: newId('inj'),
              kind: v['kind'],
              dueAt,
              content: v['content'] ?? '',
              ...(v['expectedAction']?.trim() ? { expectedAction: v['expectedAction'] } : {}),
            },
          },
        };
      }}
      submitLabel={w('addInject')}
      onSent={onSent}
    >
      {(v, set, errors) => (
        <>
          <Field name="kind" label={w('injectKind')} error={errorAt(errors, 'inject.kind')}>
            <select name="kind" value={v['kind'] ?? ''} onChange={(ev) => set('kind', ev.target.value)}>
              {INJECT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {w(`inject.${k}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field name="minutes" label={w('dueInMinutes')} error={errorAt(errors, 'inject.dueAt')}>
            <input name="minutes" inputMode="numeric" value={v['minutes'] ?? ''} onChange={(ev) => set('minutes', ev.target.value)} />
          </Field>
          <Field name="content" label={w('content')} error={errorAt(errors, 'inject.content')}>
            <textarea name="content" value={v['content'] ?? ''} onChange={(ev) => set('content', ev.target.value)} />
          </Field>
          <Field name="expectedAction" label={w('expectedAction')} error={errorAt(errors, 'inject.expectedAction')}>
            <input name="expectedAction" value={v['expectedAction'] ?? ''} onChange={(ev) => set('expectedAction', ev.target.value)} />
          </Field>
        </>
      )}
    </DrillCommandForm>
  );
}

/** The AAR/IP editor: capabilities with P/S/M/U ratings, strengths and improvements, and corrective actions with owner and deadline. */
function DraftAarForm({ drill, w, onSent }: { drill: DrillDetails; w: Words; onSent(): void }) {
  const { jurisdictions } = useApp();
  const { lang } = useI18n();
  const rooms = [drill.controller, ...drill.participants];
  const codeOf = (nameOrCode: string) => rooms.find((code) => code === nameOrCode || jurisdictionName(jurisdictions, code, lang) === nameOrCode) ?? nameOrCode;
  return (
    <DrillCommandForm
      drillId={drill.drillId}
      w={w}
      title={w('draftAar')}
      testId="draft-aar"
      initial={{}}
      toPayload={(v) => ({
        type: 'DraftAfterActionReport',
        data: {
          capabilities: parseCapabilities(v['capabilities'] ?? ''),
          correctiveActions: parseCorrectiveActions(v['actions'] ?? '', codeOf, () => newId('ca')),
          ...(v['planRevision']?.trim() ? { planRevision: v['planRevision'] } : {}),
        },
      })}
      submitLabel={w('draftAar')}
      onSent={onSent}
    >
      {(v, set, errors) => (
        <>
          <p className="hint">{(['P', 'S', 'M', 'U'] as const).map((r) => w(`rating.${r}`)).join('；')}</p>
          <Field name="capabilities" label={w('capabilities')} error={errorAt(errors, 'capabilities')}>
            <textarea name="capabilities" value={v['capabilities'] ?? ''} onChange={(ev) => set('capabilities', ev.target.value)} />
          </Field>
          <Field name="actions" label={w('correctiveActionsInput')} error={errorAt(errors, 'correctiveActions')}>
            <textarea name="actions" value={v['actions'] ?? ''} onChange={(ev) => set('actions', ev.target.value)} />
          </Field>
          {drill.planId ? (
            <Field name="planRevision" label={w('planRevision')} error={errorAt(errors, 'planRevision')}>
              <textarea name="planRevision" value={v['planRevision'] ?? ''} onChange={(ev) => set('planRevision', ev.target.value)} />
            </Field>
          ) : null}
        </>
      )}
    </DrillCommandForm>
  );
}

/** Observations, hot wash, the AAR/IP's ratings and the corrective-action tracker (closed by the owner room or the controller). */
function Evaluation({ drill, w, me, onSent }: { drill: DrillDetails; w: Words; me: string; onSent(): void }) {
  const { jurisdictions } = useApp();
  const { lang } = useI18n();
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  return (
    <>
      {drill.observations.length ? (
        <section className="panel" data-testid="drill-observations">
          <h2>{w('observations')}</h2>
          <ul>
            {drill.observations.map((o, i) => (
              <li key={i}>
                {formatTime(o.at, lang)} · {o.objective}：{o.note}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {drill.hotWash.length ? (
        <section className="panel" data-testid="drill-hot-wash">
          <h2>{w('hotWash')}</h2>
          <ul>
            {drill.hotWash.map((h, i) => (
              <li key={i}>{hotWashText(h)}</li>
            ))}
          </ul>
        </section>
      ) : null}
      {drill.capabilities.length || drill.correctiveActions.length || drill.planRevision ? (
        <section className="panel" data-testid="drill-aar">
          <h2>{w('aar')}</h2>
          <ul>
            {drill.capabilities.map((c, i) => (
              <li key={i} data-testid="aar-capability">
                <strong>{c.capability}</strong> · {w(`rating.${c.rating}`)}
                {c.strengths.length ? ` · ${w('strengths')}：${c.strengths.join('；')}` : ''}
                {c.improvements.length ? ` · ${w('improvements')}：${c.improvements.join('；')}` : ''}
              </li>
            ))}
          </ul>
          {drill.planRevision ? (
            <p data-testid="aar-plan-revision">
              {w('planRevisionShort')}：{drill.planRevision}
            </p>
          ) : null}
          <h3>{w('correctiveActions')}</h3>
          <table className="plans-table" data-testid="corrective-actions">
            <tbody>
              {drill.correctiveActions.map((a) => {
                const state = actionState(a);
                const mayClose = state !== 'closed' && (me === a.owner || me === drill.controller);
                return (
                  <tr key={a.actionId} data-testid="corrective-action" data-state={state}>
                    <td>{a.action}</td>
                    <td>{roomName(a.owner)}</td>
                    <td>{formatTime(a.deadline, lang)}</td>
                    <td className={state === 'overdue' ? 'due-mark' : ''}>
                      {w(`action.${state}`)}
                      {a.closure ? `：${a.closure}` : ''}
                    </td>
                    <td>
                      {mayClose ? (
                        <CloseActionForm drillId={drill.drillId} actionId={a.actionId} w={w} onSent={onSent} />
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}

function CloseActionForm({ drillId, actionId, w, onSent }: { drillId: string; actionId: string; w: Words; onSent(): void }) {
  return (
    <DrillCommandForm
      drillId={drillId}
      w={w}
      title={w('closeAction')}
      testId={`close-action-${actionId}`}
      initial={{}}
      toPayload={(v) => ({ type: 'CloseCorrectiveAction', data: { actionId, closure: v['closure'] ?? '' } })}
      submitLabel={w('closeAction')}
      onSent={onSent}
    >
      {(v, set, errors) => (
        <Field name="closure" label={w('closure')} error={errorAt(errors, 'closure')}>
          <input name="closure" value={v['closure'] ?? ''} onChange={(ev) => set('closure', ev.target.value)} />
        </Field>
      )}
    </DrillCommandForm>
  );
}
