/** Command rooms work in Beijing time whatever the browser's zone: every time shows the zone. */
const ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${lang}|${withDate}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, {
      timeZone: ZONE,
      ...(withDate ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(key, f);
  }
  return f;
}

/** e.g. `2026-11-30 18:04:05 (UTC+8 北京时间)`. */
export function formatTime(iso: string | null | undefined, lang: string, options: { date?: boolean; zone?: boolean } = {}): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = formatter(lang, options.date ?? true).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const time = `${get('hour')}:${get('minute')}:${get('second')}`;
  const text = options.date === false ? time : `${get('year')}-${get('month')}-${get('day')} ${time}`;
  return options.zone === false ? text : `${text} ${zoneLabel(lang)}`;
}

export function zoneLabel(lang: string): string {
  return lang === 'en' ? '(UTC+8 Asia/Shanghai)' : '(UTC+8 北京时间)';
}

/** A `datetime-local` value read as Beijing time, as ISO with its offset. */
export function fromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  return `${value.length === 16 ? `${value}:00` : value}+08:00`;
}

/** An instant as a `datetime-local` value in Beijing time. */
export function toLocalInput(iso: string): string {
  const parts = formatter('en-GB', true).formatToParts(new Date(iso));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}
