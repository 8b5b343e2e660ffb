import type { SceneView } from '@muster/client';
import { SCENE_COMMAND_SCHEMAS, type IncidentView as Incident } from '@muster/contracts';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { nameIn } from '../lib/reports';
import { sceneFigureLines } from '../lib/review-text';
import { useApp } from '../lib/session';

/**
 * The phone's next step for someone not in command: take command (临时指挥) when nobody holds it
 * and his room is involved in the incident, or who commands and how to reach him.
 */
export function NextStep(props: {
  incident: Incident;
  scene: SceneView;
  /** The scene commands the server offers this person now (the record's `offered.scene`). */
  offered: readonly string[];
  /** The incident is over (the record's `over`): nothing more to do on scene. */
  over: boolean;
  send: (type: keyof typeof SCENE_COMMAND_SCHEMAS) => (data: unknown) => Promise<unknown>;
  onSent(): void;
}) {
  const { session } = useApp();
  const { t, lang } = useI18n();
  const { scene } = props;
  const me = session.user;
  if (props.over) return null;
  const commander = scene.commander;
  // The server offers AssumeProvisionalCommand while nobody commands, to someone of a room the incident involves.
  const mayAssume = props.offered.includes('AssumeProvisionalCommand');

  return (
    <section className="panel next-step" data-testid="next-step">
      <h3>{t('nextStep')}</h3>
      {mayAssume ? (
        <CommandForm
          title={t('assumeCommand')}
          testId="assume-command"
          note={t('assumeHint')}
          schema={SCENE_COMMAND_SCHEMAS.AssumeProvisionalCommand}
          fields={[
            { name: 'commander.phone', label: 'yourPhone', kind: 'text' },
            { name: 'commander.unit', label: 'yourUnit', kind: 'text' },
          ]}
          // He names himself: his login and his name as the directory gives it.
          prepare={(payload) => ({ commander: { ...(payload['commander'] as Record<string, unknown> | undefined), userId: me.userId, name: me.name ?? me.userId } })}
          send={props.send('AssumeProvisionalCommand')}
          submitLabel={t('assumeCommand')}
          onSent={props.onSent}
        />
      ) : scene.state === 'deactivated' ? (
        <p className="empty" data-testid="command-ended">
          {t('commandEnded')}
        </p>
      ) : commander ? (
        <dl className="facts" data-testid="commander-contact">
          <dt>{t('commandedBy')}</dt>
          <dd data-testid="commander-name">{nameIn(commander.name, lang)}</dd>
          {commander.unit ? (
            <>
              <dt>{t('commanderUnit')}</dt>
              <dd>{commander.unit}</dd>
            </>
          ) : null}
          <dt>{t('contact')}</dt>
          <dd data-testid="commander-phone">
            {commander.phone ? (
              <a href={`tel:${commander.phone}`}>
                {t('callNow')} {commander.phone}
              </a>
            ) : (
              t('noPhone')
            )}
          </dd>
        </dl>
      ) : (
        <p className="empty" data-testid="cannot-assume">
          {t('notInvolved')}
        </p>
      )}
    </section>
  );
}

/** The latest figures from the scene (its last scene report, figures carried over), with what it needs. */
export function LatestFigures({ scene }: { scene: SceneView }) {
  const { t, tr } = useI18n();
  const report = scene.latestReport;
  return (
    <section className="panel" data-testid="latest-figures">
      <h3>{t('latestFigures')}</h3>
      {report ? (
        <dl className="facts">
          {sceneFigureLines({ latestReport: report }, { tr }).map((line) => (
            <Figure key={line.key} label={line.label} value={line.value} testId={`latest-${line.key}`} />
          ))}
          {report.needs ? <Figure label={t('needs')} value={report.needs} testId="latest-needs" /> : null}
          {report.objectives ? <Figure label={t('objectives')} value={report.objectives} testId="latest-objectives" /> : null}
        </dl>
      ) : (
        <p className="empty">{t('noSceneReport')}</p>
      )}
    </section>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </>
  );
}
