export {
  SEVERITIES,
  INCIDENT_CATEGORIES,
  INCIDENT_SUBTYPES,
  ROLES,
  severityAtLeast,
} from './shared';
export type { Role, Actor, CommandMeta, EmittedEvent, Severity } from './shared';
export { acceptsNow, commandsAllowedIn, decide, replay, initialState, isOver } from './aggregate';
export type { AggregateDefinition, Decision, PersistedState, ReplayableEvent } from './aggregate';
export { STREAM_TYPES, isStreamType, isStreamOf } from './streams';
export type { StreamType, MachineOf, ContextOf, CommandTypeOf, PayloadOf } from './streams';
export { incidentAggregate } from './incident/incident.machine';
export { INCIDENT_STATES, REPORT_CHANNELS } from './incident/incident.types';
export { linkageAbove, severitySetBy } from './incident/linkage';
export type {
  IncidentContext,
  IncidentState,
  SuggestionFigures,
} from './incident/incident.types';
export { sceneMachine, sceneAggregate, pendingTransferDeadlines } from './scene/scene.machine';
export { SCENE_STATES } from './scene/scene.types';
export type {
  Briefing,
  Person,
  SceneContext,
  OnSceneCommand,
} from './scene/scene.types';
export { requestAggregate } from './request/request.machine';
export { PRIORITIES } from './request/request.types';
export type { ItemQuantity, RequestContext } from './request/request.types';
export { JurisdictionTree, InvalidJurisdictionTree, JURISDICTION_LEVELS } from './jurisdiction/jurisdiction-tree';
export type { JurisdictionLevel, JurisdictionRecord } from './jurisdiction/jurisdiction-tree';
export {
  UNSOURCED,
  DEFAULT_PLAN_RULES,
  DEFAULT_RULE_BOOK,
  PLAN_RULE_SECTIONS,
  ruleBookOf,
  rulesFor,
  sectionSource,
  reportingRuleFor,
  supplementaryRuleFor,
  responseAuthorityFor,
  levelAtLeast,
  gradeOf,
} from './rules/plan-rules';
export type {
  PlanRules,
  CompletePlanRules,
  RuleBook,
  ReportingRule,
} from './rules/plan-rules';

export { ZHAOQING_JURISDICTIONS } from './jurisdiction/zhaoqing';
export { roomsOf, canSee } from './jurisdiction/visibility';
export { reportAggregate, pendingDeadlines } from './report/report.machine';
export { reportStreamId } from './report/report.types';
export { namedReport } from './report/report.schedule';
export type { ReportContext, ReportTerms, ChainLink } from './report/report.types';
export { correctionAggregate, correctionStreamId } from './correction/correction.machine';
export { supervisionAggregate, supervisionDeadlineIssue, pendingSupervisionDeadline } from './supervision/supervision.machine';
export { SUPERVISION_MIN_SEVERITY, supervisionStreamId } from './supervision/supervision.types';
export type { SupervisionContext } from './supervision/supervision.types';

export { warningAggregate, approvalBy, pendingWarningDeadlines } from './warning/warning.machine';
export { CAP_LEVEL_MAPPING, capStatusOf, gbStatusOf, beijingStamp, nextBeijingSecond, senderCodeOf } from './warning/warning.rules';
export { CAP_CATEGORIES, WARNING_CHANNELS, WARNING_LEVELS, WARNING_STATUSES, warningStreamId } from './warning/warning.types';
export type { WarningMessage, WarningContent, WarningContext, WarningLevel, WarningStatus } from './warning/warning.types';
// The last mile of a warning (issue 21): contacts, recipients, delivery and acknowledgement.
export { CONTACT_ROLES, DELIVERY_CHANNELS, WARNING_ACK_DEADLINE_EVENT } from './warning/warning.types';
export type { ContactRole, DeliveryChannelName, WarningRecipient } from './warning/warning.types';
export { boardOf } from './warning/last-mile';

export { drillAggregate, drillViewFor, drillRoleOf, drillViewerOf, injectDeliveryFor, pendingDrillDeadlines } from './drill/drill.machine';
export { CAPABILITY_RATINGS, DRILL_KINDS, DRILL_STATES, INJECT_KINDS, drillStreamId, injectDeadlineKey } from './drill/drill.types';
export type { DrillContext } from './drill/drill.types';
export { hazardAggregate, pendingHazardDeadlines, rectificationGaps } from './hazard/hazard.machine';
export { HAZARD_LISTING_RULE, TIP_OFF_IDENTITY_RULE } from './hazard/hazard.rules';
export { HAZARD_CRITERIA, HAZARD_GRADES, HAZARD_SOURCES, HAZARD_STATES, hazardStreamId } from './hazard/hazard.types';
export type { HazardContext } from './hazard/hazard.types';
export { PLAN_KINDS, REVISION_SOURCES, planInForce, revisionReasons } from './plan/plan.revision';
export type { RevisionRequest } from './plan/plan.revision';
// Registries of teams, experts, shelters and depots (issue 23).
export { REGISTRIES, TEAM_KINDS, READINESS, EXPERT_FIELDS, DEPOT_OWNERS, registryStreamId } from './registry/registry.types';
export type { Registry, Registration, RegistryCommand, RegistryEntry, EntryOf, RegistryEvent, StockLine } from './registry/registry.types';
export { decideRegistration, decideRegistry, applyRegistryEvent, foldRegistry } from './registry/registry.decide';
export type { RegistryRefusal } from './registry/registry.decide';
export { foldAvailability, distanceKm, bandOf } from './registry/availability';
export type { AvailabilityState } from './registry/availability';
