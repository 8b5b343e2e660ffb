import { join } from 'node:path';
import { integrationTest } from '@muster/testkit/fixtures';
import { type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { apiFor, loginAs, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { expectCleanPages } from '../support/dom-scan';

/**
 * Drills (演练, issue 22) through the console, in Debian's chromium against `muster start` as its own
 * process: the city room (导调) plans a tabletop drill with Dinghu playing, on its 演练 screen with an
 * MSEL of one inject, and starts it; the timers deliver the inject when it is due, which opens a drill
 * incident on Dinghu's board under the 演练 banner; Dinghu begins verifying it, and the city's
 * controller view shows the inject and Dinghu's response live (its feed follows the gateway). Every
 * page is scanned for ids and English domain names after each step.
 *
 * And the plan library (预案库): Dinghu writes its flood plan on the console, which shows it due for
 * revision (not drilled in three years), publishes a second version, and its incident of that category
 * shows the plan in force and, in the response-level form, the plan's measures for the level chosen;
 * the city reads the plan but is offered no edit of it.
 */

const LIVE_WITHIN_MS = 30_000;

let browser: Browser;
let base: string;
let ui: ConsoleUnderTest | undefined;

integrationTest.beforeAll(async ({ database }) => {
  ui = await startConsoleUnderTest(database.url, 'drills');
  ({ base, browser } = ui);
});

afterAll(async () => {
  await ui?.stop();
});

const loggedIn = (username: string, options?: BrowserContextOptions) => loginAs({ browser, base }, username, options);

const apiAs = (username: string) => apiFor(base, username);

async function live(page: Page): Promise<void> {
  await page.locator('[data-testid=connection][data-state=live]').first().waitFor({ timeout: 15_000 });
}

/** Beijing wall-clock time `seconds` from now, as a `datetime-local` input takes it. */
function beijingIn(seconds: number): string {
  return new Date(Date.now() + 8 * 3_600_000 + seconds * 1000).toISOString().slice(0, 19);
}

const INJECT = '鼎湖区沙浦镇群众来电：西江堤段出现管涌，请求处置';

describe('a tabletop drill in the console', () => {
  it('the controller starts it, the inject reaches the participating room’s board under the 演练 banner, and the room’s response shows on the controller’s view live', async () => {
    const city = await loggedIn('city-duty');
    const dinghu = await loggedIn('dinghu-duty');
    const pages = [
      { name: 'city', page: city.page },
      { name: 'dinghu', page: dinghu.page },
    ];
    await live(dinghu.page);

    // The city plans the drill on its 演练 screen: kind, Dinghu playing, objectives, scenario, one inject.
    await city.page.getByTestId('menu-drills').click();
    await city.page.getByTestId('drills-view').waitFor();
    const plan = city.page.getByTestId('plan-drill');
    await plan.locator('input[name=title]').fill('2026年西江堤防管涌桌面推演');
    await plan.locator('select[name=kind]').selectOption('tabletop');
    await plan.locator('input[name="participant-441203"]').check();
    await plan.locator('textarea[name=objectives]').fill('检验接报与核实流程\n检验信息报送时效');
    await plan.locator('textarea[name=scenario]').fill('汛期西江水位超警，鼎湖区沙浦镇堤段出现管涌险情。');
    await plan.locator('input[name="inject.0.dueAt"]').fill(beijingIn(25));
    await plan.locator('input[name="inject.0.content"]').fill(INJECT);
    await plan.locator('input[name="inject.0.expectedAction"]').fill('鼎湖区值班员核实并初报');
    await plan.locator('button[type=submit]').click();
    await plan.getByTestId('plan-drill-sent').waitFor({ timeout: LIVE_WITHIN_MS });
    await city.page.getByTestId('drill-item').first().locator('a').click();
    const view = city.page.getByTestId('drill-view');
    await view.waitFor();
    expect(await view.getAttribute('data-role')).toBe('controller');
    await city.page.getByTestId('drill-banner').waitFor();
    expect(await city.page.getByTestId('msel-inject').count()).toBe(1);
    expect(await city.page.getByTestId('msel-inject').getAttribute('data-status')).toBe('scheduled');
    await expectCleanPages('drill planned', pages);

    // StartEx, no incident opened up front: the inject opens one in Dinghu's room when it is due.
    await city.page.getByTestId('start-drill').locator('button[type=submit]').click();
    await expect.poll(() => city.page.getByTestId('drill-state').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('进行中');
    await live(city.page);

    // The inject arrives on Dinghu's board, in the 演练 part under its banner.
    const card = dinghu.page.getByTestId('drill-board').getByTestId('incident-card').filter({ hasText: INJECT.slice(0, 20) });
    await card.waitFor({ timeout: 60_000 });
    await dinghu.page.getByTestId('drill-board').waitFor();
    expect(await dinghu.page.getByTestId('drill-banner').textContent()).toContain('演练');
    // The controller's MSEL shows it delivered, and its feed the inject.
    await expect.poll(() => city.page.getByTestId('msel-inject').getAttribute('data-status'), { timeout: LIVE_WITHIN_MS }).toBe('delivered');
    await city.page.locator('[data-testid=drill-feed-item][data-kind=inject]').first().waitFor({ timeout: LIVE_WITHIN_MS });
    await dinghu.page.screenshot({ path: join(SHOTS, 'drills-participant-board.png'), fullPage: true });
    await expectCleanPages('inject delivered', pages);

    // Dinghu opens the drill incident (the banner again) and begins verifying it.
    await card.locator('a.card-title').click();
    await dinghu.page.getByTestId('incident-view').waitFor();
    await dinghu.page.getByTestId('drill-banner').waitFor();
    await dinghu.page.getByTestId('begin-verification').locator('button[type=submit]').click();
    await expect.poll(() => dinghu.page.getByTestId('incident-state').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('核实中');

    // The controller sees the response without reloading: its feed follows the live path.
    const response = city.page.locator('[data-testid=drill-feed-item][data-kind=response]');
    await response.first().waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await response.first().textContent()).toContain('鼎湖区');
    await city.page.screenshot({ path: join(SHOTS, 'drills-controller.png'), fullPage: true });
    await expectCleanPages('response seen by the controller', pages);

    // The participant's drill screen: the banner, its role, the expected action kept from it.
    await dinghu.page.getByTestId('menu-drills').click();
    await dinghu.page.getByTestId('drill-item').first().locator('a').click();
    await dinghu.page.getByTestId('drill-view').waitFor();
    expect(await dinghu.page.getByTestId('drill-view').getAttribute('data-role')).toBe('participant');
    await dinghu.page.getByTestId('drill-banner').waitFor();
    expect(await dinghu.page.getByTestId('drill-view').textContent()).not.toContain('鼎湖区值班员核实并初报');
    await expectCleanPages('participant drill view', pages);

    // The controller steers it live: an inject added now is delivered into the drill's incident;
    // injects paused and resumed; an observation against an objective; then EndEx.
    const add = city.page.getByTestId('add-inject');
    await add.locator('textarea[name=content]').fill('沙浦镇报告：管涌扩大，需转移群众');
    await add.locator('button[type=submit]').click();
    await expect.poll(() => city.page.locator('[data-testid=msel-inject][data-status=delivered]').count(), { timeout: 60_000 }).toBe(2);
    await city.page.getByTestId('pause-injects').click();
    await city.page.getByTestId('resume-injects').click({ timeout: LIVE_WITHIN_MS });
    await city.page.getByTestId('pause-injects').waitFor({ timeout: LIVE_WITHIN_MS });
    const observe = city.page.getByTestId('record-observation');
    await observe.locator('textarea[name=note]').fill('鼎湖区 2 分钟内开始核实');
    await observe.locator('button[type=submit]').click();
    await city.page.getByTestId('drill-observations').waitFor({ timeout: LIVE_WITHIN_MS });
    await city.page.getByTestId('end-drill').click();
    await expect.poll(() => city.page.getByTestId('drill-state').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('现场讲评');

    // The participant's drill screen follows the drill's own events live (filed under the controller's
    // room, they reach the players too): EndEx shows without a reload.
    await expect.poll(() => dinghu.page.getByTestId('drill-state').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('现场讲评');

    // Hot wash by the participant; the AAR/IP with a rating and a corrective action Dinghu owes.
    await dinghu.page.reload();
    const wash = dinghu.page.getByTestId('record-hot-wash');
    await wash.locator('textarea[name=note]').fill('核实环节顺畅，初报偏慢');
    await wash.locator('button[type=submit]').click();
    await dinghu.page.getByTestId('drill-hot-wash').waitFor({ timeout: LIVE_WITHIN_MS });
    const aar = city.page.getByTestId('draft-aar');
    await aar.locator('textarea[name=capabilities]').fill('接报核实 S 核实及时 | 初报偏慢');
    await aar.locator('textarea[name=actions]').fill('完善堤段巡查台账｜鼎湖区｜2026-12-31');
    await aar.locator('button[type=submit]').click();
    await expect.poll(() => city.page.getByTestId('drill-state').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('评估报告已起草');
    expect(await city.page.getByTestId('aar-capability').first().textContent()).toContain('S 完成但有一些问题');
    expect(await city.page.getByTestId('corrective-action').getAttribute('data-state')).toBe('open');
    await expectCleanPages('AAR/IP drafted', pages);

    // The owner room closes its corrective action on the tracker; the controller sees it closed.
    await dinghu.page.reload();
    const action = dinghu.page.getByTestId('corrective-action');
    await action.locator('input[name=closure]').fill('台账已建立并下发各镇街');
    await action.locator('button[type=submit]').click();
    await expect.poll(() => dinghu.page.getByTestId('corrective-action').getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('closed');
    await city.page.reload();
    await expect.poll(() => city.page.getByTestId('corrective-action').getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('closed');
    await city.page.screenshot({ path: join(SHOTS, 'drills-aar.png'), fullPage: true });
    await expectCleanPages('corrective action closed', pages);

    // 演练复盘: the drill reviewed like an incident — its merged timeline (the drill's own events and its
    // incident's), the state at a moment, metrics and exports; the participant's too, now it has ended.
    const review = city.page.getByTestId('drill-review');
    await review.waitFor({ timeout: LIVE_WITHIN_MS });
    await expect.poll(() => review.getByTestId('timeline-entry').count(), { timeout: LIVE_WITHIN_MS }).toBeGreaterThan(5);
    const reviewed = (await review.getByTestId('review-timeline').textContent()) ?? '';
    expect(reviewed).toContain('注入送达');
    expect(reviewed).toContain('开始核实');
    await expect.poll(() => city.page.getByTestId('drill-metrics-injects').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('已注入 2');
    await city.page.getByTestId('drill-state-at-show').click();
    await city.page.getByTestId('drill-state-at-result').waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await city.page.getByTestId('drill-state-at-state').textContent()).toContain('评估报告已起草');
    await dinghu.page.getByTestId('drill-review').waitFor({ timeout: LIVE_WITHIN_MS });
    await city.page.screenshot({ path: join(SHOTS, 'drills-review.png'), fullPage: true });
    await expectCleanPages('drill review', pages);

    await city.context.close();
    await dinghu.context.close();
  }, 300_000);
});

describe('the plan library (预案库) in the console', () => {
  it('a county writes its plan, sees it due for revision, publishes a new version; its incident shows the plan and the measures for the level chosen; the city only reads it', async () => {
    const dinghu = await loggedIn('dinghu-duty');
    await dinghu.page.getByTestId('menu-plans').click();
    await dinghu.page.getByTestId('plans-view').waitFor();
    const create = dinghu.page.getByTestId('create-plan');
    await create.locator('input[name=title]').fill('鼎湖区防汛防台风应急预案');
    await create.locator('select[name=category]').selectOption('natural_disaster');
    await create.locator('select[name=kind]').selectOption('special');
    await create.locator('input[name=lastDrilledAt]').fill('2022-05-10T09:00');
    await create.locator('input[name="owner.unit"]').fill('鼎湖区应急管理局');
    await create.locator('input[name="owner.person"]').fill('陈科长');
    for (const [level, text] of [['I', '区防指总指挥坐镇指挥'], ['II', '区防指副总指挥带队'], ['III', '转移沙浦镇堤段群众'], ['IV', '加强巡堤查险']] as const) {
      await create.locator(`textarea[name="measures.${level}"]`).fill(text);
    }
    await create.locator('button[type=submit]').click();
    await create.getByTestId('create-plan-sent').waitFor({ timeout: LIVE_WITHIN_MS });
    const row = dinghu.page.getByTestId('plan-row').filter({ hasText: '鼎湖区防汛防台风应急预案' });
    await row.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await row.getAttribute('data-due')).toBe('true');
    expect(await row.getByTestId('plan-status').textContent()).toContain('超过 3 年未演练');
    await expectCleanPages('plan created', [{ name: 'dinghu', page: dinghu.page }]);

    // A new version: the editor starts from the version in force.
    await row.locator('a').click();
    await dinghu.page.getByTestId('plan-view').waitFor();
    const publish = dinghu.page.getByTestId('publish-plan-version');
    expect(await publish.locator('textarea[name="measures.IV"]').inputValue()).toBe('加强巡堤查险');
    await publish.locator('textarea[name="measures.IV"]').fill('加强巡堤查险，预置抢险队伍');
    await publish.locator('textarea[name=note]').fill('根据2026年汛前检查修订');
    await publish.locator('button[type=submit]').click();
    await expect.poll(() => dinghu.page.getByTestId('plan-version').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('第 2 版');
    expect(await dinghu.page.getByTestId('plan-history').locator('li').count()).toBe(2);
    expect(await dinghu.page.getByTestId('plan-measures-IV').textContent()).toBe('加强巡堤查险，预置抢险队伍');
    await dinghu.page.screenshot({ path: join(SHOTS, 'plans-plan.png'), fullPage: true });
    await expectCleanPages('plan version 2', [{ name: 'dinghu', page: dinghu.page }]);

    // An incident of the category: the plan in force, and its measures under the response level chosen.
    const api = await apiAs('dinghu-duty');
    const incidentId = (await api.createIncident({ data: { title: '沙浦镇堤段渗水', leadJurisdiction: '441203', severity: 'IV', category: 'natural_disaster' } })).streamId;
    await api.sendCommand(incidentId, { type: 'BeginVerification', data: {} });
    await api.sendCommand(incidentId, { type: 'ConfirmIncident', data: { severity: 'IV' } });
    await api.sendCommand(incidentId, { type: 'BeginInitialHandling', data: { measures: '组织巡堤' } });
    await dinghu.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await dinghu.page.getByTestId('incident-view').waitFor();
    await expect.poll(() => dinghu.page.getByTestId('incident-plan-link').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('鼎湖区防汛防台风应急预案');
    const activate = dinghu.page.getByTestId('activate-response');
    await activate.locator('select[name=level]').selectOption('IV');
    expect(await activate.getByTestId('plan-measures-for-level').textContent()).toContain('加强巡堤查险，预置抢险队伍');
    await expectCleanPages('incident with its plan', [{ name: 'dinghu', page: dinghu.page }]);

    // The city reads the county's plan and may ask for its revision, but is offered no edit.
    const city = await loggedIn('city-duty');
    await city.page.getByTestId('menu-plans').click();
    await city.page.getByTestId('plan-row').filter({ hasText: '鼎湖区防汛防台风应急预案' }).locator('a').click();
    await city.page.getByTestId('plan-view').waitFor();
    await city.page.getByTestId('request-plan-revision').waitFor();
    expect(await city.page.getByTestId('publish-plan-version').count()).toBe(0);
    await expectCleanPages('city reads the plan', [{ name: 'city', page: city.page }]);

    await city.context.close();
    await dinghu.context.close();
  }, 180_000);
});
