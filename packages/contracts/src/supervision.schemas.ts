import { z } from 'zod';
import { CommandOptionsSchema, ComputedTimeSchema, IdSchema, IsoTimeSchema, JurisdictionCodeSchema, SeveritySchema, TIME_RANGE } from './incident.schemas';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

// ---- Supervision (督办) of an incident of severity III or above -----------------------------------

/** Payloads of the supervision commands, by command type; the engine parses each one. */
export const SUPERVISION_COMMAND_SCHEMAS = {
  /** The route puts the incident of its path here; the engine adds the supervising room and the severity. */
  OpenSupervision: z.strictObject({
    incidentId: IdSchema,
    /** 督办事项 */
    task: text(2000),
    /** 责任单位: the lead room or a supporting room below the supervising room, and optionally a named person. */
    owner: z.strictObject({ jurisdiction: JurisdictionCodeSchema, person: text(100).optional() }),
    /** 办理时限: in the future, within SUPERVISION_MAX_TERM_DAYS (checked by the engine against its clock). */
    deadline: IsoTimeSchema,
  }),
  ReportSupervisionProgress: z.strictObject({ note: text(5000) }),
  ReportSupervisionDone: z.strictObject({
    /** 佐证材料: what was done, and documents or files it rests on. */
    evidence: z.strictObject({ text: text(10_000), references: z.array(text(500)).max(50).optional() }),
  }),
  CloseSupervision: z.strictObject({ note: z.string().max(2000).optional() }),
  ReturnSupervision: z.strictObject({ reason: text(2000), deadline: IsoTimeSchema }),
  ExtendSupervision: z.strictObject({ deadline: IsoTimeSchema, reason: z.string().max(2000).optional() }),
  // Sent by the timers with the deadline the item holds.
  DeadlinePassed: z.strictObject({ key: z.string().min(1).max(100), dueAt: ComputedTimeSchema }),
} as const;

/** What people send to an open item; the opening has its own route and DeadlinePassed comes from the timers. */
const SUPERVISION_FILING_NAMES = ['ReportSupervisionProgress', 'ReportSupervisionDone', 'CloseSupervision', 'ReturnSupervision', 'ExtendSupervision'] as const;

export const SUPERVISION_FILINGS = Object.fromEntries(SUPERVISION_FILING_NAMES.map((name) => [name, SUPERVISION_COMMAND_SCHEMAS[name]]));

export const CreateSupervisionRequestSchema = CommandOptionsSchema.extend({
  supervisionId: IdSchema.optional(),
  data: SUPERVISION_COMMAND_SCHEMAS.OpenSupervision.omit({ incidentId: true }),
}).meta({ id: 'CreateSupervisionRequest' });

export const SupervisionCommandRequestSchema = CommandOptionsSchema.extend({
  type: z.enum(SUPERVISION_FILING_NAMES),
  data: z.record(z.string(), z.unknown()).optional(),
}).meta({ id: 'SupervisionCommandRequest', description: '`data` is checked against the schema of `type`' });

/** One entry of an item's history: an event of its stream, as the supervising and supervised rooms read it. */
const SupervisionHistoryEntrySchema = z.object({
  type: z.string(),
  version: z.int(),
  recordedAt: z.string(),
  occurredAt: z.string(),
  actor: z.string(),
  roles: z.array(z.string()),
  actorJurisdiction: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const SupervisionItemViewSchema = z
  .looseObject({
    supervisionId: z.string(),
    incidentId: z.string(),
    state: z.enum(['open', 'overdue', 'reportedDone', 'closed']),
    version: z.int(),
    task: z.string(),
    owner: z.object({ jurisdiction: z.string(), person: z.string().nullable() }),
    supervisingJurisdiction: z.string(),
    severity: SeveritySchema.nullable(),
    openedAt: z.string().nullable(),
    deadline: z.string().nullable(),
    /** The deadline in force passed unmet (已逾期). */
    overdue: z.boolean(),
    overdueAt: z.string().nullable(),
    escalationLevel: z.int(),
    doneReportedAt: z.string().nullable(),
    evidence: z.object({ text: z.string(), references: z.array(z.string()) }).nullable(),
    returns: z.int(),
    closedAt: z.string().nullable(),
    history: z.array(SupervisionHistoryEntrySchema),
  })
  .meta({ id: 'SupervisionItem' });
export const SupervisionListSchema = z.object({ incidentId: z.string(), items: z.array(SupervisionItemViewSchema) }).meta({ id: 'SupervisionList' });

// ---- 约谈 (accountability interviews) of a room below, for repeated lateness -----------------------

/** A calendar day `YYYY-MM-DD` within TIME_RANGE. */
const CalendarDaySchema = z.iso
  .date()
  .refine((day) => day >= TIME_RANGE.earliest.slice(0, 10) && day <= TIME_RANGE.latest.slice(0, 10), {
    message: `must be between ${TIME_RANGE.earliest.slice(0, 10)} and ${TIME_RANGE.latest.slice(0, 10)}`,
    when: (payload) => payload.issues.length === 0,
  });

/** A 约谈 as the interviewing room records it (POST /interviews). */
export const InterviewSchema = z
  .strictObject({
    interviewId: IdSchema.optional(),
    /** The room interviewed; the room recording it must be above it. */
    jurisdiction: JurisdictionCodeSchema,
    heldOn: CalendarDaySchema,
    reason: text(2000),
    /** The late reports it concerns, each as the incident and the report's key (`initial`, `followUp-2` …). */
    lateReports: z.array(z.strictObject({ incidentId: IdSchema, reportKey: IdSchema })).max(100).default([]),
    attendees: z.array(z.strictObject({ name: text(100), unit: z.string().trim().max(200).optional(), post: z.string().trim().max(100).optional() })).min(1).max(50),
    outcome: text(5000),
    followUp: z.string().trim().max(5000).optional(),
  })
  .meta({ id: 'Interview' });

export const InterviewViewSchema = z
  .object({
    interviewId: z.string(),
    jurisdiction: z.string(),
    heldOn: z.string(),
    reason: z.string(),
    lateReports: z.array(z.object({ incidentId: z.string(), reportKey: z.string() })),
    attendees: z.array(z.object({ name: z.string(), unit: z.string().optional(), post: z.string().optional() })),
    outcome: z.string(),
    followUp: z.string().nullable(),
    /** The room that held and recorded it, who recorded it and when (from the server). */
    interviewerJurisdiction: z.string(),
    recordedBy: z.string(),
    recordedAt: z.string(),
  })
  .meta({ id: 'InterviewView' });
export const InterviewListSchema = z.object({ items: z.array(InterviewViewSchema) }).meta({ id: 'InterviewList' });
