import { join } from 'node:path';
import { createHttpClient } from '@muster/client';
import { integrationTest } from '@muster/testkit/fixtures';
import { type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { apiFor, loginAs, PHONE, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The web console (services/console) in a real browser: Debian's chromium driven by playwright-core,
 * against `muster start` as its own process on a test database. Nothing is mocked: the browser logs
 * in, sends commands over HTTP and receives the live feed over the gateway's WebSocket.
 */

const LIVE_WITHIN_MS = 5_000;

let browser: Browser;
let base: string;

let ui: ConsoleUnderTest | undefined;
integrationTest.beforeAll(async ({ database }) => {
  ui = await startConsoleUnderTest(database.url, 'main');
  ({ base, browser } = ui);
});

afterAll(async () => {
  await ui?.stop();
});


const loggedIn = (username: string, options?: BrowserContextOptions) => loginAs({ browser, base }, username, options);

const apiAs = (username: string) => apiFor(base, username);

/** An instant as the console shows it without the zone: Beijing time, `YYYY-MM-DD HH:MM:SS`. */
function beijing(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

async function live(page: Page): Promise<void> {
  await page.locator('[data-testid=connection][data-state=live]').first().waitFor({ timeout: 15_000 });
}

describe('web console in chromium', () => {
  it('shows the login page with the demo users, in Chinese by default', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toContain('/console/');
    await page.getByTestId('demo-city-duty').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Muster 应急指挥');
    await page.screenshot({ path: join(SHOTS, 'login.png') });
    await context.close();
  });

  it('a county raises an incident to level III and the city board shows it live, without a reload', async () => {
    const county = await loggedIn('dinghu-duty');
    const city = await loggedIn('city-duty');
    await live(city.page);
    // A marker that a reload would wipe out.
    await city.page.evaluate(() => Reflect.set(globalThis, '__sameDocument', true));

    // The county reports the incident on its board, at level IV: the county's own business.
    await live(county.page);
    await county.page.getByTestId('open-report-incident').click();
    const form = county.page.getByTestId('report-incident-form');
    await form.locator('input[name=title]').fill('鼎湖区坑口街道山体滑坡');
    await form.locator('select[name=category]').selectOption('natural_disaster');
    await form.locator('select[name=severity]').selectOption('IV');
    await form.locator('input[name="location.description"]').fill('鼎湖区坑口街道');
    await form.locator('button[type=submit]').click();
    const countyCard = county.page.getByTestId('incident-card').filter({ hasText: '鼎湖区坑口街道山体滑坡' });
    await countyCard.waitFor({ timeout: LIVE_WITHIN_MS });
    const incidentId = await countyCard.getAttribute('data-incident-id');
    expect(incidentId).toBeTruthy();
    // What a duty officer reads on the card, in Chinese: category, place, 接报 in Beijing time, response level.
    expect(await countyCard.getByTestId('card-category').textContent()).toBe('自然灾害');
    expect(await countyCard.getByTestId('card-place').textContent()).toBe('鼎湖区坑口街道');
    expect(await countyCard.getByTestId('card-received').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\+8 北京时间\)$/);
    expect(await countyCard.getByTestId('card-response').textContent()).toBe('—');
    await county.page.screenshot({ path: join(SHOTS, 'board-county.png'), fullPage: true });
    // The city does not follow a level IV county incident.
    await city.page.waitForTimeout(1_000);
    expect(await city.page.locator(`[data-incident-id="${incidentId}"]`).count()).toBe(0);
    // Unless the city asks for everything led below it (含下辖): then it is there, at level IV.
    await city.page.getByTestId('scope-area').check();
    const belowCard = city.page.locator(`[data-testid=incident-card][data-incident-id="${incidentId}"]`);
    await belowCard.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await belowCard.getByTestId('severity').getAttribute('data-severity')).toBe('IV');
    await city.page.getByTestId('scope-area').uncheck();
    await expect.poll(() => belowCard.count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await live(city.page);

    // The county classifies it as level III (较大) in its incident view.
    await countyCard.locator('a.card-title').click();
    await county.page.getByTestId('incident-view').waitFor();
    const classify = county.page.getByTestId('classify-incident');
    await classify.locator('select[name=category]').selectOption('natural_disaster');
    await classify.locator('select[name=severity]').selectOption('III');
    await classify.locator('input[name=reason]').fill('已造成 3 人被困，按较大级别处置');
    const sentAt = Date.now();
    await classify.locator('button[type=submit]').click();
    await county.page.getByTestId('classify-incident-sent').waitFor({ timeout: LIVE_WITHIN_MS });

    // The city board shows it, live: severity III, the county as lead, the city linked.
    const cityCard = city.page.locator(`[data-testid=incident-card][data-incident-id="${incidentId}"]`);
    await cityCard.waitFor({ timeout: LIVE_WITHIN_MS });
    const shownAfterMs = Date.now() - sentAt;
    expect(await cityCard.getByTestId('severity').getAttribute('data-severity')).toBe('III');
    expect(await cityCard.getByTestId('lead-badge').textContent()).toContain('鼎湖区');
    expect(await cityCard.getByTestId('linked-badge').allTextContents()).toEqual([expect.stringContaining('肇庆市')]);
    expect(await city.page.evaluate(() => Reflect.get(globalThis, '__sameDocument'))).toBe(true);
    expect(shownAfterMs).toBeLessThan(LIVE_WITHIN_MS);
    await city.page.screenshot({ path: join(SHOTS, 'board-city.png'), fullPage: true });
    await county.page.screenshot({ path: join(SHOTS, 'incident.png'), fullPage: true });
    await county.context.close();
    await city.context.close();
  });

  it("a commander on a 390×844 phone posts a status report and the room's incident view shows the new figures", async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '西江堤段管涌', leadJurisdiction: '441203', severity: 'IV', category: 'natural_disaster' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, {
      type: 'AppointCommander',
      data: { commander: { userId: 'commander', name: '李指挥', unit: '鼎湖区消防救援大队', phone: '13800000000' } },
    });

    const roomView = await loggedIn('dinghu-duty');
    await roomView.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await roomView.page.getByTestId('incident-view').waitFor();
    await live(roomView.page);
    expect(await roomView.page.getByTestId('figure-injured').count()).toBe(0);

    const phone = await loggedIn('commander', PHONE);
    await phone.page.goto(`${base}/console/#/incidents/${incidentId}/scene`);
    await phone.page.getByTestId('commander-view').waitFor();
    expect(await phone.page.getByTestId('command-role').textContent()).toContain('你是现场指挥官');
    // The page fits the phone: nothing wider than the viewport.
    // (Evaluated in the page: `document` is the browser's, which this file's Node typings do not know.)
    const scrollWidth = await phone.page.evaluate(() => (Reflect.get(globalThis, 'document') as { documentElement: { scrollWidth: number } }).documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(390);
    const status = phone.page.getByTestId('post-status');
    await status.locator('input[name=injured]').fill('3');
    await status.locator('input[name=trapped]').fill('2');
    await status.locator('input[name=evacuated]').fill('120');
    await status.locator('textarea[name=needs]').fill('冲锋舟 2 艘，沙袋 500 个');
    await phone.page.screenshot({ path: join(SHOTS, 'commander-phone.png'), fullPage: true });
    await status.locator('button[type=submit]').click();
    await phone.page.getByTestId('post-status-sent').waitFor({ timeout: LIVE_WITHIN_MS });

    // The room's view, already open, shows the figures without a reload.
    await expect.poll(() => roomView.page.getByTestId('figure-injured').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('3');
    expect(await roomView.page.getByTestId('figure-trapped').textContent()).toBe('2');
    expect(await roomView.page.getByTestId('figure-evacuated').textContent()).toBe('120');
    // Nobody reported deaths: unknown, shown as a dash, never as 0.
    expect(await roomView.page.getByTestId('figure-dead').textContent()).toBe('—');
    expect(await roomView.page.getByTestId('scene-figures').textContent()).toContain('冲锋舟 2 艘');
    await roomView.page.screenshot({ path: join(SHOTS, 'incident-with-figures.png'), fullPage: true });

    // The reviewer's view of the same incident: chart, state at a moment, metrics, exports.
    const reviewer = await loggedIn('reviewer');
    await room.sendCommand(incidentId, { type: 'ClassifyIncident', data: { category: 'natural_disaster', severity: 'III' } });
    await reviewer.page.goto(`${base}/console/#/incidents/${incidentId}/review`);
    await reviewer.page.getByTestId('review-view').waitFor();
    await reviewer.page.locator('[data-testid=timeline-chart] canvas').waitFor();
    await reviewer.page.getByTestId('state-at-show').click();
    await expect.poll(() => reviewer.page.getByTestId('state-at-state').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('接报');
    await reviewer.page.getByTestId('metric-commanderOnScene').waitFor();
    // The scene figures at that moment (a dash before any scene report), and metrics in Chinese:
    // no metric key, request or report id, state or event name (the zone label UTC+8 aside).
    await reviewer.page.getByTestId('state-at-dead').waitFor();
    const metricsText = (await reviewer.page.getByTestId('metrics').textContent()) ?? '';
    expect(metricsText.replaceAll('UTC', '')).not.toMatch(/[A-Za-z]{2,}/);
    expect(metricsText).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    await reviewer.page.screenshot({ path: join(SHOTS, 'review.png'), fullPage: true });
    await Promise.all([roomView.context.close(), phone.context.close(), reviewer.context.close()]);
  });

  it('command changes hands on two phones: offer, ICS 201 briefing, accept; the room sees the new commander live', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖山林火', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥' } } });

    const roomView = await loggedIn('dinghu-duty');
    await roomView.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await live(roomView.page);
    expect(await roomView.page.getByTestId('incident-commander').textContent()).toContain('李指挥');

    const phone = PHONE;
    const outgoing = await loggedIn('commander', phone);
    const incoming = await loggedIn('deputy', phone);
    for (const p of [outgoing.page, incoming.page]) await p.goto(`${base}/console/#/incidents/${incidentId}/scene`);
    await live(outgoing.page);
    await live(incoming.page);

    const offer = outgoing.page.getByTestId('offer-transfer');
    // The successor is picked by name from the people of the incident's rooms: no typed login id.
    await offer.locator('select[name=to]').selectOption({ label: '副指挥官' });
    await offer.locator('button[type=submit]').click();
    const briefing = outgoing.page.getByTestId('briefing');
    await briefing.waitFor({ timeout: LIVE_WITHIN_MS });
    for (const [field, text] of [
      ['situation', '火线长约 800 米，向东北蔓延'],
      ['objectives', '保护山脚村庄，阻断东北火线'],
      ['actions', '已开设隔离带 300 米'],
      ['organisation', '消防、林业、乡镇联合编组'],
      ['resources', '扑火队 3 支，水车 4 辆'],
      ['hazards', '午后风力增大'],
    ] as const) {
      await briefing.locator(`textarea[name="briefing.${field}"]`).fill(text);
    }
    await briefing.locator('button[type=submit]').click();

    // The incoming commander's phone shows the offer, briefed, ready to accept: live, no reload.
    const accept = incoming.page.locator('[data-testid^=accept-]');
    await accept.waitFor({ timeout: LIVE_WITHIN_MS });
    await accept.locator('button[type=submit]').click();
    await expect.poll(() => incoming.page.getByTestId('command-role').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('你是现场指挥官');
    await expect.poll(() => roomView.page.getByTestId('incident-commander').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('副指挥官');
    await expect.poll(() => outgoing.page.getByTestId('command-role').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('你不是现场指挥官');
    expect((await room.getScene(incidentId)).commander?.userId).toBe('deputy');
    await incoming.page.screenshot({ path: join(SHOTS, 'commander-accepted.png'), fullPage: true });
    await Promise.all([roomView.context.close(), outgoing.context.close(), incoming.context.close()]);
  });

  it('a timed transfer on two phones: the offer carries the whole ICS 201 briefing and an effective time; command changes hands by itself at that time', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖山体滑坡', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥' } } });

    const phone = PHONE;
    const roomView = await loggedIn('dinghu-duty');
    const outgoing = await loggedIn('commander', phone);
    const incoming = await loggedIn('deputy', phone);
    await roomView.page.goto(`${base}/console/#/incidents/${incidentId}`);
    for (const p of [outgoing.page, incoming.page]) await p.goto(`${base}/console/#/incidents/${incidentId}/scene`);
    await Promise.all([live(roomView.page), live(outgoing.page), live(incoming.page)]);

    // Far enough ahead for the acceptance to come first; the timers make it effective, nobody clicks.
    const effectiveAt = new Date(Math.ceil((Date.now() + 25_000) / 1_000) * 1_000).toISOString();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const offer = outgoing.page.getByTestId('offer-transfer');
    await offer.locator('select[name=to]').selectOption({ label: '副指挥官' });
    await offer.locator('input[name=effectiveAt]').fill(beijing(effectiveAt).replace(' ', 'T'));
    await offer.locator('input[name=expiresAt]').fill(beijing(expiresAt).replace(' ', 'T'));
    const briefing: [string, string][] = [
      ['situation', '滑坡体约 2 万方，两车被埋'],
      ['objectives', '搜救被埋人员，防止二次滑坡'],
      ['actions', '北端已开始挖掘'],
      ['organisation', '消防、公安、卫健联合编组'],
      ['resources', '挖掘机 2 台，救援队 1 支'],
      ['hazards', '降雨后可能再次滑坡'],
      ['facilities', '指挥部设在村小学操场'],
      ['communications', '消防 3 频道，指挥部电话 0758-1234567'],
      ['constraints', 'S358 线封闭，雨停前直升机无法起降'],
      ['incidentPotential', '持续降雨可能引发二次滑坡'],
      ['delegationOfAuthority', '区政府授权下达撤离令和封路'],
    ];
    for (const [field, text] of briefing) await offer.locator(`textarea[name="briefing.${field}"]`).fill(text);
    await offer.locator('button[type=submit]').click();

    // Briefed with the offer: the incoming commander may accept at once; both phones show the times in Beijing time.
    const toMe = incoming.page.getByTestId('offer-to-me');
    await toMe.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await toMe.getByTestId('offer-to-me-time').allInnerTexts()).toEqual([`提议于${beijing(effectiveAt)} (UTC+8 北京时间)生效`, `${beijing(expiresAt)} (UTC+8 北京时间)未接受即自动失效`]);
    await toMe.getByTestId('accept-transfer').locator('button[type=submit]').click();

    const scheduled = `将于${beijing(effectiveAt)} (UTC+8 北京时间)自动生效`;
    await expect.poll(() => incoming.page.getByTestId('transfer-scheduled').count(), { timeout: LIVE_WITHIN_MS }).toBe(1);
    expect(await incoming.page.getByTestId('transfer-scheduled').innerText()).toContain(scheduled);
    await expect.poll(() => roomView.page.getByTestId('pending-offers').textContent(), { timeout: LIVE_WITHIN_MS }).toContain(scheduled);
    // Until then the outgoing commander keeps command.
    expect(await outgoing.page.getByTestId('command-role').textContent()).toContain('你是现场指挥官');
    expect(Date.now()).toBeLessThan(Date.parse(effectiveAt));
    await incoming.page.screenshot({ path: join(SHOTS, 'commander-transfer-scheduled.png'), fullPage: true });

    await expect.poll(() => incoming.page.getByTestId('command-role').textContent(), { timeout: 60_000 }).toContain('你是现场指挥官');
    await expect.poll(() => roomView.page.getByTestId('incident-commander').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('副指挥官');
    await expect.poll(() => outgoing.page.getByTestId('command-role').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('你不是现场指挥官');
    const scene = await room.getScene(incidentId);
    expect(scene.commander?.userId).toBe('deputy');
    const effective = (await room.timeline(incidentId, { kind: ['TransferEffective'] })).items;
    expect(effective).toHaveLength(1);
    expect(effective[0]?.actor).toBe('muster-timers');
    expect(effective[0]?.occurredAt).toBe(effectiveAt);
    await Promise.all([roomView.context.close(), outgoing.context.close(), incoming.context.close()]);
  });

  it('along the reporting chain: the county files, the city acknowledges, sends a 初报 back with a reason and the county sees it reopened with its new deadline', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖区化工厂火灾', leadJurisdiction: '441203', category: 'accident' } });
    const incidentId = created.streamId;
    await room.sendCommand(incidentId, { type: 'BeginVerification' });
    // Confirmed at level III: the city is linked and the report obligation (信息报送) opens along the
    // chain: Dinghu reports to the city, the city passes it on to the province.
    await room.sendCommand(incidentId, { type: 'ConfirmIncident', data: { severity: 'III' } });
    const incident = await room.getIncident(incidentId);

    const county = await loggedIn('dinghu-duty');
    const city = await loggedIn('city-duty');
    await Promise.all([county.page, city.page].map((page) => page.goto(`${base}/console/#/incidents/${incidentId}`)));
    await Promise.all([live(county.page), live(city.page)]);
    const row = (page: Page, id: string) => page.locator(`[data-testid=report-item][data-key="${id}"]`);
    await row(county.page, '441203/phone').waitFor();
    // Who owes what to whom, by room name.
    const lines = county.page.getByTestId('report-line');
    expect(await lines.locator('h3').allTextContents()).toEqual(['鼎湖区 → 肇庆市（主办）', '肇庆市 → 广东省（转报）']);
    expect(await row(city.page, '441203/phone').getByTestId('report-submitted').textContent()).toBe('—');
    // Each room files on its own line only: the city's forms go to the province, the county's to the city.
    expect(await city.page.getByTestId('file-phone-report').textContent()).toContain('报送广东省');
    expect(await county.page.getByTestId('file-phone-report').textContent()).toContain('报送肇庆市');

    const phone = county.page.getByTestId('file-phone-report');
    await phone.locator('input[name=recipient]').fill('肇庆市应急管理局总值班室');
    await phone.locator('textarea[name=summary]').fill('鼎湖区化工厂仓库起火，暂无人员伤亡，已疏散周边群众。');
    await phone.locator('button[type=submit]').click();

    // The filer and the receiver by name, never by user id.
    await expect.poll(() => row(city.page, '441203/phone').getByTestId('report-submitted').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('鼎湖区值班员');
    expect(await row(city.page, '441203/phone').textContent()).not.toContain('dinghu-duty');
    await city.page.getByTestId('acknowledge-441203/phone').click();
    await expect.poll(() => row(county.page, '441203/phone').getByTestId('report-received').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('市应急值班员');
    const reports = await room.getReports(incidentId);
    expect(reports.items?.find((i) => i.id === '441203/phone')).toMatchObject({ submittedBy: 'dinghu-duty', receivedBy: 'city-duty' });
    await county.page.screenshot({ path: join(SHOTS, 'reports-county.png'), fullPage: true });

    // The 初报: when, where and what are required, the rest count towards completeness; 接报 as the incident has it.
    const initial = county.page.getByTestId('file-initial-report');
    expect(await initial.locator('[data-field="content.nature"] .tag').textContent()).toContain('必填');
    expect(await initial.locator('[data-field="content.scope"] .tag').textContent()).toContain('计入内容完整率');
    // A datetime-local input gives its value normalized: without the seconds when they are 0 (one
    // incident in 60 is received on a full minute, and this line then failed).
    expect(await initial.locator('input[name="content.receivedAt"]').inputValue()).toBe(beijing(incident.receivedAt ?? '').replace(' ', 'T').replace(/:00$/, ''));
    // 越级上报 offers the rooms above the city.
    await initial.getByTestId('file-initial-report-direct').check();
    expect(await initial.locator('select[name=directTo] option').allTextContents()).toEqual(['广东省']);
    await initial.getByTestId('file-initial-report-direct').uncheck();
    await initial.locator('input[name="content.place"]').fill('鼎湖区永安镇化工园区');
    await initial.locator('input[name="content.nature"]').fill('仓库火灾');
    await initial.locator('input[name=signedBy]').fill('陈主任');
    await initial.locator('button[type=submit]').click();
    const countyInitial = row(county.page, '441203/initial');
    await expect.poll(() => countyInitial.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('filed');

    // The city sees what the 初报 left out, and sends it back with a reason.
    const cityInitial = row(city.page, '441203/initial');
    await expect.poll(() => cityInitial.getByTestId('report-missing').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('影响范围');
    await city.page.getByTestId('open-return-441203/initial').click();
    const sendBack = city.page.getByTestId('return-441203/initial');
    await sendBack.locator('button[type=submit]').click();
    // The reason is required: refused beside the field, nothing sent.
    await sendBack.getByTestId('error-reason').waitFor();
    await sendBack.locator('textarea[name=reason]').fill('伤亡和影响范围不清，请核实后重报');
    await sendBack.locator('button[type=submit]').click();

    // The county sees it reopened, the reason, and its new deadline (III: two hours after the return).
    await expect.poll(() => countyInitial.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('returned');
    expect(await countyInitial.getByTestId('report-return').textContent()).toContain('伤亡和影响范围不清，请核实后重报');
    const reopened = (await room.getReports(incidentId)).items?.find((i) => i.id === '441203/initial');
    expect(reopened).toMatchObject({ submittedAt: null, returns: [expect.objectContaining({ by: 'city-duty' })] });
    const returnedAt = Date.parse(reopened?.returns[0]?.at ?? '');
    expect(Date.parse(reopened?.dueAt ?? '')).toBe(returnedAt + 120 * 60_000);
    expect(await countyInitial.getByTestId('report-due').textContent()).toContain(beijing(reopened?.dueAt ?? ''));
    expect(await countyInitial.getByTestId('report-due').textContent()).toContain(`原应报 ${beijing(reopened?.firstDueAt ?? '')}`);
    expect(await county.page.getByTestId('file-initial-report').textContent()).toContain('已被退回，请更正后重报');
    await expect.poll(() => county.page.locator('[data-testid=timeline-entry][data-type=ReportReturned]').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('退回报告');
    await county.page.screenshot({ path: join(SHOTS, 'reports-returned.png'), fullPage: true });

    // The city's 考核通报 counts the county's filings and the return.
    await city.page.getByTestId('menu-scores').click();
    const scoreRow = city.page.locator('[data-testid=score-row][data-jurisdiction="441203"]');
    await scoreRow.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await scoreRow.locator('th').textContent()).toBe('鼎湖区');
    expect(await scoreRow.getByTestId('score-filed').textContent()).toBe('2');
    expect(await scoreRow.getByTestId('score-returned').textContent()).toBe('1');
    await city.page.screenshot({ path: join(SHOTS, 'scores-city.png'), fullPage: true });

    // The city takes the lead: the county's screen says, live, that the reporting duty moved with it.
    await (await apiAs('city-duty')).sendCommand(incidentId, { type: 'RaiseLead', data: { reason: '火势蔓延，市级统一指挥' } });
    const notice = county.page.getByTestId('recharge-notice');
    await notice.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await notice.textContent()).toContain('报送责任已随主办单位调整：主办单位由鼎湖区改为肇庆市');
    await expect.poll(() => county.page.getByTestId('report-line').locator('h3').allTextContents(), { timeout: LIVE_WITHIN_MS }).toEqual([
      '肇庆市 → 广东省（主办）',
      '鼎湖区 → 肇庆市（原主办单位）',
    ]);
    await county.page.screenshot({ path: join(SHOTS, 'reports-recharged.png'), fullPage: true });
    await Promise.all([county.context.close(), city.context.close()]);
  });

  it('the room approves a resource request and dispatches it; a depot short of stock is a clear refusal, not a half dispatch', async () => {
    const login = await createHttpClient({ baseUrl: base }).login('dinghu-duty', 'dinghu-duty');
    const room = createHttpClient({ baseUrl: base, token: login.token });
    const put = (path: string, method: 'POST' | 'PUT', body: unknown) =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const depotId = `depot-${Date.now()}`;
    expect((await put('/depots', 'POST', { depotId, name: '鼎湖区应急物资储备库', jurisdiction: '441203' })).status).toBe(201);
    expect((await put(`/depots/${depotId}/stock`, 'PUT', { items: [{ kind: '冲锋舟', quantity: 1, returnable: true }] })).status).toBe(200);
    const created = await room.createIncident({ data: { title: '西江水位超警', leadJurisdiction: '441203', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥' } } });
    const commander = await apiAs('commander');
    const request = await commander.submitResourceRequest(incidentId, { data: { items: [{ kind: '冲锋舟', quantity: 2, priority: 'urgent', deliverTo: '沙浦镇' }] } });

    const view = await loggedIn('dinghu-duty');
    await view.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await live(view.page);
    const card = view.page.locator(`[data-testid=resource-request][data-request-id="${request.streamId}"]`);
    await card.getByTestId('approve-request').locator('button[type=submit]').click();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('approved');

    // The depot is picked from the room's own depots, never typed.
    const dispatch = card.getByTestId('dispatch-request');
    await expect.poll(() => dispatch.locator('select[name=depotId] option').count(), { timeout: LIVE_WITHIN_MS }).toBe(2);
    await dispatch.locator('select[name=depotId]').selectOption(depotId);
    await dispatch.locator('input[name=orderNumber]').fill('DH-2026-001');
    await dispatch.locator('button[type=submit]').click();
    // Two boats asked, one in stock: refused as a whole, with the reason beside the depot.
    await expect.poll(() => dispatch.getByTestId('error-depotId').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('冲锋舟 库存 1，不足调派的 2，未调派');
    expect(await card.getAttribute('data-state')).toBe('approved');

    expect((await put(`/depots/${depotId}/stock`, 'PUT', { items: [{ kind: '冲锋舟', quantity: 5, returnable: true }] })).status).toBe(200);
    await dispatch.locator('button[type=submit]').click();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('dispatched');
    const depot = (await (await fetch(`${base}/depots/${depotId}`, { headers: { authorization: `Bearer ${login.token}` } })).json()) as { stock: { kind: string; quantity: number }[] };
    expect(depot.stock).toEqual([expect.objectContaining({ kind: '冲锋舟', quantity: 3 })]);
    await view.page.screenshot({ path: join(SHOTS, 'incident-dispatched.png'), fullPage: true });
    await view.context.close();
  });

  it('a duty officer logs a call in the watch log and opens an incident from it; a call without a callback number is refused beside the field', async () => {
    const duty = await loggedIn('huaiji-duty');
    await live(duty.page);
    const sent: string[] = [];
    duty.page.on('request', (request) => {
      if (request.method() === 'POST') sent.push(request.url());
    });
    await duty.page.getByTestId('open-log-call').click();
    const form = duty.page.getByTestId('log-call');
    await form.locator('input[name=place]').fill('怀集县冷坑镇 S263 线 12 公里处');
    await form.locator('textarea[name=course]').fill('山体塌方阻断道路，一辆货车被埋，司机被困。');
    await form.locator('input[name="caller.name"]').fill('陈村民');
    await form.locator('button[type=submit]').click();
    // A phone report must say how to call back (the Zhaoqing watch-log notice): refused before sending.
    await form.getByTestId('error-caller.phone').waitFor();
    expect(sent).toEqual([]);

    await form.locator('input[name="caller.phone"]').fill('13712345678');
    await form.locator('button[type=submit]').click();
    const entry = duty.page.getByTestId('watch-entry').filter({ hasText: '一辆货车被埋' });
    await entry.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await entry.textContent()).toContain('13712345678');

    await entry.getByTestId('triage').click();
    const triage = entry.getByTestId('triage-create');
    await triage.locator('input[name="incident.title"]').fill('S263 线冷坑段山体塌方');
    await triage.locator('select[name="incident.category"]').selectOption('natural_disaster');
    await triage.locator('select[name="incident.severity"]').selectOption('IV');
    await triage.locator('button[type=submit]').click();

    // The incident is on the room's board, and the call is no longer waiting for triage.
    const card = duty.page.getByTestId('incident-card').filter({ hasText: 'S263 线冷坑段山体塌方' });
    await card.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await card.getByTestId('lead-badge').textContent()).toContain('怀集县');
    await expect.poll(() => duty.page.getByTestId('watch-entry').filter({ hasText: '一辆货车被埋' }).count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await duty.page.screenshot({ path: join(SHOTS, 'board-watch-log.png'), fullPage: true });
    await duty.context.close();
  });

  it('response levels read 一级响应…四级响应, each room offered the levels the rules give it; scene figures suggest a reclassification the room confirms', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '国道 321 线客车侧翻', leadJurisdiction: '441203', severity: 'IV', category: 'accident' } });
    const incidentId = created.streamId;
    await room.sendCommand(incidentId, { type: 'BeginVerification', data: {} });
    await room.sendCommand(incidentId, { type: 'ConfirmIncident', data: { severity: 'IV' } });
    await room.sendCommand(incidentId, { type: 'BeginInitialHandling', data: { measures: '封闭交通，转运伤员' } });
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥' } } });

    const view = await loggedIn('dinghu-duty');
    await view.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await view.page.getByTestId('incident-view').waitFor();
    await live(view.page);
    // The county activates IV; III is the city's, II and I the province's (the plan's response-level authority).
    const activate = view.page.getByTestId('activate-response');
    expect(await activate.locator('select[name=level] option').allTextContents()).toEqual(['—', '四级响应']);
    await activate.locator('select[name=level]').selectOption('IV');
    await activate.locator('textarea[name=measures]').fill('启动四级响应');
    await activate.locator('button[type=submit]').click();
    await expect.poll(() => view.page.getByTestId('incident-response-level').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('四级响应');

    // The city, above the county, raises the response to III; it sees no lifecycle action of the county's.
    const city = await loggedIn('city-duty');
    await city.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await city.page.getByTestId('incident-view').waitFor();
    await live(city.page);
    expect(await city.page.getByTestId('declare-controlled').count()).toBe(0);
    const change = city.page.getByTestId('change-response-level');
    expect(await change.locator('select[name=level] option').allTextContents()).toEqual(['—', '三级响应']);
    await change.locator('select[name=level]').selectOption('III');
    await change.locator('input[name=reason]').fill('伤亡增加，市级接手响应');
    await change.locator('button[type=submit]').click();
    await expect.poll(() => view.page.getByTestId('incident-response-level').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('三级响应');
    await city.context.close();

    // Three dead reach the 较大 threshold for accidents (国务院令第493号 §3): the room is asked to reclassify.
    const commander = await apiAs('commander');
    await commander.sendOnSceneCommand(incidentId, { type: 'PostSceneReport', data: { reportId: `r-${Date.now()}`, dead: 3, injured: 12 } });
    const banner = view.page.getByTestId('suggestion-banner');
    await banner.waitFor({ timeout: LIVE_WITHIN_MS });
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain('建议调整事件级别');
    expect(text).toContain('III 级 较大');
    expect(text).toContain('国务院令第493号');
    expect(await banner.getByTestId('suggestion-figures').textContent()).toContain('死亡 3');
    await view.page.screenshot({ path: join(SHOTS, 'incident-suggestion.png'), fullPage: true });
    await banner.getByTestId('confirm-suggestion').click();
    await expect.poll(() => view.page.getByTestId('suggestion-banner').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    expect(await view.page.getByTestId('severity').first().getAttribute('data-severity')).toBe('III');
    await expect
      .poll(() => view.page.locator('[data-testid=timeline-entry][data-type=SuggestedSeverityConfirmed]').textContent(), { timeout: LIVE_WITHIN_MS })
      .toContain('确认调整事件级别');
    expect(await view.page.locator('[data-testid=timeline-entry][data-type=SuggestedSeverityConfirmed]').textContent()).toContain('原级别：IV 级 一般');
    await view.context.close();
  });

  it('a level II incident prompts the province: its room sees 提请接管指挥 and takes the lead; the county sees no prompt', async () => {
    const room = await apiAs('huaiji-duty');
    const created = await room.createIncident({ data: { title: '怀集县化工园区爆炸', leadJurisdiction: '441224', severity: 'II', category: 'accident' } });
    const incidentId = created.streamId;

    const county = await loggedIn('huaiji-duty');
    await county.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await county.page.getByTestId('incident-view').waitFor();
    expect(await county.page.getByTestId('lead-prompt-banner').count()).toBe(0);

    const province = await loggedIn('province-duty');
    await province.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await province.page.getByTestId('incident-view').waitFor();
    await live(province.page);
    const banner = province.page.getByTestId('lead-prompt-banner');
    await banner.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await banner.textContent()).toContain('提请接管指挥');
    expect(await banner.textContent()).toContain('II 级 重大');
    await province.page.screenshot({ path: join(SHOTS, 'incident-lead-prompt.png'), fullPage: true });
    await banner.getByTestId('take-lead').click();
    await expect.poll(() => province.page.getByTestId('incident-lead').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('广东');
    expect(await province.page.getByTestId('lead-prompt-banner').count()).toBe(0);
    // The county, now supporting, sees the province lead without a reload.
    await expect.poll(() => county.page.getByTestId('incident-lead').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('广东');
    await Promise.all([county.context.close(), province.context.close()]);
  });

  it('a bad form entry shows a clear message beside the field, and nothing is sent', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '高速公路危化品车辆侧翻', leadJurisdiction: '441203', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥' } } });

    const phone = await loggedIn('commander', PHONE);
    const posts: string[] = [];
    phone.page.on('request', (request) => {
      if (request.method() !== 'GET') posts.push(`${request.method()} ${request.url()}`);
    });
    await phone.page.goto(`${base}/console/#/incidents/${incidentId}/scene`);
    await phone.page.getByTestId('commander-view').waitFor();
    const status = phone.page.getByTestId('post-status');
    await status.locator('input[name=injured]').fill('-3');
    await status.locator('input[name=dead]').fill('两个');
    await status.locator('button[type=submit]').click();

    const injured = status.getByTestId('error-injured');
    await injured.waitFor();
    // The api's own schema speaks, in the console's language (zh-CN): "too small: expected number >=0".
    expect(await injured.textContent()).toContain('>=0');
    expect(await status.getByTestId('error-dead').textContent()).toContain('数字');
    // Beside its own field: the message sits inside the field's label, the input marked invalid.
    expect(await status.locator('[data-field=injured]').getAttribute('class')).toContain('invalid');
    await phone.page.screenshot({ path: join(SHOTS, 'commander-bad-entry.png'), fullPage: true });

    // The report form on the board: an empty title.
    const duty = await loggedIn('dinghu-duty');
    duty.page.on('request', (request) => {
      if (request.method() !== 'GET') posts.push(`${request.method()} ${request.url()}`);
    });
    await duty.page.getByTestId('open-report-incident').click();
    await duty.page.getByTestId('report-incident-form').locator('button[type=submit]').click();
    await duty.page.getByTestId('error-title').waitFor();
    expect(await duty.page.getByTestId('error-title').textContent()).toBeTruthy();

    // Nothing left the browser (the login POSTs happened before we listened), nothing was stored.
    await phone.page.waitForTimeout(500);
    expect(posts).toEqual([]);
    const command = await room.getScene(incidentId);
    expect(command.latestReport).toBeNull();
    await Promise.all([phone.context.close(), duty.context.close()]);
  });

  it('督办: the city opens an item on the county, the county reports it done with evidence, the city closes it; a missed deadline shows 已逾期', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖区沙坑村堤围决口', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'III' } });
    const incidentId = created.streamId;
    const city = await loggedIn('city-duty');
    const county = await loggedIn('dinghu-duty');
    await Promise.all([city.page, county.page].map((page) => page.goto(`${base}/console/#/incidents/${incidentId}`)));
    await Promise.all([live(city.page), live(county.page)]);
    // Only the room above the lead opens items.
    expect(await county.page.getByTestId('open-supervision').count()).toBe(0);

    // In two hours, Beijing time, as the picker takes it.
    const inTwoHours = new Date(Date.now() + 2 * 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 16);
    const open = city.page.getByTestId('open-supervision');
    await open.locator('textarea[name=task]').fill('组织转移沙坑村下游群众，报告转移人数');
    await open.locator('input[name="owner.person"]').fill('王副区长');
    await open.locator('input[name=deadline]').fill(inTwoHours);
    await open.locator('button[type=submit]').click();

    const countyItem = county.page.getByTestId('supervision-item').filter({ hasText: '组织转移沙坑村下游群众' });
    await countyItem.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await countyItem.textContent()).toContain('办理中');
    expect(await countyItem.getByTestId('supervision-deadline').textContent()).toBe(inTwoHours.replace('T', ' ') + ':00');
    const done = countyItem.locator('[data-testid^=supervision-done-]');
    await done.locator('textarea[name="evidence.text"]').fill('已转移 320 人，安置于镇中学');
    await done.locator('textarea[name="evidence.references"]').fill('鼎应急〔2026〕12号\n安置名单.xlsx');
    await done.locator('button[type=submit]').click();

    const cityItem = city.page.getByTestId('supervision-item').filter({ hasText: '组织转移沙坑村下游群众' });
    await expect.poll(() => cityItem.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('reportedDone');
    expect(await cityItem.getByTestId('supervision-evidence').textContent()).toBe('已转移 320 人，安置于镇中学（鼎应急〔2026〕12号、安置名单.xlsx）');
    await city.page.screenshot({ path: join(SHOTS, 'supervision-reported-done.png'), fullPage: true });
    await cityItem.locator('[data-testid^=supervision-close-] button[type=submit]').click();
    await expect.poll(() => countyItem.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('closed');
    expect(await countyItem.textContent()).toContain('已办结');

    // An item whose deadline passes unmet: the timers mark it, and both rooms see 已逾期 without a reload.
    const cityApi = await apiAs('city-duty');
    await cityApi.openSupervision(incidentId, { data: { task: '核实被困人员情况', owner: { jurisdiction: '441203' }, deadline: new Date(Date.now() + 4_000).toISOString() } });
    const late = county.page.getByTestId('supervision-item').filter({ hasText: '核实被困人员情况' });
    await late.getByTestId('supervision-overdue').waitFor({ timeout: 20_000 });
    expect(await late.getByTestId('supervision-overdue').textContent()).toContain('已逾期');
    const lateInCity = city.page.getByTestId('supervision-item').filter({ hasText: '核实被困人员情况' });
    await expect.poll(() => lateInCity.getByTestId('supervision-escalation').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('1');
    expect(await city.page.getByTestId('timeline').textContent()).toContain('督办升级');
    await city.page.screenshot({ path: join(SHOTS, 'supervision-overdue.png'), fullPage: true });
    await Promise.all([city.context.close(), county.context.close()]);
  });

  it('约谈记录: the city records an interview of Huaiji from its menu, and Huaiji reads it in its own', async () => {
    const city = await loggedIn('city-duty');
    await city.page.getByTestId('menu-interviews').click();
    await city.page.getByTestId('interviews-view').waitFor();
    const form = city.page.getByTestId('record-interview');
    await form.locator('select[name=jurisdiction]').selectOption('441224');
    await form.locator('input[name=heldOn]').fill('2026-07-03');
    await form.locator('textarea[name=reason]').fill('本季度三次初报迟报');
    await form.locator('textarea[name=attendees]').fill('李华 市应急管理局 副局长\n陈明 怀集县应急管理局');
    await form.locator('textarea[name=outcome]').fill('责令书面说明原因，限期整改');
    await form.locator('button[type=submit]').click();
    const record = city.page.getByTestId('interview').filter({ hasText: '本季度三次初报迟报' });
    await record.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await record.textContent()).toContain('怀集县');
    await city.page.screenshot({ path: join(SHOTS, 'interviews-city.png'), fullPage: true });

    const huaiji = await loggedIn('huaiji-duty');
    await huaiji.page.getByTestId('menu-interviews').click();
    const seen = huaiji.page.getByTestId('interview').filter({ hasText: '本季度三次初报迟报' });
    await seen.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await seen.textContent()).toContain('肇庆市');
    // A county keeps no records of itself: no form.
    expect(await huaiji.page.getByTestId('record-interview').count()).toBe(0);
    await Promise.all([city.context.close(), huaiji.context.close()]);
  });

  it('a closed incident offers no command: no button in the incident view or on the phone, for the lead, the room above or the commander', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '砚洲岛渡口船只搁浅', leadJurisdiction: '441203', severity: 'IV', category: 'accident', location: { description: '砚洲岛渡口' } } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥' } } });
    const commander = await apiAs('commander');
    // A request still waiting when the incident closes: a live incident would offer 批准 on it.
    await commander.submitResourceRequest(incidentId, { data: { items: [{ kind: '救生衣', quantity: 20, priority: 'urgent', deliverTo: '砚洲岛渡口' }] } });
    await commander.sendOnSceneCommand(incidentId, { type: 'PostSceneReport', data: { reportId: `r-${Date.now()}`, dead: 0, injured: 2 } });
    const lifecycle = [
      { type: 'BeginVerification', data: {} },
      { type: 'ConfirmIncident', data: { severity: 'IV' } },
      { type: 'BeginInitialHandling', data: { measures: '转移乘客' } },
      { type: 'ActivateResponse', data: { level: 'IV', measures: '启动四级响应' } },
      { type: 'DeclareControlled', data: {} },
      { type: 'LiftResponse', data: {} },
      { type: 'BeginRecovery', data: {} },
      { type: 'BeginReview', data: {} },
      { type: 'CloseIncident', data: { summary: '乘客全部转移，船只拖离' } },
    ] as const;
    for (const command of lifecycle) await room.sendCommand(incidentId, command as Parameters<typeof room.sendCommand>[1]);

    for (const username of ['dinghu-duty', 'city-duty']) {
      const { context, page } = await loggedIn(username);
      await page.goto(`${base}/console/#/incidents/${incidentId}`);
      await page.getByTestId('incident-view').waitFor();
      await page.getByTestId('incident-over').waitFor();
      expect(await page.getByTestId('incident-state').textContent()).toBe('已结案');
      // The record is all there, read-only: the request, the figures, the timeline.
      expect(await page.getByTestId('resource-request').count()).toBe(1);
      expect(await page.getByTestId('figure-injured').textContent()).toBe('2');
      expect(await page.getByTestId('incident-actions').count()).toBe(0);
      expect(await page.locator('[data-testid=incident-view] button').count()).toBe(0);
      await page.screenshot({ path: join(SHOTS, `incident-closed-${username}.png`), fullPage: true });
      await context.close();
    }

    const phone = await loggedIn('commander', PHONE);
    await phone.page.goto(`${base}/console/#/incidents/${incidentId}/scene`);
    await phone.page.getByTestId('commander-view').waitFor();
    await phone.page.getByTestId('incident-over').waitFor();
    expect(await phone.page.locator('[data-testid=commander-view] button').count()).toBe(0);
    await phone.page.screenshot({ path: join(SHOTS, 'commander-closed.png'), fullPage: true });
    await phone.context.close();
  });
  it('one live event on an open board or incident view causes at most one HTTP request: the card or the record, never a re-read of everything', async () => {
    const api = await apiAs('dinghu-duty');
    const created = await api.createIncident({ data: { title: '鼎湖区水坑村内涝', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV', location: { description: '鼎湖区水坑村' } } });
    const incidentId = created.streamId;
    const { context, page } = await loggedIn('dinghu-duty');
    // Every HTTP request the page makes to the api (the console's own files aside).
    const requests: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === base && !url.pathname.startsWith('/console/')) requests.push(`${request.method()} ${url.pathname}${url.search}`);
    });
    /** Waits until the page has sent nothing for a while: what it reads on opening and on going live is done. */
    const quiet = async () => {
      let seen = -1;
      while (seen !== requests.length) {
        seen = requests.length;
        await page.waitForTimeout(1_500);
      }
    };

    // The board: open, live, quiet; then one event (the title changed) reaches it.
    await live(page);
    const card = page.locator(`[data-testid=incident-card][data-incident-id="${incidentId}"]`);
    await card.waitFor({ timeout: LIVE_WITHIN_MS });
    await quiet();
    requests.length = 0;
    await api.sendCommand(incidentId, { type: 'UpdateIncidentDetails', data: { title: '鼎湖区水坑村内涝（已扩大）' } });
    await expect.poll(() => card.locator('a.card-title').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('鼎湖区水坑村内涝（已扩大）');
    await quiet();
    expect(requests, requests.join('\n')).toHaveLength(1);
    expect(requests[0]).toMatch(/^GET \/board\?.*incident=/);

    // The incident view: the same event adds its timeline entry from the frame and reads the record once.
    await card.locator('a.card-title').click();
    await page.getByTestId('incident-view').waitFor();
    await live(page);
    await quiet();
    const entries = await page.getByTestId('timeline-entry').count();
    requests.length = 0;
    await api.sendCommand(incidentId, { type: 'UpdateIncidentDetails', data: { title: '鼎湖区水坑村内涝（再次扩大）' } });
    await expect.poll(() => page.getByTestId('incident-title').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('鼎湖区水坑村内涝（再次扩大）');
    await quiet();
    expect(await page.getByTestId('timeline-entry').count()).toBe(entries + 1);
    expect(requests, requests.join('\n')).toStrictEqual([`GET /incidents/${incidentId}/record`]);
    await context.close();
  });
});
