/**
 * A tip-off reporter's identity (issue 24) is kept apart: it appears in no answer, export, timeline
 * or live-feed frame, for any role, except the one answer TIP_OFF_IDENTITY_RULE allows (the leader of
 * the room the hazard belongs to). The scenario runs a tip-off from the public form through
 * verification, grading, rectification, 挂牌督办, a fine and the reward's payment, and an incident
 * that names the hazard; then scans, for the identity's strings:
 * - every api answer of the scenario, for every role (county duty officer and leader, city duty
 *   officer and leader, another county, the province, a reviewer): register, CSV export, hazard,
 *   history, the incident's hazards, timeline and its JSON and CSV exports, inspections, and the
 *   reporter route itself for everyone it refuses;
 * - every row of every table but the reporter's own (events, their payloads and meta, stream
 *   snapshots, deadlines, command keys …);
 * - every frame the gateway sent to consoles of those roles subscribed to their rooms;
 * - every event published to a real NATS JetStream stream (the relay's bus, 127.0.0.1:4222).
 * Real PostgreSQL, the real engine, api, gateway and NATS.
 */
/* oxlint-disable no-empty-pattern */
import { buildApi } from '@muster/api';
import { connectEventBus } from '@muster/bus-nats';
import { START_POSITION, type EventEnvelope } from '@muster/contracts';
import { DEFAULT_RULE_BOOK, type Actor } from '@muster/domain';
import type { InProcessEventBus } from '@muster/engine';
import { authHeader, deleteTestStream, natsTestNames, TEST_JURISDICTIONS, TEST_NATS_URL, testToken, type TestDatabase } from '@muster/testkit';
import { sql } from 'kysely';
import { afterAll, describe, expect } from 'vitest';
import type { RunningGateway } from './gateway';
import { gatewayTest, testVerifier, type OpenConsole } from './test-fixtures';
import { drainedThrough, until, type TestConsole, type TestRelay } from './test-harness';

const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';
const PROVINCE = '440000';
const person = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const dinghuDuty = person('duty-dinghu', ['duty_officer'], DINGHU);
const dinghuLeader = person('leader-dinghu', ['leader'], DINGHU);
const cityDuty = person('duty-city', ['duty_officer'], CITY);
const cityLeader = person('leader-city', ['leader'], CITY);
const huaijiLeader = person('leader-huaiji', ['leader'], HUAIJI);
const provinceDuty = person('duty-gd', ['duty_officer'], PROVINCE);
const reviewer = person('reviewer-city', ['reviewer'], CITY);
const EVERYONE = [dinghuDuty, dinghuLeader, cityDuty, cityLeader, huaijiLeader, provinceDuty, reviewer];

/** The reporter, with strings found nowhere else in the scenario. */
const REPORTER = { name: '钟秘言', phone: '13912345678', idNumber: '44120319800101123X', address: '肇庆市端州区隐名路88号' };
const SECRETS = [REPORTER.name, REPORTER.phone, REPORTER.idNumber, REPORTER.idNumber.toLowerCase(), REPORTER.address, '隐名路'];
const leaks = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

const { stream, subjectPrefix } = natsTestNames('tipoff');
const published: EventEnvelope[] = [];

gatewayTest.override('bus', { scope: 'file' }, async ({}, { onCleanup }) => {
  // Messages age out of the test stream; the stream itself is named for this run only.
  const bus = await connectEventBus({ servers: TEST_NATS_URL, stream, subjectPrefix, ensureStream: { maxAgeMs: 10 * 60 * 1000 } });
  onCleanup(async () => {
    await deleteTestStream(bus);
    await bus.close();
  });
  // The fixture is typed as the in-process bus it defaults to; the relay and the gateway take any EventBus.
  return bus as unknown as InProcessEventBus;
});

let t: TestDatabase;
let relay: TestRelay;
let openConsole: OpenConsole;
let app: ReturnType<typeof buildApi>;
let gateway: RunningGateway;

gatewayTest.beforeAll(async ({ database, engine, bus, relay: fileRelay, launchGateway, openConsole: opener }) => {
  [t, relay, openConsole] = [database, fileRelay, opener];
  await bus.subscribe((event) => published.push(event));
  app = buildApi({ engine, db: t.db, logger: false, verifier: testVerifier, jurisdictions: TEST_JURISDICTIONS, rules: DEFAULT_RULE_BOOK });
  await app.ready();
  gateway = await launchGateway();
});
afterAll(() => app?.close());

/** Every answer of the scenario but the one the rule allows, with what asked for it. */
const answers: { what: string; body: string }[] = [];

/** What the scenario reads of an answer. */
interface Answer {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  json<T>(): T;
}

async function call(actor: Actor | null, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>): Promise<Answer> {
  const response = await app.inject({ method, url, headers: actor === null ? {} : await authHeader(actor), ...(payload === undefined ? {} : { payload }) });
  answers.push({ what: `${actor?.userId ?? 'public'} ${method} ${url} → ${response.statusCode}`, body: `${JSON.stringify(response.headers)}\n${response.body}` });
  return response;
}
async function ok<T>(actor: Actor, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>): Promise<T> {
  const response = await call(actor, method, url, payload);
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
  return response.json<T>();
}

/** Every read a role can make of the hazard and of the incident it led to. */
async function readEverything(hazardId: string, incidentId: string | null): Promise<void> {
  for (const actor of EVERYONE) {
    for (const url of [
      '/hazards',
      '/hazards?source=tip_off',
      '/hazards?supervision=true',
      '/hazards/export.csv',
      `/hazards/${hazardId}`,
      `/hazards/${hazardId}/history`,
      '/inspections',
      ...(incidentId === null
        ? []
        : [`/incidents/${incidentId}`, `/incidents/${incidentId}/hazards`, `/incidents/${incidentId}/timeline`, `/incidents/${incidentId}/timeline/export`, `/incidents/${incidentId}/timeline/export?format=csv`]),
    ]) {
      await call(actor, 'GET', url);
    }
  }
}

/** Consoles of every role, each subscribed to the rooms it reads. */
async function consoles(): Promise<TestConsole[]> {
  const rooms: Record<string, string[]> = { [DINGHU]: [DINGHU], [CITY]: [CITY, DINGHU, HUAIJI], [HUAIJI]: [HUAIJI], [PROVINCE]: [PROVINCE, CITY, DINGHU] };
  return Promise.all(
    EVERYONE.map(async (actor) => {
      const c = await openConsole(gateway, await testToken(actor, 600));
      c.send({ type: 'subscribe', rooms: rooms[actor.jurisdiction] ?? [], after: START_POSITION });
      return c;
    }),
  );
}

describe("a tip-off reporter's identity", () => {
  gatewayTest('appears in no answer, export, timeline, table, gateway frame or NATS message, for any role but the one the rule names', async () => {
    const live = await consoles();

    // A citizen submits the public form (no login).
    const receipt = await call(null, 'POST', '/public/tip-offs', {
      location: { jurisdiction: '441203100', address: '坑口街道某化工厂储罐区' },
      title: '化工厂储罐区阀门泄漏',
      description: '夜间有刺激性气味, 阀门锈蚀',
      attachments: [{ name: '现场照片.jpg', ref: 'https://example.org/p/1.jpg' }],
      reporter: REPORTER,
    });
    expect(receipt.statusCode, receipt.body).toBe(201);
    const { tipOffId } = receipt.json<{ tipOffId: string }>();
    const queue = await ok<{ items: { hazardId: string; tipOffId: string }[] }>(dinghuDuty, 'GET', '/hazards?source=tip_off&state=reported');
    const hazardId = queue.items.find((h) => h.tipOffId === tipOffId)?.hazardId ?? '';
    expect(hazardId).not.toBe('');
    await readEverything(hazardId, null);

    // The county verifies, grades 重大, assigns the rectification; the city lists it; a fine, the reward paid.
    const command = (actor: Actor, type: string, data: Record<string, unknown> = {}) => ok<{ events: { eventId: string }[] }>(actor, 'POST', `/hazards/${hazardId}/commands`, { type, data });
    await command(dinghuDuty, 'VerifyHazard', { note: '现场核实属实' });
    await command(dinghuDuty, 'GradeHazard', { criteria: ['requires_stoppage'] });
    const deadline = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    await command(dinghuDuty, 'AssignRectification', {
      responsibleUnit: '某化工厂',
      measures: '更换阀门',
      deadline,
      plan: { objectives: '消除泄漏', methods: '更换阀门', funding: '自筹', organisation: '厂长负责', timeline: '30日', safetyMeasures: '停用储罐区' },
      interimControls: ['储罐区停用'],
    });
    await command(cityDuty, 'ListForSupervision', { deadline, note: '市政府挂牌督办' });
    await command(dinghuDuty, 'RecordFine', { amount: 200_000 });
    const incident = await ok<{ streamId: string }>(dinghuDuty, 'POST', '/incidents', { data: { title: '化工厂泄漏', leadJurisdiction: DINGHU, category: 'accident' } });
    await command(dinghuDuty, 'LinkHazardToIncident', { incidentId: incident.streamId });
    const last = await command(dinghuLeader, 'RecordRewardPayment', { amount: 30_000, reference: '奖励发放凭证 2026-01' });
    const reward = await ok<{ reward: { amount: number; tipOffId: string } }>(dinghuDuty, 'GET', `/hazards/${hazardId}`);
    expect(reward.reward).toMatchObject({ amount: 30_000, tipOffId });
    await readEverything(hazardId, incident.streamId);

    // The reporter route: refused to everyone but the owning room's leader, as if the tip-off did not exist.
    const ghost = await call(dinghuLeader, 'GET', '/tip-offs/t-none/reporter');
    expect(ghost.statusCode).toBe(404);
    for (const actor of EVERYONE.filter((a) => a !== dinghuLeader)) {
      const refused = await call(actor, 'GET', `/tip-offs/${tipOffId}/reporter`);
      expect(refused.statusCode, actor.userId).toBe(404);
      expect(refused.body.split(tipOffId).join('ID')).toBe(ghost.body.split('t-none').join('ID'));
    }
    // The one answer allowed carries the identity (so the scan below would see it anywhere else).
    const allowed = await app.inject({ method: 'GET', url: `/tip-offs/${tipOffId}/reporter`, headers: await authHeader(dinghuLeader) });
    expect(allowed.statusCode).toBe(200);
    expect(leaks(allowed.body)).toStrictEqual(SECRETS.filter((s) => s !== REPORTER.idNumber.toLowerCase()));

    // Every answer.
    expect(answers.length).toBeGreaterThan(150);
    expect(answers.filter((a) => leaks(a.body).length > 0).map((a) => a.what)).toStrictEqual([]);

    // Every row of every table but the reporter's own.
    const { rows: tables } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'tip_off_reporter'`.execute(t.db);
    expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(['event', 'stream', 'deadline', 'inspection']));
    for (const { name } of tables) {
      const { rows } = await sql<{ row: string }>`select row_to_json(x)::text as row from ${sql.table(name)} x`.execute(t.db);
      expect(rows.filter((r) => leaks(r.row).length > 0).map(() => name)).toStrictEqual([]);
    }
    const { rows: kept } = await sql<{ row: string }>`select row_to_json(x)::text as row from tip_off_reporter x`.execute(t.db);
    expect(kept.map((r) => leaks(r.row).length > 0)).toStrictEqual([true]);

    // Every live-feed frame and every NATS message, once the last event has gone through.
    const lastEventId = last.events.at(-1)?.eventId ?? '';
    await drainedThrough(t.db, relay, { incidentId: `hazard:${hazardId}`, eventId: lastEventId }, live);
    await until(() => published.some((e) => e.eventId === lastEventId), 'the last event on NATS');
    const county = live[0];
    expect(county?.events.map((e) => e.type)).toEqual(expect.arrayContaining(['HazardReported', 'HazardGraded', 'HazardFineRecorded', 'TipOffRewardPaid']));
    for (const c of live) expect(leaks(JSON.stringify(c.frames)), 'gateway frames').toStrictEqual([]);
    const { rows: stored } = await sql<{ id: string }>`select event_id::text as id from event where stream_id = ${`hazard:${hazardId}`}`.execute(t.db);
    expect(stored).toHaveLength(8);
    expect(new Set(published.filter((e) => e.streamId === `hazard:${hazardId}`).map((e) => e.eventId))).toStrictEqual(new Set(stored.map((r) => r.id)));
    expect(leaks(JSON.stringify(published)), 'NATS messages').toStrictEqual([]);
  });
});
