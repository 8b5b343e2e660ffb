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

  it('warnings (issue 21): the routes the warning screens use answer as the client checks, the XML as text, and the SMS link opens the phone page', async () => {
    const room = await as('dinghu-duty');
    const leader = await as('dinghu-leader');
    const contact = await room.call('createContact', {
      body: { jurisdiction: '441203', area: '441203100', areaName: '永安镇', name: '张永安', role: 'township_head', phone: '13800000101', channels: ['sms'] },
    });
    expect((await room.call('listContacts', { query: { active: 'all' } })).items.map((c) => c.name)).toContain('张永安');
    await room.call('updateContact', { params: { contactId: contact.contactId }, body: { phone: '13800000102' } });
    const expires = new Date(Date.now() + 6 * 3600_000).toISOString();
    const content = { category: 'Met', zh: { event: '暴雨', headline: '鼎湖区暴雨黄色预警', description: '强降雨', instruction: '转移群众' }, expires, channels: ['SMS'], area: { description: '鼎湖区永安镇', jurisdictions: ['441203100'] } };
    await room.call('draftWarning', { body: { warningId: 'w-console', data: { level: 'yellow', sender: { name: '鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content } } });
    await leader.call('warningCommand', { params: { warningId: 'w-console' }, body: { type: 'ApproveWarning', data: {} } });
    await room.call('warningCommand', { params: { warningId: 'w-console' }, body: { type: 'IssueWarning', data: { recipientRoles: ['township_head'] } } });
    const warning = await room.call('getWarning', { params: { warningId: 'w-console' } });
    expect(warning).toMatchObject({ state: 'issued', level: 'yellow', messages: [expect.objectContaining({ identifier: expect.any(String) })] });
    expect((await room.call('listWarnings', { query: { exercise: 'all' } })).items.map((w) => w.warningId)).toContain('w-console');
    expect(await room.warningXml('w-console', 'cap', 1)).toContain('urn:oasis:names:tc:emergency:cap:1.2');
    expect(await room.warningXml('w-console', 'gb')).toContain('<severity>Yellow</severity>');
    const board = await room.call('warningAckBoard', { params: { warningId: 'w-console' } });
    expect(board).toMatchObject({ total: 1, acknowledged: 0, byArea: [{ areaName: '永安镇', total: 1, acknowledged: 0 }] });
    expect((await room.call('warningRecipients', { params: { warningId: 'w-console' } })).items.map((r) => r.name)).toEqual(['张永安']);
    await room.call('deactivateContact', { params: { contactId: contact.contactId }, body: {} });
    // The link in the SMS has no `#`: it redirects to the console's phone page, which routes by hash.
    const link = await fetch(`${base}/console/ack/eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl`, { redirect: 'manual' });
    expect(link.status).toBe(302);
    expect(link.headers.get('location')).toBe('/console/#/ack/eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl');
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
  it('the registries and the availability view (issue 23), each answer as the client checks it', async () => {
    const sihui = await as('sihui-duty');
    const shelter = await sihui.call('registerEntry', {
      body: { registry: 'shelter', id: 'cc-shelter', name: '四会中学', jurisdiction: '441284', address: '东城街道', position: null, capacity: 200, facilities: ['饮用水'], manager: '王', managerPhone: '1' },
    });
    expect(shelter).toMatchObject({ registry: 'shelter', version: 1 });
    await sihui.call('entryCommand', { params: { registry: 'shelter', itemId: 'cc-shelter' }, body: { type: 'OpenShelter', data: {} } });
    expect(await sihui.call('getEntry', { params: { registry: 'shelter', itemId: 'cc-shelter' } })).toMatchObject({ open: true, version: 2 });
    expect((await sihui.call('listEntries', { query: { registry: 'shelter' } })).items.map((e) => e.id)).toEqual(['cc-shelter']);
    await sihui.call('registerEntry', {
      body: { registry: 'depot', id: 'cc-depot', name: '四会库', jurisdiction: '441284', ownerType: 'social_group', ownerName: '四会市红十字会', location: null, position: { lat: 23.33, lon: 112.73 } },
    });
    const check = await sihui.call('importEntries', { body: { file: 'stock', csv: 'depotId,kind,quantity,unit,returnable,expiresOn\ncc-depot,bottled-water,-3,箱,no,2027-01-01\n', dryRun: true } });
    expect(check.errors).toEqual([{ line: 2, field: 'quantity', message: expect.any(String) }]);
    const done = await sihui.call('importEntries', { body: { file: 'stock', csv: 'depotId,kind,quantity,unit,returnable,expiresOn\ncc-depot,bottled-water,300,箱,no,2027-01-01\n' } });
    expect(done).toMatchObject({ imported: 1, errors: [] });
    expect(await sihui.exportRegistry({ file: 'stock' })).toContain('cc-depot,bottled-water,300,箱,no,2027-01-01');
    const city = await as('city-duty');
    const view = await city.call('availability', { query: { kind: 'bottled-water', lat: 23.05, lon: 112.47 } });
    expect(view.stock).toEqual([expect.objectContaining({ depotName: '四会库', quantity: 300, unit: '箱', ownerType: 'social_group', band: 'within60km' })]);
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
