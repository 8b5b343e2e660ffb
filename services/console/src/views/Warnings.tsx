import type { WarningView } from '@muster/client';
import { COMMAND_PAYLOAD_SCHEMAS } from '@muster/contracts';
import { useMemo, useState, type FormEvent } from 'react';
import { apiErrors, check, Field, FormError, newId, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLiveFeed, useLoad } from '../lib/session';
import { formatTime } from '../lib/time';
import { useWarningWords } from '../lib/use-warning-words';
import { areaDescriptionOf, areaTree, contentOf, contentPayload, emptyInputs, warningRank, type AreaNode, type ContentInputs } from '../lib/warnings';
import { ConnectionBadge } from '../lib/widgets';
import { checkPolygon, errorAt, WarningContentForm } from './WarningContentForm';

/** A warning's level in its colour, with its name (黄色预警（三级）). */
export function WarningLevelBadge({ level }: { level: string }) {
  const { wr } = useWarningWords();
  return (
    <span className={`wlevel wlevel-${level}`} data-testid="warning-level" data-level={level}>
      {wr('level', level)}
    </span>
  );
}

/** The room and every jurisdiction below it in the loaded tree. */
export function roomAndBelow(room: string, tree: ReadonlyMap<string, { parent?: string | null | undefined }>): string[] {
  const area = [room];
  for (const code of tree.keys()) {
    for (let up = tree.get(code)?.parent; up; up = tree.get(up)?.parent) {
      if (up === room) {
        area.push(code);
        break;
      }
    }
  }
  return area;
}

/**
 * The areas the user's room may warn (county → townships), for the area picker: the townships the
 * tree has, and those the contacts registry names (its 9-digit areas with their names).
 */
export function useAreaNodes(): AreaNode[] {
  const { client, jurisdictions, session } = useApp();
  const contacts = useLoad(() => client.call('listContacts', { query: { active: 'all' } }), [client]);
  return useMemo(() => {
    const named = (contacts.value?.items ?? []).filter((c) => /^\d{9}$/.test(c.area)).map((c) => ({ code: c.area, name: c.areaName }));
    return areaTree(session.user.jurisdiction, jurisdictions, named);
  }, [jurisdictions, session.user.jurisdiction, contacts.value]);
}

/** The list of warnings, read again whenever a warning event of the followed rooms arrives. */
function useWarnings() {
  const { client, session, jurisdictions } = useApp();
  const rooms = useMemo(() => roomAndBelow(session.user.jurisdiction, jurisdictions), [session.user.jurisdiction, jurisdictions]);
  const list = useLoad(() => client.call('listWarnings', { query: { exercise: 'all' } }), [client]);
  const connection = useLiveFeed({ rooms, drills: true }, (event) => {
    if (event.streamId.startsWith('warning:')) list.reload();
  });
  return { list, connection };
}

/**
 * 预警发布 (`#/warnings`): the warnings of the room and the rooms below it — in force first, each with
 * its level in colour, state, area and issuing room by name, drills marked 演练 — and, for the room's
 * staff, the form to draft one.
 */
export function WarningsView() {
  const { jurisdictions, hasRole } = useApp();
  const { lang } = useI18n();
  const { w, wr } = useWarningWords();
  const { list, connection } = useWarnings();
  const items = [...(list.value?.items ?? [])].sort((a, b) => warningRank(a.state) - warningRank(b.state));
  const mayDraft = hasRole('duty_officer', 'leader');

  return (
    <section className="warnings" data-testid="warnings-view">
      <div className="incident-head">
        <h1>{w('warnings')}</h1>
        <ConnectionBadge connection={connection} />
        <a href={href({ view: 'contacts' })} data-testid="contacts-link">
          {w('contacts')}
        </a>
      </div>
      <div className="columns">
        <section className="panel" data-testid="warning-list">
          <h2>{w('warningList')}</h2>
          {list.error ? <p className="form-error">{list.error.message}</p> : null}
          {list.value && items.length === 0 ? <p className="empty">{w('noWarnings')}</p> : null}
          <ul className="warning-list">
            {items.map((warning) => {
              const content = contentOf(warning.content);
              return (
                <li key={warning.warningId} className={`warning-row wborder-${warning.level}`} data-testid="warning-row" data-state={warning.state}>
                  <WarningLevelBadge level={warning.level} />
                  {warning.status === 'exercise' ? <span className="drill-tag">{w('drill')}</span> : null}
                  <a href={href({ view: 'warning', warningId: warning.warningId })} className="warning-headline">
                    {content?.zh.headline ?? wr('level', warning.level)}
                  </a>
                  <span className="warning-state" data-testid="warning-state">
                    {wr('wstate', warning.state)}
                  </span>
                  <span className="muted">
                    {jurisdictionName(jurisdictions, warning.jurisdiction, lang)} · {content?.area.description ?? '—'} · {w('expiresIn')} {formatTime(content?.expires, lang, { zone: false })}
                  </span>
                </li>
              );
            })}
          </ul>
        </section>
        {mayDraft ? <DraftWarningForm onDrafted={list.reload} /> : null}
      </div>
    </section>
  );
}

/**
 * 拟制预警: level, texts, times, channels, the area from the tree, an optional polygon, the release
 * agency, incidents to link, and 演练 for a drill. Checked with the api's own schema first; then the
 * new warning opens for approval.
 */
function DraftWarningForm({ onDrafted }: { onDrafted(): void }) {
  const i18n = useI18n();
  const { lang } = i18n;
  const { client, session, jurisdictions } = useApp();
  const { w } = useWarningWords();
  const nodes = useAreaNodes();
  const roomName = jurisdictionName(jurisdictions, session.user.jurisdiction, lang);
  const [inputs, setInputs] = useState<ContentInputs>(emptyInputs);
  const [sender, setSender] = useState({ name: `${roomName}突发事件预警信息发布中心`, agencyCode: '416' });
  const [drill, setDrill] = useState(false);
  const [incidents, setIncidents] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const known = useLoad(() => client.listIncidents({ exercise: 'all', limit: 100 }), [client]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const polygon = checkPolygon(inputs.polygon, w);
    const problems: FieldErrors = {};
    if (!polygon.ok) problems['content.area.polygon'] = polygon.error;
    if (inputs.areas.length === 0) problems['content.area.jurisdictions'] = w('pickArea');
    const { level, content } = contentPayload(inputs, polygon.ok ? polygon.points : null, areaDescriptionOf(inputs.areas, nodes));
    const data = { status: drill ? 'exercise' : 'actual', level, sender: { name: sender.name.trim() || roomName, agencyCode: sender.agencyCode.trim() }, content, incidents };
    const checked = check(COMMAND_PAYLOAD_SCHEMAS.warning.DraftWarning, data);
    const errs = { ...(checked.ok ? {} : checked.errors), ...problems };
    if (!checked.ok || Object.keys(problems).length > 0) return setErrors(errs);
    setErrors({});
    setBusy(true);
    const warningId = newId('w');
    try {
      await client.call('draftWarning', { body: { warningId, data: checked.value } });
      onDrafted();
      window.location.hash = href({ view: 'warning', warningId });
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  const choices = (known.value?.items ?? []).filter((i) => i.state !== 'closed');
  return (
    <form className="panel command-form" onSubmit={(e) => void submit(e)} noValidate data-testid="draft-warning">
      <h2>{w('draftWarning')}</h2>
      <label className="check">
        <input type="checkbox" name="drill" checked={drill} onChange={(e) => setDrill(e.target.checked)} />
        {w('drillWarning')}
      </label>
      <WarningContentForm inputs={inputs} onChange={setInputs} errors={errors} nodes={nodes} prefix="draft" />
      <Field name="sender.name" label={w('senderName')} error={errorAt(errors, 'sender.name')}>
        <input name="draft-sender" value={sender.name} onChange={(e) => setSender({ ...sender, name: e.target.value })} />
      </Field>
      <Field name="sender.agencyCode" label={w('agencyCode')} error={errorAt(errors, 'sender.agencyCode')}>
        <input name="draft-agency" inputMode="numeric" value={sender.agencyCode} onChange={(e) => setSender({ ...sender, agencyCode: e.target.value })} />
      </Field>
      <Field name="incidents" label={w('incidents')} error={errorAt(errors, 'incidents')}>
        {choices.length === 0 ? <span className="muted">{w('noIncidentToLink')}</span> : null}
        <span className="checks column">
          {choices.map((i) => (
            <label key={i.incidentId} className="check">
              <input
                type="checkbox"
                checked={incidents.includes(i.incidentId)}
                onChange={() => setIncidents(incidents.includes(i.incidentId) ? incidents.filter((x) => x !== i.incidentId) : [...incidents, i.incidentId])}
              />
              {i.title}
            </label>
          ))}
        </span>
      </Field>
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy} data-testid="draft-warning-submit">
          {w('draftWarning')}
        </button>
      </div>
    </form>
  );
}

/**
 * The warnings linked to an incident, on the incident view: level, state, headline, each opening its
 * page. Read again only when the incident's timeline gains a warning's entry (a linked warning's
 * releases are in it), on the incident view's own feed rather than a second socket: any other event
 * on the incident costs no request here.
 */
export function IncidentWarnings({ incidentId, warningEntries }: { incidentId: string; warningEntries: number }) {
  const { client } = useApp();
  const { lang } = useI18n();
  const { w, wr } = useWarningWords();
  const list = useLoad(() => client.call('listWarnings', { query: { exercise: 'all' } }), [client, incidentId, warningEntries]);
  const linked: WarningView[] = (list.value?.items ?? []).filter((warning) => warning.incidents.includes(incidentId));
  return (
    <section className="panel" data-testid="incident-warnings">
      <h2>{w('warningsOfIncident')}</h2>
      {linked.length === 0 ? <p className="empty">{w('noWarningsOfIncident')}</p> : null}
      <ul className="warning-list">
        {linked.map((warning) => {
          const content = contentOf(warning.content);
          return (
            <li key={warning.warningId} className={`warning-row wborder-${warning.level}`} data-testid="incident-warning">
              <WarningLevelBadge level={warning.level} />
              {warning.status === 'exercise' ? <span className="drill-tag">{w('drill')}</span> : null}
              <a href={href({ view: 'warning', warningId: warning.warningId })}>{content?.zh.headline ?? wr('level', warning.level)}</a>
              <span className="warning-state">{wr('wstate', warning.state)}</span>
              <span className="muted">{formatTime(warning.issuedAt, lang, { zone: false })}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
