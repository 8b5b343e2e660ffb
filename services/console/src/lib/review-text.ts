import type { MusterHttpClient, ResourceRequestView, TimelineEntry } from '@muster/client';
import { fill, nameIn, titleOfKey } from './reports';
import { actorLabel, summary } from './timeline-text';

/**
 * The review screen in words: metrics, reports, requests, scene figures and the chart's tooltip as
 * a reviewer reads them — rooms and reports by name, states in the plan's words, on time as 按时 —
 * never a metric key, a request or report id, an event type or a user id. Pure, so tests can check
 * the text without a browser.
 */

/** The after-action metrics as GET /incidents/:id/metrics answers them. */
type Metrics = Awaited<ReturnType<MusterHttpClient['metrics']>>;

/** Messages by prefix and value (the i18n `tr`), the language, room names, and how an instant reads. */
export interface ReviewWords {
  tr(prefix: string, value: string): string;
  lang: string;
  room(code: string): string;
  time(iso: string): string;
}

/** A labelled value of a table. */
export interface Line {
  key: string;
  label: string;
  value: string;
}

/** The durations the review shows, in the order an incident runs; a key the console has no words for stays off the screen. */
const METRIC_KEYS = ['verification', 'commanderOnScene', 'responseActivation', 'control', 'lifting'] as const;

/** Minutes to one decimal, as the api measures them: 12.5 分钟; a dash when the step has not happened. */
function minutesText(value: number | null | undefined, words: Pick<ReviewWords, 'tr'>): string {
  return value == null ? '—' : fill(words.tr('review', 'minutes'), { n: value.toFixed(1) });
}

/** Minutes from the first report to each milestone, labelled (至确认 12.5 分钟). */
export function metricLines(minutesTo: Metrics['minutesTo'], words: Pick<ReviewWords, 'tr'>): Line[] {
  return METRIC_KEYS.filter((key) => key in minutesTo).map((key) => ({ key, label: words.tr('metric', key), value: minutesText(minutesTo[key], words) }));
}

type Lateness = Metrics['reportLateness'][number];

/**
 * A report's timeliness: 按时 when filed by its deadline, 迟报 N 分钟 when after it; an unfiled one
 * 已逾期 N 分钟 past its deadline, else 待报. Whole minutes, as the scores count them (under half a
 * minute late is on time).
 */
export function timelinessText(report: Pick<Lateness, 'dueAt' | 'submittedAt' | 'minutesLate'>, words: Pick<ReviewWords, 'tr'>): { text: string; late: boolean } {
  const late = report.dueAt === null || report.minutesLate === null ? 0 : Math.round(report.minutesLate);
  if (report.submittedAt !== null) return late > 0 ? { text: fill(words.tr('late', 'filed'), { n: String(late) }), late: true } : { text: words.tr('score', 'onTime'), late: false };
  return late > 0 ? { text: fill(words.tr('late', 'overdue'), { n: String(late) }), late: true } : { text: words.tr('review', 'pending'), late: false };
}

/** One report of the reporting chain: 怀集县 初报 · 应报 07-01 10:00 · 按时. */
export function latenessLine(report: Lateness, words: ReviewWords): { text: string; late: boolean } {
  const due = report.dueAt === null ? words.tr('review', 'noDeadline') : fill(words.tr('review', 'due'), { time: words.time(report.dueAt) });
  const timeliness = timelinessText(report, words);
  return { text: `${words.room(report.owedBy)} ${titleOfKey(report.key, words.tr, words.lang)} · ${due} · ${timeliness.text}`, late: timeliness.late };
}

/** What a request asked for (冲锋舟 × 2、救生衣 × 50); when the console does not know it, its place in the list (资源请求 1). */
function requestName(request: Pick<ResourceRequestView, 'items'> | undefined, position: number, words: Pick<ReviewWords, 'tr'>): string {
  const items = (request?.items ?? []).map((i) => `${i.kind} × ${i.quantity}`);
  return items.length ? items.join('、') : fill(words.tr('review', 'request'), { n: String(position + 1) });
}

/** A request's lead time: what it asked for, its state, and how long until it arrived (冲锋舟 × 2 · 已到达 · 42.0 分钟到达). */
export function leadTimeLine(lead: Metrics['resourceLeadTimes'][number], request: Pick<ResourceRequestView, 'items'> | undefined, position: number, words: Pick<ReviewWords, 'tr'>): string {
  const arrival = lead.minutes === null ? words.tr('review', 'notArrived') : fill(words.tr('review', 'arrivedAfter'), { n: lead.minutes.toFixed(1) });
  return `${requestName(request, position, words)} · ${words.tr('rstate', lead.state)} · ${arrival}`;
}

/** A commander's tenure: the name in the console's language, how they came to command, from when, how long. */
export function tenureLine(tenure: Metrics['commanderTenures'][number], words: ReviewWords): string {
  return `${nameIn(tenure.commander.name, words.lang)}（${words.tr('tenure', tenure.kind)}）· ${fill(words.tr('review', 'from'), { time: words.time(tenure.from) })} · ${minutesText(tenure.minutes, words)}`;
}

const FIGURES = ['dead', 'injured', 'missing', 'trapped', 'evacuated', 'sheltered'] as const;

/**
 * The scene figures of the command structure's context (its latest scene report, figures carried
 * over from earlier reports): each labelled, a dash for a figure no report has given, never 0.
 */
export function sceneFigureLines(context: Record<string, unknown> | undefined, words: Pick<ReviewWords, 'tr'>): Line[] {
  const report = context?.['latestReport'];
  const figures = report !== null && typeof report === 'object' ? (report as Record<string, unknown>) : {};
  return FIGURES.map((key) => {
    const value = figures[key];
    return { key, label: words.tr('field', key), value: typeof value === 'number' ? String(value) : '—' };
  });
}

/** The event's name in the plan's words; an event the console has no name for is 其他记录, never its type. */
export function eventName(type: string, words: Pick<ReviewWords, 'tr'>): string {
  const name = words.tr('event', type);
  return name === type ? words.tr('review', 'otherEvent') : name;
}

/** Escapes text for the tooltip, which the chart writes as HTML. */
function escapeHtml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** The chart's tooltip for one entry: when, what (by name), who (room and role), and what it said. */
export function tooltipHtml(entry: Pick<TimelineEntry, 'type' | 'streamType' | 'recordedAt' | 'actor' | 'actorJurisdiction' | 'data'> & { roles?: unknown }, words: ReviewWords): string {
  const said = summary(entry, words);
  return [words.time(entry.recordedAt), eventName(entry.type, words), actorLabel(entry, words.room, words.tr), said]
    .filter((line) => line !== '')
    .map(escapeHtml)
    .join('<br/>');
}

/** Width a label takes on the chart: a Chinese character a full em, anything else about half. */
export function labelWidth(text: string, fontSize: number): number {
  let width = 0;
  for (const ch of text) width += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? fontSize : fontSize * 0.6;
  return Math.ceil(width) + 6;
}

/**
 * The row each phase label goes on, so that none overlaps another: phases that began minutes apart
 * start a few pixels apart and their labels would print over each other, so a label that would
 * touch the one before it goes one row down. `x` and `width` in pixels; rows from 0.
 */
export function labelRows(labels: readonly { x: number; width: number }[], gap = 4): number[] {
  const rows: number[] = labels.map(() => 0);
  // The right edge of the last label placed on each row.
  const ends: number[] = [];
  const order = labels.map((l, i) => ({ ...l, i })).sort((a, b) => a.x - b.x);
  for (const label of order) {
    let row = ends.findIndex((end) => end + gap <= label.x);
    if (row === -1) row = ends.length;
    ends[row] = label.x + label.width;
    rows[label.i] = row;
  }
  return rows;
}

/** One correction of an entry as the timeline answers it (`correctedBy`): strike or amend, why, by whom, when. */
export interface Correction {
  kind: 'strike' | 'amend';
  reason: string;
  amendedData: Record<string, unknown> | null;
  /** The user id of who corrected: shown by name, never as is. */
  by: string;
  recordedAt: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The corrections of an entry, oldest first; anything the console cannot read is left out rather than shown raw. */
export function correctionsOf(entry: Pick<TimelineEntry, 'correctedBy'>): Correction[] {
  return entry.correctedBy.flatMap((c): Correction[] => {
    if (!isRecord(c) || (c['kind'] !== 'strike' && c['kind'] !== 'amend')) return [];
    return [
      {
        kind: c['kind'],
        reason: typeof c['reason'] === 'string' ? c['reason'] : '',
        amendedData: isRecord(c['amendedData']) ? c['amendedData'] : null,
        by: typeof c['by'] === 'string' ? c['by'] : '',
        recordedAt: typeof c['recordedAt'] === 'string' ? c['recordedAt'] : '',
      },
    ];
  });
}

/** Whether the entry stands struck from the record (its last strike is not undone: a strike is final). */
export function isStruck(entry: Pick<TimelineEntry, 'correctedBy'>): boolean {
  return correctionsOf(entry).some((c) => c.kind === 'strike');
}

/**
 * A correction in words: 已划除 / 已更正 伤亡：3 — the reason, who corrected by name and when:
 * `已更正 受伤：3 更正理由：误报 更正人：鼎湖区值班员 2026-07-01 10:00:00` (parts set apart by
 * an ideographic space).
 */
export function correctionLine(correction: Correction, words: Pick<ReviewWords, 'tr' | 'time'> & { person(userId: string): string }): string {
  const { tr } = words;
  const amended = Object.entries(correction.amendedData ?? {})
    .filter(([, value]) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    .map(([key, value]) => `${tr('field', key)}：${String(value)}`);
  return [
    tr('correction', correction.kind),
    ...amended,
    `${tr('correction', 'reason')}：${correction.reason}`,
    `${tr('correction', 'by')}：${words.person(correction.by)}`,
    correction.recordedAt ? words.time(correction.recordedAt) : '',
  ]
    .filter((part) => part !== '')
    .join('　');
}

/**
 * The fields of an entry that an amendment may restate: its plain values (text, numbers) that the
 * console has a name for; ids, codes and nested parts are not for a reviewer to retype.
 */
export function amendableFields(data: Record<string, unknown>, words: Pick<ReviewWords, 'tr'>): { key: string; label: string; value: string; numeric: boolean }[] {
  return Object.entries(data).flatMap(([key, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number') return [];
    const label = words.tr('field', key);
    return label === key ? [] : [{ key, label, value: String(value), numeric: typeof value === 'number' }];
  });
}
