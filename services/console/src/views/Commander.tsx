import { DrillBanner } from './Drills';
import { BriefingSchema, SCENE_COMMAND_SCHEMAS } from '@muster/contracts';
import { CommandForm } from '../lib/command-form';
import { newId } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { useOffline } from '../lib/offline-sync';
import { useOfflineWords } from '../lib/offline-text';
import { peopleOptions, pickPerson, usePeople } from '../lib/people';
import { fill, nameIn } from '../lib/reports';
import { formatTime } from '../lib/time';
import { href } from '../lib/route';
import { useApp } from '../lib/session';
import { ConnectionBadge, SeverityBadge } from '../lib/widgets';
import { useIncident } from '../lib/live-incident';
import { RequestForm } from './RequestForm';
import { NetworkBar, QueuePanel } from './OfflineQueue';
import { LatestFigures, NextStep } from './SceneNextStep';

const SCENE_FIELDS = ['dead', 'injured', 'missing', 'trapped', 'evacuated', 'sheltered'] as const;
// The ICS 201 briefing (ref §2.3), every block of it.
const BRIEFING_FIELDS = [
  'situation',
  'objectives',
  'actions',
  'organisation',
  'resources',
  'hazards',
  'facilities',
  'communications',
  'constraints',
  'incidentPotential',
  'delegationOfAuthority',
] as const;
const BRIEFING_LABELS = {
  situation: 'situation',
  objectives: 'objectives',
  actions: 'actionsTaken',
  organisation: 'organisation',
  resources: 'resources',
  hazards: 'hazards',
  facilities: 'facilities',
  communications: 'communications',
  constraints: 'constraints',
  incidentPotential: 'incidentPotential',
  delegationOfAuthority: 'delegationOfAuthority',
} as const;
const briefingFields = BRIEFING_FIELDS.map((name) => ({ name: `briefing.${name}`, label: BRIEFING_LABELS[name], kind: 'textarea' as const }));

/**
 * What the on-scene commander does from a phone: post the scene status, request resources, and hand
 * command over (offer → ICS 201 briefing → accept, decline or withdraw) or take it when it is
 * offered to him. A responder not in command sees his next step: take command when nobody holds it,
 * or who commands and how to reach him.
 */
export function CommanderView({ incidentId }: { incidentId: string }) {
  const { session } = useApp();
  const { t, lang } = useI18n();
  const offline = useOffline();
  const w = useOfflineWords();
  const { data, error, connection, offlineSince, reload } = useIncident(incidentId);
  // Whom command may be handed to: the people of the rooms the incident involves, by name.
  const rooms = data ? [data.incident.leadJurisdiction, ...data.incident.linkedJurisdictions, ...data.incident.supportingJurisdictions] : [];
  const { people } = usePeople(rooms);
  if (!data)
    return (
      <>
        <NetworkBar />
        <p className={error ? 'form-error' : 'loading'}>{error ?? t('loading')}</p>
      </>
    );
  const { incident, scene, offered } = data;
  const me = session.user.userId;
  // Once the incident is over the scene is read-only: no report, request or transfer is offered.
  const open = !data.over;
  const isCommander = scene.commander?.userId === me;
  const inCommand = open && (isCommander || scene.deputies.some((d) => d.userId === me));
  const offersToMe = open ? scene.offers.filter((o) => o.to.userId === me) : [];
  // Through the phone's queue (issue 20): sent at once when it can be, else kept and sent in order later.
  const sendCommand = (type: keyof typeof SCENE_COMMAND_SCHEMAS) => (data: unknown) =>
    offline.submit({ kind: 'scene', incidentId, type, data: data as Record<string, unknown>, seenVersion: scene.version });
  const briefed = (offer: (typeof scene.offers)[number]) => Boolean((offer as { briefing?: unknown }).briefing);
  // What the timers will do by themselves (issue 20): the offer lapses, the proposed or agreed time comes.
  const offerTimes = (offer: (typeof scene.offers)[number]) =>
    [
      offer.effectiveAt ? fill(t('offerProposesTime'), { time: formatTime(offer.effectiveAt, lang) }) : null,
      offer.expiresAt ? fill(t('offerWillLapse'), { time: formatTime(offer.expiresAt, lang) }) : null,
    ].filter((line): line is string => line !== null);
  const pending = open ? scene.pendingTransfer : null;
  // Not the commander himself, nobody already offered, and no reviewer (who reads and never commands).
  const candidates = peopleOptions(
    people.filter((p) => !p.roles.includes('reviewer')).map((p) => ({ ...p, name: nameIn(p.name, lang) })),
    [me, ...scene.offers.map((o) => o.to.userId)],
  );

  return (
    <section className="commander" data-testid="commander-view">
      {incident.exercise ? <DrillBanner /> : null}
      <div className="incident-head">
        <SeverityBadge severity={incident.severity} />
        <h1>{incident.title}</h1>
        <ConnectionBadge connection={connection} />
      </div>
      <NetworkBar />
      {offlineSince ? (
        <p className="banner offline" data-testid="offline-snapshot">
          {w('offlineSnapshot', { time: formatTime(offlineSince, lang, { date: false }) })}
        </p>
      ) : null}
      <QueuePanel incidentId={incidentId} sceneVersion={scene.version} />
      <nav className="tabs">
        <a href={href({ view: 'incident', incidentId })}>← {t('incident')}</a>
      </nav>
      {open ? null : (
        <p className="banner over" data-testid="incident-over">
          {t('incidentOver')}
        </p>
      )}
      <p className={inCommand ? 'you ok' : 'you'} data-testid="command-role">
        {isCommander ? t('youAreCommander') : t('notCommander')}
        {scene.commander ? ` · ${t('commander')}: ${nameIn(scene.commander.name, lang)}` : ''}
      </p>

      <LatestFigures scene={scene} />

      {inCommand ? (
        <CommandForm
          title={t('postStatus')}
          testId="post-status"
          schema={SCENE_COMMAND_SCHEMAS.PostSceneReport}
          fields={[
            ...SCENE_FIELDS.map((name) => ({ name, label: name, kind: 'int' as const })),
            { name: 'needs', label: 'needs', kind: 'textarea' },
            { name: 'objectives', label: 'objectives', kind: 'textarea' },
          ]}
          extra={() => ({ reportId: newId('sr') })}
          send={sendCommand('PostSceneReport')}
          onSent={reload}
        />
      ) : null}

      {inCommand ? <RequestForm incidentId={incidentId} deliverTo={incident.location?.description ?? ''} onSent={reload} /> : null}

      {inCommand ? null : <NextStep incident={incident} scene={scene} offered={offered.scene} over={data.over} send={sendCommand} onSent={reload} />}

      {isCommander && scene.state === 'provisional' ? (
        <p className="hint" data-testid="transfer-needs-appointment">
          {t('transferNeedsAppointment')}
        </p>
      ) : null}

      {/* OfferTransfer: the commander himself (the room offers from its own screen), when the server offers it. */}
      {isCommander && offered.scene.includes('OfferTransfer') ? (
        <CommandForm
          title={t('offerTransfer')}
          testId="offer-transfer"
          schema={SCENE_COMMAND_SCHEMAS.OfferTransfer}
          // The briefing may be given with the offer (or recorded afterwards); the timers make it effective or let it lapse.
          fields={[
            { name: 'to', label: 'offerTo', kind: 'select', options: candidates },
            { name: 'effectiveAt', label: 'transferEffectiveAt', kind: 'datetime' },
            { name: 'expiresAt', label: 'transferExpiresAt', kind: 'datetime' },
            ...briefingFields,
          ]}
          extra={() => ({ offerId: newId('offer') })}
          // The picker holds a login id; the command names the person as the directory does.
          prepare={(payload) => ({ ...payload, to: pickPerson(people, typeof payload['to'] === 'string' ? payload['to'] : undefined) })}
          send={sendCommand('OfferTransfer')}
          onSent={reload}
          note={candidates.length ? undefined : t('noPeople')}
        />
      ) : null}

      {open && isCommander ? (
        <section className="panel" data-testid="pending-offers">
          <h3>{t('pendingOffers')}</h3>
          {scene.offers.length === 0 ? <p className="empty">{t('noPendingOffers')}</p> : null}
          {scene.offers.map((o) => (
            <div key={o.offerId} className="offer" data-testid="pending-offer" data-person={nameIn(o.to.name, lang)}>
              <p>
                <strong data-testid="pending-offer-name">{nameIn(o.to.name, lang)}</strong> · {briefed(o) ? t('briefingDone') : t('briefingPending')}
              </p>
              {offerTimes(o).map((line) => (
                <p key={line} className="hint" data-testid="pending-offer-time">
                  {line}
                </p>
              ))}
              {!briefed(o) && offered.scene.includes('RecordTransferBriefing') ? (
                <CommandForm
                  title={`${t('recordBriefing')} → ${nameIn(o.to.name, lang)}`}
                  testId="briefing"
                  schema={SCENE_COMMAND_SCHEMAS.RecordTransferBriefing}
                  fields={briefingFields}
                  extra={() => ({ offerId: o.offerId })}
                  send={sendCommand('RecordTransferBriefing')}
                  onSent={reload}
                />
              ) : null}
              {offered.scene.includes('WithdrawTransfer') ? (
                <CommandForm
                  title={t('withdrawTransfer')}
                  testId="withdraw-transfer"
                  schema={SCENE_COMMAND_SCHEMAS.WithdrawTransfer}
                  fields={[{ name: 'reason', label: 'reason', kind: 'textarea' }]}
                  extra={() => ({ offerId: o.offerId })}
                  send={sendCommand('WithdrawTransfer')}
                  submitLabel={t('withdrawTransfer')}
                  onSent={reload}
                />
              ) : null}
            </div>
          ))}
        </section>
      ) : null}

      {pending?.to && pending.effectiveAt && (isCommander || pending.to.userId === me) ? (
        <p className="banner" data-testid="transfer-scheduled">
          {fill(t('transferAcceptedTo'), { name: nameIn(pending.to.name, lang) })} · {fill(t('transferWillTakeEffect'), { time: formatTime(pending.effectiveAt, lang) })}
        </p>
      ) : null}

      {offersToMe.map((o) => (
        <section key={o.offerId} className="panel" data-testid="offer-to-me">
          <h3>{fill(t('offerFromCommander'), { name: scene.commander ? nameIn(scene.commander.name, lang) : t('commander') })}</h3>
          {offerTimes(o).map((line) => (
            <p key={line} className="hint" data-testid="offer-to-me-time">
              {line}
            </p>
          ))}
          {briefed(o) && offered.scene.includes('AcceptTransfer') ? (
            <CommandForm
              title={t('acceptTransfer')}
              testId="accept-transfer"
              schema={SCENE_COMMAND_SCHEMAS.AcceptTransfer}
              fields={[{ name: 'effectiveAt', label: 'acceptEffectiveAt', kind: 'datetime' }]}
              extra={() => ({ offerId: o.offerId })}
              send={sendCommand('AcceptTransfer')}
              submitLabel={t('acceptTransfer')}
              onSent={reload}
            />
          ) : (
            <p className="empty">{t('briefingPending')} …</p>
          )}
          {offered.scene.includes('DeclineTransfer') ? (
            <CommandForm
              title={t('declineTransfer')}
              testId="decline-transfer"
              schema={SCENE_COMMAND_SCHEMAS.DeclineTransfer}
              fields={[{ name: 'reason', label: 'reason', kind: 'textarea' }]}
              extra={() => ({ offerId: o.offerId })}
              send={sendCommand('DeclineTransfer')}
              submitLabel={t('declineTransfer')}
              onSent={reload}
            />
          ) : null}
        </section>
      ))}
    </section>
  );
}

// Checked at build time: the briefing form covers every field of the ICS 201 briefing.
type BriefingFieldMissing = Exclude<keyof typeof BriefingSchema.shape, (typeof BRIEFING_FIELDS)[number]>;
const _everyBriefingField: [BriefingFieldMissing] extends [never] ? true : BriefingFieldMissing = true;
void _everyBriefingField;
