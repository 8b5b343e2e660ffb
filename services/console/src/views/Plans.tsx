import type { Jurisdiction } from '@muster/client';
import { CategorySchema, CreatePlanSchema, PublishPlanVersionSchema, RecordPlanDrillSchema, RequestPlanRevisionSchema, type PlanSummary, type PlanView } from '@muster/contracts';
import { useState } from 'react';
import { Field, type FieldErrors } from '../lib/forms';
import { SimpleForm, type Values } from '../lib/simple-form';
import { useI18n } from '../lib/i18n';
import { beijingDay, dueReasonText, LEVELS, usePlanWords } from '../lib/plan-text';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime, fromLocalInput, toLocalInput } from '../lib/time';

type Words = ReturnType<typeof usePlanWords>;

/** The room and the rooms below it in the loaded tree, the room first. */
function roomAndBelow(tree: ReadonlyMap<string, Jurisdiction>, room: string): Jurisdiction[] {
  const below = [...tree.values()].filter((j) => {
    for (let up = j.parent; up; up = tree.get(up)?.parent) if (up === room) return true;
    return false;
  });
  const own = tree.get(room);
  return own ? [own, ...below] : below;
}

/** Due for revision (修订到期) with why, or in force. */
function PlanStatus({ plan }: { plan: Pick<PlanSummary, 'due' | 'dueReasons'> }) {
  const w = usePlanWords();
  const { lang } = useI18n();
  if (!plan.due) return <span data-testid="plan-status">{w('inDate')}</span>;
  return (
    <span data-testid="plan-status">
      <span className="due-mark">{w('due')}</span>
      <ul className="due-reasons">
        {plan.dueReasons.map((r, i) => (
          <li key={i}>{dueReasonText(r, lang)}</li>
        ))}
      </ul>
    </span>
  );
}

/** The measures of a version per response level (一级响应 … 四级响应). */
function PlanMeasures({ measures }: { measures: PlanView['current']['measures'] }) {
  const { tr } = useI18n();
  return (
    <dl className="facts measures" data-testid="plan-measures">
      {LEVELS.map((level) => (
        <div key={level} style={{ display: 'contents' }}>
          <dt>{tr('resp', level)}</dt>
          <dd data-testid={`plan-measures-${level}`}>{measures[level]}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The error of a field or of a part of it. */
const errorAt = (errors: FieldErrors, name: string): string | undefined => errors[name] ?? Object.entries(errors).find(([p]) => p.startsWith(`${name}.`))?.[1];
const blankToUndefined = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);

/** The inputs of one version: owner, summary, measures per level, review date, what changed. */
function VersionInputs({ values, set, errors, w }: { values: Values; set: (n: string, v: string) => void; errors: FieldErrors; w: Words }) {
  const { tr } = useI18n();
  const text = (name: string, label: string, area = false) => (
    <Field key={name} name={name} label={label} error={errorAt(errors, `version.${name}`)}>
      {area ? <textarea name={name} value={values[name] ?? ''} onChange={(e) => set(name, e.target.value)} /> : <input name={name} value={values[name] ?? ''} onChange={(e) => set(name, e.target.value)} />}
    </Field>
  );
  return (
    <>
      {text('owner.unit', w('owner'))}
      {text('owner.person', w('ownerPerson'))}
      {text('summary', w('summary'), true)}
      {LEVELS.map((level) => text(`measures.${level}`, w('measuresFor', { level: tr('resp', level) }), true))}
      <Field name="reviewBy" label={w('reviewBy')} error={errorAt(errors, 'version.reviewBy')}>
        <input name="reviewBy" type="date" value={values['reviewBy'] ?? ''} onChange={(e) => set('reviewBy', e.target.value)} />
      </Field>
      {text('note', w('note'), true)}
    </>
  );
}

/** A version's inputs as the api takes them (a review day is midnight in Beijing). */
function versionPayload(values: Values) {
  const day = blankToUndefined(values['reviewBy']);
  return {
    owner: { unit: values['owner.unit'] ?? '', person: values['owner.person'] ?? '' },
    summary: values['summary'] ?? '',
    measures: Object.fromEntries(LEVELS.map((l) => [l, values[`measures.${l}`] ?? ''])),
    reviewBy: day ? `${day}T00:00:00+08:00` : null,
    note: values['note'] ?? '',
  };
}

/** The inputs of a version, filled from the version in force (the editor starts from it). */
function versionValues(version: PlanView['current'], lang: 'zh-CN' | 'en'): Values {
  return {
    'owner.unit': version.owner.unit,
    'owner.person': version.owner.person,
    summary: version.summary,
    ...Object.fromEntries(LEVELS.map((l) => [`measures.${l}`, version.measures[l]])),
    reviewBy: version.reviewBy ? beijingDay(version.reviewBy, lang) : '',
    note: '',
  };
}

/** 预案库: the plans of the room and the rooms below it, by room and category, due ones marked. */
export function PlansView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, tr, lang } = useI18n();
  const w = usePlanWords();
  const room = session.user.jurisdiction;
  const [roomFilter, setRoomFilter] = useState('');
  const [category, setCategory] = useState('');
  const { value, error, reload } = useLoad(
    () => client.call('listPlans', { query: { jurisdiction: roomFilter || undefined, category: category || undefined } }),
    [client, roomFilter, category],
  );
  const rooms = roomAndBelow(jurisdictions, room);
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const keeper = hasRole('duty_officer', 'leader', 'admin');
  const items = value?.items ?? [];

  return (
    <section data-testid="plans-view">
      <nav className="tabs">
        <a href={href({ view: 'board' })}>← {t('board')}</a>
      </nav>
      <h1>{w('plans')}</h1>
      <p className="hint">{w('keptByOwnRoom')}</p>
      <div className="scope">
        <label>
          {w('room')}{' '}
          <select value={roomFilter} onChange={(e) => setRoomFilter(e.target.value)} data-testid="plans-room">
            <option value="">—</option>
            {rooms.map((j) => (
              <option key={j.code} value={j.code}>
                {roomName(j.code)}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          {w('category')}{' '}
          <select value={category} onChange={(e) => setCategory(e.target.value)} data-testid="plans-category">
            <option value="">{w('allCategories')}</option>
            {CategorySchema.options.map((c) => (
              <option key={c} value={c}>
                {tr('cat', c)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="columns">
        <section className="panel">
          {error ? <p className="form-error">{error.message}</p> : null}
          {value && items.length === 0 ? <p className="empty">{w('noPlans')}</p> : null}
          {items.length ? (
            <table className="plans-table">
              <thead>
                <tr>
                  <th>{w('room')}</th>
                  <th>{w('category')}</th>
                  <th>{w('planTitle')}</th>
                  <th>{w('version')}</th>
                  <th>{w('reviewBy')}</th>
                  <th>{w('lastDrilledAt')}</th>
                  <th>{w('status')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.planId} data-testid="plan-row" data-due={p.due ? 'true' : 'false'}>
                    <td>{roomName(p.jurisdiction)}</td>
                    <td>{tr('cat', p.category)}</td>
                    <td>
                      <a href={href({ view: 'plan', planId: p.planId })}>{p.title}</a>
                      <br />
                      <small>{w(`kind.${p.kind}`)}</small>
                    </td>
                    <td>{w('versionN', { n: String(p.current.version) })}</td>
                    <td>{p.current.reviewBy ? beijingDay(p.current.reviewBy, lang) : w('noReviewBy')}</td>
                    <td>{p.lastDrilledAt ? beijingDay(p.lastDrilledAt, lang) : w('neverDrilled')}</td>
                    <td>
                      <PlanStatus plan={p} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
        {keeper ? (
          <SimpleForm
            title={`${w('createPlan')}（${roomName(room)}）`}
            testId="create-plan"
            schema={CreatePlanSchema}
            initial={{ kind: 'special' }}
            toPayload={(v) => ({
              jurisdiction: room,
              category: blankToUndefined(v['category']),
              kind: v['kind'],
              title: v['title'] ?? '',
              lastDrilledAt: blankToUndefined(v['lastDrilledAt']) ? (fromLocalInput(v['lastDrilledAt'] ?? '') ?? v['lastDrilledAt']) : null,
              version: versionPayload(v),
            })}
            send={(payload) => client.call('createPlan', { body: payload })}
            submitLabel={w('createPlan')}
            sentLabel={w('sent')}
            onSent={reload}
          >
            {(v, set, errors) => (
              <>
                <Field name="title" label={w('planTitle')} error={errors['title']}>
                  <input name="title" value={v['title'] ?? ''} onChange={(e) => set('title', e.target.value)} />
                </Field>
                <Field name="category" label={w('category')} error={errors['category']}>
                  <select name="category" value={v['category'] ?? ''} onChange={(e) => set('category', e.target.value)}>
                    <option value="">—</option>
                    {CategorySchema.options.map((c) => (
                      <option key={c} value={c}>
                        {tr('cat', c)}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field name="kind" label={w('planKind')} error={errors['kind']}>
                  <select name="kind" value={v['kind'] ?? ''} onChange={(e) => set('kind', e.target.value)}>
                    {(['overall', 'special', 'departmental', 'grassroots'] as const).map((k) => (
                      <option key={k} value={k}>
                        {w(`kind.${k}`)}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field name="lastDrilledAt" label={w('lastDrilledBefore')} error={errors['lastDrilledAt']}>
                  <input name="lastDrilledAt" type="datetime-local" value={v['lastDrilledAt'] ?? ''} onChange={(e) => set('lastDrilledAt', e.target.value)} />
                </Field>
                <VersionInputs values={v} set={set} errors={errors} w={w} />
              </>
            )}
          </SimpleForm>
        ) : null}
      </div>
    </section>
  );
}

/** One plan: the version in force (or one picked from the history), why it is due, its drills and revision requests, and the forms. */
export function PlanDetailView({ planId }: { planId: string }) {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { tr, lang } = useI18n();
  const w = usePlanWords();
  const { value: plan, error, reload } = useLoad(() => client.call('getPlan', { params: { planId } }), [client, planId]);
  const [picked, setPicked] = useState<number | null>(null);
  if (!plan) return <p className={error ? 'form-error' : 'loading'}>{error ? error.message : '…'}</p>;
  const shown = plan.versions.find((v) => v.version === picked) ?? plan.current;
  const ownRoom = plan.jurisdiction === session.user.jurisdiction && hasRole('duty_officer', 'leader', 'admin');
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);

  return (
    <section data-testid="plan-view">
      <nav className="tabs">
        <a href={href({ view: 'plans' })}>← {w('backToPlans')}</a>
      </nav>
      <h1 data-testid="plan-title">{plan.title}</h1>
      <dl className="facts wide">
        <dt>{w('room')}</dt>
        <dd>{roomName(plan.jurisdiction)}</dd>
        <dt>{w('category')}</dt>
        <dd>{tr('cat', plan.category)}</dd>
        <dt>{w('planKind')}</dt>
        <dd>{w(`kind.${plan.kind}`)}</dd>
        <dt>{w('currentVersion')}</dt>
        <dd data-testid="plan-version">{w('versionN', { n: String(plan.current.version) })}</dd>
        <dt>{w('reviewBy')}</dt>
        <dd>{plan.current.reviewBy ? beijingDay(plan.current.reviewBy, lang) : w('noReviewBy')}</dd>
        <dt>{w('lastDrilledAt')}</dt>
        <dd>{plan.lastDrilledAt ? beijingDay(plan.lastDrilledAt, lang) : w('neverDrilled')}</dd>
        <dt>{w('status')}</dt>
        <dd>
          <PlanStatus plan={plan} />
        </dd>
      </dl>
      <div className="columns">
        <div>
          <section className="panel" data-testid="plan-version-shown">
            <h2>
              {w('versionN', { n: String(shown.version) })} · {w('issuedAt')} {formatTime(shown.issuedAt, lang)}
            </h2>
            <dl className="facts">
              <dt>{w('owner')}</dt>
              <dd>{shown.owner.unit}</dd>
              <dt>{w('ownerPerson')}</dt>
              <dd>{shown.owner.person}</dd>
              {shown.summary ? (
                <>
                  <dt>{w('summary')}</dt>
                  <dd>{shown.summary}</dd>
                </>
              ) : null}
              {shown.note ? (
                <>
                  <dt>{w('note')}</dt>
                  <dd>{shown.note}</dd>
                </>
              ) : null}
            </dl>
            <PlanMeasures measures={shown.measures} />
          </section>
          <section className="panel" data-testid="plan-history">
            <h2>{w('history')}</h2>
            <ul>
              {plan.versions.map((v) => (
                <li key={v.version}>
                  {w('versionN', { n: String(v.version) })} · {formatTime(v.issuedAt, lang)}
                  {v.note ? ` · ${v.note}` : ''}{' '}
                  <button type="button" className="link" onClick={() => setPicked(v.version)} data-testid={`plan-view-version-${v.version}`}>
                    {w('viewVersion')}
                  </button>
                </li>
              ))}
            </ul>
          </section>
          <section className="panel">
            <h2>{w('revisionRequests')}</h2>
            <ul data-testid="plan-revision-requests">
              {plan.revisionRequests.map((r, i) => (
                <li key={i}>
                  {w(`source.${r.source}`)} · {r.ref} · {formatTime(r.at, lang)}：{r.reason}
                </li>
              ))}
            </ul>
            <h2>{w('drills')}</h2>
            <ul data-testid="plan-drills">
              {plan.drills.map((d, i) => (
                <li key={i}>
                  {d.ref} · {formatTime(d.at, lang)}
                </li>
              ))}
            </ul>
          </section>
        </div>
        <div>
          {ownRoom ? (
            <SimpleForm
              key={`publish-${plan.current.version}`}
              title={w('publishVersion')}
              testId="publish-plan-version"
              schema={PublishPlanVersionSchema}
              initial={{ title: plan.title, ...versionValues(plan.current, lang) }}
              toPayload={(v) => ({ basedOn: plan.current.version, title: v['title'], version: versionPayload(v) })}
              send={(payload) => client.call('publishPlanVersion', { params: { planId }, body: payload })}
              submitLabel={w('publish')}
              sentLabel={w('sent')}
              onSent={() => {
                setPicked(null);
                reload();
              }}
            >
              {(v, set, errors) => (
                <>
                  <Field name="title" label={w('planTitle')} error={errors['title']}>
                    <input name="title" value={v['title'] ?? ''} onChange={(e) => set('title', e.target.value)} />
                  </Field>
                  <VersionInputs values={v} set={set} errors={errors} w={w} />
                </>
              )}
            </SimpleForm>
          ) : null}
          <SimpleForm
            title={w('requestRevision')}
            testId="request-plan-revision"
            schema={RequestPlanRevisionSchema}
            initial={{ source: 'drill' }}
            toPayload={(v) => ({ source: v['source'], ref: v['ref'] ?? '', reason: v['reason'] ?? '' })}
            send={(payload) => client.call('requestPlanRevision', { params: { planId }, body: payload })}
            submitLabel={w('requestRevision')}
            sentLabel={w('sent')}
            onSent={reload}
          >
            {(v, set, errors) => (
              <>
                <Field name="source" label={w('source')} error={errors['source']}>
                  <select name="source" value={v['source'] ?? ''} onChange={(e) => set('source', e.target.value)}>
                    {(['drill', 'incident', 'change'] as const).map((s) => (
                      <option key={s} value={s}>
                        {w(`source.${s}`)}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field name="ref" label={w('ref')} error={errors['ref']}>
                  <input name="ref" value={v['ref'] ?? ''} onChange={(e) => set('ref', e.target.value)} />
                </Field>
                <Field name="reason" label={w('reason')} error={errors['reason']}>
                  <textarea name="reason" value={v['reason'] ?? ''} onChange={(e) => set('reason', e.target.value)} />
                </Field>
              </>
            )}
          </SimpleForm>
          <SimpleForm
            title={w('recordDrill')}
            testId="record-plan-drill"
            schema={RecordPlanDrillSchema}
            initial={{ endedAt: toLocalInput(new Date().toISOString()) }}
            toPayload={(v) => ({ ref: v['ref'] ?? '', endedAt: fromLocalInput(v['endedAt'] ?? '') ?? v['endedAt'] })}
            send={(payload) => client.call('recordPlanDrill', { params: { planId }, body: payload })}
            submitLabel={w('recordDrill')}
            sentLabel={w('sent')}
            onSent={reload}
          >
            {(v, set, errors) => (
              <>
                <Field name="ref" label={w('drillName')} error={errors['ref']}>
                  <input name="ref" value={v['ref'] ?? ''} onChange={(e) => set('ref', e.target.value)} />
                </Field>
                <Field name="endedAt" label={w('drillEndedAt')} error={errors['endedAt']}>
                  <input name="endedAt" type="datetime-local" step={1} value={v['endedAt'] ?? ''} onChange={(e) => set('endedAt', e.target.value)} />
                </Field>
              </>
            )}
          </SimpleForm>
        </div>
      </div>
    </section>
  );
}

/** The plan in force for an incident (its category, its lead room's or the nearest room above's), on the incident view. */
export function IncidentPlanPanel({ plan }: { plan: PlanSummary | null }) {
  const w = usePlanWords();
  const { jurisdictions } = useApp();
  const { lang } = useI18n();
  return (
    <section className="panel" data-testid="incident-plan">
      <h2>{w('planInForce')}</h2>
      {plan ? (
        <>
          <p>
            <a href={href({ view: 'plan', planId: plan.planId })} data-testid="incident-plan-link">
              {plan.title}
            </a>{' '}
            · {jurisdictionName(jurisdictions, plan.jurisdiction, lang)} · {w('versionN', { n: String(plan.current.version) })}
          </p>
          <PlanStatus plan={plan} />
        </>
      ) : (
        <p className="empty">{w('noPlanInForce')}</p>
      )}
    </section>
  );
}
