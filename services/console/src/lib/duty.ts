import type { WatchEntry } from '@muster/client';
import { DutyShiftSchema } from '@muster/contracts';
import { z } from 'zod';

/**
 * The duty room (值班室) in words and days: the roster by Beijing calendar day, and what became of
 * each call in the watch log. Pure, so tests can check it without a browser.
 */

const DAY_MS = 24 * 3600_000;
/** Beijing time is UTC+8 all year (no daylight saving), so a Beijing day is a fixed span of UTC. */
const BEIJING_MS = 8 * 3600_000;

export interface DutyDay {
  /** The Beijing calendar day, `YYYY-MM-DD`. */
  date: string;
  /** Its start (00:00 Beijing time) and the next day's start, ISO. */
  from: string;
  to: string;
}

/** Today (in Beijing) and the `count - 1` days after it. */
export function dutyDays(now: Date, count: number): DutyDay[] {
  const startOfToday = Math.floor((now.getTime() + BEIJING_MS) / DAY_MS) * DAY_MS - BEIJING_MS;
  return Array.from({ length: count }, (_, n) => {
    const from = startOfToday + n * DAY_MS;
    return { date: new Date(from + BEIJING_MS).toISOString().slice(0, 10), from: new Date(from).toISOString(), to: new Date(from + DAY_MS).toISOString() };
  });
}

interface Span {
  startsAt: string;
  endsAt: string;
}

/** The shifts that cover any part of the day (a night shift shows on both days), earliest first. */
export function shiftsOn<S extends Span>(shifts: readonly S[], day: DutyDay): S[] {
  const from = Date.parse(day.from);
  const to = Date.parse(day.to);
  return shifts.filter((s) => Date.parse(s.startsAt) < to && Date.parse(s.endsAt) > from).sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
}

/** What the outcome line needs: messages, an incident's title, a person's name by user id. */
export interface OutcomeWords {
  tr(prefix: string, value: string): string;
  incidentTitle(incidentId: string): string;
  person(userId: string): string;
}

/**
 * What became of a call: 待处理; 已立为事件：<title>; 已并入事件：<title>; 已排除：<reason> — and
 * who triaged it, by name. Never an entry or incident id.
 */
export function watchOutcome(entry: Pick<WatchEntry, 'status' | 'incidentId'> & { dismissReason?: unknown; triagedBy?: unknown }, words: OutcomeWords): string {
  const status = words.tr('wstatus', entry.status);
  const by = typeof entry.triagedBy === 'string' && entry.triagedBy !== '' ? `（${words.tr('duty', 'triagedBy')}：${words.person(entry.triagedBy)}）` : '';
  switch (entry.status) {
    case 'open':
      return status;
    case 'incident_created':
    case 'attached':
      return `${status}：${entry.incidentId ? words.incidentTitle(entry.incidentId) : '—'}${by}`;
    case 'dismissed':
      return `${status}：${typeof entry.dismissReason === 'string' && entry.dismissReason !== '' ? entry.dismissReason : '—'}${by}`;
    default: {
      const unknown: never = entry.status;
      return String(unknown);
    }
  }
}

/**
 * The roster's own schema for the add-shift form, with the one rule whose words the schema keeps in
 * English (an end after the start) said in the console's language; everything else as the api checks it.
 */
export function shiftFormSchema(endsAfterStart: string) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const parsed = DutyShiftSchema.safeParse(value);
      if (parsed.success) return;
      for (const issue of parsed.error.issues) {
        const own = issue.code === 'custom' && issue.path.join('.') === 'endsAt';
        ctx.addIssue({ code: 'custom', path: issue.path, message: own ? endsAfterStart : issue.message });
      }
    })
    .transform((value) => DutyShiftSchema.parse(value));
}
