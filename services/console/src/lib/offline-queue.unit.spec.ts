import { describe, expect, it } from 'vitest';
import {
  afterAccepted,
  asSceneReport,
  commandText,
  editableFields,
  failureOf,
  nextToSend,
  outgoingOf,
  resent,
  withEdits,
  type CommandWords,
  type QueuedCommand,
  type QueuedResourceRequest,
  type QueuedSceneCommand,
} from './offline-queue';

const ACTED = '2026-12-07T02:10:00.000Z';
const NOW = new Date('2026-12-07T02:40:00.000Z');
const IDS = { commandId: 'cmd-new', reportId: 'sr-new', requestId: 'rr-new' };

const scene = (seq: number, type: string, data: Record<string, unknown>, seenVersion: number | null = 4): QueuedSceneCommand => ({
  seq,
  kind: 'scene',
  type,
  data,
  seenVersion,
  userId: 'commander',
  incidentId: 'inc-1',
  commandId: `cmd-${seq}`,
  occurredAt: ACTED,
  queuedAt: ACTED,
  status: 'queued',
});
const request = (seq: number): QueuedResourceRequest => ({
  seq,
  kind: 'request',
  type: 'SubmitResourceRequest',
  requestId: `rr-${seq}`,
  data: {
    items: [
      { kind: '冲锋舟', quantity: 2, priority: 'urgent', deliverTo: '沙浦镇' },
      { kind: '救生衣', quantity: 50, priority: 'routine', deliverTo: '沙浦镇' },
    ],
    justification: '转移群众',
  },
  userId: 'commander',
  incidentId: 'inc-1',
  commandId: `cmd-${seq}`,
  occurredAt: ACTED,
  queuedAt: ACTED,
  status: 'queued',
});

const WORDS: CommandWords = {
  t: (key) => ({ dead: '死亡', injured: '受伤', missing: '失联', trapped: '被困', evacuated: '转移', sheltered: '安置', needs: '需求', objectives: '目标', justification: '理由', resourcesOnScene: '现场资源' })[key],
  command: (type) => ({ PostSceneReport: '现场报告', SubmitResourceRequest: '资源请求', OfferTransfer: '移交指挥' })[type] ?? '现场指挥操作',
  priority: (value) => ({ urgent: '紧急', routine: '常规' })[value] ?? value,
  person: (value) => (value as { name: string }).name,
};

describe('the phone’s command queue', () => {
  it('sends a scene report with its command id and occurredAt and no expected version: reports do not conflict', () => {
    expect(outgoingOf(scene(1, 'PostSceneReport', { reportId: 'sr-1', injured: 2 }))).toStrictEqual({
      method: 'sendOnSceneCommand',
      incidentId: 'inc-1',
      body: { type: 'PostSceneReport', data: { reportId: 'sr-1', injured: 2 }, commandId: 'cmd-1', occurredAt: ACTED },
    });
  });

  it('sends a transfer of command with the version the user saw, so a structure that moved on refuses it', () => {
    const offer = outgoingOf(scene(2, 'OfferTransfer', { offerId: 'o-1', to: { userId: 'deputy', name: '副指挥官' } }, 7));
    expect(offer.method === 'sendOnSceneCommand' && offer.body.expectedVersion).toBe(7);
    expect(outgoingOf(request(3))).toStrictEqual({
      method: 'submitResourceRequest',
      incidentId: 'inc-1',
      body: { requestId: 'rr-3', commandId: 'cmd-3', occurredAt: ACTED, data: request(3).data },
    });
  });

  it('keeps a command queued when the server was not reached or could not decide, and refuses it on any decision', () => {
    for (const error of [
      { status: 0, code: 'unavailable' as const, message: 'cannot reach the api' },
      { status: 503, code: 'unavailable' as const, message: 'database down' },
      { status: 502, code: 'internal' as const, message: 'proxy' },
      { status: 429, code: 'rate_limited' as const, message: 'slow down' },
      { status: 401, code: 'unauthorized' as const, message: 'token expired' },
    ]) {
      expect(failureOf(error, NOW)).toStrictEqual({ kind: 'later' });
    }
    const refused = failureOf({ status: 403, code: 'forbidden', message: 'not the commander', details: { command: 'OfferTransfer' } }, NOW);
    expect(refused).toStrictEqual({ kind: 'refused', refusal: { status: 403, code: 'forbidden', message: 'not the commander', details: { command: 'OfferTransfer' }, issues: undefined, at: NOW.toISOString() } });
    expect(failureOf({ status: 409, code: 'conflict', message: 'stale', details: { expectedVersion: 7 } }, NOW).kind).toBe('refused');
    expect(failureOf({ status: 400, code: 'validation', message: 'bad', issues: [{ path: 'data.injured', message: 'too big' }] }, NOW).kind).toBe('refused');
  });

  it('sends the oldest queued command first and leaves refused ones to the user', () => {
    const queue: QueuedCommand[] = [{ ...scene(5, 'PostSceneReport', {}), status: 'refused' }, request(9), scene(7, 'PostSceneReport', {})];
    expect(nextToSend(queue)?.seq).toBe(7);
    expect(nextToSend([{ ...scene(5, 'PostSceneReport', {}), status: 'refused' }])).toBeUndefined();
  });

  it('moves the later commands of the same scene past the user’s own accepted ones, never others', () => {
    const first = scene(1, 'PostSceneReport', { reportId: 'sr-1' }, 4);
    const later = [first, scene(2, 'OfferTransfer', {}, 4), request(3), { ...scene(4, 'OfferTransfer', {}, 4), incidentId: 'inc-2' }, { ...scene(5, 'OfferTransfer', {}, 4), status: 'refused' as const }];
    const moved = afterAccepted(first, { events: [{ eventId: 'e', type: 'SceneReportPosted', version: 5 }] }, later);
    expect(moved.map((c) => [c.seq, c.kind === 'scene' ? c.seenVersion : null])).toStrictEqual([[2, 5]]);
    expect(afterAccepted(request(3), { events: [{ eventId: 'e', type: 'ResourceRequestSubmitted', version: 1 }] }, later)).toStrictEqual([]);
  });

  it('修改后重发: the edited payload as a new command at the end of the queue, decided now', () => {
    const refused: QueuedCommand = { ...request(3), status: 'refused', refusal: { status: 409, code: 'conflict', message: 'x', at: ACTED } };
    const again = resent(refused, { items: [{ kind: '冲锋舟', quantity: 1, priority: 'urgent', deliverTo: '沙浦镇' }] }, IDS, NOW);
    expect(again).toMatchObject({ kind: 'request', commandId: 'cmd-new', requestId: 'rr-new', status: 'queued', occurredAt: NOW.toISOString(), seq: undefined, refusal: undefined });
    expect(again.data.items).toHaveLength(1);
  });

  it('改为现场报告: the command’s text as a scene report, made when the user acted', () => {
    const offer = { ...scene(2, 'OfferTransfer', { offerId: 'o-1', to: { userId: 'deputy', name: '副指挥官' } }, 4), status: 'refused' as const };
    const report = asSceneReport(offer, commandText(offer, WORDS), IDS, NOW);
    expect(report).toMatchObject({ kind: 'scene', type: 'PostSceneReport', data: { reportId: 'sr-new', objectives: '移交指挥 → 副指挥官' }, commandId: 'cmd-new', occurredAt: ACTED, seenVersion: null, status: 'queued' });
    expect(asSceneReport(request(3), commandText(request(3), WORDS), IDS, NOW).data).toStrictEqual({ reportId: 'sr-new', needs: '资源请求：冲锋舟 2（紧急）、救生衣 50（常规）；理由：转移群众' });
  });

  it('says what a command was in words, never an id', () => {
    const report = scene(1, 'PostSceneReport', { reportId: 'sr-1a2b', injured: 2, trapped: 0, needs: '沙袋' });
    expect(commandText(report, WORDS)).toBe('现场报告：受伤 2 · 被困 0；需求：沙袋');
    expect(commandText(scene(1, 'PostSceneReport', { reportId: 'sr-1' }), WORDS)).toBe('现场报告：—');
  });

  it('offers the payload’s texts and numbers for editing, not its ids or people, and applies the edits', () => {
    const data = { reportId: 'sr-1', injured: 2, needs: '沙袋', to: { userId: 'deputy', name: '副指挥官' } };
    const fields = editableFields(data);
    expect(fields).toStrictEqual([
      { path: 'injured', value: '2', numeric: true },
      { path: 'needs', value: '沙袋', numeric: false },
    ]);
    expect(withEdits(data, fields, { injured: '5', needs: '沙袋 800 个' })).toStrictEqual({ ...data, injured: 5, needs: '沙袋 800 个' });
    expect(withEdits(data, fields, { injured: '' })).toStrictEqual({ reportId: 'sr-1', needs: '沙袋', to: data.to });
    expect(withEdits(data, fields, { injured: 'many' })['injured']).toBe('many');
    const items = editableFields(request(1).data);
    expect(items.map((f) => f.path)).toStrictEqual(['items.0.kind', 'items.0.quantity', 'items.0.priority', 'items.0.deliverTo', 'items.1.kind', 'items.1.quantity', 'items.1.priority', 'items.1.deliverTo', 'justification']);
    expect((withEdits(request(1).data, items, { 'items.1.quantity': '80' }) as QueuedResourceRequest['data']).items[1]?.quantity).toBe(80);
  });
});
