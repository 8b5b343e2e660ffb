import { ForbiddenError, ValidationError } from '@muster/contracts';
import {
  canSee,
  levelAtLeast,
  namedReport,
  responseAuthorityFor,
  type CompletePlanRules,
  type JurisdictionTree,
  type Actor,
  type SceneContext,
  type IncidentContext,
  type ReportContext,
  type RequestContext,
  type Severity,
  type SupervisionContext,
  type WarningContext,
  type WarningLevel,
  WARNING_LEVELS,
  approvalBy,
} from '@muster/domain';
import { hasRole, isRoomStaff } from './access';

interface AuthorizationRequest {
  actor: Actor;
  /** The in-process system caller that sent the command (e.g. 'timers'); null for every request from outside. */
  system: string | null;
  streamType: string;
  command: string;
  /** The stream's state before the command; null for a command that opens a stream. */
  context: Record<string, unknown> | null;
  /** The incident the stream belongs to, before the command (for an incident's own opening: null). */
  incident: IncidentContext | null;
  /** The payload, parsed. */
  payload: Record<string, unknown>;
  /** State of related streams of the same incident, by stream type. */
  related: Readonly<Record<string, Record<string, unknown> | null>>;
  tree: JurisdictionTree;
  /** The plan rules in force for the incident's lead jurisdiction (response authority, the upper room's rights). */
  rules: CompletePlanRules;
}

/** Decides whether an actor may send a command; throws ForbiddenError otherwise (DESIGN §3.7). */
export type Policy = (request: AuthorizationRequest) => void;

/** Duty officer or leader of the lead jurisdiction itself. */
function isLeadRoom(actor: Actor, incident: IncidentContext | null): boolean {
  return incident !== null && isRoomStaff(actor) && actor.jurisdiction === incident.leadJurisdiction;
}

/** Duty officer or leader of the lead jurisdiction or of a level above it (the city room for a county incident). */
function isCommandRoom(request: AuthorizationRequest): boolean {
  const { actor, incident, tree } = request;
  return incident !== null && isRoomStaff(actor) && tree.isWithin(incident.leadJurisdiction, actor.jurisdiction);
}

/** A supporting jurisdiction's room acts within its role: it dispatches its own resources and updates details. */
function isSupportingRoom(request: AuthorizationRequest): boolean {
  const { actor, incident } = request;
  return incident !== null && isRoomStaff(actor) && incident.supportingJurisdictions.includes(actor.jurisdiction);
}

/**
 * Where the sender's room stands to the incident (以县为主): the lead room, a room above it (staff or
 * admin of either), or neither.
 */
function standingOf(request: AuthorizationRequest): 'lead' | 'above' | null {
  const { actor, incident, tree } = request;
  if (!incident || !hasRole(actor, ['duty_officer', 'leader', 'admin'])) return null;
  if (actor.jurisdiction === incident.leadJurisdiction) return 'lead';
  return tree.isWithin(incident.leadJurisdiction, actor.jurisdiction) ? 'above' : null;
}

/** Whether the plan rules let a room above the lead send this command without taking the lead. */
function upperRoomMay(request: AuthorizationRequest): boolean {
  return request.rules.upperRoomRights.commands.includes(request.command);
}

/**
 * The lead room runs its incident; a room above it may send only what the upper room's rights list
 * (以县为主). Who else may send the command (supporting rooms) is for the caller to say.
 */
function leadOrUpperWithRights(request: AuthorizationRequest, alsoAllowed = false): void {
  const standing = standingOf(request);
  if (standing === 'lead' || alsoAllowed) return;
  if (standing === 'above' && upperRoomMay(request)) return;
  const { upperRoomRights } = request.rules;
  deny(
    request,
    `the lead room; the room above may only send ${upperRoomRights.commands.join(', ') || 'nothing'} without taking the lead (upperRoomRights: ${upperRoomRights.source})`,
    { rule: 'upperRoomRights', upperRoomCommands: upperRoomRights.commands },
  );
}

/**
 * A response level is activated by a room of the level the plan gives it (IV the county, III the
 * city, II and I the province); the room must also be the command room (above).
 */
function responseLevelAuthority(request: AuthorizationRequest): void {
  const { actor, payload, tree } = request;
  const level = payload['level'] as Severity;
  const rule = responseAuthorityFor(request.rules, level);
  const room = tree.get(actor.jurisdiction)?.level;
  if (rule === null || (room !== undefined && levelAtLeast(room, rule.lowestRoom))) return;
  deny(request, `a room of level ${rule.lowestRoom} or above: response level ${level} (rule ${rule.id}: ${rule.source})`, {
    rule: rule.id,
    level,
    lowestRoom: rule.lowestRoom,
  });
}

/**
 * RaiseLead: the lead room raises its incident to any room above it; a room above the lead takes the
 * lead for itself or for a room below it (`to`, default the level directly above the lead). A `to`
 * that is not above the lead is the enrichment's 400, not a question of rights.
 */
function raiseLeadRule(request: AuthorizationRequest): void {
  const { actor, incident, payload, tree } = request;
  const standing = standingOf(request);
  if (standing === 'lead' && isRoomStaff(actor)) return;
  if (standing === 'above' && isRoomStaff(actor) && upperRoomMay(request) && incident) {
    const named = payload['to'];
    const to = typeof named === 'string' ? named : tree.parentOf(incident.leadJurisdiction);
    const validTo = to !== null && tree.ancestorsOf(incident.leadJurisdiction).includes(to);
    if (!validTo || tree.isWithin(to, actor.jurisdiction)) return;
  }
  deny(request, 'the lead room, or a room above the lead for itself or a room below it');
}

function sceneOf(request: AuthorizationRequest): SceneContext | null {
  if (request.streamType === 'scene') return request.context as SceneContext | null;
  const structure = (request.related['scene'] ?? null) as SceneContext | null;
  // Once on-scene command is deactivated nobody is in command: its last commander and deputies are not.
  return structure?.deactivatedAt == null ? structure : null;
}

function isCommander(actor: Actor, scene: SceneContext | null): boolean {
  return scene?.commander?.userId === actor.userId;
}

function isInCommand(actor: Actor, scene: SceneContext | null): boolean {
  return isCommander(actor, scene) || (scene?.deputies.some((d) => d.userId === actor.userId) ?? false);
}

function deny(request: AuthorizationRequest, who: string, details: Record<string, unknown> = {}): never {
  throw new ForbiddenError(`${request.command} may be sent only by ${who}`, {
    command: request.command,
    userId: request.actor.userId,
    roles: request.actor.roles,
    jurisdiction: request.actor.jurisdiction,
    ...details,
  });
}

function incidentRule(request: AuthorizationRequest): void {
  const { actor, command, payload, tree } = request;
  switch (command) {
    case 'ReportIncident': {
      if (!hasRole(actor, ['duty_officer', 'leader', 'responder', 'agency_liaison', 'admin'])) deny(request, 'a duty officer, leader, responder or liaison');
      // 属地管理: an incident is reported into one's own jurisdiction or one below it (admins included:
      // an admin is a role within its jurisdiction, never above the tree).
      const lead = String(payload['leadJurisdiction']);
      if (tree.has(lead) && !tree.isWithin(lead, actor.jurisdiction)) {
        deny(request, `someone of jurisdiction ${lead} or above`);
      }
      return;
    }
    case 'UpdateIncidentDetails':
      // Supporting rooms correct what they know of the incident, as the lead does.
      return leadOrUpperWithRights(request, isSupportingRoom(request));
    case 'RaiseLead':
      return raiseLeadRule(request);
    case 'HandBackLead':
      if (!isLeadRoom(actor, request.incident)) deny(request, 'the room that holds the lead');
      return;
    case 'DeclineLead':
      if (!isRoomStaff(actor) || request.incident?.leadPrompt?.jurisdiction !== actor.jurisdiction) deny(request, 'the room prompted to take the lead');
      return;
    case 'SuggestSeverity':
      // The engine sends it itself when a scene report's figures reach a grading threshold.
      deny(request, 'the engine, as a consequence of a scene report');
      return;
    case 'ActivateResponse':
    case 'ChangeResponseLevel':
      leadOrUpperWithRights(request);
      return responseLevelAuthority(request);
    default:
      return leadOrUpperWithRights(request);
  }
}

function sceneRule(request: AuthorizationRequest): void {
  const { actor, command, incident, payload } = request;
  const structure = sceneOf(request);
  const offers = structure?.offers ?? [];
  const offerTo = (offerId: unknown) => offers.find((o) => o.offerId === offerId)?.to.userId;
  const incoming = structure?.pendingTransfer?.to.userId;
  switch (command) {
    case 'AssumeProvisionalCommand': {
      // The head of the first unit on scene takes command himself; the room may record it for him.
      const commander = payload['commander'] as { userId?: unknown } | undefined;
      if (commander?.userId !== actor.userId && !isLeadRoom(actor, incident)) deny(request, 'the person taking command, or the lead room');
      // Only someone of a jurisdiction the incident involves (lead, above it, linked or supporting):
      // a responder of an unrelated county cannot make himself commander of it.
      if (incident && !canSee(request.tree, actor.jurisdiction, incident)) deny(request, 'someone of a jurisdiction the incident involves');
      return;
    }
    case 'AppointCommander':
    case 'AppointDeputy':
    case 'RemoveDeputy':
    case 'DeactivateCommand':
      if (!isLeadRoom(actor, incident)) deny(request, "the lead jurisdiction's duty officer or leader");
      return;
    case 'OfferTransfer':
    case 'WithdrawTransfer':
    case 'RecordTransferBriefing':
      if (!isCommander(actor, structure) && !isLeadRoom(actor, incident)) deny(request, 'the current commander or the appointing authority');
      return;
    case 'AcceptTransfer':
    case 'DeclineTransfer': {
      // An offer that is no longer open (e.g. a competing offer was accepted first) is for the machine
      // to refuse as an illegal transition (409), not a permission question (403).
      const to = offerTo(payload['offerId']);
      if (to !== undefined && to !== actor.userId) deny(request, 'the person the command is offered to');
      return;
    }
    case 'ExpireTransfer':
    case 'MakeTransferEffective':
      // The timers fire both when their deadline row falls due (issue 20); people may still send them.
      if (isTimers(request)) return;
      if (!isCommander(actor, structure) && incoming !== actor.userId && !isLeadRoom(actor, incident)) {
        deny(request, 'the commander, the incoming commander or the lead room');
      }
      return;
    case 'JoinUnifiedCommand':
    case 'LeaveUnifiedCommand':
    case 'EstablishCommandPost':
      if (!isInCommand(actor, structure) && !isLeadRoom(actor, incident)) deny(request, 'the commander, a deputy or the lead room');
      return;
    case 'PostSceneReport':
      if (!isInCommand(actor, structure)) deny(request, 'the current commander or a deputy');
      return;
    default:
      deny(request, 'nobody (unknown command)');
  }
}

function requestRule(request: AuthorizationRequest): void {
  const { actor, command, context } = request;
  const structure = sceneOf(request);
  switch (command) {
    case 'SubmitResourceRequest':
      if (!isInCommand(actor, structure)) deny(request, 'the current commander or a deputy');
      return;
    case 'ApproveResourceRequest':
    case 'RejectResourceRequest':
    case 'DispatchResources':
      if (!isCommandRoom(request) && !isSupportingRoom(request)) deny(request, 'the command room or a supporting room');
      return;
    case 'MarkEnRoute':
    case 'ConfirmArrival':
    case 'ReleaseResources':
      if (!isCommandRoom(request) && !isSupportingRoom(request) && !isInCommand(actor, structure)) {
        deny(request, 'the command room, the commander or a deputy');
      }
      return;
    case 'CancelResourceRequest': {
      const requestedBy = (context as RequestContext | null)?.requestedBy;
      if (requestedBy !== actor.userId && !isCommandRoom(request) && !isCommander(actor, structure)) {
        deny(request, 'the requester, the commander or the command room');
      }
      return;
    }
    default:
      deny(request, 'nobody (unknown command)');
  }
}

/** The user id the timers service acts as; it fires deadlines and nothing else. */
export const TIMERS_USER_ID = 'muster-timers';

/** The identity under which the timers service sends a due deadline's command. */
export function timersActor(jurisdiction: string): Actor {
  return { userId: TIMERS_USER_ID, roles: ['admin'], jurisdiction };
}

/** The user id the last mile acts as (issue 21): the delivery worker and the recipients' signed links. */
const LAST_MILE_USER_ID = 'muster-last-mile';

/**
 * The identity under which the api records delivery facts of a warning of room `jurisdiction`: what
 * the delivery worker sent, what a channel reported delivered, and an acknowledgement through a
 * signed link (whose recipient has no login; the link's signature is what authorizes it).
 */
export function lastMileActor(jurisdiction: string): Actor {
  return { userId: LAST_MILE_USER_ID, roles: ['admin'], jurisdiction };
}

function isLastMile(request: AuthorizationRequest): boolean {
  return request.system === 'last-mile' && request.actor.userId === LAST_MILE_USER_ID && hasRole(request.actor, ['admin']);
}

/** A room owes reports on the incident: it has a line of the chain, or a report it still owes from before a lead change. */
function owesReports(request: AuthorizationRequest): boolean {
  const { actor } = request;
  const report = request.context as ReportContext | null;
  if (!report || !isRoomStaff(actor)) return false;
  return report.lines.some((l) => l.from === actor.jurisdiction) || report.items.some((i) => i.from === actor.jurisdiction && i.submittedAt === null);
}

/** 越级上报 goes to a room above the one the filer reports to: a known room, strictly above it. */
function checkDirectTo(request: AuthorizationRequest): void {
  const directTo = request.payload['directTo'];
  if (directTo === undefined) return;
  const { tree, actor } = request;
  const upper = tree.parentOf(actor.jurisdiction);
  if (typeof directTo !== 'string' || upper === null || !tree.ancestorsOf(upper).includes(directTo)) {
    throw new ValidationError([{ path: 'data.directTo', message: 'must be a room above the one your room reports to' }]);
  }
}

function reportRule(request: AuthorizationRequest): void {
  const { actor, command } = request;
  switch (command) {
    case 'RecordPhoneReport':
    case 'SubmitInitialReport':
    case 'SubmitFollowUpReport':
    case 'SubmitFinalReport':
    case 'SubmitSupplementaryReport':
      // The room that owes a report files it: the lead, a room above passing it on, or a former lead
      // for what it still owes from before the lead changed.
      if (!owesReports(request)) deny(request, 'a duty officer or leader of a room that owes reports on this incident');
      checkDirectTo(request);
      return;
    case 'AcknowledgeReport':
    case 'ReturnReport': {
      // The room a report was sent to receives it, acknowledges it or sends it back; never the room that filed it.
      if (!isRoomStaff(actor)) deny(request, 'a duty officer or leader of the room the report was sent to');
      const report = request.context as ReportContext | null;
      const item = report ? namedReport(report, request.payload['key'], request.payload['from']) : undefined;
      const receiver = item ? (item.directTo ?? item.to) : null;
      if (item === undefined) {
        if (!report?.lines.some((l) => l.to === actor.jurisdiction)) deny(request, 'the room the report was sent to');
        return;
      }
      if (receiver !== actor.jurisdiction || item.from === actor.jurisdiction) deny(request, `the room the report was sent to (${receiver ?? 'none'}), never the room that filed it`);
      return;
    }
    case 'DeadlinePassed':
      // Only the timers process itself: a token that merely carries the timers' user id is not it.
      if (request.system !== 'timers' || actor.userId !== TIMERS_USER_ID || !hasRole(actor, ['admin'])) deny(request, 'the timers service');
      return;
    case 'OpenReportObligation':
    case 'AdjustReportObligation':
    case 'RechargeReportObligation':
    case 'RequireFinalReport':
      // The engine sends these itself when the incident is confirmed, reclassified, handed on or lifted.
      deny(request, 'the engine, as a consequence of an incident command');
      return;
    default:
      deny(request, 'nobody (unknown command)');
  }
}

/** A timers firing: only the timers process itself; a token that merely carries the timers' user id is not it. */
function isTimers(request: AuthorizationRequest): boolean {
  return request.system === 'timers' && request.actor.userId === TIMERS_USER_ID && hasRole(request.actor, ['admin']);
}

/**
 * 督办: a room above the lead opens an item and accepts, returns or extends it; the room that owes
 * the task (its owner) reports progress and completion; only the timers mark it overdue.
 */
function supervisionRule(request: AuthorizationRequest): void {
  const { actor, command, incident, tree } = request;
  const item = request.context as SupervisionContext | null;
  const staffOf = (jurisdiction: string | undefined) => isRoomStaff(actor) && jurisdiction !== undefined && actor.jurisdiction === jurisdiction;
  switch (command) {
    case 'OpenSupervision':
      if (!incident || !isRoomStaff(actor) || actor.jurisdiction === incident.leadJurisdiction || !tree.isWithin(incident.leadJurisdiction, actor.jurisdiction)) {
        deny(request, "a duty officer or leader of a room above the incident's lead");
      }
      return;
    case 'ReportSupervisionProgress':
    case 'ReportSupervisionDone':
      if (!staffOf(item?.owner.jurisdiction)) deny(request, 'the room the item is addressed to (责任单位)');
      return;
    case 'CloseSupervision':
    case 'ReturnSupervision':
    case 'ExtendSupervision':
      if (!staffOf(item?.supervisingJurisdiction)) deny(request, 'the room that opened the item');
      return;
    case 'DeadlinePassed':
      if (!isTimers(request)) deny(request, 'the timers service');
      return;
    default:
      deny(request, 'nobody (unknown command)');
  }
}

/**
 * 预警: the issuing room's duty officers and leaders draft, revise, release and link its warnings;
 * approving, updating and lifting take whom the release rules allow for the level (Guangdong: the
 * government of the level approves before release, WARNING_APPROVAL_RULES); only the timers expire
 * one. A room above sees its rooms' warnings but does not act on them.
 */
function warningRule(request: AuthorizationRequest): void {
  const { actor, command } = request;
  const warning = request.context as WarningContext | null;
  const room = warning?.jurisdiction ?? actor.jurisdiction;
  const approver = () => warning !== null && approvalBy(actor, room, command === 'UpdateWarning' ? levelIn(request.payload) ?? warning.level : warning.level) !== null;
  switch (command) {
    case 'DraftWarning':
    case 'ReviseWarningDraft':
    case 'IssueWarning':
    case 'LinkWarningToIncident':
      if (!isRoomStaff(actor) || actor.jurisdiction !== room) deny(request, 'a duty officer or leader of the issuing room');
      return;
    case 'ApproveWarning':
    case 'UpdateWarning':
    case 'LiftWarning':
      if (!approver()) deny(request, 'whom the release rules allow to approve a warning of this level in the issuing room (its leader)');
      return;
    case 'DeadlinePassed':
      if (!isTimers(request)) deny(request, 'the timers service');
      return;
    // 人工通知: the issuing room's duty officers call the overdue recipients and record what came of it.
    case 'RecordManualOutcome':
      if (!isRoomStaff(actor) || actor.jurisdiction !== room) deny(request, 'a duty officer or leader of the issuing room');
      return;
    case 'RecordWarningSent':
    case 'RecordWarningDelivered':
    case 'AcknowledgeWarning':
      if (!isLastMile(request)) deny(request, 'the delivery worker or a signed acknowledgement link');
      return;
    default:
      deny(request, 'nobody (unknown command)');
  }
}

/** The level an update sets (its payload is parsed: one of WARNING_LEVELS). */
function levelIn(payload: Record<string, unknown>): WarningLevel | null {
  return WARNING_LEVELS.find((level) => level === payload['level']) ?? null;
}

/**
 * Who may do what (README, "Who may do what"). Reviewers read and never write, whatever else they
 * hold; every other rule depends on the stream type and the command.
 */
export const commandPolicy: Policy = (request) => {
  if (request.actor.roles.length === 0 || request.actor.roles.includes('reviewer')) {
    throw new ForbiddenError(`a reviewer may not send ${request.command}`, { command: request.command, roles: request.actor.roles });
  }
  switch (request.streamType) {
    case 'incident':
      return incidentRule(request);
    case 'scene':
      return sceneRule(request);
    case 'resourceRequest':
      return requestRule(request);
    case 'report':
      return reportRule(request);
    case 'correction':
      // The record is the command room's: the lead room and the levels above it correct it.
      if (!isCommandRoom(request)) deny(request, "a duty officer or leader of the lead jurisdiction or a level above it");
      return;
    case 'supervision':
      return supervisionRule(request);
    case 'warning':
      return warningRule(request);
    default:
      throw new ForbiddenError(`no policy for ${request.streamType}`);
  }
};
