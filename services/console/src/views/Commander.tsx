import { BriefingSchema, SCENE_COMMAND_SCHEMAS } from '@muster/contracts';
import { CommandForm } from '../lib/command-form';
import { newId } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { isOver } from '../lib/incident-actions';
import { href } from '../lib/route';
import { useApp } from '../lib/session';
import { ConnectionBadge, SeverityBadge } from '../lib/widgets';
import { useIncident } from '../lib/live-incident';
import { RequestForm } from './RequestForm';

const SCENE_FIELDS = ['dead', 'injured', 'missing', 'trapped', 'evacuated', 'sheltered'] as const;
const BRIEFING_FIELDS = ['situation', 'objectives', 'actions', 'organisation', 'resources', 'hazards'] as const;
const BRIEFING_LABELS = { situation: 'situation', objectives: 'objectives', actions: 'actionsTaken', organisation: 'organisation', resources: 'resources', hazards: 'hazards' } as const;

/**
 * What the on-scene commander does from a phone: post the scene status, request resources, and hand
 * command over (offer → ICS 201 briefing → accept) or take it when it is offered to him.
 */
export function CommanderView({ incidentId }: { incidentId: string }) {
  const { client, session } = useApp();
  const { t } = useI18n();
  const { data, error, connection, reload } = useIncident(incidentId);
  if (!data) return <p className={error ? 'form-error' : 'loading'}>{error ?? t('loading')}</p>;
  const { incident, scene } = data;
  const me = session.user.userId;
  // Once the incident is over the scene is read-only: no report, request or transfer is offered.
  const open = !isOver(incident.state);
  const isCommander = scene.commander?.userId === me;
  const inCommand = open && (isCommander || scene.deputies.some((d) => d.userId === me));
  const offersToMe = open ? scene.offers.filter((o) => o.to.userId === me) : [];
  const sendCommand = (type: keyof typeof SCENE_COMMAND_SCHEMAS) => (data: unknown) =>
    client.sendOnSceneCommand(incidentId, { type, data: data as Record<string, unknown> });

  return (
    <section className="commander" data-testid="commander-view">
      <div className="incident-head">
        <SeverityBadge severity={incident.severity} />
        <h1>{incident.title}</h1>
        <ConnectionBadge state={connection} />
      </div>
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
        {scene.commander ? ` · ${t('commander')}: ${scene.commander.name}` : ''}
      </p>

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

      {open && isCommander ? (
        <CommandForm
          title={t('offerTransfer')}
          testId="offer-transfer"
          schema={SCENE_COMMAND_SCHEMAS.OfferTransfer}
          fields={[
            { name: 'to.userId', label: 'toUserId', kind: 'text' },
            { name: 'to.name', label: 'toName', kind: 'text' },
          ]}
          extra={() => ({ offerId: newId('offer') })}
          send={sendCommand('OfferTransfer')}
          onSent={reload}
        />
      ) : null}

      {open && isCommander
        ? scene.offers
            .filter((o) => !(o as { briefing?: unknown }).briefing)
            .map((o) => (
              <CommandForm
                key={o.offerId}
                title={`${t('recordBriefing')} → ${o.to.name}`}
                testId={`briefing-${o.offerId}`}
                schema={SCENE_COMMAND_SCHEMAS.RecordTransferBriefing}
                fields={BRIEFING_FIELDS.map((name) => ({ name: `briefing.${name}`, label: BRIEFING_LABELS[name], kind: 'textarea' as const }))}
                extra={() => ({ offerId: o.offerId })}
                send={sendCommand('RecordTransferBriefing')}
                onSent={reload}
              />
            ))
        : null}

      {offersToMe.map((o) => (
        <section key={o.offerId} className="panel" data-testid="offer-to-me">
          <h3>
            {t('pendingOffer')}: {o.offerId}
          </h3>
          {(o as { briefing?: unknown }).briefing ? (
            <CommandForm
              title={t('acceptTransfer')}
              testId={`accept-${o.offerId}`}
              schema={SCENE_COMMAND_SCHEMAS.AcceptTransfer}
              fields={[]}
              extra={() => ({ offerId: o.offerId })}
              send={sendCommand('AcceptTransfer')}
              submitLabel={t('acceptTransfer')}
              onSent={reload}
            />
          ) : (
            <p className="empty">{t('recordBriefing')} …</p>
          )}
        </section>
      ))}
    </section>
  );
}

// Checked at build time: the briefing form covers every field of the ICS 201 briefing.
const _everyBriefingField: Record<keyof typeof BriefingSchema.shape, true> = { situation: true, objectives: true, actions: true, organisation: true, resources: true, hazards: true };
void _everyBriefingField;
