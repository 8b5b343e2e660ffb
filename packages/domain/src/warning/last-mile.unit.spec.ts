import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../testing/seeded-random';
import { ACK_DEADLINE_MINUTES, applyLastMileFact, factApplies, lastMileBoard, queuedDeliveries, type LastMileFact, type Recipient } from './last-mile';
import { WARNING_LEVELS } from './warning.types';

const ISSUED = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number): string => new Date(ISSUED + minute * 60_000).toISOString();

// 200 contacts of Dinghu: 20 in each of 10 townships (441203100 …), township heads, village cadres, reservoir and school contacts.
const ROLES = ['township_head', 'village_cadre', 'reservoir_keeper', 'school_contact'];
const RECIPIENTS: Recipient[] = Array.from({ length: 200 }, (_, i) => ({
  recipientId: `r-${String(i).padStart(3, '0')}`,
  name: `联系人${i}`,
  role: ROLES[i % ROLES.length] ?? 'village_cadre',
  area: `441203${String(100 + Math.floor(i / 20)).padStart(3, '0')}`,
}));

describe('the last mile of a yellow warning: 200 recipients, 190 acknowledge, 10 do not', () => {
  const deadline = ACK_DEADLINE_MINUTES.yellow.minutes;
  // Ten who never acknowledge, picked by a seeded draw so the test does not depend on list order.
  const random = mulberry32(21);
  const silent = new Set<string>();
  while (silent.size < 10) silent.add(RECIPIENTS[Math.floor(random() * RECIPIENTS.length)]?.recipientId ?? '');
  const facts: LastMileFact[] = [
    ...RECIPIENTS.map((r): LastMileFact => ({ type: 'Sent', recipientId: r.recipientId, channel: 'SMS', at: at(0) })),
    ...RECIPIENTS.map((r): LastMileFact => ({ type: 'Delivered', recipientId: r.recipientId, at: at(1) })),
    ...RECIPIENTS.filter((r) => !silent.has(r.recipientId)).map((r, i): LastMileFact => ({ type: 'Acknowledged', recipientId: r.recipientId, at: at(2 + (i % (deadline - 3))) })),
  ];

  it('before the deadline: 190/200 acknowledged, the 10 delivered, nobody overdue yet', () => {
    const board = lastMileBoard(RECIPIENTS, facts);
    expect([board.acknowledged, board.total]).toEqual([190, 200]);
    expect(board.manualTasks).toEqual([]);
    expect(board.recipients.filter((d) => d.state === 'delivered').map((d) => d.recipient.recipientId).sort()).toEqual([...silent].sort());
  });

  it('at the deadline exactly those 10 become manual tasks for the duty room; the board still shows 190/200, by township', () => {
    const board = lastMileBoard(RECIPIENTS, [...facts, { type: 'AckDeadlinePassed', at: at(deadline) }]);
    expect(board.manualTasks.sort()).toEqual([...silent].sort());
    expect([board.acknowledged, board.total]).toEqual([190, 200]);
    expect(board.byArea).toHaveLength(10);
    expect(board.byArea.reduce((n, a) => n + a.acknowledged, 0)).toBe(190);
    for (const area of board.byArea) {
      const missing = RECIPIENTS.filter((r) => r.area === area.area && silent.has(r.recipientId)).length;
      expect(area).toEqual({ area: area.area, total: 20, acknowledged: 20 - missing });
    }
  });

  it('a call recorded closes its task; a late acknowledgement counts, marked late, and closes its task too', () => {
    const [called, lateOne] = [...silent].sort();
    const board = lastMileBoard(RECIPIENTS, [
      ...facts,
      { type: 'AckDeadlinePassed', at: at(deadline) },
      { type: 'ManualOutcome', recipientId: called ?? '', outcome: 'reached', note: '电话联系上，已知晓', at: at(deadline + 5) },
      { type: 'Acknowledged', recipientId: lateOne ?? '', at: at(deadline + 7) },
    ]);
    expect(board.manualTasks).toHaveLength(8);
    expect(board.manualTasks).not.toContain(called);
    expect(board.acknowledged).toBe(191);
    expect(board.recipients.find((d) => d.recipient.recipientId === lateOne)).toMatchObject({ state: 'acknowledged', late: true });
    expect(board.recipients.find((d) => d.recipient.recipientId === called)?.manual).toMatchObject({ outcome: 'reached' });
  });
});

describe('acknowledgement deadlines by level', () => {
  it('shorter for higher levels, each row saying it is unsourced', () => {
    const minutes = WARNING_LEVELS.map((level) => ACK_DEADLINE_MINUTES[level].minutes);
    expect(minutes).toEqual([...minutes].sort((a, b) => a - b));
    for (const level of WARNING_LEVELS) expect(ACK_DEADLINE_MINUTES[level].source).toMatch(/^unsourced: .*§44/);
  });
});

describe('which facts change anything (the machine records only those)', () => {
  const two = RECIPIENTS.slice(0, 2);
  const [a, b] = two.map((r) => r.recipientId);
  const fold = (facts: LastMileFact[]) => facts.reduce((mile, fact) => applyLastMileFact(mile, fact), queuedDeliveries(two));

  it('each of sent, delivered and acknowledged once per recipient; nothing for someone not on the list', () => {
    const mile = fold([{ type: 'Sent', recipientId: a ?? '', channel: 'sms', providerMessageId: 'p-1', at: at(0) }, { type: 'Acknowledged', recipientId: a ?? '', at: at(2) }]);
    expect(factApplies(mile, { type: 'Sent', recipientId: a ?? '', channel: 'sms', at: at(1) })).toBe(false);
    expect(factApplies(mile, { type: 'Acknowledged', recipientId: a ?? '', at: at(3) })).toBe(false);
    expect(factApplies(mile, { type: 'Delivered', recipientId: a ?? '', at: at(3) })).toBe(true);
    expect(factApplies(mile, { type: 'Acknowledged', recipientId: 'r-999', at: at(3) })).toBe(false);
    expect(mile.recipients[0]).toMatchObject({ state: 'acknowledged', providerMessageId: 'p-1', sentAt: at(0) });
    // The fold makes new values: the queued state it started from is untouched.
    expect(queuedDeliveries(two).recipients.every((d) => d.state === 'queued')).toBe(true);
  });

  it('the deadline passes once; a call only for the overdue; reached is final, unreachable may be called again', () => {
    const due = fold([{ type: 'Acknowledged', recipientId: a ?? '', at: at(2) }, { type: 'AckDeadlinePassed', at: at(60) }]);
    expect(factApplies(due, { type: 'AckDeadlinePassed', at: at(61) })).toBe(false);
    const call = (recipientId: string, outcome: 'reached' | 'unreachable'): LastMileFact => ({ type: 'ManualOutcome', recipientId, outcome, note: '', by: 'duty', at: at(70) });
    expect(factApplies(due, call(a ?? '', 'reached'))).toBe(false);
    expect(factApplies(due, call(b ?? '', 'unreachable'))).toBe(true);
    const unanswered = applyLastMileFact(due, call(b ?? '', 'unreachable'));
    expect(factApplies(unanswered, call(b ?? '', 'reached'))).toBe(true);
    const reached = applyLastMileFact(unanswered, call(b ?? '', 'reached'));
    expect(factApplies(reached, call(b ?? '', 'unreachable'))).toBe(false);
    expect(reached.recipients[1]?.manual).toMatchObject({ outcome: 'reached', by: 'duty' });
  });
});

