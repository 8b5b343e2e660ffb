import { join } from 'node:path';
import { integrationTest } from '@muster/testkit/fixtures';
import { type Browser, type BrowserContextOptions } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { apiFor, loginAs, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { expectCleanPages } from '../support/dom-scan';

/**
 * Registries and the availability view (issue 23) in Debian's chromium against `muster start`: Sihui
 * registers its depot and counts its pumps on the 应急资源登记 screen; a Dinghu commander asks for
 * pumps; the city duty officer finds the nearest available pumps across the counties on 资源一览 and
 * asks Sihui, which owns them, to support; Sihui's duty officer approves and dispatches from its own
 * depot, picked in the request's depot picker. Setup through the api: the incident, its commander,
 * the request and a farther depot of Huaiji's.
 */

const LIVE_WITHIN_MS = 15_000;
const SIHUI_DEPOT = '四会市应急物资储备库';
const HUAIJI_DEPOT = '怀集县应急物资储备库';

let browser: Browser;
let base: string;
let ui: ConsoleUnderTest | undefined;
integrationTest.beforeAll(async ({ database }) => {
  ui = await startConsoleUnderTest(database.url, 'registries');
  ({ base, browser } = ui);
});
afterAll(async () => {
  await ui?.stop();
});

const loggedIn = (username: string, options?: BrowserContextOptions) => loginAs({ browser, base }, username, options);

const apiAs = (username: string) => apiFor(base, username);

describe('registries and the availability view in the console', () => {
  it('the city duty officer finds the nearest available pumps across counties and the county that owns them approves the dispatch', async () => {
    // Setup through the api: a Dinghu incident with its place, its commander and a request for pumps; a farther Huaiji depot.
    const dinghu = await apiAs('dinghu-duty');
    const created = await dinghu.createIncident({
      data: { title: '鼎湖区沙浦镇内涝', leadJurisdiction: '441203', severity: 'IV', category: 'natural_disaster', location: { description: '沙浦镇', lat: 23.16, lon: 112.56 } },
    });
    const incidentId = created.streamId;
    await dinghu.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥', unit: '鼎湖区消防救援大队' } } });
    const commander = await apiAs('commander');
    await commander.submitResourceRequest(incidentId, { data: { items: [{ kind: '水泵', quantity: 4, priority: 'urgent', deliverTo: '沙浦镇' }], justification: '低洼处积水 1 米' } });
    const huaiji = await apiAs('huaiji-duty');
    await huaiji.call('registerEntry', { body: { registry: 'depot', id: 'hj-depot', name: HUAIJI_DEPOT, jurisdiction: '441224', ownerType: 'government', ownerName: '怀集县应急管理局', location: '怀城镇', position: { lat: 23.91, lon: 112.18 } } });
    await huaiji.call('entryCommand', { params: { registry: 'depot', itemId: 'hj-depot' }, body: { type: 'CountStock', data: { items: [{ kind: '水泵', quantity: 30, unit: '台', returnable: true, expiresOn: null }] } } });

    // Sihui registers its depot and counts its pumps on the registries screen.
    const sihui = await loggedIn('sihui-duty');
    await sihui.page.getByTestId('menu-registries').click();
    await sihui.page.getByTestId('registries-view').waitFor();
    await sihui.page.getByTestId('registry-tab-depot').click();
    const register = sihui.page.getByTestId('register-depot');
    await register.waitFor();
    await register.locator('input[name=name]').fill(SIHUI_DEPOT);
    await register.locator('input[name=ownerName]').fill('四会市应急管理局');
    await register.locator('input[name=location]').fill('四会市东城街道');
    await register.locator('input[name=lat]').fill('23.33');
    await register.locator('input[name=lon]').fill('112.73');
    await register.locator('button[type=submit]').click();
    const entry = sihui.page.locator(`[data-testid=registry-entry][data-entry-name="${SIHUI_DEPOT}"]`);
    await entry.waitFor({ timeout: LIVE_WITHIN_MS });
    const count = entry.getByTestId('stock-count');
    await count.locator('input[name=kind]').fill('水泵');
    await count.locator('input[name=quantity]').fill('10');
    await count.locator('input[name=unit]').fill('台');
    await count.getByTestId('stock-count-submit').click();
    const pumps = entry.locator('[data-testid=entry-stock][data-kind="水泵"] [data-testid=entry-stock-quantity]');
    await expect.poll(() => pumps.textContent(), { timeout: LIVE_WITHIN_MS }).toBe('10');
    await expectCleanPages('sihui registers its depot', [{ name: 'sihui', page: sihui.page }]);

    // The city: pumps of every county, nearest to the incident first; Sihui's is the nearest.
    const city = await loggedIn('city-duty');
    await city.page.getByTestId('menu-availability').click();
    await city.page.getByTestId('availability-view').waitFor();
    await city.page.getByTestId('availability-kind').fill('水泵');
    await city.page.getByTestId('availability-incident').selectOption(incidentId);
    const lines = city.page.getByTestId('availability-line');
    await expect.poll(() => lines.count(), { timeout: LIVE_WITHIN_MS }).toBe(2);
    expect(await lines.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-depot-name')))).toEqual([SIHUI_DEPOT, HUAIJI_DEPOT]);
    const nearest = lines.first();
    expect(await nearest.textContent()).toContain('四会市');
    expect(await nearest.textContent()).toContain('30公里内');
    expect(await nearest.getByTestId('availability-quantity').textContent()).toBe('10 台');
    await city.page.screenshot({ path: join(SHOTS, 'registries-availability.png'), fullPage: true });
    await expectCleanPages('the city finds the nearest pumps', [{ name: 'city', page: city.page }]);
    // Sihui dispatches its own pumps: the city asks Sihui to support the incident.
    await nearest.getByTestId('ask-support').click();
    await nearest.getByTestId('support-asked').waitFor({ timeout: LIVE_WITHIN_MS });

    // Sihui, now supporting, approves the request and dispatches from its depot, picked in the picker.
    await sihui.page.goto(`${base}/console/#/incidents/${incidentId}`);
    const request = sihui.page.getByTestId('resource-request').filter({ hasText: '水泵' });
    await request.waitFor({ timeout: LIVE_WITHIN_MS });
    const approve = request.getByTestId('approve-request');
    await approve.waitFor({ timeout: LIVE_WITHIN_MS });
    await approve.locator('button[type=submit]').click();
    await expect.poll(() => request.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('approved');
    const dispatch = request.getByTestId('dispatch-request');
    await dispatch.waitFor({ timeout: LIVE_WITHIN_MS });
    await expect.poll(() => dispatch.locator('select[name=depotId] option').allTextContents(), { timeout: LIVE_WITHIN_MS }).toEqual(['—', SIHUI_DEPOT]);
    await dispatch.locator('select[name=depotId]').selectOption({ label: SIHUI_DEPOT });
    await dispatch.locator('input[name=orderNumber]').fill('四应调〔2026〕7号');
    await dispatch.locator('button[type=submit]').click();
    await expect.poll(() => request.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('dispatched');
    expect(await request.getByTestId('request-depot').textContent()).toContain(SIHUI_DEPOT);
    await sihui.page.screenshot({ path: join(SHOTS, 'registries-dispatched.png'), fullPage: true });
    await expectCleanPages('sihui dispatches', [{ name: 'sihui', page: sihui.page }]);

    // The availability view now shows what the log implies: 6 pumps left at Sihui.
    await city.page.getByTestId('availability-kind').fill('');
    await city.page.getByTestId('availability-kind').fill('水泵');
    await expect
      .poll(() => city.page.locator(`[data-testid=availability-line][data-depot-name="${SIHUI_DEPOT}"] [data-testid=availability-quantity]`).textContent(), { timeout: LIVE_WITHIN_MS })
      .toBe('6 台');

    // The city's hydrologist joins the incident's consultation (会商) and gives advice, all on the
    // registries screen; the advice joins the incident's timeline.
    await city.page.getByTestId('menu-registries').click();
    await city.page.getByTestId('registry-tab-expert').click();
    const registerExpert = city.page.getByTestId('register-expert');
    await registerExpert.waitFor();
    await registerExpert.locator('input[name=name]').fill('陈水文');
    await registerExpert.locator('select[name=fields]').selectOption('hydrology');
    await registerExpert.locator('input[name=phone]').fill('13800000001');
    await registerExpert.locator('input[name=organisation]').fill('肇庆市水文局');
    await registerExpert.locator('button[type=submit]').click();
    const expert = city.page.locator('[data-testid=registry-entry][data-entry-name="陈水文"]');
    await expert.waitFor({ timeout: LIVE_WITHIN_MS });
    const attach = expert.getByTestId('expert-attach');
    await attach.locator('select[name=attachTo]').selectOption(incidentId);
    await attach.locator('input[name=consultation]').fill('沙浦镇内涝会商');
    await attach.getByTestId('expert-attach-submit').click();
    const advice = expert.getByTestId('expert-advice');
    await advice.waitFor({ timeout: LIVE_WITHIN_MS });
    await advice.locator('select[name=adviceOn]').selectOption(incidentId);
    await advice.locator('textarea[name=advice]').fill('建议先抽排低洼处积水，堤段加密巡查');
    await advice.getByTestId('expert-advice-submit').click();
    // The history lists the advice once the entry is read again (the typed text alone proves nothing).
    await expect.poll(() => expert.getByTestId('entry-history').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('提出意见');
    expect(await expert.locator('dl.facts').textContent()).toContain('建议先抽排低洼处积水');
    await expert.getByTestId('entry-history-toggle').click();
    await city.page.screenshot({ path: join(SHOTS, 'registries-expert.png'), fullPage: true });
    await expectCleanPages('the city records an expert’s advice', [{ name: 'city', page: city.page }]);
    const timeline = await dinghu.timeline(incidentId);
    expect(timeline.items.map((e) => e.type)).toEqual(expect.arrayContaining(['ExpertAttached', 'ExpertAdviceRecorded']));

    await city.context.close();
    await sihui.context.close();
  });
});
