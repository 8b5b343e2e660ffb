import type { Lang } from './i18n';
import { offlineWord } from './offline-text';
import { formatTime } from './time';

/** Beyond this, when something happened and when it was recorded are two facts worth showing. */
const APART_MS = 60_000;

/**
 * The time a timeline entry is shown with: when it was recorded, or — for an entry recorded more than
 * a minute after (or before) it happened, such as a scene report queued on a phone with no network —
 * both: 发生于 … · 记录于 ….
 */
export function entryTime(entry: { occurredAt: string; recordedAt: string }, lang: Lang): string {
  const apart = Math.abs(Date.parse(entry.recordedAt) - Date.parse(entry.occurredAt)) > APART_MS;
  if (!apart) return formatTime(entry.recordedAt, lang);
  return offlineWord(lang, 'occurredRecorded', { occurred: formatTime(entry.occurredAt, lang), recorded: formatTime(entry.recordedAt, lang) });
}
