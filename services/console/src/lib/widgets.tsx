import type { LiveState } from '@muster/client';
import { useI18n } from './i18n';

export function SeverityBadge({ severity }: { severity: string | null | undefined }) {
  const { tr, t } = useI18n();
  return (
    <span className={`sev sev-${severity ?? 'none'}`} data-testid="severity" data-severity={severity ?? ''}>
      {severity ? tr('sev', severity) : t('sev.none')}
    </span>
  );
}

export function ConnectionBadge({ state }: { state: LiveState }) {
  const { t, tr } = useI18n();
  return (
    <span className={`conn conn-${state}`} data-testid="connection" data-state={state} title={t('connection')}>
      ● {tr('conn', state)}
    </span>
  );
}
