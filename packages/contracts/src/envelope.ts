import { z } from 'zod';
import { ActorSchema } from './incident.schemas';

/** A committed event as it travels: from PostgreSQL through the relay, JetStream and the gateway. */
export const EventEnvelopeSchema = z
  .object({
    eventId: z.string(),
    streamId: z.string(),
    streamType: z.string(),
    version: z.int().min(1),
    /** Global log position `"<txid>.<seq>"`. */
    position: z.string(),
    type: z.string(),
    data: z.record(z.string(), z.unknown()),
    meta: z.object({
      commandId: z.string(),
      actor: ActorSchema,
      occurredAt: z.string(),
      recordedAt: z.string(),
      /** Lead jurisdiction of the incident when the event was recorded. */
      jurisdiction: z.string(),
      /** Rooms that follow the incident (lead, linked, supporting) before or after this command: whose consoles get it. */
      rooms: z.array(z.string()).optional(),
      exercise: z.boolean(),
      derived: z.boolean().optional(),
      /** The incident the event belongs to: the stream itself, or the incident of a scene or request stream. */
      incidentId: z.string().optional(),
      /** The HTTP request that carried the command (x-request-id), when it came over HTTP. */
      requestId: z.string().optional(),
      /** The drill (演练, issue 22) the event is part of: its own stream's, or one of its incidents' (and their streams'). */
      drillId: z.string().optional(),
    }),
  })
  .meta({ id: 'EventEnvelope' });
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;
