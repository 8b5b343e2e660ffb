import { COMMAND_COMMAND_SCHEMAS, CORRECTION_COMMAND_SCHEMAS, INCIDENT_COMMAND_SCHEMAS, REPORT_COMMAND_SCHEMAS, REQUEST_COMMAND_SCHEMAS, ReportIncidentSchema, type Schema } from '@muster/contracts';
import {
  commandAggregate,
  correctionAggregate,
  incidentAggregate,
  pendingDeadlines,
  reportAggregate,
  reportStreamId,
  reportTermsFor,
  requestAggregate,
  type AggregateDefinition,
  type EmittedEvent,
  type IncidentContext,
  type ItemQuantity,
  type ReportContext,
  type ReportRuleTable,
} from '@muster/domain';
import type { StoreEffect } from './ports';

/** A command one stream's event causes on another stream, in the same transaction (see `reactions`). */
export interface Reaction {
  streamType: string;
  streamId: string;
  type: string;
  data: Record<string, unknown>;
}

/** Configuration the reactions read: the reporting rule table. */
export interface ReactionEnv {
  reportRules: ReportRuleTable;
}

/** What the engine needs to know of one stream type. */
export interface AggregateRegistration {
  definition: AggregateDefinition;
  /** Commands that open a stream of this type; no other command may address a missing stream. */
  creates: readonly string[];
  /** Payload schema by command type: the engine parses every payload, whoever sent it. */
  schemas: Readonly<Record<string, Schema>>;
  /** The incident the stream belongs to, from its id, the creating payload or its state. */
  incidentOf(streamId: string, payload: Record<string, unknown>, context: Record<string, unknown> | null): string;
  /** Fields a creating command gets from the engine rather than from the caller. */
  creationFields(streamId: string, incidentId: string): Record<string, unknown>;
  /** Other streams of the same incident whose state the policy needs (e.g. who is in command). */
  related(incidentId: string): readonly { streamType: string; streamId: string }[];
  /** Side effects on reference data and deadlines that must commit with the event or not at all. */
  effectsOf(event: EmittedEvent, context: Record<string, unknown>): StoreEffect[];
  /**
   * Commands an accepted event causes on other streams, decided and committed with it. A reaction
   * the target's machine refuses (nothing to change) or that names a stream it cannot open is skipped.
   */
  reactions?(event: EmittedEvent, context: Record<string, unknown>, env: ReactionEnv): Reaction[];
  /** Rooms besides the incident's own whose feeds carry this stream's events. */
  extraRooms?(incident: IncidentContext): string[];
}

/** The on-scene command structure of an incident lives in its own stream. */
export function commandStreamId(incidentId: string): string {
  return `command:${incidentId}`;
}

const none = () => [];

/** The report obligation of an incident lives in its own stream, `report:<incidentId>`. */
export { reportStreamId };

/**
 * The incident's facts that make reports due (信息报送): confirmation opens the obligation with the
 * terms of the rule table, a new severity or category changes them, lifting the response makes the
 * 终报 due. All in the transaction of the incident command, so an obligation exists exactly when the
 * incident is confirmed.
 */
function incidentReactions(event: EmittedEvent, context: Record<string, unknown>, env: ReactionEnv): Reaction[] {
  const incident = context as unknown as IncidentContext;
  const to = (type: string, data: Record<string, unknown>): Reaction[] => [{ streamType: 'report', streamId: reportStreamId(incident.incidentId), type, data }];
  switch (event.type) {
    case 'IncidentConfirmed':
      if (incident.severity === null || incident.confirmedAt === null) return [];
      return to('OpenReportObligation', {
        incidentId: incident.incidentId,
        severity: incident.severity,
        category: incident.category,
        confirmedAt: incident.confirmedAt,
        jurisdiction: incident.leadJurisdiction,
        upperJurisdiction: incident.upperJurisdiction,
        exercise: incident.exercise,
        terms: reportTermsFor(env.reportRules, incident.severity, incident.category),
      });
    case 'IncidentClassified':
      // Before confirmation there is no obligation yet; the report stream then does not exist and the
      // reaction is skipped.
      if (incident.severity === null || incident.confirmedAt === null) return [];
      return to('AdjustReportObligation', {
        severity: incident.severity,
        category: incident.category,
        terms: reportTermsFor(env.reportRules, incident.severity, incident.category),
      });
    case 'ResponseLifted':
      return incident.liftedAt === null ? [] : to('RequireFinalReport', { liftedAt: incident.liftedAt });
    default:
      return [];
  }
}

/**
 * Keeps the deadline rows equal to what the obligation holds open: the pending ones stay (or are
 * added), every other pending deadline of the stream is cancelled. A met report thus cancels its own
 * deadline in the transaction that files it.
 */
function reportEffects(event: EmittedEvent, context: Record<string, unknown>): StoreEffect[] {
  const report = context as unknown as ReportContext;
  switch (event.type) {
    case 'ReportOverdue':
    case 'ReportAcknowledged':
      // Neither changes what is due: the fired row is marked by the timers, nothing else moves.
      return [];
    default: {
      const streamId = reportStreamId(report.incidentId);
      const pending = pendingDeadlines(report);
      return [
        { kind: 'cancelDeadlines', incidentId: report.incidentId, streamId, keep: pending },
        ...pending.map(
          ({ key, dueAt }): StoreEffect => ({
            kind: 'scheduleDeadline',
            deadline: {
              streamType: 'report',
              streamId,
              incidentId: report.incidentId,
              jurisdiction: report.jurisdiction,
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

export const AGGREGATES: Readonly<Record<string, AggregateRegistration>> = {
  incident: {
    definition: incidentAggregate,
    creates: ['ReportIncident'],
    schemas: { ReportIncident: ReportIncidentSchema, ...INCIDENT_COMMAND_SCHEMAS },
    incidentOf: (streamId) => streamId,
    creationFields: (streamId) => ({ incidentId: streamId }),
    related: none,
    // An incident that is over owes nothing more: every deadline still pending under it is cancelled.
    effectsOf: (event, context) =>
      event.type === 'IncidentClosed' || event.type === 'IncidentDismissed' ? [{ kind: 'cancelDeadlines', incidentId: String(context['incidentId']) }] : [],
    reactions: incidentReactions,
  },
  command: {
    definition: commandAggregate,
    creates: ['AssumeProvisionalCommand', 'AppointCommander'],
    schemas: COMMAND_COMMAND_SCHEMAS,
    incidentOf: (streamId) => streamId.replace(/^command:/, ''),
    creationFields: (_streamId, incidentId) => ({ incidentId }),
    related: none,
    effectsOf: none,
  },
  resourceRequest: {
    definition: requestAggregate,
    creates: ['SubmitResourceRequest'],
    schemas: REQUEST_COMMAND_SCHEMAS,
    incidentOf: (_streamId, payload, context) => String(context?.['incidentId'] ?? payload['incidentId']),
    creationFields: (streamId) => ({ requestId: streamId }),
    related: (incidentId) => [{ streamType: 'command', streamId: commandStreamId(incidentId) }],
    effectsOf: (event, context) => {
      const dispatch = context['dispatch'] as { depotId: string; teams: string[]; room?: string } | null;
      switch (event.type) {
        case 'ResourcesDispatched': {
          const effects: StoreEffect[] = [];
          const items = event.data['items'] as ItemQuantity[];
          // A room dispatches from its own depots and teams only; drawing on another room's is a request to that room.
          if (dispatch) effects.push({ kind: 'takeStock', depotId: dispatch.depotId, items, room: dispatch.room });
          if (dispatch?.teams.length) effects.push({ kind: 'assignTeams', teamIds: dispatch.teams, incidentId: String(context['incidentId']), room: dispatch.room });
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
    },
  },
  // Corrections of the incident's record (issue 7): new events that strike or amend earlier ones.
  correction: {
    definition: correctionAggregate,
    creates: ['CorrectEntry'],
    schemas: CORRECTION_COMMAND_SCHEMAS,
    incidentOf: (streamId) => streamId.replace(/^correction:/, ''),
    creationFields: (_streamId, incidentId) => ({ incidentId }),
    related: none,
    effectsOf: none,
  },
  report: {
    definition: reportAggregate,
    creates: ['OpenReportObligation'],
    schemas: REPORT_COMMAND_SCHEMAS,
    incidentOf: (streamId) => streamId.replace(/^report:/, ''),
    creationFields: (_streamId, incidentId) => ({ incidentId }),
    related: none,
    effectsOf: reportEffects,
    // Reports go up: the room above the lead receives them, and an overdue one escalates to it.
    extraRooms: (incident) => (incident.upperJurisdiction ? [incident.upperJurisdiction] : []),
  },
};
