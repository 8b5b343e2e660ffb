import type { TimelineEntry } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { translator } from './i18n';
import { actorLabel, EVENT_LABELS_ZH, summary } from './timeline-text';

const { tr } = translator('zh-CN');
const NAMES: Record<string, string> = { '441224': '怀集县', '441200': '肇庆市', '440000': '广东省', '441203': '鼎湖区' };
const words = { tr, lang: 'zh-CN', room: (code: string) => NAMES[code] ?? code };

const entry = (type: string, data: Record<string, unknown>, streamType = 'incident'): TimelineEntry => ({
  eventId: 'e-1',
  position: '1.1',
  streamId: streamType === 'report' ? 'report:inc-7d4060ee' : 'inc-7d4060ee',
  streamType,
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
  it('names every event in Chinese, the reporting chain’s included', () => {
    expect(tr('event', 'IncidentReported')).toBe('接报');
    expect(Object.values(EVENT_LABELS_ZH).every((label) => /[\u4e00-\u9fff]/.test(label))).toBe(true);
    const reportEvents = [
      'ReportObligationOpened',
      'ReportObligationAdjusted',
      'ReportObligationRecharged',
      'FinalReportRequired',
      'PhoneReportRecorded',
      'InitialReportSubmitted',
      'FollowUpReportSubmitted',
      'FinalReportSubmitted',
      'SupplementaryReportSubmitted',
      'ReportAcknowledged',
      'ReportReturned',
      'ReportOverdue',
    ];
    expect(reportEvents.filter((type) => !/[\u4e00-\u9fff]/.test(tr('event', type)))).toEqual([]);
  });

  it('shows labelled fields and never an id, a jurisdiction code or a raw key', () => {
    const line = summary(
      entry('IncidentReported', { title: '西江堤段管涌', severity: 'IV', incidentId: '7d4060ee-aa99', leadJurisdiction: '441203', upperJurisdiction: '441200', location: { description: 'x' } }),
      words,
    );
    expect(line).toBe('标题：西江堤段管涌　级别：IV 级 一般');
    expect(line).not.toMatch(/7d4060ee|441203|incidentId|=/);
  });

  it('says which report a filing was, where it went, 越级 and copies, lateness and 缺项, without keys or codes', () => {
    const line = summary(
      entry(
        'InitialReportSubmitted',
        {
          content: { occurredAt: '2026-07-01T05:40:00.000Z', place: '怀集县冷坑镇', nature: '山体滑坡' },
          signedBy: '李明',
          directTo: '440000',
          id: '441224/initial',
          key: 'initial',
          kind: 'initial',
          number: null,
          from: '441224',
          to: '441200',
          copiedTo: ['441200'],
          title: 'initial',
          dueAt: '2026-07-01T07:00:00.000Z',
          submittedAt: '2026-07-01T08:30:00.000Z',
          resubmitted: false,
          minutesLate: 90,
          missingFields: ['source', 'scope', 'trend'],
        },
        'report',
      ),
      words,
    );
    expect(line).toBe('报告：初报　怀集县 → 肇庆市　越级上报至广东省（抄送肇庆市）　迟报 90 分钟　缺项：信息来源、影响范围、发展趋势　签发人：李明');
    expect(line).not.toMatch(/\d{6}|initial|title|missingFields/);
  });

  it('a 退回 names the report, the rooms and the reason; a 补报 its casualty figures', () => {
    const returned = summary(
      entry('ReportReturned', { key: 'followUp-2', from: '441224', reason: '伤亡人数不清，请核实后重报', id: '441224/followUp-2', kind: 'followUp', number: 2, to: '441200' }, 'report'),
      words,
    );
    expect(returned).toBe('报告：续报二　怀集县 → 肇庆市　理由：伤亡人数不清，请核实后重报');
    const supplementary = summary(
      entry('SupplementaryReportSubmitted', { losses: { dead: 1, injured: 1 }, note: '一名伤者经抢救无效死亡', signedBy: '李明', kind: 'supplementary', number: 1, from: '441224', to: '441200', title: 'supplementary', missingFields: [] }, 'report'),
      words,
    );
    expect(supplementary).toBe('报告：补报一　怀集县 → 肇庆市　死亡：1　受伤：1　备注：一名伤者经抢救无效死亡　签发人：李明');
  });

  it('a lead change says what became of each report; an overdue report who owed it and when it was due', () => {
    const recharged = summary(
      entry(
        'ReportObligationRecharged',
        {
          lead: '441200',
          formerLead: '441224',
          reason: '跨县影响扩大',
          chain: [{ from: '441200', to: '440000', role: 'lead' }],
          changes: [{ key: 'initial', from: '441224', to: '441200', dueAt: '2026-07-01T12:00:00.000Z', outcome: 'kept' }],
        },
        'report',
      ),
      words,
    );
    expect(recharged).toBe('报送责任已随主办单位调整：主办单位由怀集县改为肇庆市。初报（应报 2026-07-01 20:00:00）已到期，仍由怀集县报送肇庆市　理由：跨县影响扩大');
    const overdue = summary(
      entry('ReportOverdue', { key: '441224/initial', dueAt: '2026-07-01T12:00:00.000Z', reportKey: 'initial', kind: 'initial', number: null, jurisdiction: '441224', upperJurisdiction: '441200', incidentId: 'inc-1' }, 'report'),
      words,
    );
    expect(overdue).toBe('报告：初报　怀集县 → 肇庆市　应报时间：2026-07-01 20:00:00');
  });

  it('a room linked by severity reads as words: the room by name, the engine’s reason code in Chinese', () => {
    expect(summary(entry('RoomLinked', { jurisdiction: '441200', reason: 'severity', severity: 'IV' }), words)).toBe('单位：肇庆市　理由：按事件级别　级别：IV 级 一般');
    expect(summary(entry('SupportingJurisdictionAdded', { jurisdiction: '441224', reason: '调派救援队' }), words)).toBe('单位：怀集县　理由：调派救援队');
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
    const line = summary(opened, { ...words, time: (iso) => (iso === '2026-07-01T10:00:00.000Z' ? '2026-07-01 18:00:00' : 'wrong') });
    expect(line).toBe('督办事项：组织转移群众　办理时限：2026-07-01 18:00:00');
    expect(line).not.toMatch(/sv-1|inc-1|441203|441200|T10:00/);
    const escalated = summary(entry('SupervisionEscalated', { escalationLevel: 2, to: { jurisdiction: '441200', role: 'leader' } }), words);
    expect(escalated).toBe('升级次数：2');
  });

  it('a deadline that passed is the system’s doing, not a person of the room the timers act for', () => {
    const overdue = { ...entry('SupervisionOverdue', {}), actor: 'muster-timers', roles: ['admin'] };
    expect(actorLabel(overdue, (code) => (code === '441203' ? '鼎湖区' : code), tr)).toBe('系统（时限到期）');
  });

  it('reads a response level as 三级响应, not as a severity; a reclassification with its old and new severity', () => {
    expect(summary(entry('ResponseActivated', { level: 'III', measures: '全面封控' }), words)).toBe('响应级别：三级响应');
    expect(summary(entry('SuggestedSeverityConfirmed', { previousSeverity: 'IV', severity: 'III', rule: 'accident-iii', linkage: { link: ['441200'] } }), words)).toBe(
      '原级别：IV 级 一般　级别：III 级 较大',
    );
  });

  it('a linked warning reads by its headline and colour (never as a response level), with its reason, recipients and acknowledgements', () => {
    const message = { level: 'yellow', content: { zh: { headline: '鼎湖区暴雨黄色预警' } }, identifier: '44120341600000_20261207150000_0' };
    expect(tr('event', 'WarningIssued')).toBe('发布预警');
    expect(summary(entry('WarningIssued', { message, recipientCount: 4 }, 'warning'), words)).toBe('预警标题：鼎湖区暴雨黄色预警　预警级别：黄色预警（三级）　发送 4 人');
    expect(summary(entry('WarningUpdated', { level: 'orange', reason: '降雨加强', message: { ...message, level: 'orange' } }, 'warning'), words)).toBe(
      '预警标题：鼎湖区暴雨黄色预警　预警级别：橙色预警（二级）　理由：降雨加强',
    );
    expect(summary(entry('WarningAckDeadlinePassed', { overdue: ['ct-1', 'ct-2'], acknowledged: 2, total: 4 }, 'warning'), words)).toBe('已签收 2 / 4');
  });

  it('names the events of the plan rules in Chinese', () => {
    for (const type of ['LeadPrompted', 'LeadDeclined', 'SeveritySuggested', 'SuggestedSeverityConfirmed', 'SuggestedSeverityDismissed']) {
      expect(tr('event', type), type).toMatch(/^[\u4e00-\u9fff]+$/);
    }
  });
});
