import { COMMAND_PAYLOAD_SCHEMAS, ConflictError, ValidationError, type Schema } from '@muster/contracts';
import {
  SUPERVISION_MIN_SEVERITY,
  sceneAggregate,
  severityAtLeast,
  correctionAggregate,
  gradeOf,
  incidentAggregate,
  linkageAbove,
  severitySetBy,
  pendingDeadlines,
  pendingTransferDeadlines,
  reportAggregate,
  reportStreamId,
  levelAtLeast,
  reportingRuleFor,
  rulesFor,
  supplementaryRuleFor,
  type ChainLink,
  type JurisdictionLevel,
  type ReportTerms,
  type ReportingRule,
  type Severity,
  requestAggregate,
  pendingSupervisionDeadline,
  pendingWarningDeadlines,
  supervisionAggregate,
  warningAggregate,
  warningStreamId,
  WARNING_ACK_DEADLINE_EVENT,
  drillAggregate,
  drillRoleOf,
  drillStreamId,
  drillViewerOf,
  pendingDrillDeadlines,
  type DrillContext,
  hazardAggregate,
  hazardStreamId,
  pendingHazardDeadlines,
  rectificationGaps,
  type HazardContext,
  supervisionDeadlineIssue,
  supervisionStreamId,
  type Actor,
  type AggregateDefinition,
  type CommandTypeOf,
  type ContextOf,
  type EmittedEvent,
  type IncidentContext,
  type ItemQuantity,
  type JurisdictionTree,
  type MachineOf,
  type PayloadOf,
  type ReportContext,
  type RuleBook,
  type RequestContext,
  type SceneContext,
  type StreamType,
  type SuggestionFigures,
  type SupervisionContext,
  type WarningContext,
} from '@muster/domain';
import type { StoreEffect } from './ports';

/** A payload as the engine handles it, parsed by its command's schema (a JSON object). */
export type Payload = Readonly<Record<string, unknown>>;

/**
 * A command one stream's event causes on another stream, in the same transaction (see `reactions`).
 * Typed by the target's command: its payload is built by the engine, so it is not parsed again.
 */
export type Reaction = {
  [K in StreamType]: { [T in CommandTypeOf<K>]: { streamType: K; streamId: string; type: T; data: PayloadOf<K, T> } }[CommandTypeOf<K>];
}[StreamType];

/** Configuration the reactions read: the plan rules and the jurisdiction tree. */
export interface ReactionEnv {
  rules: RuleBook;
  tree: JurisdictionTree;
}

/** What a command's enrich hook may read besides the payload: its incident, its sender, the time and the plan rules. */
interface EnrichFacts {
  /** The incident before the command (null when the command opens the incident). */
  incident: IncidentContext | null;
  actor: Actor;
  now: Date;
  rules: RuleBook;
}

/**
 * The room a stream belongs to and whether its events are a drill's. `members`, when given, are the
 * only rooms that see the stream (a drill: its controller and its participants, not the rooms above
 * them); without it the room and the rooms above it do.
 */
interface OwnRoom {
  jurisdiction: string;
  exercise: boolean;
  members?: readonly string[];
  /**
   * The rooms whose feeds carry an event of the stream, by its type, when that is more than the
   * room itself (a drill: the events its participants may see reach them live too).
   */
  roomsOf?(eventType: string): readonly string[];
}

/**
 * What the engine needs to know of one stream type: its machine, its payload schemas and the hooks
 * by which it differs from the others. The pipeline (./pipeline) asks these and nothing else about
 * a stream type.
 */
export interface AggregateRegistration<K extends StreamType> {
  definition: AggregateDefinition<MachineOf<K>>;
  /** Commands that open a stream of this type; no other command may address a missing stream. */
  creates: readonly CommandTypeOf<K>[];
  /**
   * Commands that only ever open a new stream: sent to an id in use they are refused alike for
   * everyone, before anything about the stream is known, and their ids are scoped to the stream type
   * (a retried creation may name another new stream; see scopeOf).
   */
  opensOnly: readonly CommandTypeOf<K>[];
  /** Payload schema by command type: the engine parses every payload, whoever sent it. */
  schemas: { readonly [T in CommandTypeOf<K>]: Schema<Payload> };
  /** The incident the stream belongs to, from its id, the creating payload or its state. */
  incidentOf(streamId: string, payload: Payload, context: ContextOf<K> | null): string;
  /**
   * Present for the stream that is an incident itself: its state read as the incident's. Every other
   * stream belongs to an incident stream, whose visibility and state the engine loads first.
   */
  ownIncident?(context: ContextOf<K>): IncidentContext;
  /**
   * Present for a stream that belongs to a room rather than to an incident (a warning, which often
   * comes before any incident): the room (from the stream's state, or the sender's for the command
   * that opens it) and whether its events are a drill's. Such a stream is seen by its room and the
   * rooms above it, and its records (events, deadlines) are keyed by its own stream id.
   */
  ownRoom?(context: ContextOf<K> | null, actor: Actor): OwnRoom;
  /** Fields a creating command gets from the engine rather than from the caller. */
  creationFields(streamId: string, incidentId: string): Record<string, unknown>;
  /**
   * Checks a payload against the jurisdiction tree, the incident, the clock and the plan rules, and
   * fills in what they say (after authorization, so that a refusal here tells only someone allowed
   * to send it).
   */
  enrich?(type: CommandTypeOf<K>, payload: Payload, context: ContextOf<K> | null, tree: JurisdictionTree, facts: EnrichFacts): Payload;
  /** Other streams of the same incident whose state the policy needs (e.g. who is in command). */
  related(incidentId: string): readonly { streamType: StreamType; streamId: string }[];
  /**
   * Side effects on reference data and deadlines that must commit with the event or not at all
   * (`incident`: as it stands after the command; its lead is whom the timers act for).
   */
  effectsOf(event: EmittedEvent, context: ContextOf<K>, incident: IncidentContext | null): StoreEffect[];
  /** Side effects of the command that brings the stream to a state tagged `over` (see isOver). */
  whenOver?(context: ContextOf<K>): StoreEffect[];
  /**
   * Commands an accepted event causes on other streams, decided and committed with it. A reaction
   * the target's machine refuses (nothing to change) or that names a stream it cannot open is skipped.
   */
  reactions?(event: EmittedEvent, context: ContextOf<K>, env: ReactionEnv, incident: IncidentContext | null): Reaction[];
  /** Rooms besides the incident's own whose feeds carry this stream's events (the stream's state after the command). */
  extraRooms?(incident: IncidentContext, context: ContextOf<K>): string[];
}

/** The on-scene command structure of an incident lives in its own stream. */
export function sceneStreamId(incidentId: string): string {
  return `scene:${incidentId}`;
}

const none = () => [];

/** The report obligation of an incident lives in its own stream, `report:<incidentId>`. */
export { reportStreamId };

/**
 * The incident's facts that make reports due (信息报送): confirmation opens the obligation with the
 * terms of the lead's rules and the chain they ask for, a new severity or category changes both, a
 * lead change re-charges who owes and who receives, lifting the response makes the 终报 due. All in
 * the transaction of the incident command, so an obligation exists exactly when the incident is
 * confirmed and always follows its lead.
 */
function incidentReactions(event: EmittedEvent, incident: IncidentContext, env: ReactionEnv): Reaction[] {
  const streamId = reportStreamId(incident.incidentId);
  if (incident.severity === null || incident.confirmedAt === null) {
    // Before confirmation there is no obligation yet.
    return [];
  }
  const rule = reportingRuleOf(env, incident, incident.severity);
  const chain = chainFor(env.tree, incident.leadJurisdiction, rule?.reportsReach ?? null);
  switch (event.type) {
    case 'IncidentConfirmed':
      return [
        {
          streamType: 'report',
          streamId,
          type: 'OpenReportObligation',
          data: {
            incidentId: incident.incidentId,
            severity: incident.severity,
            category: incident.category,
            subtype: incident.subtype,
            // 接报: the clock of every deadline. Incidents recorded before it was kept start at their report.
            receivedAt: incident.receivedAt ?? incident.reportedAt ?? incident.confirmedAt,
            occurredAt: incident.occurredAt,
            confirmedAt: incident.confirmedAt,
            lead: incident.leadJurisdiction,
            chain,
            exercise: incident.exercise,
            terms: termsOf(env, incident, rule),
          },
        },
      ];
    case 'IncidentClassified':
    case 'SuggestedSeverityConfirmed':
      return [
        {
          streamType: 'report',
          streamId,
          type: 'AdjustReportObligation',
          data: { severity: incident.severity, category: incident.category, subtype: incident.subtype, terms: termsOf(env, incident, rule), chain },
        },
      ];
    case 'LeadRaised':
    case 'LeadHandedBack':
      return [
        {
          streamType: 'report',
          streamId,
          type: 'RechargeReportObligation',
          data: { lead: incident.leadJurisdiction, chain, reason: typeof event.data['reason'] === 'string' ? event.data['reason'] : '' },
        },
      ];
    case 'ResponseLifted':
      return incident.liftedAt === null ? [] : [{ streamType: 'report', streamId, type: 'RequireFinalReport', data: { liftedAt: incident.liftedAt } }];
    default:
      return [];
  }
}

function reportingRuleOf(env: ReactionEnv, incident: IncidentContext, severity: Severity): ReportingRule | null {
  return reportingRuleFor(rulesFor(env.rules, env.tree, incident.leadJurisdiction), severity, incident.category);
}

/**
 * The reporting chain of a lead: the lead reports to the room above it, and each room above passes the
 * reports on while it lies below the level the rule says they must reach (III+: the province).
 */
function chainFor(tree: JurisdictionTree, lead: string, reach: JurisdictionLevel | null): ChainLink[] {
  const upper = tree.parentOf(lead);
  if (upper === null) return [];
  const chain: ChainLink[] = [{ from: lead, to: upper, role: 'lead' }];
  for (let room = upper; reach !== null; ) {
    const next = tree.parentOf(room);
    const level = tree.get(room)?.level;
    if (next === null || level === undefined || levelAtLeast(level, reach)) break;
    chain.push({ from: room, to: next, role: 'relay' });
    room = next;
  }
  return chain;
}

/** The terms the obligation records: the reporting rule's deadlines and the 补报 window of the incident's kind. */
function termsOf(env: ReactionEnv, incident: IncidentContext, rule: ReportingRule | null): ReportTerms {
  const supplementary = supplementaryRuleFor(rulesFor(env.rules, env.tree, incident.leadJurisdiction), incident.category, incident.subtype);
  return {
    rule: rule?.id ?? 'none',
    phoneMinutes: rule?.phoneMinutes ?? null,
    writtenMinutes: rule?.writtenMinutes ?? null,
    relayPhoneMinutes: rule?.relayPhoneMinutes ?? null,
    relayWrittenMinutes: rule?.relayWrittenMinutes ?? null,
    followUp: rule?.followUp ?? null,
    finalWithinMinutes: rule?.finalWithinMinutes ?? null,
    correctionWithinMinutes: rule?.correctionWithinMinutes ?? null,
    supplementaryWindowDays: supplementary?.windowDays ?? null,
    supplementaryRule: supplementary?.id ?? null,
  };
}

/**
 * Every jurisdiction an incident command names must be one the tree knows; the tree fills in levels
 * above, and the linkage rules of the lead the rooms that follow a new severity.
 */
function enrichIncident(type: CommandTypeOf<'incident'>, payload: Payload, incident: IncidentContext | null, tree: JurisdictionTree, { rules }: EnrichFacts): Payload {
  for (const field of ['leadJurisdiction', 'jurisdiction', 'to']) {
    const code = payload[field];
    if (typeof code === 'string' && !tree.has(code)) throw new ValidationError([{ path: `data.${field}`, message: `unknown jurisdiction ${code}` }]);
  }
  if (type === 'ReportIncident') {
    const lead = String(payload['leadJurisdiction']);
    const severity = severitySetBy({ ...payload, type }, null);
    return { ...payload, upperJurisdiction: tree.parentOf(lead), ...(severity === null ? {} : { linkage: linkageAbove(rulesFor(rules, tree, lead), tree, lead, severity) }) };
  }
  if (type === 'RaiseLead') {
    const lead = incident?.leadJurisdiction ?? '';
    const named = payload['to'];
    const to = typeof named === 'string' ? named : tree.parentOf(lead);
    if (typeof named === 'string' && !tree.ancestorsOf(lead).includes(named)) {
      throw new ValidationError([{ path: 'data.to', message: `must be a jurisdiction above the lead ${lead}` }]);
    }
    // With nothing above the lead there is nobody to raise it to: the machine refuses (hasUpper).
    if (to === null) return { ...payload, upperJurisdiction: null };
    const severity = incident?.severity ?? null;
    return { ...payload, to, upperJurisdiction: tree.parentOf(to), ...(severity === null ? {} : { linkage: linkageAbove(rulesFor(rules, tree, to), tree, to, severity) }) };
  }
  const severity = severitySetBy({ ...payload, type }, incident);
  if (severity !== null && incident) return { ...payload, linkage: linkageAbove(rulesFor(rules, tree, incident.leadJurisdiction), tree, incident.leadJurisdiction, severity) };
  return payload;
}

/** The figures of the scene's latest report that the grading rules read; unknown ones (null) are left out. */
function gradingFiguresOf(scene: SceneContext): SuggestionFigures {
  const report = scene.latestReport;
  const figures: SuggestionFigures = {};
  if (report?.dead != null) figures.dead = report.dead;
  if (report?.injured != null) figures.injured = report.injured;
  return figures;
}

/**
 * A scene report whose figures reach a grading threshold above the incident's severity (分级标准)
 * suggests a reclassification on the incident, which its command room confirms or dismisses; the
 * same suggestion is not made twice while it is pending.
 */
function sceneReactions(event: EmittedEvent, scene: SceneContext, env: ReactionEnv, incident: IncidentContext | null): Reaction[] {
  if (event.type !== 'SceneReportPosted' || incident === null || scene.latestReport === null) return [];
  const figures = gradingFiguresOf(scene);
  const grade = gradeOf(rulesFor(env.rules, env.tree, incident.leadJurisdiction), incident.category, figures);
  if (grade === null) return [];
  if (incident.severity !== null && severityAtLeast(incident.severity, grade.severity)) return [];
  if (incident.suggestedSeverity?.severity === grade.severity) return [];
  return [
    {
      streamType: 'incident',
      streamId: incident.incidentId,
      type: 'SuggestSeverity',
      data: { severity: grade.severity, rule: grade.rule.id, source: grade.rule.source, figures, reportId: scene.latestReport.reportId },
    },
  ];
}

/**
 * Keeps the deadline rows equal to what the obligation holds open: the pending ones stay (or are
 * added), every other pending deadline of the stream is cancelled. A met report thus cancels its own
 * deadline in the transaction that files it.
 */
function reportEffects(event: EmittedEvent, report: ReportContext): StoreEffect[] {
  switch (event.type) {
    case 'ReportOverdue':
    case 'ReportAcknowledged':
      // Neither changes what is due: the fired row is marked by the timers, nothing else moves.
      return [];
    default: {
      const streamId = reportStreamId(report.incidentId);
      const pending = pendingDeadlines(report);
      return [
        { kind: 'cancelDeadlines', incidentId: report.incidentId, streamId, keep: pending.map(({ key, dueAt }) => ({ key, dueAt })) },
        ...pending.map(
          ({ key, dueAt, from }): StoreEffect => ({
            kind: 'scheduleDeadline',
            deadline: {
              streamType: 'report',
              streamId,
              incidentId: report.incidentId,
              jurisdiction: from,
              key,
              dueAt,
              command: { type: 'DeadlinePassed', data: { key, dueAt } },
            },
          }),
        ),
      ];
    }
  }
}

/** The scene events that change which offers are open or which transfer is pending. */
const TRANSFER_EVENTS: ReadonlySet<string> = new Set([
  'TransferOffered',
  'TransferAccepted',
  'TransferDeclined',
  'TransferWithdrawn',
  'TransferExpired',
  'TransferEffective',
  'CommandDeactivated',
]);

/**
 * Timed transfers (issue 20): keeps the deadline rows of the scene equal to its open offers' expiries
 * and its accepted transfer's effective time, in the transaction of the event that changes them. A
 * withdrawn, declined or early-accepted offer thus loses its expiry row as it happens, a hand-over its
 * effective row; a row a timers process is firing at that instant is left to the machine to judge.
 */
function sceneEffects(event: EmittedEvent, scene: SceneContext, incident: IncidentContext | null): StoreEffect[] {
  if (!TRANSFER_EVENTS.has(event.type)) return [];
  const streamId = sceneStreamId(scene.incidentId);
  const pending = pendingTransferDeadlines(scene);
  return [
    { kind: 'cancelDeadlines', incidentId: scene.incidentId, streamId, keep: pending.map(({ key, dueAt }) => ({ key, dueAt })) },
    ...pending.map(
      ({ key, dueAt, command }): StoreEffect => ({
        kind: 'scheduleDeadline',
        // The timers act for the lead room, which may send these commands itself.
        deadline: { streamType: 'scene', streamId, incidentId: scene.incidentId, jurisdiction: incident?.leadJurisdiction ?? '', key, dueAt, command },
      }),
    ),
  ];
}

/**
 * An offer's expiry must lie ahead (a 400 naming the field, before the machine refuses it as a
 * transition): an offer that lapsed before it was made offers nothing.
 */
function sceneChecks(type: CommandTypeOf<'scene'>, payload: Payload, _scene: SceneContext | null, _tree: JurisdictionTree, { now }: EnrichFacts): Payload {
  const expiresAt = payload['expiresAt'];
  if (type === 'OfferTransfer' && typeof expiresAt === 'string' && Date.parse(expiresAt) <= now.getTime()) {
    throw new ValidationError([{ path: 'data.expiresAt', message: 'must lie ahead: the offer would have lapsed before it was made' }]);
  }
  return payload;
}

/** Stock leaves its depot on dispatch and comes back on release; teams are assigned and released. */
function requestEffects(event: EmittedEvent, request: Pick<RequestContext, 'incidentId' | 'dispatch'>): StoreEffect[] {
  const { dispatch } = request;
  switch (event.type) {
    case 'ResourcesDispatched': {
      const effects: StoreEffect[] = [];
      // The machine records the dispatched items (resolved from the request) in the event.
      const items = event.data['items'] as ItemQuantity[];
      // A room dispatches from its own depots and teams only; drawing on another room's is a request to that room.
      if (dispatch) effects.push({ kind: 'takeStock', depotId: dispatch.depotId, items, room: dispatch.room });
      if (dispatch?.teams.length) effects.push({ kind: 'assignTeams', teamIds: dispatch.teams, incidentId: request.incidentId, room: dispatch.room });
      return effects;
    }
    case 'ResourcesReleased': {
      const effects: StoreEffect[] = [];
      const returned = (event.data['returned'] as ItemQuantity[] | undefined) ?? [];
      if (dispatch && returned.length) effects.push({ kind: 'returnStock', depotId: dispatch.depotId, items: returned });
      if (dispatch?.teams.length) effects.push({ kind: 'releaseTeams', teamIds: dispatch.teams });
      return effects;
    }
    default:
      return [];
  }
}

/**
 * What the engine checks of a supervision command before its machine sees it, with answers that name
 * the field: the incident is severe enough (409 otherwise: the request is well formed, the incident is
 * not one to supervise), the owner is a room the sender may supervise, the deadline lies ahead.
 * Fills in the supervising room (the sender's) and the incident's severity.
 */
function supervisionChecks(type: CommandTypeOf<'supervision'>, payload: Payload, _item: SupervisionContext | null, tree: JurisdictionTree, facts: EnrichFacts): Payload {
  const deadline = payload['deadline'];
  const deadlineIssue = typeof deadline === 'string' ? supervisionDeadlineIssue(deadline, facts.now.toISOString()) : null;
  if (type !== 'OpenSupervision') {
    if (deadlineIssue !== null) throw new ValidationError([{ path: 'data.deadline', message: deadlineIssue }]);
    return payload;
  }
  const { incident, actor } = facts;
  const severity = incident?.severity ?? null;
  if (incident === null || severity === null || !severityAtLeast(severity, SUPERVISION_MIN_SEVERITY)) {
    throw new ConflictError(
      `督办 (supervision) is for incidents of severity ${SUPERVISION_MIN_SEVERITY} or above; incident ${String(payload['incidentId'])} is ${severity === null ? 'not graded' : `of severity ${severity}`}`,
      { severity, required: SUPERVISION_MIN_SEVERITY },
    );
  }
  const owner = String((payload['owner'] as { jurisdiction?: unknown } | undefined)?.jurisdiction);
  const ownerPath = 'data.owner.jurisdiction';
  if (!tree.has(owner)) throw new ValidationError([{ path: ownerPath, message: `unknown jurisdiction ${owner}` }]);
  const involved = owner === incident.leadJurisdiction || incident.supportingJurisdictions.includes(owner);
  if (!involved || owner === actor.jurisdiction || !tree.isWithin(owner, actor.jurisdiction)) {
    throw new ValidationError([{ path: ownerPath, message: "must be the incident's lead or a supporting room, below the supervising room" }]);
  }
  if (deadlineIssue !== null) throw new ValidationError([{ path: 'data.deadline', message: deadlineIssue }]);
  return { ...payload, supervisingJurisdiction: actor.jurisdiction, severity };
}

/**
 * Keeps the deadline row of a supervision item equal to the one it holds: while it is open and its
 * deadline has not passed, that row; otherwise none. Reporting done, returning, extending and closing
 * thus cancel or replace the row in the transaction that does it.
 */
function supervisionEffects(event: EmittedEvent, item: SupervisionContext): StoreEffect[] {
  switch (event.type) {
    case 'SupervisionOverdue':
    case 'SupervisionEscalated':
      // The fired row is marked by the timers that hold it; nothing else is due.
      return [];
    default: {
      const streamId = supervisionStreamId(item.supervisionId);
      const pending = pendingSupervisionDeadline(item);
      const keep = pending === null ? [] : [pending];
      return [
        { kind: 'cancelDeadlines', incidentId: item.incidentId, streamId, keep },
        ...keep.map(
          ({ key, dueAt }): StoreEffect => ({
            kind: 'scheduleDeadline',
            deadline: {
              streamType: 'supervision',
              streamId,
              incidentId: item.incidentId,
              // The timers act on behalf of the room that owes the task.
              jurisdiction: item.owner.jurisdiction,
              key,
              dueAt,
              command: { type: 'DeadlinePassed', data: { key, dueAt } },
            },
          }),
        ),
      ];
    }
  }
}

/**
 * A draft names areas the tree knows, within the issuing room (a county warns its own townships; the
 * city its counties); the issuing room is the sender's.
 */
function warningChecks(type: CommandTypeOf<'warning'>, payload: Payload, warning: WarningContext | null, tree: JurisdictionTree, { actor }: EnrichFacts): Payload {
  const content = payload['content'] as { area?: { jurisdictions?: unknown } } | undefined;
  const codes = content?.area?.jurisdictions;
  if (Array.isArray(codes)) {
    const room = warning?.jurisdiction ?? actor.jurisdiction;
    for (const [i, code] of codes.entries()) {
      // A 9-digit township code lies within its county's 6 digits.
      const county = typeof code === 'string' ? code.slice(0, 6) : '';
      if (!tree.has(county) || !tree.isWithin(county, room)) {
        throw new ValidationError([{ path: `data.content.area.jurisdictions.${i}`, message: `must be an area the tree knows within ${room}` }]);
      }
    }
  }
  return type === 'DraftWarning' ? { ...payload, jurisdiction: actor.jurisdiction } : payload;
}

/** Delivery facts: many per warning, none of them moves a deadline. */
const LAST_MILE_EVENTS: ReadonlySet<string> = new Set(['WarningSent', 'WarningDelivered', 'WarningAcknowledged', 'WarningManualOutcomeRecorded']);

/**
 * Keeps the warning's deadline rows equal to what it holds: its expiry while it is in force, and its
 * acknowledgement deadline (last mile) until that passed; none otherwise.
 */
function warningEffects(event: EmittedEvent, warning: WarningContext): StoreEffect[] {
  // Neither the firing of a row nor a delivery fact changes what is due.
  if (event.type === 'WarningExpired' || event.type === WARNING_ACK_DEADLINE_EVENT || LAST_MILE_EVENTS.has(event.type)) return [];
  const streamId = warningStreamId(warning.warningId);
  const keep = pendingWarningDeadlines(warning);
  return [
    { kind: 'cancelDeadlines', incidentId: streamId, streamId, keep },
    ...keep.map(
      ({ key, dueAt }): StoreEffect => ({
        kind: 'scheduleDeadline',
        deadline: { streamType: 'warning', streamId, incidentId: streamId, jurisdiction: warning.jurisdiction, key, dueAt, command: { type: 'DeadlinePassed', data: { key, dueAt } } },
      }),
    ),
  ];
}

/**
 * Drill events the participants' feeds carry live (issue 22): the start, the incidents, the injects
 * as delivered (as if from outside: never the MSEL, never an expected action), the end and the hot
 * wash; once the drill has ended, everything (they then see the whole drill). The MSEL (planned,
 * added or skipped injects), pauses and observations before the end stay the controller's.
 */
function playersSeeLive(drill: DrillContext, eventType: string): boolean {
  if (drill.endedAt !== null) return true;
  switch (eventType) {
    case 'DrillStarted':
    case 'DrillIncidentLinked':
    case 'InjectDelivered':
    case 'DrillEnded':
    case 'HotWashRecorded':
      return true;
    // A drill not double-blind may be cancelled before it starts: its players knew of it.
    case 'DrillCancelled':
      return !drill.doubleBlind;
    default:
      return false;
  }
}

/**
 * A drill names rooms the tree knows: its participants lie below its controlling room (the sender's,
 * which is filled in), so that the controller sees the drill's incidents as the rooms above see a
 * county's; a corrective action is owed by a room of the drill.
 */
function drillChecks(type: CommandTypeOf<'drill'>, payload: Payload, drill: DrillContext | null, tree: JurisdictionTree, { actor }: EnrichFacts): Payload {
  if (type === 'PlanDrill') {
    const participants = Array.isArray(payload['participants']) ? (payload['participants'] as unknown[]) : [];
    for (const [i, code] of participants.entries()) {
      if (typeof code !== 'string' || !tree.has(code) || code === actor.jurisdiction || !tree.isWithin(code, actor.jurisdiction)) {
        throw new ValidationError([{ path: `data.participants.${i}`, message: `must be a room the tree knows below the controlling room ${actor.jurisdiction}` }]);
      }
    }
    return { ...payload, controller: actor.jurisdiction };
  }
  if (type === 'RecordObservation' && drill && !drill.objectives.includes(String(payload['objective']))) {
    throw new ValidationError([{ path: 'data.objective', message: `must be one of the drill's objectives: ${drill.objectives.join('; ')}` }]);
  }
  if (type === 'DraftAfterActionReport' && drill) {
    const actions = Array.isArray(payload['correctiveActions']) ? (payload['correctiveActions'] as { owner?: unknown }[]) : [];
    for (const [i, action] of actions.entries()) {
      if (typeof action.owner !== 'string' || drillRoleOf(drill, action.owner) === null) {
        throw new ValidationError([{ path: `data.correctiveActions.${i}.owner`, message: 'must be the controlling room or a participant of the drill' }]);
      }
    }
  }
  return payload;
}

/**
 * Keeps the drill's deadline rows equal to what it holds pending (its injects while it runs
 * unpaused, its open corrective actions): a pause cancels the inject rows, a resume schedules them
 * again, a closed action loses its row, all in the transaction of the command. Filed under the drill's
 * own stream id and acted on for the controller: a drill's deadline never reaches a real room.
 */
function drillEffects(event: EmittedEvent, drill: DrillContext): StoreEffect[] {
  // The fired row is marked by the timers that hold it; nothing else is due.
  if (event.type === 'InjectDelivered' || event.type === 'CorrectiveActionOverdue') return [];
  const streamId = drillStreamId(drill.drillId);
  const pending = pendingDrillDeadlines(drill);
  return [
    { kind: 'cancelDeadlines', incidentId: streamId, streamId, keep: pending.map(({ key, dueAt }) => ({ key, dueAt })) },
    ...pending.map(
      ({ key, dueAt, command }): StoreEffect => ({
        kind: 'scheduleDeadline',
        deadline: { streamType: 'drill', streamId, incidentId: streamId, jurisdiction: drill.controller, key, dueAt, command },
      }),
    ),
  ];
}

/**
 * A hazard is reported into a jurisdiction the tree knows (the county of a township's code owns it;
 * the engine fills it in with the room above, to which an overdue rectification escalates); deadlines
 * lie ahead; a 重大 hazard's rectification names its plan's six parts and interim controls — each
 * refusal a 400 naming the field.
 */
function hazardChecks(type: CommandTypeOf<'hazard'>, payload: Payload, hazard: HazardContext | null, tree: JurisdictionTree, { now }: EnrichFacts): Payload {
  const deadline = payload['deadline'];
  if (typeof deadline === 'string' && Date.parse(deadline) <= now.getTime()) {
    throw new ValidationError([{ path: 'data.deadline', message: 'must lie ahead' }]);
  }
  if (type === 'AssignRectification' && hazard !== null) {
    const gaps = rectificationGaps(hazard.grade, payload['plan'] as Parameters<typeof rectificationGaps>[1], payload['interimControls'] as string[] | undefined);
    if (gaps.length > 0) throw new ValidationError(gaps.map((gap) => ({ path: `data.${gap}`, message: 'a 重大 hazard’s rectification needs its plan (six parts) and interim controls' })));
  }
  if (type !== 'ReportHazard') return payload;
  const code = String((payload['location'] as { jurisdiction?: unknown } | undefined)?.jurisdiction);
  const county = code.slice(0, 6);
  if (!tree.has(county)) throw new ValidationError([{ path: 'data.location.jurisdiction', message: `unknown jurisdiction ${code}` }]);
  return { ...payload, jurisdiction: county, upperJurisdiction: tree.parentOf(county) };
}

/** Keeps the hazard's deadline rows equal to what it holds (its rectification's, its listed supervision's). */
function hazardEffects(event: EmittedEvent, hazard: HazardContext): StoreEffect[] {
  if (event.type === 'HazardDeadlinePassed') return [];
  const streamId = hazardStreamId(hazard.hazardId);
  const pending = pendingHazardDeadlines(hazard);
  return [
    { kind: 'cancelDeadlines', incidentId: streamId, streamId, keep: pending },
    ...pending.map(
      ({ key, dueAt }): StoreEffect => ({
        kind: 'scheduleDeadline',
        deadline: { streamType: 'hazard', streamId, incidentId: streamId, jurisdiction: hazard.jurisdiction, key, dueAt, command: { type: 'DeadlinePassed', data: { key, dueAt } } },
      }),
    ),
  ];
}

export const AGGREGATES: { readonly [K in StreamType]: AggregateRegistration<K> } = {
  incident: {
    definition: incidentAggregate,
    creates: ['ReportIncident'],
    opensOnly: ['ReportIncident'],
    schemas: COMMAND_PAYLOAD_SCHEMAS.incident,
    incidentOf: (streamId) => streamId,
    ownIncident: (incident) => incident,
    creationFields: (streamId) => ({ incidentId: streamId }),
    enrich: enrichIncident,
    related: none,
    effectsOf: none,
    // An incident that is over owes nothing more: every deadline still pending under it is cancelled.
    whenOver: (incident) => [{ kind: 'cancelDeadlines', incidentId: incident.incidentId }],
    reactions: incidentReactions,
  },
  scene: {
    definition: sceneAggregate,
    creates: ['AssumeProvisionalCommand', 'AppointCommander'],
    opensOnly: [],
    schemas: COMMAND_PAYLOAD_SCHEMAS.scene,
    incidentOf: (streamId) => streamId.replace(/^scene:/, ''),
    creationFields: (_streamId, incidentId) => ({ incidentId }),
    enrich: sceneChecks,
    related: none,
    effectsOf: sceneEffects,
    reactions: sceneReactions,
  },
  resourceRequest: {
    definition: requestAggregate,
    creates: ['SubmitResourceRequest'],
    opensOnly: ['SubmitResourceRequest'],
    schemas: COMMAND_PAYLOAD_SCHEMAS.resourceRequest,
    incidentOf: (_streamId, payload, request) => String(request?.incidentId ?? payload['incidentId']),
    creationFields: (streamId) => ({ requestId: streamId }),
    related: (incidentId) => [{ streamType: 'scene', streamId: sceneStreamId(incidentId) }],
    effectsOf: requestEffects,
  },
  // Corrections of the incident's record (issue 7): new events that strike or amend earlier ones.
  correction: {
    definition: correctionAggregate,
    creates: ['CorrectEntry'],
    opensOnly: [],
    schemas: COMMAND_PAYLOAD_SCHEMAS.correction,
    incidentOf: (streamId) => streamId.replace(/^correction:/, ''),
    creationFields: (_streamId, incidentId) => ({ incidentId }),
    related: none,
    effectsOf: none,
  },
  report: {
    definition: reportAggregate,
    creates: ['OpenReportObligation'],
    opensOnly: [],
    schemas: COMMAND_PAYLOAD_SCHEMAS.report,
    incidentOf: (streamId) => streamId.replace(/^report:/, ''),
    creationFields: (_streamId, incidentId) => ({ incidentId }),
    related: none,
    effectsOf: reportEffects,
    // Reports go up: the room above the lead receives them, and an overdue one escalates to it. Not
    // in a drill (演练): its reports and their deadlines stay with the rooms that take part in it.
    extraRooms: (incident) => (incident.upperJurisdiction && !incident.exercise ? [incident.upperJurisdiction] : []),
  },
  // 督办 (issue 16): a room above the lead supervises a task of a room of the incident.
  supervision: {
    definition: supervisionAggregate,
    creates: ['OpenSupervision'],
    opensOnly: ['OpenSupervision'],
    schemas: COMMAND_PAYLOAD_SCHEMAS.supervision,
    // Only the item's state (or its opening) knows its incident; '' names none.
    incidentOf: (_streamId, payload, item) => item?.incidentId ?? (typeof payload['incidentId'] === 'string' ? payload['incidentId'] : ''),
    creationFields: (streamId, incidentId) => ({ supervisionId: streamId.replace(/^supervision:/, ''), incidentId }),
    enrich: supervisionChecks,
    related: none,
    effectsOf: supervisionEffects,
    // The supervising room follows its items even when it does not follow the incident (a province over a county).
    extraRooms: (_incident, item) => (item.supervisingJurisdiction ? [item.supervisingJurisdiction] : []),
  },
  // 预警 (issue 21): a room's warning, approved before release, expired by the timers.
  warning: {
    definition: warningAggregate,
    creates: ['DraftWarning'],
    opensOnly: ['DraftWarning'],
    schemas: COMMAND_PAYLOAD_SCHEMAS.warning,
    // Its records are its own: keyed by its stream id, like an incident's by the incident's.
    incidentOf: (streamId) => streamId,
    ownRoom: (warning, actor) => ({ jurisdiction: warning?.jurisdiction || actor.jurisdiction, exercise: warning?.status === 'exercise' }),
    creationFields: (streamId) => ({ warningId: streamId.replace(/^warning:/, '') }),
    enrich: warningChecks,
    related: none,
    effectsOf: warningEffects,
  },
  // 演练 (issue 22): controlled by one room, played by others; its incidents are ordinary exercise incidents.
  drill: {
    definition: drillAggregate,
    creates: ['PlanDrill'],
    opensOnly: ['PlanDrill'],
    schemas: COMMAND_PAYLOAD_SCHEMAS.drill,
    // Its records are its own (events, deadlines), keyed by its stream id: never a real incident's.
    incidentOf: (streamId) => streamId,
    // Seen by its controller and its participants only (a double-blind drill's from StartEx on);
    // filed under the controller, always a drill's.
    ownRoom: (drill, actor) => {
      const controller = drill?.controller || actor.jurisdiction;
      const players = drill?.participants.filter((room) => drillViewerOf(drill, room) !== null) ?? [];
      const members = [controller, ...players];
      return { jurisdiction: controller, exercise: true, members, roomsOf: (type) => (drill && playersSeeLive(drill, type) ? members : [controller]) };
    },
    creationFields: (streamId) => ({ drillId: streamId.replace(/^drill:/, '') }),
    enrich: drillChecks,
    related: none,
    effectsOf: drillEffects,
  },
  // 风险隐患 (issue 24): a county's hazard, its rectification under deadlines fired by the timers.
  hazard: {
    definition: hazardAggregate,
    creates: ['ReportHazard'],
    opensOnly: ['ReportHazard'],
    schemas: COMMAND_PAYLOAD_SCHEMAS.hazard,
    incidentOf: (streamId) => streamId,
    // Before its report the room is the sender's (a tip-off's intake acts as the county named).
    ownRoom: (hazard, actor) => ({ jurisdiction: hazard?.jurisdiction || actor.jurisdiction, exercise: false }),
    creationFields: (streamId) => ({ hazardId: streamId.replace(/^hazard:/, '') }),
    enrich: hazardChecks,
    related: none,
    effectsOf: hazardEffects,
  },
};

/** Whether `type` is a command of the registration's stream type (one it has a schema for). */
export function isCommandOf<K extends StreamType>(registration: AggregateRegistration<K>, type: string): type is CommandTypeOf<K> {
  return Object.hasOwn(registration.schemas, type);
}
