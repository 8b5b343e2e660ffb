import type { TimelineEntry } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { actorLabel, EVENT_LABELS_ZH, FIELD_LABELS_ZH, summary } from './timeline-text';

const ZH: Record<string, string> = {
  ...EVENT_LABELS_ZH,
  ...FIELD_LABELS_ZH,
  'sev.III': 'III 级 较大',
  'sev.IV': 'IV 级 一般',
  'resp.III': '三级响应',
  'reason.severity': '按事件级别联动',
  'role.duty_officer': '值班员',
  'actor.system': '系统（时限到期）',
};
const tr = (prefix: string, value: string) => ZH[`${prefix}.${value}`] ?? value;

const entry = (type: string, data: Record<string, unknown>): TimelineEntry => ({
  eventId: 'e-1',
  position: '1.1',
  streamId: 'inc-7d4060ee',
  streamType: 'incident',
  version: 1,
  type,
  occurredAt: '2026-12-07T05:56:04.000Z',
  recordedAt: '2026-12-07T05:56:04.000Z',
  actor: 'dinghu-duty',
  actorJurisdiction: '441203',
  jurisdiction: '441203',
  data,
  correctedBy: [],
  roles: ['duty_officer'],
});

describe('timeline text for a duty officer', () => {
  it('names every event in Chinese', () => {
    expect(tr('event', 'IncidentReported')).toBe('接报');
    expect(Object.values(EVENT_LABELS_ZH).every((label) => /[\u4e00-\u9fff]/.test(label))).toBe(true);
  });

  it('shows labelled fields and never an id, a jurisdiction code or a raw key', () => {
    const line = summary(
      entry('IncidentReported', { title: '西江堤段管涌', severity: 'IV', incidentId: '7d4060ee-aa99', leadJurisdiction: '441203', upperJurisdiction: '441200', location: { description: 'x' } }),
      tr,
    );
    expect(line).toBe('标题：西江堤段管涌　级别：IV 级 一般');
    expect(line).not.toMatch(/7d4060ee|441203|incidentId|=/);
  });

  it('reads a response level as 三级响应, not as a severity; a reclassification with its old and new severity', () => {
    expect(summary(entry('ResponseActivated', { level: 'III', measures: '全面封控' }), tr)).toBe('响应级别：三级响应');
    expect(summary(entry('SuggestedSeverityConfirmed', { previousSeverity: 'IV', severity: 'III', rule: 'accident-iii', linkage: { link: ['441200'] } }), tr)).toBe(
      '原级别：IV 级 一般　级别：III 级 较大',
    );
  });

  it('a room linked by the severity reads why in Chinese; a reason a person wrote stays as written', () => {
    expect(summary(entry('RoomLinked', { jurisdiction: '441200', reason: 'severity', severity: 'III' }), tr)).toBe('理由：按事件级别联动　级别：III 级 较大');
    expect(summary(entry('RoomLinked', { jurisdiction: '441225', reason: '滑坡体可能波及封开' }), tr)).toBe('理由：滑坡体可能波及封开');
  });

  it('names the events of the plan rules in Chinese', () => {
    for (const type of ['LeadPrompted', 'LeadDeclined', 'SeveritySuggested', 'SuggestedSeverityConfirmed', 'SuggestedSeverityDismissed']) {
      expect(tr('event', type), type).toMatch(/^[\u4e00-\u9fff]+$/);
    }
  });

  it('names who acted by room and role, not by user id', () => {
    const label = actorLabel(entry('CommanderAppointed', {}), (code) => (code === '441203' ? '鼎湖区' : code), tr);
    expect(label).toBe('鼎湖区 值班员');
  });

  it('names the supervision (督办) events in Chinese and shows their deadline in Beijing time, not as sent', () => {
    for (const type of ['SupervisionOpened', 'SupervisionProgressReported', 'SupervisionDoneReported', 'SupervisionClosed', 'SupervisionReturned', 'SupervisionExtended', 'SupervisionOverdue', 'SupervisionEscalated']) {
      expect(tr('event', type), type).toMatch(/[\u4e00-\u9fff]/);
    }
    const opened = entry('SupervisionOpened', { supervisionId: 'sv-1', incidentId: 'inc-1', task: '组织转移群众', owner: { jurisdiction: '441203' }, deadline: '2026-07-01T10:00:00.000Z', supervisingJurisdiction: '441200' });
    const line = summary(opened, tr, (iso) => (iso === '2026-07-01T10:00:00.000Z' ? '2026-07-01 18:00:00' : 'wrong'));
    expect(line).toBe('督办事项：组织转移群众　办理时限：2026-07-01 18:00:00');
    expect(line).not.toMatch(/sv-1|inc-1|441203|441200|T10:00/);
    const escalated = summary(entry('SupervisionEscalated', { escalationLevel: 2, to: { jurisdiction: '441200', role: 'leader' } }), tr);
    expect(escalated).toBe('升级次数：2');
  });

  it('a deadline that passed is the system’s doing, not a person of the room the timers act for', () => {
    const overdue = { ...entry('SupervisionOverdue', {}), actor: 'muster-timers', roles: ['admin'] };
    expect(actorLabel(overdue, (code) => (code === '441203' ? '鼎湖区' : code), tr)).toBe('系统（时限到期）');
  });
});
