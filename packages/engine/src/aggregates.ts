import { INCIDENT_COMMAND_SCHEMAS, ReportIncidentSchema } from '@muster/contracts';
import { incidentAggregate, type AggregateDefinition } from '@muster/domain';
import type { z } from 'zod';

/** What the engine needs to know of one stream type. */
export interface AggregateRegistration {
  definition: AggregateDefinition;
  /** The command that opens a stream of this type; no other command may address a missing stream. */
  creates: string;
  /** Payload schema by command type: the engine parses every payload, whoever sent it. */
  schemas: Readonly<Record<string, z.ZodType>>;
  /** Jurisdiction that leads the stream, written on every event for routing and visibility. */
  jurisdictionOf(context: Record<string, unknown>): string;
  exerciseOf(context: Record<string, unknown>): boolean;
}

export const AGGREGATES: Readonly<Record<string, AggregateRegistration>> = {
  incident: {
    definition: incidentAggregate,
    creates: 'ReportIncident',
    schemas: { ReportIncident: ReportIncidentSchema, ...INCIDENT_COMMAND_SCHEMAS },
    jurisdictionOf: (context) => String(context['leadJurisdiction']),
    exerciseOf: (context) => context['exercise'] === true,
  },
};
