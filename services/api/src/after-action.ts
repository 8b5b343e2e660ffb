import type { ICS209_VERSIONS } from '@muster/contracts';
import type { Briefing, SceneContext, IncidentContext, WarningContext } from '@muster/domain';
import type { TimelineEntry } from '@muster/store-postgres';
import { stringify } from 'csv-stringify/sync';

/** Minutes from `from` to `to`, or null when either has not happened. */
function minutes(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  return Math.round(((Date.parse(to) - Date.parse(from)) / 60_000) * 10) / 10;
}

export interface RequestFacts {
  requestId: string;
  state: string;
  requestedAt: string | null;
  arrivedAt: string | null;
}

export interface ReportFacts {
  /** The report's id (`<owing room>/<key>`). */
  key: string;
  kind: string;
  /** The room that owed it when it fell due. */
  owedBy: string;
  dueAt: Date | null;
  submittedAt: Date | null;
}

/**
 * After-action metrics (reference §4: the AAR looks at how fast each step came). All durations are in
 * minutes from the report of the incident (reportedAt, the server time the first report was recorded),
 * null while the step has not happened. Times are the ones the machines kept, i.e. recorded times,
 * except a commander's tenure, which starts when the transfer became effective.
 */
export function afterActionMetrics(
  incident: IncidentContext,
  scene: SceneContext | null,
  requests: readonly RequestFacts[],
  reports: readonly ReportFacts[],
  now: Date,
  linkedWarnings: readonly WarningContext[] = [],
) {
  const start = incident.reportedAt;
  const warnings = warningMetrics(incident, linkedWarnings);
  const tenures = (scene?.tenures ?? []).map((tenure, i, all) => {
    const until = all[i + 1]?.from ?? scene?.deactivatedAt ?? null;
    return { commander: tenure.commander, kind: tenure.kind, appointedBy: tenure.appointedBy, from: tenure.from, until, minutes: minutes(tenure.from, until ?? now.toISOString()) };
  });
  return {
    incidentId: incident.incidentId,
    exercise: incident.exercise,
    reportedAt: start,
    minutesTo: {
      verification: minutes(start, incident.confirmedAt),
      commanderOnScene: minutes(start, scene?.tenures[0]?.from),
      responseActivation: minutes(start, incident.responseActivatedAt),
      control: minutes(start, incident.controlledAt),
      lifting: minutes(start, incident.liftedAt),
      // From the first report to the first warning released that is linked to the incident (negative: the warning came first).
      firstWarning: minutes(start, warnings.firstWarningAt),
    },
    warnings,
    commanderTenures: tenures,
    resourceLeadTimes: requests.map((r) => ({ requestId: r.requestId, state: r.state, requestedAt: r.requestedAt, arrivedAt: r.arrivedAt, minutes: minutes(r.requestedAt, r.arrivedAt) })),
    // Reporting lateness (信息报送): minutes past the deadline; still open ones are late by now.
    reportLateness: reports.map((r) => {
      const filed = r.submittedAt ?? null;
      const late = r.dueAt ? minutes(r.dueAt.toISOString(), (filed ?? now).toISOString()) : null;
      return { key: r.key, kind: r.kind, owedBy: r.owedBy, dueAt: r.dueAt?.toISOString() ?? null, submittedAt: filed?.toISOString() ?? null, minutesLate: late === null ? null : Math.max(0, late) };
    }),
  };
}

/**
 * The warnings of an incident in review (issue 21): when the first was released, and for each the
 * share of its recipients who acknowledged (收到并知晓) within the acknowledgement deadline. A drill's
 * incident counts only drill warnings and a real one only real warnings (DESIGN §3.9).
 */
function warningMetrics(incident: IncidentContext, linked: readonly WarningContext[]) {
  const released = linked
    .filter((w) => w.issuedAt !== null && (w.status === 'exercise') === incident.exercise)
    .sort((a, b) => Date.parse(a.issuedAt ?? '') - Date.parse(b.issuedAt ?? ''));
  const items = released.map((w) => {
    const recipients = w.lastMile?.recipients ?? [];
    const acknowledged = recipients.filter((d) => d.acknowledgedAt !== null).length;
    const inTime = recipients.filter((d) => d.acknowledgedAt !== null && !d.late).length;
    return {
      warningId: w.warningId,
      level: w.level,
      issuedAt: w.issuedAt,
      ackDeadline: w.lastMile?.ackDeadline ?? null,
      recipients: recipients.length,
      acknowledged,
      acknowledgedWithinDeadline: inTime,
      shareAcknowledgedWithinDeadline: recipients.length === 0 ? null : Math.round((inTime / recipients.length) * 1000) / 1000,
    };
  });
  const total = items.reduce((n, w) => n + w.recipients, 0);
  const inTime = items.reduce((n, w) => n + w.acknowledgedWithinDeadline, 0);
  return {
    firstWarningAt: items[0]?.issuedAt ?? null,
    shareAcknowledgedWithinDeadline: total === 0 ? null : Math.round((inTime / total) * 1000) / 1000,
    items,
  };
}

const CSV_COLUMNS = ['position', 'recordedAt', 'occurredAt', 'streamType', 'streamId', 'version', 'type', 'actor', 'roles', 'actorJurisdiction', 'jurisdiction', 'corrected', 'data'] as const;

/** The timeline as CSV: one row per entry, data as JSON, corrections named in `corrected`. */
export function timelineCsv(entries: readonly TimelineEntry[]): string {
  return stringify(
    entries.map((e) => [
      e.position,
      e.recordedAt,
      e.occurredAt,
      e.streamType,
      e.streamId,
      e.version,
      e.type,
      e.actor,
      e.roles.join(' '),
      e.actorJurisdiction,
      e.jurisdiction,
      e.correctedBy.map((c) => `${c.kind}: ${c.reason}`).join('; '),
      JSON.stringify(e.data),
    ]),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}

/** Escapes text for HTML element content and attribute values. */
function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font:12px sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #444;padding:3px;vertical-align:top;text-align:left}.struck{text-decoration:line-through}@media print{h2{page-break-before:always}h2:first-of-type{page-break-before:auto}}</style></head><body>${body}</body></html>`;
}

function rows(cells: readonly (readonly unknown[])[]): string {
  return cells.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
}

/** A one-line summary of an entry for activity logs. */
function activity(e: TimelineEntry): string {
  const fields = Object.entries(e.data)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
  return fields ? `${e.type} (${fields})` : e.type;
}

/** ICS 214 Activity Log, one section per person and position (FEMA 502-2; reference §2.5). */
export function ics214Html(incident: IncidentContext, entries: readonly TimelineEntry[]): string {
  const byPerson = new Map<string, TimelineEntry[]>();
  for (const e of entries) {
    const key = `${e.actor}\u0000${e.roles.join(', ')}\u0000${e.actorJurisdiction}`;
    byPerson.set(key, [...(byPerson.get(key) ?? []), e]);
  }
  const sections = [...byPerson].map(([key, list]) => {
    const [name = '', position = '', agency = ''] = key.split('\u0000');
    const body = list
      .map((e) => {
        const struck = e.correctedBy.some((c) => c.kind === 'strike');
        const note = e.correctedBy.map((c) => `[${c.kind} by ${c.by}: ${c.reason}]`).join(' ');
        return `<tr${struck ? ' class="struck"' : ''}><td>${escapeHtml(e.occurredAt)}</td><td>${escapeHtml(e.recordedAt)}</td><td>${escapeHtml(activity(e))} ${escapeHtml(note)}</td></tr>`;
      })
      .join('');
    return `<h2>ICS 214 Activity Log: ${escapeHtml(name)}</h2><table>${rows([
      ['Incident name', incident.title],
      ['Incident number', incident.incidentId],
      ['Name', name],
      ['ICS position', position],
      ['Home agency (jurisdiction)', agency],
    ])}</table><table><tr><th>Date/time (occurred)</th><th>Recorded</th><th>Notable activities</th></tr>${body}</table>`;
  });
  return page(`ICS 214 ${incident.title}`, sections.join('') || '<p>No activity recorded.</p>');
}

/** A scene figure as a form shows it: unknown (never reported) is a dash, not 0. */
function figure(value: number | null): string {
  return value === null ? '—' : String(value);
}

/**
 * The briefing an ICS 201 prints: the one a pending transfer was accepted under, else the latest
 * briefed open offer's, else the one of the last transfer that took effect (null: none recorded).
 */
function briefingOf(scene: SceneContext | null): { briefing: Briefing; note: string } | null {
  if (!scene) return null;
  const pending = scene.pendingTransfer;
  if (pending) return { briefing: pending.briefing, note: `transfer to ${pending.to.name} accepted, effective ${pending.effectiveAt}` };
  const offer = scene.offers.findLast((o) => o.briefing !== null);
  if (offer?.briefing) return { briefing: offer.briefing, note: `offered to ${offer.to.name}, not yet accepted` };
  const onRecord = scene.briefingOnRecord;
  return onRecord ? { briefing: onRecord.briefing, note: `last transfer of command: to ${onRecord.to.name}, effective ${onRecord.effectiveAt}` } : null;
}

/** Transfers that will happen or lapse by themselves (issue 20): the timers fire them at these times. */
function timedTransfers(scene: SceneContext | null): string[][] {
  if (!scene) return [];
  const pending = scene.pendingTransfer;
  return [
    ...(pending ? [[`Command passes to ${pending.to.name}`, pending.effectiveAt]] : []),
    ...scene.offers.flatMap((o) => [
      ...(o.effectiveAt === undefined ? [] : [[`Offer to ${o.to.name}: proposed effective time`, o.effectiveAt]]),
      ...(o.expiresAt === null ? [] : [[`Offer to ${o.to.name} lapses unless accepted`, o.expiresAt]]),
    ]),
  ];
}

/** The transfer-of-command briefing blocks (ref §2.3); '—' for a block a briefing recorded before issue 20 lacks. */
function briefingSection(scene: SceneContext | null): string {
  const found = briefingOf(scene);
  const timed = timedTransfers(scene);
  const timedTable = timed.length === 0 ? '' : `<h2>Timed transfer of command</h2><table><tr><th>What</th><th>When</th></tr>${rows(timed)}</table>`;
  if (!found) return `<h2>Transfer of command briefing</h2><p>No briefing recorded.</p>${timedTable}`;
  const { briefing: b, note } = found;
  const block = (value: string | undefined) => value ?? '—';
  return `<h2>Transfer of command briefing</h2><p>${escapeHtml(note)}</p><table>${rows([
    ['Situation', b.situation],
    ['Objectives and priorities', b.objectives],
    ['Current and planned actions', b.actions],
    ['Organisation', b.organisation],
    ['Resources assigned, ordered and needed', b.resources],
    ['Hazards and safety', b.hazards],
    ['Facilities', block(b.facilities)],
    ['Communications', block(b.communications)],
    ['Constraints', block(b.constraints)],
    ['Incident potential', block(b.incidentPotential)],
    ['Delegation of authority', block(b.delegationOfAuthority)],
  ])}</table>${timedTable}`;
}

/** ICS 201 Incident Briefing from the incident, its command structure, the transfer briefing and the latest scene report. */
export function ics201Html(incident: IncidentContext, scene: SceneContext | null, requests: readonly RequestFacts[], entries: readonly TimelineEntry[]): string {
  const report = scene?.latestReport ?? null;
  const actions = entries.filter((e) => !e.correctedBy.some((c) => c.kind === 'strike')).map((e) => [e.occurredAt, activity(e)]);
  return page(
    `ICS 201 ${incident.title}`,
    `<h1>ICS 201 Incident Briefing</h1><table>${rows([
      ['1. Incident name', incident.title],
      ['2. Incident number', incident.incidentId],
      ['3. Date/time initiated', incident.reportedAt],
      ['5. Situation summary', [incident.description, report ? `dead ${figure(report.dead)}, injured ${figure(report.injured)}, missing ${figure(report.missing)}, evacuated ${figure(report.evacuated)}` : ''].filter(Boolean).join(' — ')],
      ['6. Prepared by', scene?.commander?.name ?? ''],
      ['7. Current objectives', report?.objectives ?? ''],
      ['9. Current organisation', [scene?.commander ? `IC: ${scene.commander.name}` : 'no commander', ...(scene?.deputies ?? []).map((d) => `Deputy: ${d.name}`), ...(scene?.agencies ?? []).map((a) => `Agency: ${a.agency}`)].join('; ')],
      ['Command post', scene?.commandPost?.description ?? ''],
    ])}</table><h2>8. Current and planned actions</h2><table><tr><th>Time</th><th>Action</th></tr>${rows(actions)}</table><h2>10. Resource summary</h2><table><tr><th>Request</th><th>State</th><th>Ordered</th><th>Arrived</th></tr>${rows(requests.map((r) => [r.requestId, r.state, r.requestedAt ?? '', r.arrivedAt ?? '']))}</table>${briefingSection(scene)}`,
  );
}

export type Ics209Version = (typeof ICS209_VERSIONS)[number];

/** ICS 209 Incident Status Summary, initial / update / final (maps to 初报/续报/终报). */
export function ics209Html(incident: IncidentContext, scene: SceneContext | null, requests: readonly RequestFacts[], version: Ics209Version, now: Date): string {
  const report = scene?.latestReport ?? null;
  return page(
    `ICS 209 ${incident.title}`,
    `<h1>ICS 209 Incident Status Summary</h1><table>${rows([
      ['1. Incident name', incident.title],
      ['2. Incident number', incident.incidentId],
      ['3. Report version', version === 'initial' ? 'Initial' : version === 'update' ? 'Update' : 'Final'],
      ['4. Incident commander', scene?.commander?.name ?? ''],
      ['5. Incident management organisation', incident.leadJurisdiction],
      ['6. Incident start', incident.occurredAt ?? incident.reportedAt ?? ''],
      ['Prepared at', now.toISOString()],
      ['Category / severity / response level', `${incident.category ?? ''} / ${incident.severity ?? ''} / ${incident.responseLevel ?? ''}`],
      ['State', [incident.confirmedAt && 'confirmed', incident.controlledAt && 'controlled', incident.liftedAt && 'response lifted'].filter(Boolean).join(', ')],
      ['Casualties (dead / injured / missing / trapped)', report ? `${figure(report.dead)} / ${figure(report.injured)} / ${figure(report.missing)} / ${figure(report.trapped)}` : ''],
      ['Evacuated / sheltered', report ? `${figure(report.evacuated)} / ${figure(report.sheltered)}` : ''],
      ['Resources needed', report?.needs ?? ''],
    ])}</table><h2>Resource commitment</h2><table><tr><th>Request</th><th>State</th><th>Requested</th><th>Arrived</th></tr>${rows(requests.map((r) => [r.requestId, r.state, r.requestedAt ?? '', r.arrivedAt ?? '']))}</table>`,
  );
}
