import { ForbiddenError, ValidationError } from '@muster/contracts';
import {
  canSee,
  type CompletePlanRules,
  type JurisdictionTree,
  type Actor,
  type SceneContext,
  type IncidentContext,
  type ReportContext,
  type ReportItem,
  type RequestContext,
  type SupervisionContext,
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

/** An admin of the lead jurisdiction or a level above it: admin is a role within the tree, never over all of it. */
function isAdminOver(request: AuthorizationRequest): boolean {
  const { actor, incident, tree } = request;
  return incident !== null && hasRole(actor, ['admin']) && tree.isWithin(incident.leadJurisdiction, actor.jurisdiction);
}

/** A supporting jurisdiction's room acts within its role: it dispatches its own resources and updates details. */
function isSupportingRoom(request: AuthorizationRequest): boolean {
  const { actor, incident } = request;
  return incident !== null && isRoomStaff(actor) && incident.supportingJurisdictions.includes(actor.jurisdiction);
}

/** The room of the level above the lead: it may take the lead over (§17: the upper level leads). */
function isUpperRoom(request: AuthorizationRequest): boolean {
  const { actor, incident, tree } = request;
  if (!incident || !isRoomStaff(actor)) return false;
  const upper = tree.parentOf(incident.leadJurisdiction);
  return upper !== null && tree.isWithin(upper, actor.jurisdiction);
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

function deny(request: AuthorizationRequest, who: string): never {
  throw new ForbiddenError(`${request.command} may be sent only by ${who}`, {
    command: request.command,
    userId: request.actor.userId,
    roles: request.actor.roles,
    jurisdiction: request.actor.jurisdiction,
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
      if (!isCommandRoom(request) && !isSupportingRoom(request) && !isAdminOver(request)) deny(request, 'the command room or a supporting room');
      return;
    case 'RaiseLead':
      if (!isCommandRoom(request) && !isUpperRoom(request)) deny(request, 'the lead room or the room above it');
      return;
    case 'HandBackLead':
      if (!isLeadRoom(actor, request.incident)) deny(request, 'the room that holds the lead');
      return;
    default:
      if (!isCommandRoom(request) && !isAdminOver(request)) deny(request, 'the command room of the lead jurisdiction or above');
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

/** The report an acknowledgement or a return names: by its key and the room that owes it (default: the lead). */
function namedReport(request: AuthorizationRequest): ReportItem | undefined {
  const report = request.context as ReportContext | null;
  if (!report) return undefined;
  const from = typeof request.payload['from'] === 'string' ? request.payload['from'] : report.lead;
  return report.items.find((i) => i.from === from && i.key === request.payload['key']);
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
      const item = namedReport(request);
      const receiver = item ? (item.directTo ?? item.to) : null;
      if (item === undefined) {
        const report = request.context as ReportContext | null;
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
    default:
      throw new ForbiddenError(`no policy for ${request.streamType}`);
  }
};
