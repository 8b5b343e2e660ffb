/**
 * @muster/client against the real api and gateway on a real PostgreSQL. (The client's own tests may
 * not import services — DESIGN §5 lint rules — so the end-to-end ones live here.)
 */
import { buildApi } from '@muster/api';
import { MusterApiError, createHttpClient, subscribe, type LiveFeed, type LiveState, type MusterHttpClient } from '@muster/client';
import { START_POSITION, comparePositions, type EventEnvelope } from '@muster/contracts';
import { DEFAULT_RULE_BOOK } from '@muster/domain';
import { freePort, TEST_JURISDICTIONS, testToken, type TestDatabase } from '@muster/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from './gateway';
import { gatewayTest, testVerifier, type LaunchGateway } from './test-fixtures';
import { expectedEvents, until } from './test-harness';

const DINGHU = '441203';
const GAOYAO = '441204';

let t: TestDatabase;
let api: ReturnType<typeof buildApi>;
let http: MusterHttpClient;
let apiUrl: string;
let gatewayPort: number;
let gateway: RunningGateway;
let token: string;
/** The county rooms run their own incidents (以县为主): their commands go out as the lead room's duty officer. */
let lead: Record<typeof DINGHU | typeof GAOYAO, MusterHttpClient>;
let launch: LaunchGateway;
const feeds: LiveFeed[] = [];

gatewayTest.beforeAll(async ({ database, engine, launchGateway }) => {
  [t, launch] = [database, launchGateway];
  api = buildApi({ engine, db: t.db, logger: false, verifier: testVerifier, jurisdictions: TEST_JURISDICTIONS, rules: DEFAULT_RULE_BOOK });
  apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  // A city duty officer: acts in the counties below the city and watches their rooms.
  token = await testToken({ userId: 'duty-7', roles: ['duty_officer'], jurisdiction: '441200' });
  http = createHttpClient({ baseUrl: apiUrl, token: () => token });
  const roomClient = async (jurisdiction: string) => {
    const roomToken = await testToken({ userId: `duty-${jurisdiction}`, roles: ['duty_officer'], jurisdiction });
    return createHttpClient({ baseUrl: apiUrl, token: () => roomToken });
  };
  lead = { [DINGHU]: await roomClient(DINGHU), [GAOYAO]: await roomClient(GAOYAO) };
  gatewayPort = await freePort();
  gateway = await launch({ port: gatewayPort });
});

afterAll(async () => {
  await Promise.all(feeds.map((f) => f.close()));
  await api?.close();
});

function inOrderOnce(received: EventEnvelope[], expected: EventEnvelope[]): void {
  expect(received.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
  for (let i = 1; i < received.length; i++) {
    expect(comparePositions(received[i]?.position ?? START_POSITION, received[i - 1]?.position ?? START_POSITION)).toBeGreaterThan(0);
  }
}

async function head(): Promise<string> {
  return (await expectedEvents(t.db, { rooms: [DINGHU, GAOYAO] })).at(-1)?.position ?? START_POSITION;
}

describe('http client', () => {
  it('creates, commands, reads and lists incidents with typed results', async () => {
    const created = await http.createIncident({ incidentId: 'flood-1', commandId: 'cmd-flood-1', data: { title: 'Flood at Xinqiao', leadJurisdiction: DINGHU } });
    expect(created).toMatchObject({ streamId: 'flood-1', streamType: 'incident', version: 1, state: 'reported' });
    const again = await http.createIncident({ incidentId: 'flood-1', commandId: 'cmd-flood-1', data: { title: 'Flood at Xinqiao', leadJurisdiction: DINGHU } });
    expect(again).toEqual(created);

    const verified = await lead[DINGHU].sendCommand('flood-1', { type: 'BeginVerification', data: { note: 'calling the village' }, expectedVersion: 1 });
    expect(verified.state).toBe('verifying');
    const confirmed = await lead[DINGHU].sendCommand('flood-1', { type: 'ConfirmIncident', data: { severity: 'III', category: 'natural_disaster' } });
    // The domain may record derived events with a command, so count what came back, not a constant.
    expect(confirmed).toMatchObject({ version: verified.version + confirmed.events.length, state: 'confirmed' });

    const view = await http.getIncident('flood-1');
    expect(view).toMatchObject({ incidentId: 'flood-1', state: 'confirmed', severity: 'III', leadJurisdiction: DINGHU, version: confirmed.version });

    await http.createIncident({ incidentId: 'fire-1', data: { title: 'Fire', leadJurisdiction: GAOYAO } });
    const list = await http.listIncidents({ jurisdiction: GAOYAO });
    expect(list.items.map((i) => i.incidentId)).toEqual(['fire-1']);
  });

  it('throws MusterApiError with the error body: code, message, failing paths, status', async () => {
    const invalid = await http.createIncident({ data: { title: '', leadJurisdiction: '44' } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(MusterApiError);
    expect(invalid).toMatchObject({ status: 400, code: 'validation' });
    const paths = invalid instanceof MusterApiError ? (invalid.issues ?? []).map((i) => i.path).sort() : [];
    expect(paths).toEqual(['data.leadJurisdiction', 'data.title']);

    await expect(http.getIncident('no-such-incident')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await http.createIncident({ incidentId: 'quake-1', data: { title: 'Quake', leadJurisdiction: DINGHU } });
    await expect(lead[DINGHU].sendCommand('quake-1', { type: 'CloseIncident', data: { summary: 'done' } })).rejects.toMatchObject({
      status: 409,
      code: 'illegal_transition',
    });
    await expect(lead[DINGHU].sendCommand('quake-1', { type: 'BeginVerification', expectedVersion: 7 })).rejects.toMatchObject({ status: 409, code: 'conflict' });
    // the city follows Dinghu's incident: closing it is the lead room's, whatever state it is in
    await expect(http.sendCommand('quake-1', { type: 'CloseIncident', data: { summary: 'done' } })).rejects.toMatchObject({ status: 403, code: 'forbidden' });

    const nowhere = createHttpClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(nowhere.listIncidents()).rejects.toMatchObject({ status: 0, code: 'unavailable' });
    const anonymous = createHttpClient({ baseUrl: apiUrl });
    await expect(anonymous.listIncidents()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe('live client', () => {
  it('receives every event of its room once and in order, and resumes by itself across gateway crashes and restarts', async () => {
    const start = await head();
    const received: EventEnvelope[] = [];
    const states: LiveState[] = [];
    const feed = subscribe({
      url: gateway.url,
      token,
      rooms: [DINGHU],
      after: start,
      onEvent: (e) => received.push(e),
      onStateChange: (s) => states.push(s.state),
      backoff: { initialMs: 20, maxMs: 200 },
    });
    feeds.push(feed);
    await until(() => feed.state() === 'live', 'live');

    // Commands flow the whole time: through a crash (no closing frame), a clean restart, and back.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const n = ++written;
        const id = `live-${n}`;
        const county = n % 3 === 0 ? GAOYAO : DINGHU;
        await http.createIncident({ incidentId: id, data: { title: `incident ${n}`, leadJurisdiction: county } });
        await lead[county].sendCommand(id, { type: 'UpdateIncidentDetails', data: { description: `update ${n}` } });
      }
    })();

    await until(() => received.length >= 10, 'some live events');
    await gateway.close({ abrupt: true });
    await until(() => states.includes('disconnected'), 'client noticed the crash');
    const afterCrash = written;
    await until(() => written >= afterCrash + 5, 'commands while no gateway runs');
    gateway = await launch({ port: gatewayPort });
    await until(() => feed.state() === 'live' && received.length >= 30, 'resumed after the crash');

    await gateway.close();
    gateway = await launch({ port: gatewayPort });
    const before = received.length;
    await until(() => feed.state() === 'live' && received.length >= before + 10, 'resumed after the clean restart');

    writing = false;
    await writer;
    // Written last: once it arrives every earlier event is readable (the horizon may lag a moment).
    const marker = await http.createIncident({ incidentId: 'marker-1', data: { title: 'marker', leadJurisdiction: DINGHU } });
    await until(() => received.some((e) => e.eventId === marker.events.at(-1)?.eventId), 'marker');
    const expected = await expectedEvents(t.db, { rooms: [DINGHU] }, start);
    await until(() => received.length >= expected.length, `all ${expected.length} events`);
    inOrderOnce(received, expected);
    expect(feed.position()).toBe(expected.at(-1)?.position);
    expect(states.filter((s) => s === 'disconnected').length).toBeGreaterThanOrEqual(2);
  });

  it('follows one incident across rooms', async () => {
    const start = await head();
    await http.createIncident({ incidentId: 'watch-1', data: { title: 'Watched', leadJurisdiction: GAOYAO } });
    const received: EventEnvelope[] = [];
    const feed = subscribe({ url: gateway.url, token, incidents: ['watch-1'], after: start, onEvent: (e) => received.push(e) });
    feeds.push(feed);
    await lead[GAOYAO].sendCommand('watch-1', { type: 'BeginVerification' });
    await http.createIncident({ incidentId: 'other-1', data: { title: 'Other', leadJurisdiction: GAOYAO } });
    const last = await lead[GAOYAO].sendCommand('watch-1', { type: 'DismissIncident', data: { reason: 'false alarm' } });
    await until(() => received.some((e) => e.eventId === last.events.at(-1)?.eventId), 'the last event');
    const expected = await expectedEvents(t.db, { incidents: ['watch-1'] }, start);
    inOrderOnce(received, expected);
    expect(received.map((e) => e.version)).toEqual(Array.from({ length: last.version }, (_, i) => i + 1));
  });
});
