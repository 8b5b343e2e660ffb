export {
  SEVERITIES,
  INCIDENT_CATEGORIES,
  ROLES,
  severityAtLeast,
} from './shared';
export type { Severity, IncidentCategory, Role, Actor, CommandMeta, EmittedEvent } from './shared';
export { decide, replay, initialState, commandsAllowedIn } from './aggregate';
export type { AggregateDefinition, Decision, MachineCommand, PersistedState, ReplayableEvent } from './aggregate';
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
