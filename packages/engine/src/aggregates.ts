import { COMMAND_COMMAND_SCHEMAS, INCIDENT_COMMAND_SCHEMAS, REQUEST_COMMAND_SCHEMAS, ReportIncidentSchema, type Schema } from '@muster/contracts';
import {
  commandAggregate,
  incidentAggregate,
  requestAggregate,
  type AggregateDefinition,
  type EmittedEvent,
  type ItemQuantity,
} from '@muster/domain';
import type { StoreEffect } from './ports';

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
  /** Side effects on reference data that must commit with the event or not at all. */
  effectsOf(event: EmittedEvent, context: Record<string, unknown>): StoreEffect[];
}

/** The on-scene command structure of an incident lives in its own stream. */
export function commandStreamId(incidentId: string): string {
  return `command:${incidentId}`;
}

const none = () => [];

export const AGGREGATES: Readonly<Record<string, AggregateRegistration>> = {
  incident: {
    definition: incidentAggregate,
    creates: ['ReportIncident'],
    schemas: { ReportIncident: ReportIncidentSchema, ...INCIDENT_COMMAND_SCHEMAS },
    incidentOf: (streamId) => streamId,
    creationFields: (streamId) => ({ incidentId: streamId }),
    related: none,
    effectsOf: none,
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
      const dispatch = context['dispatch'] as { depotId: string; teams: string[] } | null;
      switch (event.type) {
        case 'ResourcesDispatched': {
          const effects: StoreEffect[] = [];
          const items = event.data['items'] as ItemQuantity[];
          if (dispatch) effects.push({ kind: 'takeStock', depotId: dispatch.depotId, items });
          if (dispatch?.teams.length) effects.push({ kind: 'assignTeams', teamIds: dispatch.teams, incidentId: String(context['incidentId']) });
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
};
