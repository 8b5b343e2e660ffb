import { join } from 'node:path';
import { integrationTest } from '@muster/testkit/fixtures';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { apiFor, DESK, loginAs, PHONE, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Resource requests (ICS 213RR) through the console, in Debian's chromium against `muster start` as
 * its own process: the commander asks from a phone for several items at once, the room approves,
 * dispatches from a depot picked in a list that shows its stock against the need, tracks the
 * resources to the scene and releases them; the depots screen shows the stock go down and come back.
 * Setup through the api only: the incident and its commander, and the rescue teams (no screen here
 * registers teams). The depots are registered and stocked on the console's own 物资库 screen.
 */

const LIVE_WITHIN_MS = 5_000;

let browser: Browser;
let base: string;

let ui: ConsoleUnderTest | undefined;
integrationTest.beforeAll(async ({ database }) => {
  ui = await startConsoleUnderTest(database.url, 'requests');
  ({ base, browser } = ui);
});

afterAll(async () => {
  await ui?.stop();
});


const loggedIn = (username: string, options: { phone?: boolean } = {}) => loginAs({ browser, base }, username, options.phone ? PHONE : DESK);

const apiAs = (username: string) => apiFor(base, username);

async function live(page: Page): Promise<void> {
  await page.locator('[data-testid=connection][data-state=live]').first().waitFor({ timeout: 15_000 });
}

/** Beijing time an hour from now, as a `datetime-local` input takes it. */
function inAnHourBeijing(): string {
  return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 19);
}

/** The count of a kind in a depot on the 物资库 screen. */
function stockOf(page: Page, depot: string, kind: string): Locator {
  return page.locator(`[data-testid=depot][data-depot-name="${depot}"] [data-testid=stock-line][data-kind="${kind}"] [data-testid=stock-quantity]`);
}

async function submitRequest(phone: Page, items: { kind: string; quantity: string; priority?: string; deliverTo?: string }[], justification: string): Promise<void> {
  const form = phone.getByTestId('request-resources');
  for (const [index, item] of items.entries()) {
    if (index > 0) await form.getByTestId('add-item').click();
    await form.locator(`input[name="items.${index}.kind"]`).fill(item.kind);
    await form.locator(`input[name="items.${index}.quantity"]`).fill(item.quantity);
    if (item.priority) await form.locator(`select[name="items.${index}.priority"]`).selectOption(item.priority);
    if (item.deliverTo) await form.locator(`input[name="items.${index}.deliverTo"]`).fill(item.deliverTo);
  }
  await form.locator('textarea[name=justification]').fill(justification);
  await form.locator('button[type=submit]').click();
  await form.getByTestId('request-resources-sent').waitFor({ timeout: LIVE_WITHIN_MS });
}

const MAIN = '鼎湖区应急物资储备库';
const SMALL = '坑口街道物资点';

describe('resource requests in the console, from the phone to release', () => {
  it('a two-item request is approved, dispatched from a depot picked with its stock, tracked to the scene and released; another is rejected, a third cancelled', async () => {
    // Setup through the api: the incident, its commander, and the county's rescue teams.
    const api = await apiAs('dinghu-duty');
    const created = await api.createIncident({
      data: { title: '坑口街道内涝', leadJurisdiction: '441203', severity: 'IV', category: 'natural_disaster', location: { description: '坑口街道' } },
    });
    const incidentId = created.streamId;
    await api.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '李指挥', unit: '鼎湖区消防救援大队' } } });
    await api.call('createTeam', { body: { teamId: `team-a-${Date.now()}`, name: '鼎湖区消防救援大队', jurisdiction: '441203', specialty: '水域救援' } });
    await api.call('createTeam', { body: { teamId: `team-b-${Date.now()}`, name: '鼎湖区民兵应急分队', jurisdiction: '441203' } });

    // The room registers two depots and takes stock on the 物资库 screen, reached from the menu.
    const room = await loggedIn('dinghu-duty');
    await room.page.getByTestId('menu-depots').click();
    await room.page.getByTestId('depots-view').waitFor();
    for (const [name, location, stock] of [
      [MAIN, '鼎湖区桂城', [['应急帐篷', '40', false], ['冲锋舟', '5', true]]],
      [SMALL, '坑口街道办', [['应急帐篷', '5', false], ['冲锋舟', '1', true]]],
    ] as const) {
      const register = room.page.getByTestId('register-depot');
      await register.locator('input[name=name]').fill(name);
      await register.locator('input[name=location]').fill(location);
      await register.locator('button[type=submit]').click();
      const depot = room.page.locator(`[data-testid=depot][data-depot-name="${name}"]`);
      await depot.waitFor({ timeout: LIVE_WITHIN_MS });
      const take = depot.getByTestId('stocktake');
      for (const [index, [kind, quantity, returnable]] of stock.entries()) {
        if (index > 0) await take.getByTestId('stocktake-add').click();
        await take.locator(`input[name="items.${index}.kind"]`).fill(kind);
        await take.locator(`input[name="items.${index}.quantity"]`).fill(quantity);
        if (returnable) await take.locator(`input[name="items.${index}.returnable"]`).check();
      }
      await take.locator('button[type=submit]').click();
      await expect.poll(() => stockOf(room.page, name, '冲锋舟').textContent(), { timeout: LIVE_WITHIN_MS }).toBe(stock[1][1]);
    }
    expect(await stockOf(room.page, MAIN, '应急帐篷').textContent()).toBe('40');
    expect(await room.page.locator(`[data-testid=depot][data-depot-name="${MAIN}"] [data-testid=depot-room]`).textContent()).toBe('鼎湖区');
    await room.page.screenshot({ path: join(SHOTS, 'requests-depots-before.png'), fullPage: true });

    // The commander's phone: one request, two items.
    const phone = await loggedIn('commander', { phone: true });
    await phone.page.goto(`${base}/console/#/incidents/${incidentId}/scene`);
    await phone.page.getByTestId('request-resources').waitFor();
    await live(phone.page);
    const form = phone.page.getByTestId('request-resources');
    // A row added and removed again leaves the request as it was.
    await form.getByTestId('add-item').click();
    expect(await form.getByTestId('request-item-row').count()).toBe(2);
    await form.getByTestId('remove-item').first().click();
    expect(await form.getByTestId('request-item-row').count()).toBe(1);
    expect(await form.locator('input[name="items.0.deliverTo"]').inputValue()).toBe('坑口街道');
    await form.locator('input[name="items.0.kind"]').fill('应急帐篷');
    await form.locator('input[name="items.0.quantity"]').fill('10');
    await form.getByTestId('add-item').click();
    await form.locator('input[name="items.1.kind"]').fill('冲锋舟');
    await form.locator('input[name="items.1.quantity"]').fill('2');
    await form.locator('select[name="items.1.priority"]').selectOption('routine');
    await form.locator('input[name="items.1.deliverTo"]').fill('坑口街道二号闸');
    await form.locator('textarea[name=justification]').fill('低洼处 300 人需转移安置');
    const scrollWidth = await phone.page.evaluate(() => (Reflect.get(globalThis, 'document') as { documentElement: { scrollWidth: number } }).documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(390);
    await phone.page.screenshot({ path: join(SHOTS, 'requests-phone.png'), fullPage: true });
    await form.locator('button[type=submit]').click();
    await form.getByTestId('request-resources-sent').waitFor({ timeout: LIVE_WITHIN_MS });
    // The form starts again from one empty row.
    expect(await form.getByTestId('request-item-row').count()).toBe(1);

    // The room: the request with its two items, who asked by name, when in Beijing time.
    await room.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await live(room.page);
    const first = room.page.getByTestId('resource-request').filter({ hasText: '应急帐篷' });
    await first.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await first.getByTestId('request-state').textContent()).toBe('已提交');
    expect(await first.getByTestId('request-item').allTextContents()).toEqual(['应急帐篷10紧急坑口街道', '冲锋舟2常规坑口街道二号闸']);
    expect(await first.getByTestId('request-by').textContent()).toMatch(/^请求人：李指挥 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\+8 北京时间\)$/);
    expect(await first.getByTestId('request-justification').textContent()).toContain('低洼处 300 人需转移安置');

    const approve = first.getByTestId('approve-request');
    await approve.locator('input[name=note]').fill('同意，优先保障帐篷');
    await approve.locator('button[type=submit]').click();
    await expect.poll(() => first.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('approved');
    expect(await first.getByTestId('request-state').textContent()).toBe('已批准');
    expect(await first.getByTestId('request-decided').textContent()).toContain('鼎湖区值班员');
    expect(await first.getByTestId('request-approve-note').textContent()).toContain('同意，优先保障帐篷');

    // The depot picker: the room's own depots with their stock against the need, the short one marked.
    const dispatch = first.getByTestId('dispatch-request');
    const options = dispatch.getByTestId('depot-option');
    await expect.poll(() => options.count(), { timeout: LIVE_WITHIN_MS }).toBe(2);
    const mainOption = options.filter({ hasText: MAIN });
    const smallOption = options.filter({ hasText: SMALL });
    expect(await mainOption.getAttribute('data-short')).toBe('false');
    expect(await mainOption.textContent()).toContain('应急帐篷 库存 40 / 需 10');
    expect(await mainOption.textContent()).toContain('冲锋舟 库存 5 / 需 2');
    expect(await smallOption.getAttribute('data-short')).toBe('true');
    expect(await smallOption.textContent()).toContain('应急帐篷 库存 5 / 需 10（不足）');
    expect(await dispatch.locator('select[name=depotId] option').allTextContents()).toEqual(['—', MAIN, `${SMALL}（库存不足）`]);
    expect(await dispatch.getByTestId('team-option').allTextContents()).toEqual(expect.arrayContaining(['鼎湖区消防救援大队（水域救援）', '鼎湖区民兵应急分队']));

    // Dispatching from the depot short of stock: refused beside the depot field, nothing dispatched.
    await dispatch.locator('select[name=depotId]').selectOption({ label: `${SMALL}（库存不足）` });
    await dispatch.locator('input[name=orderNumber]').fill('鼎应调〔2026〕1号');
    await dispatch.getByTestId('team-option').filter({ hasText: '鼎湖区消防救援大队' }).locator('input').check();
    await dispatch.locator('button[type=submit]').click();
    const refusal = dispatch.getByTestId('error-depotId');
    await refusal.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await refusal.textContent()).toMatch(/^(应急帐篷 库存 5，不足调派的 10|冲锋舟 库存 1，不足调派的 2)，未调派$/);
    expect(await dispatch.locator('[data-field=depotId]').getAttribute('class')).toContain('invalid');
    expect(await first.getAttribute('data-state')).toBe('approved');
    await room.page.screenshot({ path: join(SHOTS, 'requests-short-of-stock.png'), fullPage: true });

    // From the depot that has it: dispatched, the team with it.
    await dispatch.locator('select[name=depotId]').selectOption({ label: MAIN });
    await dispatch.locator('button[type=submit]').click();
    await expect.poll(() => first.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('dispatched');
    expect(await first.getByTestId('request-state').textContent()).toBe('已调派');
    expect(await first.getByTestId('request-depot').textContent()).toContain(`${MAIN} · 调拨单号 鼎应调〔2026〕1号`);
    await expect.poll(() => first.getByTestId('request-teams').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('鼎湖区消防救援大队');
    await room.page.screenshot({ path: join(SHOTS, 'requests-dispatched.png'), fullPage: true });

    // The depots screen: stock taken from the depot picked, none from the other.
    // (A second tab: the console keeps its session per tab, so it logs in again.)
    const store = await loggedIn('dinghu-duty');
    const depots = store.page;
    await depots.getByTestId('menu-depots').click();
    await depots.getByTestId('depots-view').waitFor();
    await expect.poll(() => stockOf(depots, MAIN, '应急帐篷').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('30');
    expect(await stockOf(depots, MAIN, '冲锋舟').textContent()).toBe('3');
    expect(await stockOf(depots, SMALL, '应急帐篷').textContent()).toBe('5');
    expect(await stockOf(depots, SMALL, '冲锋舟').textContent()).toBe('1');
    await depots.screenshot({ path: join(SHOTS, 'requests-depots-dispatched.png'), fullPage: true });

    // En route with an expected arrival, arrived, released with the boats back in stock.
    const enRoute = first.getByTestId('enroute-request');
    await enRoute.locator('input[name=eta]').fill(inAnHourBeijing());
    await enRoute.locator('button[type=submit]').click();
    await expect.poll(() => first.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('enRoute');
    expect(await first.getByTestId('request-state').textContent()).toBe('在途');
    expect(await first.getByTestId('request-enroute').textContent()).toMatch(/预计到达时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\+8 北京时间\)/);

    const arrive = first.getByTestId('arrive-request');
    await arrive.locator('input[name=note]').fill('帐篷、冲锋舟已到坑口街道');
    await arrive.locator('button[type=submit]').click();
    await expect.poll(() => first.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('arrived');
    expect(await first.getByTestId('request-state').textContent()).toBe('已到达');
    expect(await first.getByTestId('request-arrived').textContent()).toContain('帐篷、冲锋舟已到坑口街道');

    const release = first.getByTestId('release-request');
    expect(await release.locator('[data-field="returned.1"] .label').textContent()).toBe('冲锋舟 归还入库数量（已调派 2）');
    await release.locator('input[name="returned.1"]').fill('2');
    await release.locator('input[name=note]').fill('排涝结束，冲锋舟归还');
    await release.locator('button[type=submit]').click();
    await expect.poll(() => first.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('released');
    expect(await first.getByTestId('request-state').textContent()).toBe('已撤回');
    expect(await first.getByTestId('request-returned').textContent()).toContain('冲锋舟 × 2');
    expect(await first.getByTestId('request-released').textContent()).toContain('排涝结束，冲锋舟归还');
    // A released request offers nothing more.
    expect(await first.locator('form').count()).toBe(0);
    await depots.getByTestId('depots-refresh').click();
    await expect.poll(() => stockOf(depots, MAIN, '冲锋舟').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('5');
    expect(await stockOf(depots, MAIN, '应急帐篷').textContent()).toBe('30');
    await depots.screenshot({ path: join(SHOTS, 'requests-depots-released.png'), fullPage: true });

    // A second request is rejected with a reason, a third cancelled with one.
    await submitRequest(phone.page, [{ kind: '发电机', quantity: '4' }], '安置点断电');
    await submitRequest(phone.page, [{ kind: '照明灯', quantity: '20', priority: 'low' }], '夜间排查');
    const second = room.page.getByTestId('resource-request').filter({ hasText: '发电机' });
    const third = room.page.getByTestId('resource-request').filter({ hasText: '照明灯' });
    await second.waitFor({ timeout: LIVE_WITHIN_MS });
    await third.waitFor({ timeout: LIVE_WITHIN_MS });

    const reject = second.getByTestId('reject-request');
    // A rejection needs its reason: refused beside the field before anything is sent.
    await reject.locator('button[type=submit]').click();
    await reject.getByTestId('error-reason').waitFor();
    expect(await second.getAttribute('data-state')).toBe('submitted');
    await reject.locator('input[name=reason]').fill('安置点已由供电部门恢复供电');
    await reject.locator('button[type=submit]').click();
    await expect.poll(() => second.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('rejected');
    expect(await second.getByTestId('request-state').textContent()).toBe('已驳回');
    expect(await second.getByTestId('request-rejection').textContent()).toContain('安置点已由供电部门恢复供电');
    expect(await second.locator('form').count()).toBe(0);

    const cancel = third.getByTestId('cancel-request');
    await cancel.locator('input[name=reason]').fill('现场已自行解决照明');
    await cancel.locator('button[type=submit]').click();
    await expect.poll(() => third.getAttribute('data-state'), { timeout: LIVE_WITHIN_MS }).toBe('cancelled');
    expect(await third.getByTestId('request-state').textContent()).toBe('已取消');
    expect(await third.getByTestId('request-cancelled').textContent()).toContain('现场已自行解决照明');
    expect(await third.locator('form').count()).toBe(0);

    // What the room reads is Chinese, with people and depots by name: no request, depot or user id,
    // no English state (the zone label's UTC aside).
    const panel = (await room.page.getByTestId('resource-requests').textContent()) ?? '';
    expect(panel.replaceAll('UTC', '')).not.toMatch(/[A-Za-z]{2,}/);
    const requests = await api.listResourceRequests(incidentId);
    expect(requests.items).toHaveLength(3);
    for (const r of requests.items) expect(panel).not.toContain(r.requestId);
    expect(await depots.getByTestId('depots-view').textContent()).not.toMatch(/depot-/);
    await room.page.screenshot({ path: join(SHOTS, 'requests-room.png'), fullPage: true });
    await Promise.all([room.context.close(), phone.context.close(), store.context.close()]);
  });
});
