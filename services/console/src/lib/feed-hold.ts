import { formatTime } from './time';

/** What the connection badge says while the gateway reports the live feed held (`since`: ISO time). */
export function feedHeldText(since: string, lang: string, t: (key: 'conn.held' | 'conn.heldFrom') => string): string {
  return `${t('conn.held')}${lang === 'en' ? ': ' : '：'}${formatTime(since, lang, { date: false })} ${t('conn.heldFrom')}`;
}
