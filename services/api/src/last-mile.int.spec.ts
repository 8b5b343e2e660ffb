import { connectEventBus, type NatsEventBus } from '@muster/bus-nats';
import { subscribe } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { startGateway, type RunningGateway } from '@muster/gateway';
import { createTokenVerifier, signAckLink } from '@muster/identity';
import { startRelay, type Relay } from '@muster/relay';
import { deleteTestStream, TEST_JURISDICTIONS, TEST_JWT_SECRET, TEST_NATS_URL, natsTestNames, testToken, type TestDatabase } from '@muster/testkit';
import { startTimers } from '@muster/timers';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect } from 'vitest';
import { localChannels } from './last-mile/channels';
import { startDeliveryWorker, type DeliveryWorker } from './last-mile/delivery-worker';
import { actorRequests, apiTest } from './test-fixtures';

/**
 * The last mile of a warning (issue 21) over HTTP, the delivery worker, the timers, and the live path
 * PostgreSQL → relay → NATS JetStream → gateway: 200 recipients from the registry, 190 acknowledge
 * through their signed links, 10 do not; at the deadline the timers make exactly those 10 manual
 * tasks; the board and a console subscribed to the room both show 190/200.
 */

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';
const person = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const dinghuDuty = person('duty-dinghu', ['duty_officer'], DINGHU);
const dinghuLeader = person('leader-dinghu', ['leader'], DINGHU);
const cityDuty = person('duty-city', ['duty_officer'], CITY);
const huaijiDuty = person('duty-huaiji', ['duty_officer'], HUAIJI);
const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
let now = T0;
const clock = { now: () => new Date(now) };
const moveTo = (minute: number) => {
  now = T0 + minute * 60_000;
};

let app: FastifyInstance;
let db: TestDatabase['db'];
let timers: ReturnType<typeof startTimers>;
let worker: DeliveryWorker;
let bus: NatsEventBus;
let relay: Relay;
let gateway: RunningGateway;
const channels = localChannels();

apiTest.override('clock', { scope: 'file' }, clock);
apiTest.override('apiOptions', { scope: 'file' }, { clock, ackLinks: { secret: TEST_JWT_SECRET } });
apiTest.beforeAll(async ({ database, api, engine }) => {
  app = api;
  db = database.db;
  timers = startTimers({ db: database.db, engine, clock, autoStart: false });
  worker = startDeliveryWorker({ db: database.db, engine, channels, secret: TEST_JWT_SECRET, linkBase: 'https://muster.test/console/ack', clock, autoStart: false });
  for (const channel of Object.values(channels)) channel.reportTo(worker.receive);
  bus = await connectEventBus({ servers: TEST_NATS_URL, ...natsTestNames('last-mile'), ensureStream: true, publishTimeoutMs: 5_000 });
  relay = startRelay({ db: database.db, bus, idlePollMs: 20 });
  gateway = await startGateway({ db: database.db, bus, jurisdictions: TEST_JURISDICTIONS, verifier: createTokenVerifier({ secret: TEST_JWT_SECRET }), heartbeatIntervalMs: 60_000 });
});
afterAll(async () => {
  await worker?.stop();
  await gateway?.close();
  await relay?.stop();
  if (bus) await deleteTestStream(bus);
  await bus?.close();
});
const { call, ok } = actorRequests(() => app);

const ROLES = ['township_head', 'village_cadre', 'reservoir_keeper', 'school_contact'] as const;
const TOWNSHIPS = Array.from({ length: 10 }, (_, i) => ({ code: `441203${String(100 + i)}`, name: `鼎湖第${i + 1}镇` }));

const content = (headline = '鼎湖区暴雨黄色预警', areas: string[] = [DINGHU]) => ({
  category: 'Met',
  eventCode: '11B03',
  zh: { event: '暴雨', headline, description: '预计6小时内降雨量50毫米以上。', instruction: '转移低洼地带群众。' },
  expires: at(600),
  channels: ['SMS', 'SPEAKER'],
  area: { description: '肇庆市鼎湖区', jurisdictions: areas },
});

async function issued(warningId: string, issueData: Record<string, unknown> = {}): Promise<void> {
  moveTo(1);
  await ok(dinghuDuty, 'POST', '/warnings', { warningId, data: { level: 'yellow', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content: content() } });
  await ok(dinghuLeader, 'POST', `/warnings/${warningId}/commands`, { type: 'ApproveWarning' });
  moveTo(3);
  await ok(dinghuDuty, 'POST', `/warnings/${warningId}/commands`, { type: 'IssueWarning', data: issueData });
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Board = {
  total: number;
  acknowledged: number;
  acknowledgedInTime: number;
  delivered: number;
  sent: number;
  deadlinePassed: boolean;
  ackDeadline: string;
  byArea: { area: string; areaName: string; total: number; acknowledged: number }[];
  notAcknowledged: { recipientId: string }[];
  manualTasks: { recipientId: string; manual: null | { outcome: string; note: string; by: string } }[];
};

describe('the last mile: 200 recipients, 190 acknowledge, 10 become manual tasks', () => {
  apiTest('the board shows 190/200 live, and at the deadline exactly the 10 silent ones are the duty room\'s manual tasks', async () => {
    // The registry: 200 contacts of Dinghu, 20 in each of 10 townships, of the four roles.
    const contactIds: string[] = [];
    for (let i = 0; i < 200; i++) {
      const township = TOWNSHIPS[Math.floor(i / 20)] ?? TOWNSHIPS[0];
      const contact = await ok<{ contactId: string }>(dinghuDuty, 'POST', '/contacts', {
        jurisdiction: DINGHU,
        area: township?.code,
        areaName: township?.name,
        name: `${township?.name}联系人${i}`,
        role: ROLES[i % ROLES.length],
        phone: `1380000${String(i).padStart(4, '0')}`,
        channels: i % 10 === 0 ? ['voice', 'sms'] : ['sms'],
      });
      contactIds.push(contact.contactId);
    }

    // A console of the duty room, subscribed before anything is issued.
    const seen: EventEnvelope[] = [];
    const feed = subscribe({ url: gateway.url, rooms: [DINGHU], token: () => testToken(dinghuDuty), onEvent: (event) => seen.push(event), onError: () => undefined });
    await until('the live feed', () => (feed.state() === 'live' ? true : undefined));

    await issued('w-last');
    const recipients = await ok<{ items: { recipientId: string; state: string; channel: string }[] }>(dinghuDuty, 'GET', '/warnings/w-last/recipients');
    expect(recipients.items).toHaveLength(200);
    expect(new Set(recipients.items.map((r) => r.recipientId))).toStrictEqual(new Set(contactIds));
    expect(recipients.items.every((r) => r.state === 'queued')).toBe(true);
    expect(recipients.items.filter((r) => r.channel === 'voice')).toHaveLength(20);

    // The delivery worker sends each one once, through its channel; the local channel reports each delivered.
    moveTo(4);
    expect(await worker.tick()).toBe(200);
    expect(await worker.tick()).toBe(0);
    expect(channels.sms.sent).toHaveLength(180);
    expect(channels.voice.sent).toHaveLength(20);
    const board0 = await until('200 delivery receipts', async () => {
      const b = await ok<Board>(dinghuDuty, 'GET', '/warnings/w-last/ack-board');
      return b.delivered === 200 ? b : undefined;
    });
    expect(board0).toMatchObject({ total: 200, sent: 200, delivered: 200, acknowledged: 0, deadlinePassed: false, ackDeadline: at(63) });

    // 190 tap their link (in bursts, as phones do); 10, one in each township, never do.
    const sent = [...channels.sms.sent, ...channels.voice.sent];
    const tokenOf = new Map(sent.map((m) => [m.reference.split('/')[1] ?? '', m.ackUrl.split('/').at(-1) ?? '']));
    const silent = new Set(contactIds.filter((_, i) => i % 20 === 7));
    expect(silent.size).toBe(10);
    const acknowledging = contactIds.filter((id) => !silent.has(id));
    moveTo(20);
    for (let i = 0; i < acknowledging.length; i += 19) {
      const answers = await Promise.all(acknowledging.slice(i, i + 19).map((id) => app.inject({ method: 'POST', url: `/public/warning-ack/${tokenOf.get(id)}`, payload: {} })));
      for (const answer of answers) expect(answer.statusCode, answer.body).toBe(200);
    }
    // A second tap is the same acknowledgement.
    const first = acknowledging[0] ?? '';
    const again = await app.inject({ method: 'POST', url: `/public/warning-ack/${tokenOf.get(first)}`, payload: {} });
    expect(again.json()).toStrictEqual({ acknowledged: true, acknowledgedAt: at(20) });
    const view = await app.inject({ method: 'GET', url: `/public/warning-ack/${tokenOf.get([...silent][0] ?? '')}` });
    expect(view.json()).toMatchObject({ headline: '鼎湖区暴雨黄色预警', level: 'yellow', instruction: '转移低洼地带群众。', issuerRoomName: expect.any(String), acknowledged: false, over: false });

    const before = await ok<Board>(dinghuDuty, 'GET', '/warnings/w-last/ack-board');
    expect([before.acknowledged, before.total]).toStrictEqual([190, 200]);
    expect(before.manualTasks).toStrictEqual([]);
    expect(new Set(before.notAcknowledged.map((r) => r.recipientId))).toStrictEqual(silent);

    // The deadline (yellow: 60 minutes after the issue) is a row the timers fire; the test writes no state.
    moveTo(62);
    expect((await timers.tick()).fired).toBe(0);
    moveTo(63);
    expect((await timers.tick()).fired).toBe(1);
    const board = await ok<Board>(dinghuDuty, 'GET', '/warnings/w-last/ack-board');
    expect([board.acknowledged, board.total, board.acknowledgedInTime]).toStrictEqual([190, 200, 190]);
    expect(board.deadlinePassed).toBe(true);
    expect(new Set(board.manualTasks.map((r) => r.recipientId))).toStrictEqual(silent);
    expect(board.manualTasks.every((r) => r.manual === null)).toBe(true);
    // The warning itself carries the figures, not the list.
    const warning = await ok<Record<string, unknown>>(dinghuDuty, 'GET', '/warnings/w-last');
    expect(warning['ack']).toStrictEqual({ total: 200, acknowledged: 190, ackDeadline: at(63), deadlinePassed: true, openManualTasks: 10 });
    expect(warning['lastMile']).toBeUndefined();
    expect(board.byArea).toHaveLength(10);
    for (const area of board.byArea) expect(area).toMatchObject({ total: 20, acknowledged: 19, areaName: expect.stringMatching(/^鼎湖第\d+镇$/) });
    // A second firing of the same row changes nothing.
    expect((await timers.tick()).fired).toBe(0);

    // Live: the room's console saw every acknowledgement count, in order, up to 190/200, and the deadline's 10.
    const acks = await until('190 acknowledgements on the live feed', () => {
      const a = seen.filter((e) => e.type === 'WarningAcknowledged');
      return a.length === 190 ? a : undefined;
    });
    expect(acks.map((e) => e.data['acknowledged'])).toStrictEqual(Array.from({ length: 190 }, (_, i) => i + 1));
    expect(acks.at(-1)?.data).toMatchObject({ acknowledged: 190, total: 200 });
    const passed = await until('the deadline on the live feed', () => seen.find((e) => e.type === 'WarningAckDeadlinePassed'));
    expect(new Set(passed.data['overdue'] as string[])).toStrictEqual(silent);
    expect(passed.data).toMatchObject({ acknowledged: 190, total: 200 });
    expect(seen.filter((e) => e.type === 'WarningDelivered')).toHaveLength(200);

    // 人工通知: a duty officer records what each call came to; the task closes; the board follows live.
    const [called, unanswered] = [...silent];
    moveTo(70);
    await ok(dinghuDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: called, outcome: 'reached', note: '电话联系上，已知晓' } });
    await ok(dinghuDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: unanswered, outcome: 'unreachable', note: '无人接听' } });
    const afterCalls = await ok<Board>(dinghuDuty, 'GET', '/warnings/w-last/ack-board');
    expect(afterCalls.manualTasks.find((r) => r.recipientId === called)?.manual).toMatchObject({ outcome: 'reached', note: '电话联系上，已知晓', by: 'duty-dinghu' });
    expect(afterCalls.manualTasks.filter((r) => r.manual === null)).toHaveLength(8);
    // Reached is final; an unreachable one may be called again.
    expect((await call(dinghuDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: called, outcome: 'unreachable', note: 'x' } })).statusCode).toBe(409);
    await ok(dinghuDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: unanswered, outcome: 'reached', note: '第二次拨打接通' } });
    // Not for someone who acknowledged; not by another county (it cannot see the warning: 404); a bad outcome names the field.
    expect((await call(dinghuDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: first, outcome: 'reached', note: '' } })).statusCode).toBe(409);
    expect((await call(huaijiDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: called, outcome: 'reached', note: '' } })).statusCode).toBe(404);
    expect((await call(cityDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: called, outcome: 'reached', note: '' } })).statusCode).toBe(403);
    const bad = await call(dinghuDuty, 'POST', '/warnings/w-last/commands', { type: 'RecordManualOutcome', data: { recipientId: called, outcome: 'maybe' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('data.outcome');
    await until('the manual outcomes on the live feed', () => (seen.filter((e) => e.type === 'WarningManualOutcomeRecorded').length === 3 ? true : undefined));
    // Another county does not see the board at all.
    expect((await call(huaijiDuty, 'GET', '/warnings/w-last/ack-board')).statusCode).toBe(404);
    expect((await call(cityDuty, 'GET', '/warnings/w-last/ack-board')).statusCode).toBe(200);
    await feed.close();
  }, 240_000);
});

describe('acknowledgement links', () => {
  apiTest('a forged, altered, expired or foreign token, or one for someone not on the list, is a clear 404; never a 5xx, nothing recorded', async () => {
    const contact = await ok<{ contactId: string }>(dinghuDuty, 'POST', '/contacts', { jurisdiction: DINGHU, area: '441203101', areaName: '沙浦镇', name: '沙浦镇水库安全责任人', role: 'reservoir_keeper', phone: '13900000001', channels: ['sms'] });
    await issued('w-links', { recipientRoles: ['reservoir_keeper'] });
    const recipients = await ok<{ items: { recipientId: string }[] }>(dinghuDuty, 'GET', '/warnings/w-links/recipients');
    expect(recipients.items.map((r) => r.recipientId)).toContain(contact.contactId);
    const good = await signAckLink({ warningId: 'w-links', recipientId: contact.contactId }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600, now: clock.now() });
    const tokens = {
      forged: await signAckLink({ warningId: 'w-links', recipientId: contact.contactId }, { secret: new TextEncoder().encode('not-the-secret-of-this-server-000'), ttlSeconds: 3600, now: clock.now() }),
      altered: `${good.slice(0, -3)}${good.endsWith('A') ? 'B' : 'A'}xx`,
      expired: await signAckLink({ warningId: 'w-links', recipientId: contact.contactId }, { secret: TEST_JWT_SECRET, ttlSeconds: 60, now: new Date(now - 3600_000) }),
      notOnList: await signAckLink({ warningId: 'w-links', recipientId: 'ct-nobody' }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600, now: clock.now() }),
      noWarning: await signAckLink({ warningId: 'w-none', recipientId: contact.contactId }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600, now: clock.now() }),
      loginToken: await testToken(dinghuDuty),
      garbage: 'not.a.token',
    };
    for (const [name, token] of Object.entries(tokens)) {
      for (const method of ['GET', 'POST'] as const) {
        const answer = await app.inject({ method, url: `/public/warning-ack/${token}`, ...(method === 'POST' ? { payload: {} } : {}) });
        expect(answer.statusCode, `${name} ${method}: ${answer.body}`).toBe(404);
        expect(answer.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('not valid or has expired') } });
      }
    }
    const board = await ok<Board>(dinghuDuty, 'GET', '/warnings/w-links/ack-board');
    expect(board.acknowledged).toBe(0);
    // The good one works, once; a body is refused by name.
    expect((await app.inject({ method: 'POST', url: `/public/warning-ack/${good}`, payload: { extra: 1 } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: `/public/warning-ack/${good}`, payload: {} })).json()).toStrictEqual({ acknowledged: true, acknowledgedAt: at(3) });
    // Lifted: an unacknowledged link answers that there is nothing left to acknowledge (409), not a 5xx.
    const other = await ok<{ contactId: string }>(dinghuDuty, 'POST', '/contacts', { jurisdiction: DINGHU, area: '441203102', areaName: '莲花镇', name: '莲花镇水库安全责任人', role: 'reservoir_keeper', phone: '13900000002', channels: ['sms'] });
    await issued('w-lifted', { recipientRoles: ['reservoir_keeper'] });
    await ok(dinghuLeader, 'POST', '/warnings/w-lifted/commands', { type: 'LiftWarning', data: { reason: '险情解除' } });
    const late = await signAckLink({ warningId: 'w-lifted', recipientId: other.contactId }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600, now: clock.now() });
    expect((await app.inject({ method: 'GET', url: `/public/warning-ack/${late}` })).json()).toMatchObject({ over: true, acknowledged: false });
    expect((await app.inject({ method: 'POST', url: `/public/warning-ack/${late}`, payload: {} })).statusCode).toBe(409);
  });
});

describe('the contact registry: a room keeps its own and below; nobody edits another county\'s', () => {
  apiTest('create, list, update and deactivate by room', async () => {
    const body = { jurisdiction: DINGHU, area: '441203103', areaName: '凤凰镇', name: '凤凰镇学校联系人', role: 'school_contact', phone: '13700000001', channels: ['app', 'sms'] };
    const created = await ok<{ contactId: string; jurisdictionName: string; active: boolean }>(dinghuDuty, 'POST', '/contacts', body);
    expect(created.active).toBe(true);
    // Another county may not add to Dinghu's registry, nor see or change its contacts (404 as if missing).
    expect((await call(huaijiDuty, 'POST', '/contacts', body)).statusCode).toBe(403);
    expect((await call(huaijiDuty, 'PUT', `/contacts/${created.contactId}`, { phone: '13700000009' })).statusCode).toBe(404);
    expect((await call(huaijiDuty, 'POST', `/contacts/${created.contactId}/deactivate`, {})).statusCode).toBe(404);
    const huaijiList = await ok<{ items: { contactId: string }[] }>(huaijiDuty, 'GET', '/contacts');
    expect(huaijiList.items.map((c) => c.contactId)).not.toContain(created.contactId);
    expect((await call(huaijiDuty, 'GET', `/contacts?jurisdiction=${DINGHU}`)).statusCode).toBe(403);
    // The city sees and keeps all.
    const cityList = await ok<{ items: { contactId: string }[] }>(cityDuty, 'GET', '/contacts');
    expect(cityList.items.map((c) => c.contactId)).toContain(created.contactId);
    const changed = await ok<{ phone: string }>(cityDuty, 'PUT', `/contacts/${created.contactId}`, { phone: '13700000002' });
    expect(changed.phone).toBe('13700000002');
    // Bad input names the field; nothing stored.
    const wrongArea = await call(dinghuDuty, 'POST', '/contacts', { ...body, area: '441224100' });
    expect(wrongArea.statusCode).toBe(400);
    expect(wrongArea.json()).toMatchObject({ error: { issues: [{ path: 'area' }] } });
    const noChannel = await call(dinghuDuty, 'PUT', `/contacts/${created.contactId}`, { channels: [] });
    expect(noChannel.statusCode).toBe(400);
    expect(noChannel.body).toContain('channels');
    // Deactivated: off the default list and off the next warning's recipients, kept for the record.
    await ok(dinghuDuty, 'POST', `/contacts/${created.contactId}/deactivate`, {});
    expect((await ok<{ items: { contactId: string }[] }>(dinghuDuty, 'GET', '/contacts')).items.map((c) => c.contactId)).not.toContain(created.contactId);
    expect((await ok<{ items: { contactId: string; active: boolean }[] }>(dinghuDuty, 'GET', '/contacts?active=all')).items.find((c) => c.contactId === created.contactId)?.active).toBe(false);
    await issued('w-schools', { recipientRoles: ['school_contact'] });
    const recipients = await ok<{ items: { recipientId: string }[] }>(dinghuDuty, 'GET', '/warnings/w-schools/recipients');
    expect(recipients.items.map((r) => r.recipientId)).not.toContain(created.contactId);
  });
});

describe('warnings of one room in one second; the list by drill flag', () => {
  apiTest('two warnings of one room released in the same second get different GB/T 35965.1 identifiers', async () => {
    await issued('w-same-1');
    await issued('w-same-2');
    const [a, b] = await Promise.all(['w-same-1', 'w-same-2'].map((id) => ok<{ messages: { identifier: string; sent: string }[] }>(dinghuDuty, 'GET', `/warnings/${id}`)));
    expect(a?.messages[0]?.sent).toBe(b?.messages[0]?.sent);
    expect(a?.messages[0]?.identifier).toMatch(/^441203416\d{5}_\d{14}_\d$/);
    expect(a?.messages[0]?.identifier).not.toBe(b?.messages[0]?.identifier);
    // The lift of one, in that same second, takes a third.
    await ok(dinghuLeader, 'POST', '/warnings/w-same-1/commands', { type: 'LiftWarning', data: { reason: '险情解除' } });
    const lifted = await ok<{ messages: { identifier: string }[] }>(dinghuDuty, 'GET', '/warnings/w-same-1');
    const all = [...(lifted.messages ?? []), ...(b?.messages ?? [])].map((m) => m.identifier);
    expect(new Set(all).size).toBe(3);
    // A refused release uses up no slot: a duty officer may not lift (403), a lifted warning takes no second lift (409).
    const slots = async () => Number((await db.selectFrom('warning_identifier').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const held = await slots();
    expect((await call(dinghuDuty, 'POST', '/warnings/w-same-2/commands', { type: 'LiftWarning', data: { reason: '险情解除' } })).statusCode).toBe(403);
    expect((await call(dinghuLeader, 'POST', '/warnings/w-same-1/commands', { type: 'LiftWarning', data: { reason: '再次解除' } })).statusCode).toBe(409);
    expect(await slots()).toBe(held);
    // A client cannot pick its own slot: it is not part of what people send.
    const forced = await call(dinghuLeader, 'POST', '/warnings/w-same-2/commands', { type: 'LiftWarning', data: { reason: '险情解除', identifierSlot: { stamp: '20260701140300', sequence: 0 } } });
    expect(forced.statusCode).toBe(200);
    const after = await ok<{ messages: { identifier: string }[] }>(dinghuDuty, 'GET', '/warnings/w-same-2');
    expect(new Set([...all, ...after.messages.map((m) => m.identifier)]).size).toBe(4);
  });

  apiTest('GET /warnings shows real warnings unless ?exercise=true|all, like /incidents', async () => {
    moveTo(1);
    const draft = (warningId: string, status: string) => ok(dinghuDuty, 'POST', '/warnings', { warningId, data: { status, level: 'blue', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content: content() } });
    await draft('w-real', 'actual');
    await draft('w-drill', 'exercise');
    const ids = async (query: string) => (await ok<{ items: { warningId: string }[] }>(dinghuDuty, 'GET', `/warnings${query}`)).items.map((w) => w.warningId);
    expect(await ids('')).toContain('w-real');
    expect(await ids('')).not.toContain('w-drill');
    expect(await ids('?exercise=false')).not.toContain('w-drill');
    expect(await ids('?exercise=true')).toStrictEqual(['w-drill']);
    expect(await ids('?exercise=all')).toEqual(expect.arrayContaining(['w-real', 'w-drill']));
    const bad = await call(dinghuDuty, 'GET', '/warnings?exercise=maybe');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('exercise');
  });
});

describe('review: a warning linked to an incident, in its timeline and its after-action metrics', () => {
  apiTest('time from the first report to the first warning, and the share acknowledged within the deadline; releases and the ack summary in the timeline', async () => {
    const township = '441203150';
    const keepers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await ok<{ contactId: string }>(dinghuDuty, 'POST', '/contacts', { jurisdiction: DINGHU, area: township, areaName: '永安镇', name: `永安镇联系人${i}`, role: 'village_cadre', phone: `1360000000${i}`, channels: ['sms'] });
      keepers.push(c.contactId);
    }
    moveTo(0);
    await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-rain', data: { title: '永安镇内涝', leadJurisdiction: DINGHU, severity: 'IV' } });
    moveTo(1);
    await ok(dinghuDuty, 'POST', '/warnings', { warningId: 'w-review', data: { level: 'yellow', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content: content('永安镇暴雨黄色预警', [township]), incidents: ['inc-rain'] } });
    await ok(dinghuLeader, 'POST', '/warnings/w-review/commands', { type: 'ApproveWarning' });
    moveTo(12);
    await ok(dinghuDuty, 'POST', '/warnings/w-review/commands', { type: 'IssueWarning', data: { recipientRoles: ['village_cadre'] } });
    const recipients = await ok<{ items: { recipientId: string }[] }>(dinghuDuty, 'GET', '/warnings/w-review/recipients');
    expect(recipients.items.map((r) => r.recipientId).sort()).toStrictEqual([...keepers].sort());
    const tap = async (recipientId: string) => {
      const token = await signAckLink({ warningId: 'w-review', recipientId }, { secret: TEST_JWT_SECRET, ttlSeconds: 24 * 3600, now: clock.now() });
      expect((await app.inject({ method: 'POST', url: `/public/warning-ack/${token}`, payload: {} })).statusCode).toBe(200);
    };
    // Two in time, one after the deadline (12 + 60 minutes), one never.
    moveTo(20);
    await tap(keepers[0] ?? '');
    await tap(keepers[1] ?? '');
    moveTo(72);
    await timers.tick();
    moveTo(80);
    await tap(keepers[2] ?? '');

    const metrics = await ok<{ minutesTo: Record<string, number | null>; warnings: { firstWarningAt: string; shareAcknowledgedWithinDeadline: number; items: Record<string, unknown>[] } }>(dinghuDuty, 'GET', '/incidents/inc-rain/metrics');
    expect(metrics.minutesTo['firstWarning']).toBe(12);
    expect(metrics.warnings.firstWarningAt).toBe(at(12));
    expect(metrics.warnings.shareAcknowledgedWithinDeadline).toBe(0.5);
    expect(metrics.warnings.items).toStrictEqual([
      { warningId: 'w-review', level: 'yellow', issuedAt: at(12), ackDeadline: at(72), recipients: 4, acknowledged: 3, acknowledgedWithinDeadline: 2, shareAcknowledgedWithinDeadline: 0.5 },
    ]);

    const timeline = await ok<{ items: { type: string; streamId: string; data: Record<string, unknown> }[] }>(dinghuDuty, 'GET', '/incidents/inc-rain/timeline?limit=500');
    const warningEntries = timeline.items.filter((e) => e.streamId === 'warning:w-review');
    expect(warningEntries.map((e) => e.type)).toStrictEqual(['WarningIssued', 'WarningAckDeadlinePassed']);
    // The list is told by its size: no names or phones in the incident's record.
    expect(warningEntries[0]?.data).toMatchObject({ recipientCount: 4 });
    expect(warningEntries[0]?.data['recipients']).toBeUndefined();
    expect(warningEntries[1]?.data).toMatchObject({ acknowledged: 2, total: 4 });
    expect(new Set(warningEntries[1]?.data['overdue'] as string[])).toStrictEqual(new Set(keepers.slice(2)));
    // The lift follows when it comes; an incident with no linked warning has none.
    moveTo(90);
    await ok(dinghuLeader, 'POST', '/warnings/w-review/commands', { type: 'LiftWarning', data: { reason: '降雨减弱' } });
    const after = await ok<{ items: { type: string; streamId: string }[] }>(dinghuDuty, 'GET', '/incidents/inc-rain/timeline?limit=500');
    expect(after.items.filter((e) => e.streamId === 'warning:w-review').map((e) => e.type)).toStrictEqual(['WarningIssued', 'WarningAckDeadlinePassed', 'WarningLifted']);
    await ok(dinghuDuty, 'POST', '/incidents', { incidentId: 'inc-dry', data: { title: '无关事件', leadJurisdiction: DINGHU, severity: 'IV' } });
    const dry = await ok<{ minutesTo: Record<string, number | null>; warnings: { firstWarningAt: string | null; shareAcknowledgedWithinDeadline: number | null; items: unknown[] } }>(dinghuDuty, 'GET', '/incidents/inc-dry/metrics');
    expect(dry.minutesTo['firstWarning']).toBeNull();
    expect(dry.warnings).toStrictEqual({ firstWarningAt: null, shareAcknowledgedWithinDeadline: null, items: [] });
  });
});
