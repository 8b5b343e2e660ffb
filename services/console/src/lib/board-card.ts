import type { SceneView } from '@muster/client';
import type { IncidentView } from '@muster/contracts';
import type { I18n, MessageKey } from './i18n';
import { formatTime } from './time';

/** One line of a board card: what a duty officer reads at a glance, already in the console's language. */
export interface CardFact {
  /** Also the card's `data-testid` for the line. */
  key: 'category' | 'place' | 'received' | 'response' | 'casualties';
  label: MessageKey;
  text: string;
}

const CASUALTY_FIGURES = ['dead', 'injured', 'missing'] as const;

/**
 * The casualties of the latest scene report, e.g. `死亡 2 · 受伤 5`; figures the report left out are
 * left out, a reported 0 is shown (it is news too). Null when no report states any.
 */
export function casualtiesText(report: SceneView['latestReport'], t: I18n['t']): string | null {
  if (!report) return null;
  const parts = CASUALTY_FIGURES.flatMap((figure) => {
    const n = report[figure];
    return typeof n === 'number' ? [`${t(figure)} ${n}`] : [];
  });
  return parts.length ? parts.join(' · ') : null;
}

/**
 * The facts of a board card: category, place (the location's description), 接报 (when the first room
 * learned of it, in Beijing time), response level (一级响应 … 四级响应, never a severity) and casualties.
 * `—` where the incident does not say yet; never an id or a raw value.
 */
export function cardFacts(incident: IncidentView, report: SceneView['latestReport'], { t, tr }: Pick<I18n, 't' | 'tr'>, lang: I18n['lang']): CardFact[] {
  return [
    { key: 'category', label: 'category', text: incident.category ? tr('cat', incident.category) : '—' },
    { key: 'place', label: 'location', text: incident.location?.description || '—' },
    { key: 'received', label: 'firstReport', text: formatTime(incident.receivedAt ?? incident.reportedAt, lang) },
    { key: 'response', label: 'responseLevel', text: incident.responseLevel ? tr('resp', incident.responseLevel) : '—' },
    { key: 'casualties', label: 'casualties', text: casualtiesText(report, t) ?? '—' },
  ];
}
