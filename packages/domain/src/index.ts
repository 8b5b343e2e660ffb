export {
  SEVERITIES,
  INCIDENT_CATEGORIES,
  ROLES,
  severityAtLeast,
} from './shared';
export type { Severity, IncidentCategory, Role, Actor, CommandMeta, EmittedEvent } from './shared';
export { decide, replay, initialState, commandsAllowedIn, isOver } from './aggregate';
export type { AggregateDefinition, Decision, MachineCommand, PersistedState, ReplayableEvent } from './aggregate';
export { STREAM_TYPES, isStreamType, isStreamOf } from './streams';
export type { StreamTypes, StreamType, MachineOf, ContextOf, CommandOf, CommandTypeOf, EventOf, PayloadOf } from './streams';
export { incidentMachine, incidentAggregate } from './incident/incident.machine';
export { INCIDENT_EVENT_FOR, INCIDENT_STATES, REPORT_CHANNELS } from './incident/incident.types';
export type {
  IncidentCommand,
  IncidentCommandType,
  IncidentContext,
  IncidentEventType,
  IncidentState,
  Location,
  ReportChannel,
} from './incident/incident.types';
export { sceneMachine, sceneAggregate } from './scene/scene.machine';
export { SCENE_EVENT_FOR, SCENE_STATES } from './scene/scene.types';
export type {
  Person,
  Briefing,
  TransferOffer,
  PendingTransfer,
  SceneFigures,
  SceneReport,
  SceneContext,
  CommandTenure,
  OnSceneCommand,
  OnSceneCommandType,
  SceneState,
} from './scene/scene.types';
export { requestMachine, requestAggregate, dispatchedItems } from './request/request.machine';
export { REQUEST_EVENT_FOR, REQUEST_STATES, PRIORITIES } from './request/request.types';
export type { Priority, RequestedItem, ItemQuantity, Dispatch, RequestContext, RequestCommand, RequestCommandType, RequestState } from './request/request.types';
export { JurisdictionTree, InvalidJurisdictionTree, JURISDICTION_LEVELS } from './jurisdiction/jurisdiction-tree';
export type { JurisdictionRecord, JurisdictionLevel } from './jurisdiction/jurisdiction-tree';
export { ZHAOQING_JURISDICTIONS } from './jurisdiction/zhaoqing';
export { roomsOf, canSee } from './jurisdiction/visibility';
export { reportMachine, reportAggregate, pendingDeadlines, minutesLate } from './report/report.machine';
export { REPORT_EVENT_FOR, REPORT_STATES, REPORT_KINDS, reportStreamId, followUpTitle } from './report/report.types';
export type {
  ReportTerms,
  ReportKind,
  ReportItem,
  ReportContext,
  ReportedLosses,
  InitialReportContent,
  ReportCommand,
  ReportCommandType,
  ReportState,
} from './report/report.types';
export { DEFAULT_REPORT_RULES, reportTermsFor, addMinutes } from './report/report.rules';
export type { ReportRule, ReportRuleTable } from './report/report.rules';
export { correctionMachine, correctionAggregate, correctionStreamId, CORRECTION_EVENT_FOR, CORRECTION_STATES } from './correction/correction.machine';
export type { CorrectionKind, CorrectEntry, CorrectionCommand, CorrectionContext } from './correction/correction.machine';
