import type { ContextFrom } from 'xstate';
import type { PersistedState } from './aggregate';
import type { sceneMachine } from './scene/scene.machine';
import type { SCENE_EVENT_FOR, OnSceneCommand } from './scene/scene.types';
import type { CORRECTION_EVENT_FOR, CorrectionCommand, correctionMachine } from './correction/correction.machine';
import type { incidentMachine } from './incident/incident.machine';
import type { INCIDENT_EVENT_FOR, IncidentCommand } from './incident/incident.types';
import type { reportMachine } from './report/report.machine';
import type { REPORT_EVENT_FOR, ReportCommand } from './report/report.types';
import type { requestMachine } from './request/request.machine';
import type { REQUEST_EVENT_FOR, RequestCommand } from './request/request.types';
import type { supervisionMachine } from './supervision/supervision.machine';
import type { SUPERVISION_EVENT_FOR, SupervisionCommand } from './supervision/supervision.types';
import type { warningMachine } from './warning/warning.machine';
import type { WARNING_EVENT_FOR, WarningCommand } from './warning/warning.types';
import type { drillMachine } from './drill/drill.machine';
import type { DRILL_EVENT_FOR, DrillCommand } from './drill/drill.types';

/**
 * Every stream type: the machine that keeps its state, the commands it takes and the events it
 * records. What crosses a package boundary about a stream is typed from here (issue 15): its context
 * (ContextOf), its commands and their payloads (PayloadOf), its events (EventOf).
 */
interface StreamTypes {
  incident: { machine: typeof incidentMachine; command: IncidentCommand; eventFor: typeof INCIDENT_EVENT_FOR };
  scene: { machine: typeof sceneMachine; command: OnSceneCommand; eventFor: typeof SCENE_EVENT_FOR };
  resourceRequest: { machine: typeof requestMachine; command: RequestCommand; eventFor: typeof REQUEST_EVENT_FOR };
  report: { machine: typeof reportMachine; command: ReportCommand; eventFor: typeof REPORT_EVENT_FOR };
  correction: { machine: typeof correctionMachine; command: CorrectionCommand; eventFor: typeof CORRECTION_EVENT_FOR };
  supervision: { machine: typeof supervisionMachine; command: SupervisionCommand; eventFor: typeof SUPERVISION_EVENT_FOR };
  /** A warning belongs to the room that issues it, not to an incident (it may come before any). */
  warning: { machine: typeof warningMachine; command: WarningCommand; eventFor: typeof WARNING_EVENT_FOR };
  /** A drill (演练, issue 22) is controlled by one room and played by others; its incidents are ordinary exercise incidents. */
  drill: { machine: typeof drillMachine; command: DrillCommand; eventFor: typeof DRILL_EVENT_FOR };
}

export type StreamType = keyof StreamTypes;

export const STREAM_TYPES = ['incident', 'scene', 'resourceRequest', 'report', 'correction', 'supervision', 'warning', 'drill'] as const satisfies readonly StreamType[];

/** The machine of a stream type. */
export type MachineOf<K extends StreamType> = StreamTypes[K]['machine'];
/**
 * The state a stream's machine keeps (IncidentContext for an incident …). Taken from the machine
 * itself, so that what the decider returns and what the map says are one type, even for a generic K.
 */
export type ContextOf<K extends StreamType> = ContextFrom<MachineOf<K>>;
/** The commands a stream's machine takes, as the machine sees them (payload, type and meta). */
type CommandOf<K extends StreamType> = StreamTypes[K]['command'];
export type CommandTypeOf<K extends StreamType> = CommandOf<K>['type'];

/**
 * Fields of a command the engine fills in, never the sender: the ids of a stream it opens, what the
 * jurisdiction tree says (the upper level of a lead) and what the plan rules make of it (the rooms
 * that follow a severity). Commands not named here have none.
 */
interface EngineFilled {
  ReportIncident: 'incidentId' | 'upperJurisdiction' | 'linkage';
  ConfirmIncident: 'linkage';
  ClassifyIncident: 'linkage';
  ConfirmSuggestedSeverity: 'linkage';
  RaiseLead: 'upperJurisdiction' | 'linkage';
  AssumeProvisionalCommand: 'incidentId';
  AppointCommander: 'incidentId';
  SubmitResourceRequest: 'requestId';
  CorrectEntry: 'incidentId';
  OpenSupervision: 'supervisionId' | 'supervisingJurisdiction' | 'severity';
  DraftWarning: 'warningId' | 'jurisdiction';
  PlanDrill: 'drillId' | 'controller';
}
type FilledBy<T extends string> = T extends keyof EngineFilled ? EngineFilled[T] : never;

/**
 * The payload a sender gives with command T of stream type K: the machine's command without its type,
 * its meta and the fields the engine fills in. Contracts' payload schemas parse to exactly this type
 * (checked at compile time in @muster/contracts, COMMAND_PAYLOAD_SCHEMAS).
 */
export type PayloadOf<K extends StreamType, T extends CommandTypeOf<K>> = Omit<Extract<CommandOf<K>, { type: T }>, 'type' | 'meta' | FilledBy<T>>;

export function isStreamType(value: string): value is StreamType {
  return (STREAM_TYPES as readonly string[]).includes(value);
}

/**
 * Whether a stored stream (or a write, or a read-model row) is of type K; its state is then taken to
 * be what K's machine keeps. This is the one place a stored snapshot is taken at its word: every
 * stream row is written by the engine with the state its machine's decide() returned, under the
 * stream type of that machine. (Snapshots written by older versions may lack fields added since;
 * readers of such fields keep their defaults.)
 */
export function isStreamOf<K extends StreamType, S extends { streamType: string; state: PersistedState<unknown> }>(
  stream: S,
  streamType: K,
): stream is S & { streamType: K; state: PersistedState<ContextOf<K>> } {
  return stream.streamType === streamType;
}
