import { describe, expect, it } from 'vitest';
import { commandsAllowedIn, decide, initialState, replay, type PersistedState, type ReplayableEvent } from '../aggregate';
import type { Actor } from '../shared';
import { expectAccepted, minuteClock, toStored, type BodyOf } from '../testing/decider-spec';
import { pendingWarningDeadlines, warningAggregate } from './warning.machine';
import { CAP_LEVEL_MAPPING, WARNING_APPROVAL_RULES, beijingStamp, capStatusOf, gbStatusOf, nextBeijingSecond, warningApprovalRuleFor } from './warning.rules';
import {
  WARNING_EVENT_FOR,
  WARNING_LEVELS,
  WARNING_STATES,
  type WarningCommand,
  type WarningCommandType,
  type WarningContent,
  type WarningContext,
  type WarningMessage,
  type WarningState,
} from './warning.types';

const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const DUTY: Actor = { userId: 'dinghu-duty', roles: ['duty_officer'], jurisdiction: '441203' };
const LEADER: Actor = { userId: 'dinghu-leader', roles: ['leader'], jurisdiction: '441203' };
const CITY_LEADER: Actor = { userId: 'city-leader', roles: ['leader'], jurisdiction: '441200' };
const TIMERS: Actor = { userId: 'muster-timers', roles: ['admin'], jurisdiction: '441203' };
const { iso, metaAt } = minuteClock(T0, DUTY);
const a = warningAggregate;
const ctx = (state: PersistedState): WarningContext => state.context as WarningContext;

const CONTENT: WarningContent = {
  category: 'Met',
  eventCode: '11B03',
  zh: { event: '暴雨', headline: '鼎湖区暴雨黄色预警', description: '预计未来6小时鼎湖区降雨量将达50毫米以上。', instruction: '转移低洼地带群众，停止户外作业。' },
  en: null,
  onset: null,
  expires: iso(600),
  channels: ['SMS', 'SPEAKER'],
  area: { description: '肇庆市鼎湖区', jurisdictions: ['441203'], polygon: null, circles: [] },
};

type Body = BodyOf<WarningCommand>;
type Step = { body: Body; at: number; by: Actor };

const DRAFT: Step = {
  body: { type: 'DraftWarning', warningId: 'w-1', jurisdiction: '441203', status: 'actual', level: 'yellow', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content: CONTENT },
  at: 1,
  by: DUTY,
};
const APPROVE: Step = { body: { type: 'ApproveWarning' }, at: 2, by: LEADER };
const RECIPIENTS = [
  { recipientId: 'c-1', name: '坑口街道负责人', role: 'township_head', area: '441203001', areaName: '坑口街道', phone: '13800000001', channel: 'sms' },
  { recipientId: 'c-2', name: '凤凰镇水库安全责任人', role: 'reservoir_keeper', area: '441203101', areaName: '凤凰镇', phone: '13800000002', channel: 'voice' },
] as const;
const ISSUE: Step = { body: { type: 'IssueWarning', recipients: RECIPIENTS.map((r) => ({ ...r })) }, at: 3, by: DUTY };
const LAST_MILE: Actor = { userId: 'muster-last-mile', roles: ['admin'], jurisdiction: '441203' };
/** Yellow: 60 minutes from the issue at minute 3 (ACK_DEADLINE_MINUTES). */
const ACK_DEADLINE: Step = { body: { type: 'DeadlinePassed', key: 'ack', dueAt: iso(63) }, at: 63, by: TIMERS };
const UPDATE: Step = { body: { type: 'UpdateWarning', reason: '雨势加强，升级为橙色', level: 'orange', content: { ...CONTENT, expires: iso(900) } }, at: 60, by: LEADER };
const LIFT: Step = { body: { type: 'LiftWarning', reason: '降雨减弱，险情解除' }, at: 120, by: LEADER };
const EXPIRE_ISSUED: Step = { body: { type: 'DeadlinePassed', key: 'expires', dueAt: iso(600) }, at: 600, by: TIMERS };

function run(steps: readonly Step[]): { state: PersistedState; events: ReplayableEvent[] } {
  let state = initialState(a);
  const events: ReplayableEvent[] = [];
  for (const step of steps) {
    const meta = metaAt(step.at, step.by);
    const d = expectAccepted(decide(a, state, { ...step.body, meta }));
    events.push(...toStored(d, meta));
    state = d.state;
  }
  return { state, events };
}

/** One path to each state. */
const PATH: Record<WarningState, Step[]> = {
  none: [],
  draft: [DRAFT],
  approved: [DRAFT, APPROVE],
  issued: [DRAFT, APPROVE, ISSUE],
  updated: [DRAFT, APPROVE, ISSUE, UPDATE],
  lifted: [DRAFT, APPROVE, ISSUE, LIFT],
  expired: [DRAFT, APPROVE, ISSUE, EXPIRE_ISSUED],
};

/** A sample of each command, sent at minute 200 (before every expiry), by whom the rules expect. */
const SAMPLE: { [K in WarningCommandType]: Step } = {
  DraftWarning: { ...DRAFT, at: 200 },
  ReviseWarningDraft: { body: { type: 'ReviseWarningDraft', level: 'orange', content: CONTENT }, at: 200, by: DUTY },
  ApproveWarning: { ...APPROVE, at: 200 },
  IssueWarning: { ...ISSUE, at: 200 },
  UpdateWarning: { ...UPDATE, at: 200 },
  LiftWarning: { ...LIFT, at: 200 },
  LinkWarningToIncident: { body: { type: 'LinkWarningToIncident', incidentId: 'inc-7' }, at: 200, by: DUTY },
  // The expiry the warning holds in the state it is sent to (see expiryOf); fired at that time.
  DeadlinePassed: { body: { type: 'DeadlinePassed', key: 'expires', dueAt: iso(600) }, at: 600, by: TIMERS },
  RecordWarningSent: { body: { type: 'RecordWarningSent', recipientId: 'c-1', channel: 'sms', providerMessageId: 'local-1' }, at: 200, by: LAST_MILE },
  RecordWarningDelivered: { body: { type: 'RecordWarningDelivered', recipientId: 'c-1' }, at: 200, by: LAST_MILE },
  AcknowledgeWarning: { body: { type: 'AcknowledgeWarning', recipientId: 'c-1' }, at: 200, by: LAST_MILE },
  // Sent after the acknowledgement deadline (see needsDeadline): c-2 is then overdue.
  RecordManualOutcome: { body: { type: 'RecordManualOutcome', recipientId: 'c-2', outcome: 'reached', note: '电话已通知' }, at: 200, by: DUTY },
};

type Row = { to: WarningState; source: string };
const LAW_70 = 'Emergency Response Law 2024 §70 (ref §1.1): the issuing government adjusts the level and re-issues, lifts when the danger is gone';
const REF_52 = 'ref §5.2 Warning: Draft → Approved → Issued ⇄ Updated → Lifted | Expired';
const GD_APPROVAL = '粤府办〔2008〕19号 (ref §1.6): approved by the government of its level before release';
const LINK = 'issue 21 Deliver 1: a warning may be linked to incidents (CAP `incidents`, ref §3.1)';
const LAST_MILE_ROW = '粤条例 2025 §44 (ref §1.6): the warning must reach and be understood (收到并知晓) by those responsible; recorded while it is in force';
const MANUAL = 'issue 21 Deliver 4: at the acknowledgement deadline the unacknowledged become manual tasks (人工通知) whose outcome is recorded';
const FINAL = 'ref §5.2: Lifted and Expired end the 预警期 (§70); nothing follows';
const NOT_YET = 'ref §5.2: not before the warning is';

/** The (state × command) table: what each command does in each state, each row naming its source. */
const TABLE: Record<WarningState, Partial<Record<WarningCommandType, Row>>> = {
  none: { DraftWarning: { to: 'draft', source: `${REF_52}; §64 content (ref §1.1)` } },
  draft: {
    ReviseWarningDraft: { to: 'draft', source: `${REF_52}: a draft is changed before approval` },
    ApproveWarning: { to: 'approved', source: GD_APPROVAL },
    LinkWarningToIncident: { to: 'draft', source: LINK },
  },
  approved: { IssueWarning: { to: 'issued', source: `${REF_52}; GB/T 35965.1 msgType Alert (ref §1.6)` }, LinkWarningToIncident: { to: 'approved', source: LINK } },
  issued: {
    UpdateWarning: { to: 'updated', source: `${LAW_70}; GB/T 35965.1 msgType Update (ref §1.6)` },
    LiftWarning: { to: 'lifted', source: `${LAW_70}; GB/T 35965.1 msgType Cancel, reason in note (ref §1.6)` },
    LinkWarningToIncident: { to: 'issued', source: LINK },
    DeadlinePassed: { to: 'expired', source: `${REF_52}: ExpiryReached when expires passes` },
    RecordWarningSent: { to: 'issued', source: LAST_MILE_ROW },
    RecordWarningDelivered: { to: 'issued', source: LAST_MILE_ROW },
    AcknowledgeWarning: { to: 'issued', source: LAST_MILE_ROW },
    RecordManualOutcome: { to: 'issued', source: MANUAL },
  },
  updated: {
    UpdateWarning: { to: 'updated', source: LAW_70 },
    LiftWarning: { to: 'lifted', source: LAW_70 },
    LinkWarningToIncident: { to: 'updated', source: LINK },
    DeadlinePassed: { to: 'expired', source: `${REF_52}: ExpiryReached when expires passes` },
    RecordWarningSent: { to: 'updated', source: LAST_MILE_ROW },
    RecordWarningDelivered: { to: 'updated', source: LAST_MILE_ROW },
    AcknowledgeWarning: { to: 'updated', source: LAST_MILE_ROW },
    RecordManualOutcome: { to: 'updated', source: MANUAL },
  },
  lifted: {},
  expired: {},
};

/** Why a pair absent from the table is refused. */
const refusedBecause = (state: WarningState, command: WarningCommandType): string => {
  if (state === 'lifted' || state === 'expired') return FINAL;
  if (command === 'DraftWarning') return `${REF_52}: a warning is drafted once`;
  return `${NOT_YET} in the state the command needs`;
};

const ALL_COMMANDS = Object.keys(WARNING_EVENT_FOR).sort() as WarningCommandType[];
const expiryOf = (state: WarningState): string => (state === 'updated' ? iso(900) : iso(600));

describe('warning machine: the (state × command) table', () => {
  for (const state of WARNING_STATES) {
    for (const command of ALL_COMMANDS) {
      const row = TABLE[state][command];
      const source = row?.source ?? refusedBecause(state, command);
      it(`${state} × ${command} → ${row ? row.to : 'refused'} (${source})`, () => {
        const overdueFirst = command === 'RecordManualOutcome' && (state === 'issued' || state === 'updated');
        const { state: from } = run(overdueFirst ? [...PATH[state], ACK_DEADLINE] : PATH[state]);
        const sample = SAMPLE[command];
        const body = command === 'DeadlinePassed' ? { ...sample.body, dueAt: expiryOf(state) } : sample.body;
        const at = command === 'DeadlinePassed' ? (state === 'updated' ? 900 : 600) : sample.at;
        const d = decide(a, from, { ...body, meta: metaAt(at, sample.by) });
        if (row) {
          expect(d.ok).toBe(true);
          if (d.ok) expect(d.state.value).toBe(row.to);
        } else {
          expect(d).toEqual({ ok: false, state, allowed: Object.keys(TABLE[state]).sort() });
        }
      });
    }
  }

  it('the machine allows exactly the pairs of the table (guards aside)', () => {
    for (const state of WARNING_STATES) {
      expect(commandsAllowedIn(a, run(PATH[state]).state)).toEqual(Object.keys(TABLE[state]).sort());
    }
  });
});

describe('warning machine: guards', () => {
  const refused = (steps: Step[], step: Step) => decide(a, run(steps).state, { ...step.body, meta: metaAt(step.at, step.by) }).ok;

  it('a duty officer may draft and issue but not approve (粤府办〔2008〕19号: approval by the government of the level)', () => {
    expect(refused(PATH.draft, { ...APPROVE, by: DUTY })).toBe(false);
    expect(refused(PATH.draft, APPROVE)).toBe(true);
  });

  it("a leader of another room (the city) may not approve the county's warning: its own government approves it", () => {
    expect(refused(PATH.draft, { ...APPROVE, by: CITY_LEADER })).toBe(false);
  });

  it('an update and a lift are approved as releases: a duty officer may send neither', () => {
    expect(refused(PATH.issued, { ...UPDATE, by: DUTY })).toBe(false);
    expect(refused(PATH.issued, { ...LIFT, by: DUTY })).toBe(false);
  });

  it('a draft that expires before it would be released is refused; so is issuing after the expiry', () => {
    expect(refused([], { ...DRAFT, body: { ...DRAFT.body, content: { ...CONTENT, expires: iso(0) } } as Body })).toBe(false);
    expect(refused(PATH.approved, { ...ISSUE, at: 601 })).toBe(false);
  });

  it('a stale expiry (the update moved it) is refused; the current one closes the warning once, a second firing is refused', () => {
    expect(refused(PATH.updated, { ...EXPIRE_ISSUED, at: 600 })).toBe(false);
    const expired = run([...PATH.updated, { body: { type: 'DeadlinePassed', key: 'expires', dueAt: iso(900) }, at: 900, by: TIMERS }]);
    expect(expired.state.value).toBe('expired');
    expect(ctx(expired.state).expiredAt).toBe(iso(900));
    expect(decide(a, expired.state, { type: 'DeadlinePassed', key: 'expires', dueAt: iso(900), meta: metaAt(901, TIMERS) }).ok).toBe(false);
  });

  it('the last mile: each fact once; the ack deadline makes the unacknowledged overdue, once; a call only for the overdue', () => {
    const sent = run([...PATH.issued, SAMPLE.RecordWarningSent]);
    expect(ctx(sent.state).lastMile?.queued).toBe(1);
    expect(refused([...PATH.issued, SAMPLE.RecordWarningSent], SAMPLE.RecordWarningSent)).toBe(false);
    expect(refused(PATH.issued, { ...SAMPLE.AcknowledgeWarning, body: { type: 'AcknowledgeWarning', recipientId: 'c-9' } })).toBe(false);
    expect(refused(PATH.issued, SAMPLE.RecordManualOutcome)).toBe(false);
    const acked = run([...PATH.issued, SAMPLE.AcknowledgeWarning]);
    expect(acked.events.at(-1)).toMatchObject({ type: 'WarningAcknowledged', data: { recipientId: 'c-1', acknowledged: 1, total: 2, area: '441203001', areaAcknowledged: 1, areaTotal: 1 } });
    expect(refused([...PATH.issued, SAMPLE.AcknowledgeWarning], SAMPLE.AcknowledgeWarning)).toBe(false);
    const due = run([...PATH.issued, SAMPLE.AcknowledgeWarning, ACK_DEADLINE]);
    expect(due.events.at(-1)).toMatchObject({ type: 'WarningAckDeadlinePassed', data: { overdue: ['c-2'], acknowledged: 1, total: 2 } });
    expect(due.state.value).toBe('issued');
    expect(refused([...PATH.issued, SAMPLE.AcknowledgeWarning, ACK_DEADLINE], { ...ACK_DEADLINE, at: 64 })).toBe(false);
    expect(refused([...PATH.issued, SAMPLE.AcknowledgeWarning, ACK_DEADLINE], { ...SAMPLE.RecordManualOutcome, body: { ...SAMPLE.RecordManualOutcome.body, recipientId: 'c-1' } as Body })).toBe(false);
    const called = run([...PATH.issued, SAMPLE.AcknowledgeWarning, ACK_DEADLINE, SAMPLE.RecordManualOutcome]);
    expect(ctx(called.state).lastMile?.recipients.find((d) => d.recipient.recipientId === 'c-2')?.manual).toEqual({ outcome: 'reached', note: '电话已通知', by: 'dinghu-duty', at: iso(200) });
    expect(pendingWarningDeadlines(ctx(due.state))).toEqual([{ key: 'expires', dueAt: iso(600) }]);
    expect(pendingWarningDeadlines(ctx(sent.state))).toEqual([{ key: 'expires', dueAt: iso(600) }, { key: 'ack', dueAt: iso(63) }]);
  });

  it('an incident is linked once', () => {
    const linked = run([...PATH.issued, SAMPLE.LinkWarningToIncident]);
    expect(ctx(linked.state).incidents).toEqual(['inc-7']);
    expect(refused([...PATH.issued, SAMPLE.LinkWarningToIncident], SAMPLE.LinkWarningToIncident)).toBe(false);
  });
});

describe('warning machine: the messages its releases carry', () => {
  const messages = (events: ReplayableEvent[]): WarningMessage[] => events.flatMap((e) => (e.data['message'] ? [e.data['message'] as WarningMessage] : []));

  it('issue, update (a level change) and lift: Alert, Update and Cancel, each Update/Cancel referencing the first issue and the message before', () => {
    const { events } = run([...PATH.updated, { ...LIFT, at: 130 }]);
    const [alert, update, cancel] = messages(events);
    expect(alert).toMatchObject({ msgType: 'Alert', level: 'yellow', references: null, supersedes: null, status: 'actual', senderCode: '44120341600000' });
    expect(alert?.identifier).toBe(`44120341600000_${beijingStamp(iso(3))}_0`);
    expect(update).toMatchObject({ msgType: 'Update', level: 'orange', previousLevel: 'yellow', reason: '雨势加强，升级为橙色' });
    expect(update?.references).toEqual({ identifier: alert?.identifier, sent: iso(3) });
    expect(update?.supersedes).toEqual({ identifier: alert?.identifier, sent: iso(3) });
    expect(update?.identifier.endsWith('_1')).toBe(true);
    expect(cancel).toMatchObject({ msgType: 'Cancel', level: 'orange', reason: '降雨减弱，险情解除', references: { identifier: alert?.identifier, sent: iso(3) } });
    expect(cancel?.supersedes).toEqual({ identifier: update?.identifier, sent: iso(60) });
  });

  it('a drill warning carries status exercise in every message', () => {
    const drill = { ...DRAFT, body: { ...DRAFT.body, status: 'exercise' } as Body };
    const { events } = run([drill, APPROVE, ISSUE, UPDATE, LIFT]);
    expect(messages(events).map((m) => m.status)).toEqual(['exercise', 'exercise', 'exercise']);
  });

  it('the expiry row is held exactly while the warning is in force', () => {
    expect(pendingWarningDeadlines(ctx(run(PATH.approved).state))).toEqual([]);
    expect(pendingWarningDeadlines(ctx(run(PATH.issued).state))).toEqual([{ key: 'expires', dueAt: iso(600) }, { key: 'ack', dueAt: iso(63) }]);
    expect(pendingWarningDeadlines(ctx(run(PATH.updated).state))).toEqual([{ key: 'expires', dueAt: iso(900) }, { key: 'ack', dueAt: iso(63) }]);
    expect(pendingWarningDeadlines(ctx(run(PATH.lifted).state))).toEqual([]);
    expect(pendingWarningDeadlines(ctx(run(PATH.expired).state))).toEqual([]);
  });

  it('replaying the stored events gives back the same state, messages and approval', () => {
    const { state, events } = run([...PATH.updated, { ...LIFT, at: 130 }]);
    expect(replay(a, events)).toEqual(state);
    expect(ctx(state).approval).toMatchObject({ by: LEADER.userId, rule: 'guangdong-approval-before-release' });
  });
});

describe('warning rules as data', () => {
  it('level → CAP severity/urgency/certainty: each row says it is a project convention (ref §1.6 "Red→Extreme…")', () => {
    const rows = WARNING_LEVELS.map((level) => {
      const { gbSeverity, severity, urgency, certainty, source } = CAP_LEVEL_MAPPING[level];
      expect(source).toContain('project convention');
      expect(source).toContain('ref §1.6');
      return [level, gbSeverity, severity, urgency, certainty];
    });
    expect(rows).toEqual([
      ['red', 'Red', 'Extreme', 'Immediate', 'Likely'],
      ['orange', 'Orange', 'Severe', 'Expected', 'Likely'],
      ['yellow', 'Yellow', 'Moderate', 'Expected', 'Possible'],
      ['blue', 'Blue', 'Minor', 'Future', 'Possible'],
    ]);
  });

  it('a drill is Test in GB/T 35965.1 and Exercise in CAP; never Actual (ref §1.6, §3.1)', () => {
    expect([gbStatusOf('exercise'), capStatusOf('exercise')]).toEqual(['Test', 'Exercise']);
    expect([gbStatusOf('actual'), capStatusOf('actual')]).toEqual(['Actual', 'Actual']);
  });

  it("Guangdong's approval before release governs its rooms, the unsourced default the others; each names its source", () => {
    expect(warningApprovalRuleFor('441203', 'blue')?.id).toBe('guangdong-approval-before-release');
    expect(warningApprovalRuleFor('330100', 'red')?.id).toBe('default-approval');
    for (const rule of WARNING_APPROVAL_RULES) expect(rule.source.length).toBeGreaterThan(20);
    expect(WARNING_APPROVAL_RULES[0]?.source).toContain('粤府办〔2008〕19号');
  });

  it('identifiers write the release time in Beijing time', () => {
    expect(beijingStamp('2026-07-01T16:30:05.000Z')).toBe('20260702003005');
  });

  it('the next Beijing second (when a sender has used all ten sequence digits of one), across minute, day and year ends', () => {
    expect(nextBeijingSecond('20260702003005')).toBe('20260702003006');
    expect(nextBeijingSecond('20260702003059')).toBe('20260702003100');
    expect(nextBeijingSecond('20260228235959')).toBe('20260301000000');
    expect(nextBeijingSecond('20261231235959')).toBe('20270101000000');
  });
});
