import { ConflictError } from '@muster/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { Attendee, LateReportRef } from './tables/interview.table';

export interface InterviewInput {
  interviewId: string;
  jurisdiction: string;
  interviewerJurisdiction: string;
  heldOn: string;
  reason: string;
  lateReports: LateReportRef[];
  attendees: Attendee[];
  outcome: string;
  followUp?: string | undefined;
  recordedBy: string;
  recordedAt: string;
}

/** A record as read back: what was recorded, a follow-up left out reading null. */
export type InterviewView = Omit<InterviewInput, 'followUp'> & { followUp: string | null };

/** The columns of a record, the day as text so that no time zone moves it. */
function selectInterview(db: Kysely<Database>) {
  return db
    .selectFrom('interview')
    .select([
      'interview_id',
      'jurisdiction',
      'interviewer_jurisdiction',
      sql<string>`to_char(held_on, 'YYYY-MM-DD')`.as('held_on'),
      'reason',
      'late_reports',
      'attendees',
      'outcome',
      'follow_up',
      'recorded_by',
      'recorded_at',
    ]);
}

type InterviewRow = Awaited<ReturnType<ReturnType<typeof selectInterview>['executeTakeFirstOrThrow']>>;

function interviewView(r: InterviewRow): InterviewView {
  return {
    interviewId: r.interview_id,
    jurisdiction: r.jurisdiction,
    interviewerJurisdiction: r.interviewer_jurisdiction,
    heldOn: r.held_on,
    reason: r.reason,
    lateReports: r.late_reports,
    attendees: r.attendees,
    outcome: r.outcome,
    followUp: r.follow_up,
    recordedBy: r.recorded_by,
    recordedAt: r.recorded_at.toISOString(),
  };
}

/** Records an interview; an id in use is a conflict, nothing changed. */
export async function createInterview(db: Kysely<Database>, interview: InterviewInput): Promise<InterviewView> {
  const inserted = await db
    .insertInto('interview')
    .values({
      interview_id: interview.interviewId,
      jurisdiction: interview.jurisdiction,
      interviewer_jurisdiction: interview.interviewerJurisdiction,
      held_on: interview.heldOn,
      reason: interview.reason,
      late_reports: JSON.stringify(interview.lateReports),
      attendees: JSON.stringify(interview.attendees),
      outcome: interview.outcome,
      follow_up: interview.followUp ?? null,
      recorded_by: interview.recordedBy,
      recorded_at: interview.recordedAt,
    })
    .onConflict((oc) => oc.column('interview_id').doNothing())
    .returning('interview_id')
    .executeTakeFirst();
  if (!inserted) throw new ConflictError(`interview ${interview.interviewId} already exists`);
  return interviewView(await selectInterview(db).where('interview_id', '=', interview.interviewId).executeTakeFirstOrThrow());
}

/** Interviews of the rooms listed (the interviewed rooms), newest first. */
export async function listInterviews(db: Kysely<Database>, jurisdictions: readonly string[]): Promise<InterviewView[]> {
  if (jurisdictions.length === 0) return [];
  const rows = await selectInterview(db)
    .where('jurisdiction', 'in', [...jurisdictions])
    .orderBy('interview.held_on', 'desc')
    .orderBy('recorded_at', 'desc')
    .orderBy('interview_id')
    .limit(500)
    .execute();
  return rows.map(interviewView);
}
