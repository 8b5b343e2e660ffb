import { feedHeldText } from './feed-hold';
import { useI18n } from './i18n';
import type { LiveConnection } from './session';

export function SeverityBadge({ severity }: { severity: string | null | undefined }) {
  const { tr, t } = useI18n();
  return (
    <span className={`sev sev-${severity ?? 'none'}`} data-testid="severity" data-severity={severity ?? ''}>
      {severity ? tr('sev', severity) : t('sev.none')}
    </span>
  );
}

/** The live feed's state; while the gateway says the feed is held, a warning beside it with the time and why. */
export function ConnectionBadge({ connection }: { connection: LiveConnection }) {
  const { t, tr, lang } = useI18n();
  const { state, heldSince } = connection;
  return (
    <>
      <span className={`conn conn-${state}`} data-testid="connection" data-state={state} title={t('connection')}>
        ● {tr('conn', state)}
      </span>
      {heldSince !== null ? (
        <span className="conn conn-held" data-testid="feed-held" role="status" title={t('conn.heldWhy')}>
          {feedHeldText(heldSince, lang, t)}
        </span>
      ) : null}
    </>
  );
}
