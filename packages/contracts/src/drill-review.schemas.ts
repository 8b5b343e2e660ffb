import { z } from 'zod';
import { MetricsSchema, StateAtViewSchema, TimelineEntrySchema } from './answer.schemas';
import { DrillViewSchema } from './drill.schemas';

/**
 * A drill's review (演练复盘, issue 22): the same tools as an incident's (state at T, metrics,
 * exports) over the drill's merged timeline, its own stream and every incident of it.
 */

/** The drill and each of its incidents as they stood at T, by replay. */
export const DrillStateAtViewSchema = z
  .looseObject({
    drillId: z.string(),
    at: z.string(),
    basis: z.string(),
    /** The drill as the caller's room may see it at T (null: not yet planned at T). */
    drill: DrillViewSchema.nullable(),
    incidents: z.array(StateAtViewSchema),
  })
  .meta({ id: 'DrillStateAtView' });

const minutes = z.number().nullable();

/** The drill's own measures (injects, how soon the players answered each) and each incident's after-action metrics. */
export const DrillMetricsSchema = z
  .looseObject({
    drillId: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    minutesRunning: minutes,
    injects: z.looseObject({ planned: z.number(), delivered: z.number(), skipped: z.number(), scheduled: z.number() }),
    /** Per delivered inject: the first action of a participant room on the incident it went into, after it. */
    responses: z.array(
      z.looseObject({ injectId: z.string(), deliveredAt: z.string().nullable(), incidentId: z.string().nullable(), firstResponseAt: z.string().nullable(), minutes }),
    ),
    observations: z.number(),
    incidents: z.array(MetricsSchema),
  })
  .meta({ id: 'DrillMetrics' });

export const DrillTimelineExportSchema = z.object({ drillId: z.string(), items: z.array(TimelineEntrySchema) });
