import { z } from 'zod';
import { ReportsViewSchema, ResourceRequestViewSchema, RulesViewSchema, SceneViewSchema } from './answer.schemas';
import { ExerciseFilterSchema, IncidentViewSchema } from './incident.schemas';
import { SupervisionItemViewSchema } from './supervision.schemas';

/**
 * Read models for the console: one read per view, then patched from the live feed. They hold what
 * the single-resource routes hold, put together on the server, plus what only the server knows (the
 * commands this caller may send now), so that the console neither reads five routes after every
 * event nor re-implements the command policy.
 */

const CommandNames = z.array(z.string());

/** The commands the caller may send now, by stream: the machine takes them in its state and the policy lets this caller send them. */
const OfferedCommandsSchema = z
  .object({
    incident: CommandNames,
    scene: CommandNames,
    report: CommandNames,
    correction: CommandNames,
    /** By request id. */
    requests: z.record(z.string(), CommandNames),
    /** By supervision item id. */
    supervision: z.record(z.string(), CommandNames),
  })
  .meta({ id: 'OfferedCommands', description: 'What the console offers; the api still decides each command sent' });

/** GET /incidents/:id/record: everything the room's incident view shows but the timeline (read apart, then taken from the feed). */
export const IncidentRecordSchema = z
  .object({
    incident: IncidentViewSchema,
    scene: SceneViewSchema,
    requests: z.array(ResourceRequestViewSchema),
    reports: ReportsViewSchema,
    supervision: z.array(SupervisionItemViewSchema),
    /** Who may activate which response level under the rules of the incident's lead. */
    responseAuthority: RulesViewSchema.shape.rules.shape.responseAuthority,
    offered: OfferedCommandsSchema,
    /** Closed or dismissed (the machine's `over` tag): nothing more happens under it. */
    over: z.boolean(),
  })
  .meta({ id: 'IncidentRecord' });

/** One card of a room's board: the incident with its commander, latest scene figures and reports overdue now. */
const BoardCardSchema = z
  .object({
    incident: IncidentViewSchema,
    commander: SceneViewSchema.shape.commander,
    report: SceneViewSchema.shape.latestReport,
    /** Reports owed and past their deadline now. */
    overdue: z.int().min(0),
  })
  .meta({ id: 'BoardCard' });

const BOARD_SCOPES = ['room', 'area'] as const;
export const BoardQuerySchema = z.strictObject({
  /** `room` (本级): incidents the room leads, is linked to or supports; `area` (含下辖): also those led below it. */
  scope: z.enum(BOARD_SCOPES).default('room'),
  /** Only this incident's card (empty when it is not on the board): what a console reads after an event. */
  incident: z.string().max(200).optional(),
  /** Drills (演练) stay off the board unless asked: `true` their cards only, `all` beside the real ones. */
  exercise: ExerciseFilterSchema,
});

/** GET /board: the cards of the caller's room's board, open incidents only, most severe first. */
export const BoardSchema = z.object({ jurisdiction: z.string(), scope: z.enum(BOARD_SCOPES), asOf: z.string(), items: z.array(BoardCardSchema) }).meta({ id: 'Board' });
