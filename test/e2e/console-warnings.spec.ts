import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '@muster/store-postgres';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql, type Kysely } from 'kysely';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { apiFor, DESK, loginAs, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { expectCleanPages } from '../support/dom-scan';
import { ackLinkOf } from '../support/warning-links';

/**
 * Warnings (预警, issue 21) in the console, in Debian's chromium against `muster start`: a county duty
 * officer drafts a yellow warning, the county's leader approves it, the duty officer issues it, a
 * recipient acknowledges it on a phone from the link the delivery sent, and the duty room's ack
 * board, open all along, shows it without a reload. Every page is scanned for ids, English domain
 * names and untranslated keys after every step.
 */

/** The machine is shared and loaded: live updates get generous time. */
const LIVE_WITHIN_MS = 15_000;

let browser: Browser;
let base: string;
let ui: ConsoleUnderTest | undefined;
let dataDir: string;
let db: Kysely<Database>;

integrationTest.beforeAll(async ({ database }) => {
  db = database.db;
  ui = await startConsoleUnderTest(database.url, 'warnings');
  ({ base, browser, dataDir } = ui);
});

afterAll(async () => {
  await ui?.stop();
});

const loggedIn = (username: string) => loginAs({ browser, base }, username, { ...DESK, acceptDownloads: true });

const apiAs = (username: string) => apiFor(base, username);

async function live(page: Page): Promise<void> {
  await page.locator('[data-testid=connection][data-state=live]').first().waitFor({ timeout: LIVE_WITHIN_MS });
}

/** `datetime-local` input value in Beijing time, `hours` from now. */
function beijingInput(hours: number): string {
  return new Date(Date.now() + hours * 3600_000 + 8 * 3600_000).toISOString().slice(0, 19);
}

/** The text of a file the page downloads when `click` runs. */
async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
}

describe('warnings in the console (chromium)', () => {
  it('duty drafts a yellow warning, the leader approves, it is issued, a phone acknowledges and the open board updates live', async () => {
    const room = await apiAs('dinghu-duty');
    const incident = await room.createIncident({ data: { title: '鼎湖区强降雨', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
    const incidentId = incident.streamId;
    const duty = await loggedIn('dinghu-duty');
    await duty.page.getByTestId('menu-warnings').click();
    await duty.page.getByTestId('warnings-view').waitFor();
    const form = duty.page.getByTestId('draft-warning');

    // Nothing filled in: the form says what is missing beside each field and sends nothing.
    await form.getByTestId('draft-warning-submit').click();
    await form.getByTestId('error-level').waitFor();
    await form.getByTestId('error-content.zh.headline').waitFor();
    await form.getByTestId('error-content.area.jurisdictions').waitFor();
    expect(await duty.page.getByTestId('warning-row').count()).toBe(0);
    // A polygon left open is refused beside the polygon, in Chinese.
    await form.locator('textarea[name=draft-polygon]').fill('23.15,112.55\n23.20,112.55\n23.20,112.62\n23.16,112.55');
    await form.getByTestId('draft-warning-submit').click();
    expect(await form.getByTestId('error-content.area.polygon').textContent()).toBe('最后一个点须与第一个点相同（闭合）');
    await expectCleanPages('draft with errors', [{ name: 'duty', page: duty.page }]);

    await form.locator('select[name=draft-level]').selectOption('yellow');
    await form.locator('select[name=draft-category]').selectOption('Met');
    await form.locator('input[name=draft-event]').fill('暴雨');
    await form.locator('input[name=draft-headline]').fill('鼎湖区暴雨黄色预警');
    await form.locator('textarea[name=draft-description]').fill('预计未来6小时鼎湖区降雨量将达50毫米以上，山洪、地质灾害风险高。');
    await form.locator('textarea[name=draft-instruction]').fill('请各镇（街道）转移低洼地带及危险区域群众，水库加强巡查。');
    await form.locator('input[name=draft-expires]').fill(beijingInput(6));
    await form.locator('textarea[name=draft-polygon]').fill('23.15,112.55\n23.20,112.55\n23.20,112.62\n23.15,112.55');
    // The area from the tree, county → townships (as the demo registry names them): 坑口街道 of 鼎湖区.
    await form.locator('[data-testid=draft-area] input[data-area=坑口街道]').check();
    await form.locator('label.check', { hasText: '鼎湖区强降雨' }).locator('input').check();
    await duty.page.screenshot({ path: join(SHOTS, 'warning-draft.png'), fullPage: true });
    await form.getByTestId('draft-warning-submit').click();

    // The new warning's page: a draft awaiting the leader, with its area and incident by name.
    await duty.page
      .locator('[data-testid=warning-view], [data-testid=draft-warning] [role=alert], .form-error')
      .first()
      .waitFor({ timeout: LIVE_WITHIN_MS })
      .catch(async (e: unknown) => {
        await duty.page.screenshot({ path: join(SHOTS, 'warning-draft-failed.png'), fullPage: true });
        throw e;
      });
    expect(await duty.page.locator('.form-error').allTextContents()).toEqual([]);
    expect(await form.locator('[role=alert]').allTextContents()).toEqual([]);
    await duty.page.getByTestId('warning-view').waitFor({ timeout: LIVE_WITHIN_MS });
    const warningUrl = duty.page.url();
    const warningId = decodeURIComponent(warningUrl.split('#/warnings/')[1] ?? '');
    expect(warningId).toMatch(/^w-/);
    expect(await duty.page.getByTestId('warning-state').textContent()).toBe('草稿待审批');
    expect(await duty.page.getByTestId('warning-level').getAttribute('data-level')).toBe('yellow');
    expect(await duty.page.getByTestId('warning-incidents').textContent()).toBe('鼎湖区强降雨');
    expect(await duty.page.getByTestId('warning-drafted-by').textContent()).toBe('鼎湖区值班员');
    expect(await duty.page.getByTestId('warning-area').textContent()).toBe('鼎湖区坑口街道');
    // A duty officer does not approve: that is the leader's, as the release rules say.
    expect(await duty.page.getByTestId('approve-warning').count()).toBe(0);
    await live(duty.page);

    // Before approval the drafting room may still change it (修改草稿: the whole content, prefilled).
    await duty.page.getByTestId('revise-warning-open').click();
    const revise = duty.page.getByTestId('revise-warning');
    expect(await revise.locator('input[name=revise-warning-headline]').inputValue()).toBe('鼎湖区暴雨黄色预警');
    await revise.locator('textarea[name=revise-warning-instruction]').fill('请坑口街道转移低洼地带及危险区域群众，水库加强巡查。');
    await revise.locator('button[type=submit]').click();
    await expect.poll(() => duty.page.getByTestId('warning-view').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('请坑口街道转移低洼地带');
    expect(await duty.page.getByTestId('warning-state').textContent()).toBe('草稿待审批');

    // The county's leader approves it in the console.
    const leader = await loggedIn('dinghu-leader');
    await leader.page.goto(warningUrl);
    await leader.page.getByTestId('warning-view').waitFor();
    const approve = leader.page.getByTestId('approve-warning');
    await approve.locator('textarea[name=note]').fill('同意发布');
    await approve.locator('button[type=submit]').click();
    await expect.poll(() => leader.page.getByTestId('warning-state').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('已审批待发布');
    expect(await leader.page.getByTestId('warning-approved-by').textContent()).toContain('鼎湖区应急管理局领导');
    await expectCleanPages('approved', [
      { name: 'duty', page: duty.page },
      { name: 'leader', page: leader.page },
    ]);

    // The duty officer's page shows the approval by itself, and issues the warning.
    const issue = duty.page.getByTestId('issue-warning');
    await issue.waitFor({ timeout: LIVE_WITHIN_MS });
    await duty.page.evaluate(() => Reflect.set(globalThis, '__sameDocument', true));
    await issue.locator('button[type=submit]').click();
    await expect.poll(() => duty.page.getByTestId('warning-state').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('已发布');
    const count = duty.page.getByTestId('ack-count');
    await count.waitFor({ timeout: LIVE_WITHIN_MS });
    // Everyone of the registry in 坑口街道, as the api fixed them at the issue, none acknowledged yet.
    const recipients = (await room.call('warningRecipients', { params: { warningId } })).items;
    const total = recipients.length;
    expect(total).toBeGreaterThan(1);
    expect(recipients.every((r) => r.areaName === '坑口街道')).toBe(true);
    expect(await count.getAttribute('data-total')).toBe(String(total));
    expect(await count.getAttribute('data-acknowledged')).toBe('0');
    expect(await duty.page.getByTestId('ack-missing-row').count()).toBe(total);
    await duty.page.screenshot({ path: join(SHOTS, 'warning-issued-board.png'), fullPage: true });

    // Both XML forms of the first message, downloaded from the page.
    const cap = await downloaded(duty.page, () => duty.page.getByTestId('download-cap-1').click());
    expect(cap.text).toContain('urn:oasis:names:tc:emergency:cap:1.2');
    expect(cap.text).toContain('<msgType>Alert</msgType>');
    expect(cap.text).toContain('鼎湖区暴雨黄色预警');
    const gb = await downloaded(duty.page, () => duty.page.getByTestId('download-gb-1').click());
    expect(gb.text).toContain('<severity>Yellow</severity>');

    // A recipient's phone opens the link the delivery sent (no login) and acknowledges with one tap.
    const { link, name } = await ackLinkOf(dataDir, warningId, LIVE_WITHIN_MS);
    expect(link.startsWith(`${base}/console/#/ack/`)).toBe(true);
    const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' });
    const phone = await phoneContext.newPage();
    await phone.goto(link);
    await phone
      .getByTestId('ack-page')
      .waitFor({ timeout: LIVE_WITHIN_MS })
      .catch(async (e: unknown) => {
        await phone.screenshot({ path: join(SHOTS, 'warning-phone-failed.png') });
        throw new Error(`phone page at ${phone.url()}: ${String(e)}\n${await phone.content()}`);
      });
    expect(await phone.getByTestId('ack-headline').textContent()).toBe('鼎湖区暴雨黄色预警');
    expect(await phone.getByTestId('ack-page').textContent()).toContain(name);
    const button = phone.getByTestId('ack-button');
    const box = await button.boundingBox();
    // One big button, the width of the phone's screen, no scrolling sideways.
    expect(box?.width ?? 0).toBeGreaterThan(300);
    // Evaluated in the browser: `document` is the page's, which this file's Node typings do not know.
    const scrollWidth = await phone.evaluate(() => (Reflect.get(globalThis, 'document') as { documentElement: { scrollWidth: number } }).documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(390);
    await expectCleanPages('phone page', [{ name: 'phone', page: phone }]);
    await phone.screenshot({ path: join(SHOTS, 'warning-phone-ack.png'), fullPage: true });
    await button.tap();
    await phone.getByTestId('ack-done').waitFor({ timeout: LIVE_WITHIN_MS });
    await phone.screenshot({ path: join(SHOTS, 'warning-phone-acknowledged.png'), fullPage: true });

    // The duty room's board, open all along, counts it without a reload.
    await expect.poll(() => count.getAttribute('data-acknowledged'), { timeout: LIVE_WITHIN_MS }).toBe('1');
    expect(await count.textContent()).toBe(`已签收 1 / ${total}`);
    // By township 1 of all; the others are still missing, by name, and the one who tapped is not.
    expect(await duty.page.getByTestId('ack-by-area').locator('tr[data-area=坑口街道]').textContent()).toContain(`1 / ${total}`);
    const missing = await duty.page.getByTestId('ack-missing-row').allTextContents();
    expect(missing).toHaveLength(total - 1);
    expect(missing.some((row) => row.startsWith(`${name}（`))).toBe(false);
    expect(await duty.page.evaluate(() => Reflect.get(globalThis, '__sameDocument'))).toBe(true);
    await duty.page.screenshot({ path: join(SHOTS, 'warning-board-acknowledged.png'), fullPage: true });
    await expectCleanPages('acknowledged', [
      { name: 'duty', page: duty.page },
      { name: 'leader', page: leader.page },
      { name: 'phone', page: phone },
    ]);

    // The acknowledgement deadline (60 minutes for yellow) cannot be waited for in a browser test: its
    // row is brought forward in PostgreSQL and the timers of `muster start` fire it. Whoever has not
    // acknowledged becomes a 人工通知 task on the board, live.
    await sql`update deadline set due_at = now() where stream_id = ${`warning:${warningId}`} and key = 'ack' and fired_at is null`.execute(db);
    const tasks = duty.page.getByTestId('manual-task');
    await expect.poll(() => tasks.count(), { timeout: LIVE_WITHIN_MS }).toBe(total - 1);
    expect(await duty.page.evaluate(() => Reflect.get(globalThis, '__sameDocument'))).toBe(true);
    // The duty officer calls the first: no outcome is refused beside the field; not reached keeps the
    // task (with the last call shown); reached closes it.
    const task = tasks.first();
    const called = (await task.locator('p').first().textContent()) ?? '';
    await task.locator('button[type=submit]').click();
    await task.getByTestId('error-outcome').waitFor();
    await task.locator('select[name=outcome]').selectOption('unreachable');
    await task.locator('input[name=note]').fill('无人接听');
    await task.locator('button[type=submit]').click();
    await expect.poll(() => task.textContent(), { timeout: LIVE_WITHIN_MS }).toContain('上次通知：未能联系上 · 无人接听');
    expect(await tasks.count()).toBe(total - 1);
    await task.locator('select[name=outcome]').selectOption('reached');
    await task.locator('input[name=note]').fill('已电话告知，正在转移群众');
    await task.locator('button[type=submit]').click();
    await expect.poll(() => tasks.count(), { timeout: LIVE_WITHIN_MS }).toBe(total - 2);
    const done = duty.page.getByTestId('manual-done-row');
    expect(await done.count()).toBe(1);
    expect(await done.first().textContent()).toContain('已联系上，已告知 · 已电话告知，正在转移群众 · 鼎湖区值班员');
    expect(called.startsWith((await done.first().textContent())?.split('）')[0] ?? '-')).toBe(true);
    await duty.page.screenshot({ path: join(SHOTS, 'warning-manual-tasks.png'), fullPage: true });
    await expectCleanPages('manual tasks', [{ name: 'duty', page: duty.page }]);

    // The leader raises it to orange with the reason; then lifts it. The duty page follows live.
    await leader.page.getByTestId('update-warning-open').click();
    const update = leader.page.getByTestId('update-warning');
    await update.locator('textarea[name=reason]').fill('降雨持续加强');
    await update.locator('select[name=update-warning-level]').selectOption('orange');
    await update.locator('button[type=submit]').click();
    await expect.poll(() => duty.page.getByTestId('warning-state').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('已调整');
    expect(await duty.page.getByTestId('warning-level').getAttribute('data-level')).toBe('orange');
    const lift = leader.page.getByTestId('lift-warning');
    await lift.locator('button[type=submit]').click();
    await lift.getByTestId('error-reason').waitFor();
    await lift.locator('textarea[name=reason]').fill('降雨减弱，风险解除');
    await lift.locator('button[type=submit]').click();
    await expect.poll(() => duty.page.getByTestId('warning-state').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('已解除');
    const cancel = await downloaded(duty.page, () => duty.page.getByTestId('download-cap-3').click());
    expect(cancel.text).toContain('<msgType>Cancel</msgType>');

    // The list and the incident view show the warning by its headline.
    await duty.page.getByTestId('menu-warnings').click();
    const row = duty.page.getByTestId('warning-row').filter({ hasText: '鼎湖区暴雨黄色预警' });
    await row.waitFor();
    expect(await row.getByTestId('warning-state').textContent()).toBe('已解除');
    await duty.page.goto(`${base}/console/#/incidents/${incidentId}`);
    const linked = duty.page.getByTestId('incident-warning');
    await linked.first().waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await linked.first().textContent()).toContain('鼎湖区暴雨黄色预警');
    await expectCleanPages('incident view', [{ name: 'duty', page: duty.page }]);
    await duty.page.screenshot({ path: join(SHOTS, 'warning-incident.png'), fullPage: true });

    await phoneContext.close();
    await leader.context.close();
    await duty.context.close();
  });

  it('a forged link shows one sentence on the phone, never an error code', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}/console/#/ack/not.a-real.token`);
    expect(await page.getByTestId('ack-bad-link').textContent()).toContain('链接无效');
    expect(await page.getByTestId('ack-button').count()).toBe(0);
    await context.close();
  });

  it('the contacts registry: a bad phone is refused beside the field; a contact is added, edited and deactivated', async () => {
    const duty = await loggedIn('dinghu-duty');
    await duty.page.goto(`${base}/console/#/contacts`);
    const add = duty.page.getByTestId('add-contact');
    await add.waitFor();
    await add.locator('input[name=contact-name]').fill('陈测试');
    await add.locator('select[name=contact-role]').selectOption('village_cadre');
    await add.locator('input[name=contact-areaName]').fill('永安镇测试村');
    await add.locator('input[name=contact-area]').fill('441203100201');
    await add.locator('input[name=contact-phone]').fill('电话');
    await add.locator('button[type=submit]').click();
    await add.getByTestId('error-phone').waitFor();
    await add.locator('input[name=contact-phone]').fill('13900000001');
    await add.locator('button[type=submit]').click();
    const row = duty.page.getByTestId('contact-row').filter({ hasText: '陈测试' });
    await row.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await row.textContent()).toContain('村（居）干部');
    await row.getByText('修改').click();
    const edit = duty.page.getByTestId('edit-contact');
    await edit.locator('input[name=contact-phone]').fill('13900000002');
    await edit.locator('button[type=submit]').click();
    await expect.poll(() => row.textContent(), { timeout: LIVE_WITHIN_MS }).toContain('13900000002');
    await expectCleanPages('contacts', [{ name: 'duty', page: duty.page }]);
    await duty.page.screenshot({ path: join(SHOTS, 'warning-contacts.png'), fullPage: true });
    await row.getByTestId('deactivate-contact').click();
    await expect.poll(() => row.count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await duty.context.close();
  });
});
