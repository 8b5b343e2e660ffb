/**
 * The routes the web console uses, through @muster/client (the console's only way to the server),
 * against a listening api on a real PostgreSQL: each client method's answer must match the schema
 * the client checks it with, and the console's files and configuration are served without a token.
 */
import { createHttpClient, MusterApiError, type MusterHttpClient } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { apiTest, testLogins } from './test-fixtures';

let base: string;

apiTest.override('apiOptions', { scope: 'file' }, async ({ consoleDir }) => ({
  login: await testLogins(),
  console: { dir: consoleDir, gatewayPort: 18181, showDemoUsers: true },
}));
apiTest.beforeAll(({ apiUrl }) => {
  base = apiUrl;
});

async function as(username: string): Promise<MusterHttpClient> {
  const answer = await createHttpClient({ baseUrl: base }).login(username, username);
  expect(answer.user.userId).toBe(username);
  return createHttpClient({ baseUrl: base, token: answer.token });
}

describe('the console routes through @muster/client', () => {
  it('serves the console and its configuration without a token, and redirects / to it', async () => {
    const page = await fetch(`${base}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('console under test');
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const config = await createHttpClient({ baseUrl: base }).consoleConfig();
    expect(config.gateway).toEqual({ port: 18181, path: '/ws' });
    expect(config.demoUsers.map((u) => u.username)).toContain('city-duty');
    // The demo list never carries password hashes.
    expect(JSON.stringify(config)).not.toContain('scrypt');
    // Everything else still needs a token.
    const refused = await createHttpClient({ baseUrl: base }).listIncidents().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MusterApiError);
    expect((refused as MusterApiError).status).toBe(401);
  });

  it('a wrong password is a typed 401, not a token', async () => {
    const error = await createHttpClient({ baseUrl: base })
      .login('city-duty', 'wrong')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MusterApiError);
    expect((error as MusterApiError).status).toBe(401);
  });

  it('every read and command the console makes answers in the shape the client checks', async () => {
    const room = await as('dinghu-duty');
    const commander = await as('commander');
    const reviewer = await as('reviewer');

    expect(await room.me()).toMatchObject({ userId: 'dinghu-duty', jurisdiction: '441203' });
    const jurisdictions = await room.jurisdictions();
    expect(jurisdictions.items.find((j) => j.code === '441203')?.nameEn).toBe('Dinghu District');

    const created = await room.createIncident({ data: { title: 'Landslide at Kengkou', leadJurisdiction: '441203', severity: 'IV', category: 'natural_disaster' } });
    const incidentId = created.streamId;
    expect((await room.getScene(incidentId)).state).toBe('none');
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: 'Li', unit: 'Fire brigade' } } });
    await commander.sendOnSceneCommand(incidentId, { type: 'PostSceneReport', data: { reportId: 'sr-1', injured: 3, evacuated: 120, needs: 'boats' } });
    const command = await room.getScene(incidentId);
    expect(command.commander?.name).toBe('Li');
    expect(command.latestReport).toMatchObject({ reportId: 'sr-1', injured: 3, evacuated: 120, needs: 'boats' });

    const submitted = await commander.submitResourceRequest(incidentId, { data: { items: [{ kind: 'boat', quantity: 2, priority: 'urgent', deliverTo: 'Kengkou' }] } });
    await room.sendResourceRequestCommand(submitted.streamId, { type: 'ApproveResourceRequest', data: {} });
    const requests = await room.listResourceRequests(incidentId);
    expect(requests.items).toEqual([expect.objectContaining({ requestId: submitted.streamId, state: 'approved' })]);

    // Confirmed at level III: the report obligation opens with deadlines.
    await room.sendCommand(incidentId, { type: 'BeginVerification' });
    await room.sendCommand(incidentId, { type: 'ConfirmIncident', data: { severity: 'III' } });
    const reports = await room.getReports(incidentId);
    expect(reports.deadlines.length).toBeGreaterThan(0);
    // The room files its phone report on its line; the scores (考核通报) count it, as JSON and as CSV.
    await room.fileReport(incidentId, { type: 'RecordPhoneReport', data: { recipient: 'City duty room', summary: 'Landslide at Kengkou' } });
    const period = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 24 * 3600_000).toISOString() };
    const scores = await room.reportScores(period);
    expect(scores.items).toEqual([expect.objectContaining({ jurisdiction: '441203', assessed: 1, onTime: 1, filed: 1, complete: 1, returned: 0 })]);
    const scoresCsv = await room.reportScoresCsv({ ...period, jurisdiction: '441203' });
    // (Decoding the answer drops the byte-order mark; the console puts it back on the file it saves.)
    expect(scoresCsv.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^单位代码,单位,应报,按时,迟报,漏报,/), expect.stringMatching(/^441203,鼎湖区,1,1,0,0,/)]);

    const timeline = await reviewer.timeline(incidentId, { limit: 1000 });
    expect(timeline.items.map((e) => e.type)).toEqual(expect.arrayContaining(['IncidentReported', 'CommanderAppointed', 'SceneReportPosted', 'IncidentConfirmed']));
    const first = timeline.items[0];
    expect(first).toBeDefined();
    const atStart = await reviewer.stateAt(incidentId, first?.recordedAt ?? '', 'recorded');
    expect(atStart.incident?.state).toBe('reported');
    const metrics = await reviewer.metrics(incidentId);
    expect(metrics.minutesTo['verification']).not.toBeNull();
    expect(metrics.commanderTenures).toHaveLength(1);
    const csv = await reviewer.exportTimeline(incidentId, 'csv');
    expect(csv.split('\n')[0]).toContain('recordedAt');
    expect(csv).toContain('SceneReportPosted');
    const json = JSON.parse(await reviewer.exportTimeline(incidentId, 'json')) as { items: unknown[] };
    expect(json.items).toHaveLength(timeline.items.length);
    expect(await reviewer.form(incidentId, 'ics201')).toContain('<html');
    // Figures nobody reported are unknown on the forms too: a dash, never 0.
    const ics209 = await reviewer.form(incidentId, 'ics209');
    expect(ics209).toContain('<td>— / 3 / — / —</td>');
    expect(ics209).toContain('<td>120 / —</td>');
    expect(command.latestReport?.dead).toBeNull();
  });

  it("a command the api refuses comes back with the failing field, as the console shows it", async () => {
    const room = await as('dinghu-duty');
    const created = await room.createIncident({ data: { title: 'Flood', leadJurisdiction: '441203' } });
    await room.sendOnSceneCommand(created.streamId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: 'Li' } } });
    const commander = await as('commander');
    const error = await commander
      .sendOnSceneCommand(created.streamId, { type: 'PostSceneReport', data: { reportId: 'sr-bad', injured: -1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MusterApiError);
    expect((error as MusterApiError).status).toBe(400);
    expect((error as MusterApiError).issues?.map((i) => i.path)).toEqual(['data.injured']);
    expect((await room.getScene(created.streamId)).latestReport).toBeNull();
  });

  it('a drill’s review reads through the client: merged timeline, state at T, metrics and the export the console saves', async () => {
    const city = await as('city-duty');
    const dueAt = new Date(Date.now() + 3600_000).toISOString();
    await city.call('planDrill', {
      body: {
        drillId: 'client-d1',
        data: { title: '鼎湖区桌面推演', kind: 'tabletop', doubleBlind: false, participants: ['441203'], objectives: ['核实'], scenario: '堤防管涌', injects: [{ injectId: 'i-1', kind: 'sceneReport', dueAt, content: '现场报告' }] },
      },
    });
    const started = await city.call('startDrill', { params: { drillId: 'client-d1' }, body: { open: { title: '演练：堤防管涌', leadJurisdiction: '441203' } } });
    const timeline = await city.call('drillTimeline', { params: { drillId: 'client-d1' }, query: { limit: 100 } });
    expect(timeline.items.map((e) => e.type)).toEqual(expect.arrayContaining(['DrillPlanned', 'DrillStarted', 'DrillIncidentLinked', 'IncidentReported']));
    const state = await city.call('drillStateAt', { params: { drillId: 'client-d1' }, query: { at: new Date(Date.now() + 1000).toISOString() } });
    expect(state.incidents.map((i) => i.incidentId)).toEqual(started.incidents);
    expect((await city.call('drillMetrics', { params: { drillId: 'client-d1' } })).injects).toMatchObject({ planned: 1, scheduled: 1 });
    const csv = await city.exportDrillTimeline('client-d1', 'csv');
    expect(csv.split('\n')[0]).toContain('recordedAt');
    expect(csv).toContain('DrillStarted');
    const json = JSON.parse(await city.exportDrillTimeline('client-d1', 'json')) as { items: unknown[] };
    expect(json.items).toHaveLength(timeline.items.length);
    // The participant's review waits for the end of the drill.
    const dinghu = await as('dinghu-duty');
    const early = await dinghu.exportDrillTimeline('client-d1', 'csv').catch((e: unknown) => e);
    expect((early as MusterApiError).status).toBe(403);
  });
});
