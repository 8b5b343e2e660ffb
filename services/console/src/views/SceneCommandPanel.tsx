import type { SceneView } from '@muster/client';
import { SCENE_COMMAND_SCHEMAS, type IncidentView as Incident } from '@muster/contracts';
import { useState } from 'react';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import type { SceneFormId } from '../lib/incident-forms';
import { peopleOptions, personFields, usePeople, withPeople } from '../lib/people';
import { nameIn } from '../lib/reports';
import { useApp } from '../lib/session';
import { formatTime } from '../lib/time';

interface Person {
  userId: string;
  name: string;
  unit?: string | undefined;
  phone?: string | undefined;
}

/** What the scene view carries beyond its schema's loose parts (agencies, the post, offers' briefings). */
interface AgencySeat {
  agency: string;
  representative?: Person;
}

/** A person as the panel shows them: name, unit and phone; never the login id. */
function personLine(p: Person, lang: string): string {
  return [nameIn(p.name, lang), p.unit, p.phone].filter((part) => part !== undefined && part !== '').join(' · ');
}

/**
 * 指挥体系 of the incident as the room sees it, by name (never a login or an offer id), and the on-scene
 * command the room sends (路由 sceneCommand): record provisional command for a person, appoint the
 * commander with deputies, add or remove deputies, unified command with agencies, the command post,
 * stand command down. People are picked by name from the lead room's directory (GET /people).
 */
export function SceneCommandPanel({ incident, scene, forms, onChanged }: { incident: Incident; scene: SceneView; forms: Record<SceneFormId, boolean>; onChanged(): void }) {
  const { client } = useApp();
  const { t, lang } = useI18n();
  const { people } = usePeople([incident.leadJurisdiction, ...incident.supportingJurisdictions]);
  // Pickers show each name in the console's language; the command records the directory's name.
  const shown = people.map((p) => ({ ...p, name: nameIn(p.name, lang) }));
  const name = (p: { name: string }) => nameIn(p.name, lang);
  const [deputies, setDeputies] = useState<string[]>([]);
  const send = (type: keyof typeof SCENE_COMMAND_SCHEMAS) => (data: unknown) =>
    client.sendOnSceneCommand(incident.incidentId, { type, data: data as Record<string, unknown> }).then(onChanged);
  const agencies = scene.agencies as AgencySeat[];
  const post = scene.commandPost as { description?: string } | null;
  const inPost = [scene.commander?.userId, ...scene.deputies.map((d) => d.userId)].filter((id): id is string => id !== undefined);
  const pending = scene.pendingTransfer;
  // Timed transfers (issue 20): the times at which the timers make a transfer effective or let an offer lapse.
  const offerLine = (o: SceneView['offers'][number]) =>
    [
      `${t('offerToPerson').replace('{name}', name(o.to))}（${(o as { briefing?: unknown }).briefing ? t('offerBriefed') : t('offerUnbriefed')}）`,
      o.effectiveAt ? t('offerProposesTime').replace('{time}', formatTime(o.effectiveAt, lang)) : null,
      o.expiresAt ? t('offerWillLapse').replace('{time}', formatTime(o.expiresAt, lang)) : null,
    ]
      .filter((part): part is string => part !== null)
      .join('，');
  const anyForm = (Object.keys(forms) as SceneFormId[]).some((f) => forms[f]);

  return (
    <section className="panel" data-testid="command-structure">
      <h2>{t('commandStructure')}</h2>
      <dl className="facts">
        <dt>{t('commander')}</dt>
        <dd data-testid="incident-commander">{scene.commander ? personLine(scene.commander, lang) : t('noCommander')}</dd>
        <dt>{t('deputies')}</dt>
        <dd data-testid="incident-deputies">{scene.deputies.map(name).join('、') || '—'}</dd>
        <dt>{t('agencies')}</dt>
        <dd data-testid="incident-agencies">
          {agencies.map((a) => t('representing').replace('{agency}', a.agency).replace('{name}', a.representative ? name(a.representative) : '—')).join('、') || '—'}
        </dd>
        <dt>{t('commandPost')}</dt>
        <dd data-testid="incident-command-post">{post?.description ?? '—'}</dd>
        <dt>{t('pendingOffer')}</dt>
        <dd data-testid="pending-offers">
          {pending?.to
            ? [t('transferAcceptedTo').replace('{name}', name(pending.to)), pending.effectiveAt ? t('transferWillTakeEffect').replace('{time}', formatTime(pending.effectiveAt, lang)) : null]
                .filter((part): part is string => part !== null)
                .join('，')
            : scene.offers.map(offerLine).join('；') || '—'}
        </dd>
      </dl>

      {anyForm ? <h3>{t('sceneCommand')}</h3> : null}
      {anyForm && people.length === 0 ? <p className="hint">{t('noDirectory')}</p> : null}
      {forms.assumeProvisionalCommand ? (
        <CommandForm
          title={t('assumeProvisional')}
          testId="assume-provisional"
          schema={SCENE_COMMAND_SCHEMAS.AssumeProvisionalCommand}
          fields={personFields('commander', 'commander', shown)}
          prepare={withPeople(people, ['commander'])}
          send={send('AssumeProvisionalCommand')}
          submitLabel={t('assumeProvisional')}
        />
      ) : null}
      {forms.appointCommander ? (
        <CommandForm
          title={t('appointCommander')}
          testId="appoint-commander"
          schema={SCENE_COMMAND_SCHEMAS.AppointCommander}
          fields={personFields('commander', 'commander', shown)}
          prepare={withPeople(people, ['commander'])}
          extra={() => (deputies.length > 0 ? { deputies: deputies.map((id) => ({ userId: id, name: people.find((p) => p.userId === id)?.name ?? id })) } : {})}
          more={() =>
            people.length > 0 ? (
              <fieldset className="field" data-field="deputies" data-testid="appoint-deputies">
                <legend className="label">{t('deputiesToAppoint')}</legend>
                {peopleOptions(shown).map((o) => (
                  <label key={o.value} className="check">
                    <input
                      type="checkbox"
                      checked={deputies.includes(o.value)}
                      onChange={(e) => setDeputies(e.target.checked ? [...deputies, o.value] : deputies.filter((d) => d !== o.value))}
                    />
                    {o.label}
                  </label>
                ))}
              </fieldset>
            ) : null
          }
          onSent={() => setDeputies([])}
          send={send('AppointCommander')}
          submitLabel={t('appointCommander')}
        />
      ) : null}
      {forms.appointDeputy ? (
        <CommandForm
          title={t('appointDeputy')}
          testId="appoint-deputy"
          schema={SCENE_COMMAND_SCHEMAS.AppointDeputy}
          fields={personFields('deputy', 'deputy', shown, inPost)}
          prepare={withPeople(people, ['deputy'])}
          send={send('AppointDeputy')}
          submitLabel={t('appointDeputy')}
        />
      ) : null}
      {forms.removeDeputy ? (
        <CommandForm
          title={t('removeDeputy')}
          testId="remove-deputy"
          schema={SCENE_COMMAND_SCHEMAS.RemoveDeputy}
          fields={[{ name: 'userId', label: 'deputy', kind: 'select', options: scene.deputies.map((d) => ({ value: d.userId, label: name(d) })) }]}
          send={send('RemoveDeputy')}
          submitLabel={t('removeDeputy')}
        />
      ) : null}
      {forms.joinUnifiedCommand ? (
        <CommandForm
          title={t('joinUnified')}
          testId="join-unified"
          schema={SCENE_COMMAND_SCHEMAS.JoinUnifiedCommand}
          fields={[{ name: 'agency', label: 'agency', kind: 'text' }, ...personFields('representative', 'representative', shown)]}
          prepare={withPeople(people, ['representative'])}
          send={send('JoinUnifiedCommand')}
          submitLabel={t('joinUnified')}
        />
      ) : null}
      {forms.leaveUnifiedCommand ? (
        <CommandForm
          title={t('leaveUnified')}
          testId="leave-unified"
          schema={SCENE_COMMAND_SCHEMAS.LeaveUnifiedCommand}
          fields={[{ name: 'agency', label: 'agency', kind: 'select', options: agencies.map((a) => ({ value: a.agency, label: a.agency })) }]}
          send={send('LeaveUnifiedCommand')}
          submitLabel={t('leaveUnified')}
        />
      ) : null}
      {forms.establishCommandPost ? (
        <CommandForm
          title={t('establishCommandPost')}
          testId="establish-command-post"
          schema={SCENE_COMMAND_SCHEMAS.EstablishCommandPost}
          fields={[{ name: 'location.description', label: 'commandPostPlace', kind: 'text' }]}
          send={send('EstablishCommandPost')}
          submitLabel={t('establishCommandPost')}
        />
      ) : null}
      {forms.deactivateCommand ? (
        <CommandForm
          title={t('deactivateCommand')}
          testId="deactivate-command"
          schema={SCENE_COMMAND_SCHEMAS.DeactivateCommand}
          fields={[{ name: 'reason', label: 'reason', kind: 'text' }]}
          send={send('DeactivateCommand')}
          submitLabel={t('deactivateCommand')}
        />
      ) : null}
    </section>
  );
}
