import { join } from 'node:path';
import { integrationTest } from '@muster/testkit/fixtures';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loginAs, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { expectCleanPages } from '../support/dom-scan';

/**
 * Hazards (风险隐患, issue 24) through the console, in Debian's chromium against `muster start` as its
 * own process: a citizen submits a tip-off on the public form (no login); the Dinghu duty officer finds
 * it in the tip-off intake queue, verifies it, grades it 重大 and assigns its rectification (the plan's
 * six parts, interim controls) with a deadline a little ahead; when the deadline passes the timers of
 * `muster start` escalate it to the city, and the city duty officer's supervision list shows it,
 * without a reload. The reporter's identity shows on none of these screens. Every page is scanned for
 * ids and untranslated names (dom-scan).
 */

let browser: Browser;
let base: string;
let ui: ConsoleUnderTest | undefined;

integrationTest.beforeAll(async ({ database }) => {
  ui = await startConsoleUnderTest(database.url, 'hazards');
  ({ base, browser } = ui);
});
afterAll(async () => {
  await ui?.stop();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return { context, page };
}

const loggedIn = async (username: string): Promise<Page> => (await loginAs({ browser, base }, username)).page;

/** Beijing time `seconds` from now, as a `datetime-local` input with seconds takes it. */
const beijingIn = (seconds: number) => new Date(Date.now() + 8 * 3_600_000 + seconds * 1_000).toISOString().slice(0, 19);

const TITLE = '某化工厂储罐区阀门泄漏';
const REPORTER = { name: '钟秘言', phone: '13912345678' };

describe('hazards in the console', () => {
  it('a citizen’s tip-off is verified and graded by the duty officer, and the city’s supervision list shows it once its deadline passes', async () => {
    // 1. The public form, without a login.
    const { page: citizen } = await newPage();
    await citizen.goto(`${base}/console/#/tip-off`);
    const form = citizen.getByTestId('tip-off');
    await form.locator('select[name="location.jurisdiction"] option', { hasText: '鼎湖区' }).first().waitFor({ state: 'attached' });
    await form.locator('select[name="location.jurisdiction"]').selectOption({ label: '鼎湖区' });
    await form.locator('input[name="location.address"]').fill('坑口街道工业园 8 号');
    await form.locator('input[name="title"]').fill(TITLE);
    await form.locator('textarea[name=description]').fill('夜间有刺激性气味，阀门锈蚀');
    await form.locator('input[name="reporter.name"]').fill(REPORTER.name);
    // A phone number that is not one is refused beside its field, nothing sent.
    await form.locator('input[name="reporter.phone"]').fill('call me');
    await form.locator('button[type=submit]').click();
    await form.locator('.field-error, .form-error').first().waitFor();
    await form.locator('input[name="reporter.phone"]').fill(REPORTER.phone);
    await form.locator('button[type=submit]').click();
    await citizen.getByTestId('tip-off-received').waitFor({ timeout: 10_000 });
    await citizen.screenshot({ path: join(SHOTS, 'hazards-tip-off.png'), fullPage: true });
    await expectCleanPages('public tip-off form', [{ name: 'citizen', page: citizen }]);

    // 2. The Dinghu duty officer: the intake queue, verify, grade 重大, assign the rectification.
    const county = await loggedIn('dinghu-duty');
    await county.getByTestId('menu-hazards').click();
    await county.getByTestId('hazards-tab-tipOffs').click();
    const row = county.locator(`[data-testid=hazard-row][data-title="${TITLE}"]`);
    await row.waitFor({ timeout: 15_000 });
    await county.screenshot({ path: join(SHOTS, 'hazards-intake.png'), fullPage: true });
    await row.locator('a').click();
    await county.getByTestId('hazard-view').waitFor();
    await county.getByTestId('hazard-VerifyHazard').locator('button[type=submit]').click();
    await county.locator('[data-testid=hazard-view][data-state=verified]').waitFor({ timeout: 15_000 });
    await county.getByTestId('hazard-GradeHazard').locator('select[name=criterion]').selectOption('requires_stoppage');
    await county.getByTestId('hazard-GradeHazard').locator('button[type=submit]').click();
    await county.getByTestId('hazard-grade').filter({ hasText: '重大隐患' }).waitFor({ timeout: 15_000 });
    const assign = county.getByTestId('hazard-AssignRectification');
    await assign.locator('input[name=responsibleUnit]').fill('某化工厂');
    await assign.locator('textarea[name=measures]').fill('更换阀门，加装泄漏报警器');
    // A 重大 hazard without its plan is refused beside the fields, nothing sent.
    await assign.locator('input[name=deadline]').fill(beijingIn(45));
    await assign.locator('button[type=submit]').click();
    await assign.locator('.field-error, .form-error').first().waitFor();
    for (const [part, text] of [
      ['objectives', '消除储罐区泄漏隐患'],
      ['methods', '更换阀门、加装报警'],
      ['funding', '企业自筹 20 万元'],
      ['organisation', '厂长负责，安全科实施'],
      ['timeline', '限期完成'],
      ['safetyMeasures', '停用储罐区，制定泄漏应急预案'],
    ] as const) {
      await assign.locator(`textarea[name="plan.${part}"]`).fill(text);
    }
    await assign.locator('textarea[name=interimControls]').fill('储罐区停用\n设置警戒区');

    // 3. The city's supervision list, open before the deadline is even set: the hazard is not on it.
    // (Opened only after the county's screenshots, it met a deadline that had already passed on a slow machine.)
    const city = await loggedIn('city-duty');
    await city.getByTestId('menu-hazards').click();
    await city.getByTestId('hazards-tab-supervision').click();
    const escalated = city.locator(`[data-testid=hazard-row][data-title="${TITLE}"]`);
    // The list has loaded (empty, or other rows) before it is read.
    await city.locator('[data-testid=hazards-view] p.empty, [data-testid=hazard-row]').first().waitFor({ timeout: 15_000 });
    expect(await escalated.count()).toBe(0);

    const deadline = beijingIn(40);
    await assign.locator('input[name=deadline]').fill(deadline);
    await assign.locator('button[type=submit]').click();
    await county.locator('[data-testid=hazard-view][data-state=rectifying]').waitFor({ timeout: 15_000 });
    await county.screenshot({ path: join(SHOTS, 'hazards-county.png'), fullPage: true });
    await expectCleanPages('the county’s hazard', [{ name: 'county', page: county }]);

    // The city's list, open all along: the hazard appears once its deadline passes and the timers escalate it.
    await escalated.locator('[data-testid=hazard-escalated]').waitFor({ timeout: 120_000 });
    await expect(escalated.locator('[data-testid=hazard-overdue]').textContent()).resolves.toContain('已逾期');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(`${deadline}+08:00`));
    await city.screenshot({ path: join(SHOTS, 'hazards-city-supervision.png'), fullPage: true });
    // The county's own screen shows the escalation to the city, by name.
    await county.getByTestId('hazard-escalation').filter({ hasText: '肇庆市' }).waitFor({ timeout: 30_000 });
    await expectCleanPages('the city’s supervision list', [
      { name: 'city', page: city },
      { name: 'county', page: county },
    ]);
    // The reporter's identity is on none of these screens.
    for (const page of [city, county]) {
      const text = await page.locator('body').innerText();
      expect(text).not.toContain(REPORTER.name);
      expect(text).not.toContain(REPORTER.phone);
    }
  }, 300_000);

  it('an unannounced inspection opens a hazard from its screen; the hazard names the incident it led to, and the review shows its history', async () => {
    const county = await loggedIn('dinghu-duty');
    await county.goto(`${base}/console/#/inspections`);
    const form = county.getByTestId('record-inspection');
    await form.locator('select[name=kind]').selectOption('unannounced');
    await form.locator('input[name=subject]').fill('鼎湖区某商场');
    await form.locator('input[name=inspectedAt]').fill(beijingIn(-600));
    await form.locator('textarea[name=inspectors]').fill('李明\n王芳');
    await form.locator('select[name="new.place"]').selectOption({ label: '鼎湖区' });
    await form.locator('input[name="new.address"]').fill('地下车库');
    await form.locator('input[name="new.title"]').fill('消防栓无水');
    await form.locator('textarea[name="new.description"]').fill('压力不足');
    await form.locator('button[type=submit]').click();
    await county.getByTestId('inspection').filter({ hasText: '暗访' }).filter({ hasText: '消防栓无水' }).waitFor({ timeout: 15_000 });
    await county.screenshot({ path: join(SHOTS, 'hazards-inspections.png'), fullPage: true });
    await expectCleanPages('inspections', [{ name: 'county', page: county }]);

    // An incident came of it: the hazard names it, and the incident's review shows the hazard's history.
    await county.getByTestId('inspection').getByRole('link', { name: '消防栓无水' }).click();
    await county.getByTestId('hazard-view').waitFor();
    const url = county.url();
    const hazardId = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    const api = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dinghu-duty', password: 'dinghu-duty' }) });
    const { token } = (await api.json()) as { token: string };
    const created = await fetch(`${base}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ data: { title: '商场地下车库火灾', leadJurisdiction: '441203', category: 'accident' } }),
    });
    const { streamId: incidentId } = (await created.json()) as { streamId: string };
    expect(hazardId).not.toBe('');
    await county.reload();
    const link = county.getByTestId('hazard-LinkHazardToIncident');
    await link.locator('select[name=incidentId] option', { hasText: '商场地下车库火灾' }).waitFor({ state: 'attached', timeout: 15_000 });
    await link.locator('select[name=incidentId]').selectOption({ label: '商场地下车库火灾' });
    await link.locator('button[type=submit]').click();
    await county.getByTestId('hazard-history').filter({ hasText: '关联事件' }).waitFor({ timeout: 15_000 });
    await county.goto(`${base}/console/#/incidents/${encodeURIComponent(incidentId)}/review`);
    const panel = county.getByTestId('incident-hazards');
    await panel.filter({ hasText: '消防栓无水' }).filter({ hasText: '隐患登记' }).waitFor({ timeout: 15_000 });
    await county.screenshot({ path: join(SHOTS, 'hazards-review.png'), fullPage: true });
    await expectCleanPages('the review with its hazard', [{ name: 'county', page: county }]);
  }, 300_000);
});
