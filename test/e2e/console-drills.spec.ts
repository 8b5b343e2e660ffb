import { join } from 'node:path';
import { integrationTest } from '@muster/testkit/fixtures';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { expectCleanPages } from '../support/dom-scan';

/**
 * Drills (演练, issue 22) through the console, in Debian's chromium against `muster start` as its own
 * process: the city room (导调) plans a tabletop drill with Dinghu playing, on its 演练 screen with an
 * MSEL of one inject, and starts it; the timers deliver the inject when it is due, which opens a drill
 * incident on Dinghu's board under the 演练 banner; Dinghu begins verifying it, and the city's
 * controller view shows the inject and Dinghu's response live (its feed follows the gateway). Every
 * page is scanned for ids and English domain names after each step.
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

async function loggedIn(username: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${username}] page error:`, error.message));
  await page.goto(`${base}/console/`);
  await page.getByTestId(`demo-${username}`).click();
  await page.getByTestId('who').waitFor();
  return { context, page };
}

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

    await city.context.close();
    await dinghu.context.close();
  }, 240_000);
});
