import type { ReportScores } from '@muster/client';

/**
 * The period and figures of the scores screen (考核通报): dates picked in Beijing time, rates and
 * minutes as a duty officer reads them.
 */

export type ReportScore = ReportScores['items'][number];

const CHINA_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The Beijing calendar date of an instant, `YYYY-MM-DD`. */
export function beijingDate(at: number): string {
  return new Date(at + CHINA_MS).toISOString().slice(0, 10);
}

/** The first day of the Beijing month of an instant. */
export function monthStart(at: number): string {
  return `${beijingDate(at).slice(0, 8)}01`;
}

/**
 * The query period of two dates, both days whole: from the first day's 00:00 to the day after the
 * last (Beijing time); null when a date is not a date or the last comes before the first.
 */
export function periodOf(fromDate: string, toDate: string): { from: string; to: string } | null {
  if (!DATE.test(fromDate) || !DATE.test(toDate)) return null;
  const from = Date.parse(`${fromDate}T00:00:00+08:00`);
  const to = Date.parse(`${toDate}T00:00:00+08:00`) + DAY_MS;
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from) return null;
  return { from: `${fromDate}T00:00:00+08:00`, to: `${beijingDate(to)}T00:00:00+08:00` };
}

/** A share as a percentage with one decimal (85.7%); a dash when there was nothing to count. */
export function percent(rate: number | null): string {
  return rate === null ? '—' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** Minutes with one decimal; a dash when there were none. */
export function minutesText(minutes: number | null): string {
  return minutes === null ? '—' : (Math.round(minutes * 10) / 10).toFixed(1);
}

/** A room and every unit below it, the room first: the units it may read scores of. */
export function unitsWithin(tree: ReadonlyMap<string, { parent?: string | null | undefined }>, room: string): string[] {
  const below = [...tree.keys()].filter((code) => {
    for (let up = tree.get(code)?.parent; up; up = tree.get(up)?.parent) if (up === room) return true;
    return false;
  });
  return [room, ...below.sort()];
}
