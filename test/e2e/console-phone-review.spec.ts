import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { integrationTest } from '@muster/testkit/fixtures';
import { type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { apiFor, DESK, loginAs, PHONE, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The phone's command screens, the review's corrections and filters, and the duty room, in a real
 * chromium against `muster start` as its own process (nothing mocked). Incidents are seeded through
 * the api as setup; every step under test is done on the screen, logged in through the demo buttons.
 */

const LIVE_WITHIN_MS = 5_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let browser: Browser;
let base: string;

let ui: ConsoleUnderTest | undefined;
integrationTest.beforeAll(async ({ database }) => {
  ui = await startConsoleUnderTest(database.url, 'phone-review');
  ({ base, browser } = ui);
});

afterAll(async () => {
  await ui?.stop();
});


// Desk and phone alike take downloads (the review's exports).
const loggedIn = (username: string, options: BrowserContextOptions = DESK) => loginAs({ browser, base }, username, { ...options, acceptDownloads: true });

const apiAs = (username: string) => apiFor(base, username);

async function live(page: Page): Promise<void> {
  await page.locator('[data-testid=connection][data-state=live]').first().waitFor({ timeout: 15_000 });
}

/** What the page says to a person: no id of any kind may be in it. */
async function text(locator: Locator): Promise<string> {
  return (await locator.innerText()).trim();
}

/** A `datetime-local` value in Beijing time, `minutes` from now. */
function beijingInput(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000 + 8 * 3600_000).toISOString().slice(0, 19);
}

/** An element's text decoration as drawn (evaluated in the page: the browser's getComputedStyle, which this file's Node typings do not know). */
function decoration(element: unknown): string {
  const style = Reflect.get(globalThis, 'getComputedStyle') as (e: unknown) => { textDecorationLine: string };
  return style(element).textDecorationLine;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `phone-review-${name}.png`), fullPage: true });
}

describe('phone command screens, review corrections and filters, duty room', () => {
  it('a responder assumes command from the phone; a transfer offered by name is declined with a reason, offered again and withdrawn', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖区凤凰镇山洪', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
    const incidentId = created.streamId;

    const commander = await loggedIn('commander', PHONE);
    const deputy = await loggedIn('deputy', PHONE);
    for (const p of [commander.page, deputy.page]) {
      await p.goto(`${base}/console/#/incidents/${incidentId}/scene`);
      await live(p);
    }

    // Nobody commands: the responder's next step is to take command himself.
    const assume = commander.page.getByTestId('assume-command');
    await assume.waitFor();
    expect(await text(commander.page.getByTestId('latest-figures'))).toContain('尚无现场报告');
    await assume.locator('input[name="commander.phone"]').fill('13800000001');
    await assume.locator('input[name="commander.unit"]').fill('鼎湖区消防救援大队');
    await shot(commander.page, '01-assume');
    await assume.locator('button[type=submit]').click();
    await expect.poll(() => commander.page.getByTestId('command-role').textContent(), { timeout: LIVE_WITHIN_MS }).toContain('你是现场指挥官');
    const scene = await room.getScene(incidentId);
    expect(scene.state).toBe('provisional');
    expect(scene.commander).toMatchObject({ userId: 'commander', phone: '13800000001', unit: '鼎湖区消防救援大队' });
    // A provisional commander hands over only once the room has appointed him.
    await commander.page.getByTestId('transfer-needs-appointment').waitFor();
    expect(await commander.page.getByTestId('offer-transfer').count()).toBe(0);

    // The other responder is told who commands and how to reach him, live; he is not offered to take command.
    const contact = deputy.page.getByTestId('commander-contact');
    await contact.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await text(deputy.page.getByTestId('commander-name'))).toBe('现场指挥官');
    expect(await text(deputy.page.getByTestId('commander-phone'))).toContain('13800000001');
    expect(await deputy.page.getByTestId('commander-phone').locator('a').getAttribute('href')).toBe('tel:13800000001');
    expect(await deputy.page.getByTestId('assume-command').count()).toBe(0);
    await shot(deputy.page, '02-who-commands');

    // Setup: the room appoints him (its own screen is the room's, not the phone's).
    await room.sendOnSceneCommand(incidentId, {
      type: 'AppointCommander',
      data: { commander: { userId: 'commander', name: '现场指挥官 On-scene commander', phone: '13800000001' } },
    });

    // The commander posts the scene figures; his screen shows the latest.
    const status = commander.page.getByTestId('post-status');
    await status.locator('input[name=injured]').fill('4');
    await status.locator('input[name=trapped]').fill('2');
    await status.locator('textarea[name=needs]').fill('冲锋舟 2 艘');
    await status.locator('button[type=submit]').click();
    await expect.poll(() => commander.page.getByTestId('latest-injured').textContent(), { timeout: LIVE_WITHIN_MS }).toBe('4');
    expect(await text(commander.page.getByTestId('latest-trapped'))).toBe('2');
    expect(await text(commander.page.getByTestId('latest-dead'))).toBe('—');
    expect(await text(commander.page.getByTestId('latest-needs'))).toBe('冲锋舟 2 艘');

    // Offer by name: a list of people, no typed id; the pending offer shows the person's name.
    const offer = commander.page.getByTestId('offer-transfer');
    await offer.waitFor({ timeout: LIVE_WITHIN_MS });
    // No typed id: the only inputs are the effective time and expiry pickers.
    expect(await offer.locator('input:not([type=datetime-local])').count()).toBe(0);
    const options = await offer.locator('select[name=to] option').allInnerTexts();
    expect(options).toContain('副指挥官');
    expect(options).not.toContain('现场指挥官');
    for (const option of options) expect(option).not.toMatch(/deputy|commander|duty/);
    await offer.locator('select[name=to]').selectOption({ label: '副指挥官' });
    await offer.locator('button[type=submit]').click();
    const pending = commander.page.getByTestId('pending-offer');
    await pending.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await text(pending.getByTestId('pending-offer-name'))).toBe('副指挥官');
    expect(await text(commander.page.getByTestId('pending-offers'))).not.toMatch(/offer-|deputy/);
    await shot(commander.page, '03-offered');

    // The person offered declines, with a reason, from his phone (live: no reload).
    const toMe = deputy.page.getByTestId('offer-to-me');
    await toMe.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await text(toMe)).toContain('现场指挥官 提出把现场指挥权移交给你');
    expect(await text(toMe)).not.toMatch(/offer-/);
    const decline = toMe.getByTestId('decline-transfer');
    await decline.locator('textarea[name=reason]').fill('本队人员不足，暂不能接替');
    await shot(deputy.page, '04-decline');
    await decline.locator('button[type=submit]').click();
    await expect.poll(() => deputy.page.getByTestId('offer-to-me').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await expect.poll(() => commander.page.getByTestId('pending-offer').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    const declined = (await room.timeline(incidentId, { kind: ['TransferDeclined'] })).items;
    expect(declined).toHaveLength(1);
    expect(declined[0]?.actor).toBe('deputy');
    expect(declined[0]?.data['reason']).toBe('本队人员不足，暂不能接替');

    // Offered again, then withdrawn by the commander.
    await offer.locator('select[name=to]').selectOption({ label: '副指挥官' });
    await offer.locator('button[type=submit]').click();
    await commander.page.getByTestId('pending-offer').waitFor({ timeout: LIVE_WITHIN_MS });
    await deputy.page.getByTestId('offer-to-me').waitFor({ timeout: LIVE_WITHIN_MS });
    const withdraw = commander.page.getByTestId('pending-offer').getByTestId('withdraw-transfer');
    await withdraw.locator('textarea[name=reason]').fill('险情变化，继续由本人指挥');
    await withdraw.locator('button[type=submit]').click();
    await expect.poll(() => commander.page.getByTestId('pending-offer').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await expect.poll(() => deputy.page.getByTestId('offer-to-me').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await shot(commander.page, '05-withdrawn');
    const after = await room.getScene(incidentId);
    expect(after.state).toBe('commanded');
    expect(after.commander?.userId).toBe('commander');
    expect(after.offers).toHaveLength(0);
    const withdrawn = (await room.timeline(incidentId, { kind: ['TransferWithdrawn'] })).items;
    expect(withdrawn.map((e) => e.data['reason'])).toStrictEqual(['险情变化，继续由本人指挥']);
    for (const p of [commander.page, deputy.page]) expect(await text(p.getByTestId('commander-view'))).not.toMatch(UUID);
    await Promise.all([commander.context.close(), deputy.context.close()]);
  });

  it('the room amends one timeline entry and strikes another; both stay visible, marked, with who corrected by name; a filter by lane shows only that lane', async () => {
    const room = await apiAs('dinghu-duty');
    const title = '鼎湖区永安镇危化品泄漏';
    const created = await room.createIncident({ data: { title, leadJurisdiction: '441203', category: 'accident', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '现场指挥官 On-scene commander' } } });
    const commander = await apiAs('commander');
    await commander.sendOnSceneCommand(incidentId, { type: 'PostSceneReport', data: { reportId: `r1-${Date.now()}`, injured: 2, needs: '防化服 20 套' } });
    await commander.sendOnSceneCommand(incidentId, { type: 'PostSceneReport', data: { reportId: `r2-${Date.now()}`, injured: 9 } });

    const duty = await loggedIn('dinghu-duty');
    await duty.page.goto(`${base}/console/#/incidents/${incidentId}/review`);
    await duty.page.getByTestId('review-view').waitFor();
    const reports = duty.page.locator('[data-testid=timeline-entry][data-lane=scene]').filter({ hasText: '现场报告' });
    await expect.poll(() => reports.count()).toBe(2);

    // Amend the first scene report: 受伤 2 → 5, with the reason.
    await reports.nth(0).getByTestId('correct-entry').click();
    const amend = reports.nth(0).getByTestId('correction-form');
    await amend.locator('select[name=kind]').selectOption('amend');
    await amend.locator('select[name=amendField]').selectOption({ label: '受伤（2）' });
    await amend.locator('input[name=amendValue]').fill('5');
    await amend.locator('textarea[name=reason]').fill('核实后受伤人数为 5 人');
    await shot(duty.page, '06-amend');
    await amend.locator('button[type=submit]').click();
    const amended = duty.page.locator('[data-testid=timeline-entry][data-amended=true]');
    await amended.waitFor({ timeout: LIVE_WITHIN_MS });
    const amendNote = await text(amended.getByTestId('correction-note'));
    expect(amendNote).toContain('已更正');
    expect(amendNote).toContain('受伤：5');
    expect(amendNote).toContain('更正理由：核实后受伤人数为 5 人');
    expect(amendNote).toContain('更正人：鼎湖区值班员');

    // Strike the second: it stays in place, struck through, the strike beside it.
    const second = duty.page.locator('[data-testid=timeline-entry][data-lane=scene]').filter({ hasText: '受伤：9' });
    await second.getByTestId('correct-entry').click();
    const strike = second.getByTestId('correction-form');
    await strike.locator('textarea[name=reason]').fill('重复报告');
    await strike.locator('button[type=submit]').click();
    const struck = duty.page.locator('[data-testid=timeline-entry][data-struck=true]');
    await struck.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await text(struck)).toContain('受伤：9');
    expect(await text(struck.getByTestId('correction-note'))).toContain('已划除');
    expect(await text(struck.getByTestId('correction-note'))).toContain('更正人：鼎湖区值班员');
    expect(await struck.locator('.entry-line').evaluate(decoration)).toBe('line-through');
    expect(await amended.locator('.entry-line').evaluate(decoration)).toBe('none');
    const corrections = (await room.timeline(incidentId, { kind: ['EntryCorrected'] })).items;
    expect(corrections.map((c) => c.data['kind'])).toStrictEqual(['amend', 'strike']);
    await shot(duty.page, '07-corrected');

    // Filter by lane: only that lane's entries.
    const entries = duty.page.getByTestId('timeline-entry');
    const total = await entries.count();
    await duty.page.getByTestId('filter-lane').selectOption('correction');
    await expect.poll(() => entries.count()).toBe(2);
    expect(new Set(await entries.evaluateAll((list) => list.map((e) => e.getAttribute('data-lane'))))).toStrictEqual(new Set(['correction']));
    expect(await text(duty.page.getByTestId('timeline-count'))).toBe(`显示 2 条，共 ${total} 条`);
    await duty.page.getByTestId('filter-lane').selectOption('scene');
    await expect.poll(() => entries.evaluateAll((list) => [...new Set(list.map((e) => e.getAttribute('data-lane')))])).toStrictEqual(['scene']);
    // By person too, picked by name: the commander's entries are his two reports.
    await duty.page.getByTestId('filter-lane').selectOption('');
    expect(await duty.page.getByTestId('filter-person').locator('option').allInnerTexts()).not.toContain('commander');
    await duty.page.getByTestId('filter-person').selectOption({ label: '现场指挥官' });
    await expect.poll(() => entries.count()).toBe(2);
    await shot(duty.page, '08-filtered');
    await duty.page.getByTestId('filter-clear').click();
    await expect.poll(() => entries.count()).toBe(total);
    // By time span, in Beijing time: from an hour ahead there is nothing yet; from an hour back, everything.
    await duty.page.getByTestId('filter-from').fill(beijingInput(60));
    await expect.poll(() => entries.count()).toBe(0);
    await duty.page.getByTestId('filter-from').fill(beijingInput(-60));
    await expect.poll(() => entries.count()).toBe(total);
    await duty.page.getByTestId('filter-to').fill(beijingInput(-30));
    await expect.poll(() => entries.count()).toBe(0);
    await duty.page.getByTestId('filter-clear').click();
    await expect.poll(() => entries.count()).toBe(total);

    // ICS 209 and the CSV export are reachable from the review screen, and name the incident.
    const [csv] = await Promise.all([duty.page.waitForEvent('download'), duty.page.getByTestId('export-csv').click()]);
    expect(await readFile(await csv.path(), 'utf8')).toContain(title);
    const [ics] = await Promise.all([duty.page.waitForEvent('download'), duty.page.getByTestId('form-ics209').click()]);
    expect(await readFile(await ics.path(), 'utf8')).toContain(title);

    // A reviewer reads the corrections and is offered none.
    const reviewer = await loggedIn('reviewer');
    await reviewer.page.goto(`${base}/console/#/incidents/${incidentId}/review`);
    await reviewer.page.locator('[data-testid=timeline-entry][data-struck=true]').waitFor();
    expect(await reviewer.page.getByTestId('correct-entry').count()).toBe(0);
    expect(await text(reviewer.page.getByTestId('review-timeline'))).not.toMatch(UUID);
    await Promise.all([duty.context.close(), reviewer.context.close()]);
  });

  it('the duty room adds a shift picked by name and shows who is on duty now; the watch log shows what became of each call', async () => {
    const room = await apiAs('dinghu-duty');
    const call = (place: string, course: string) =>
      room.logWatchEntry({ jurisdiction: '441203', channel: 'phone', receivedAt: new Date().toISOString(), place, course, caller: { name: '张先生', phone: '13900000000' }, recorderName: '鼎湖区值班员' });
    const kept = await call('鼎湖区桂城街道', '路面塌陷，一辆小车陷入');
    await room.triageWatchEntry(kept.entryId, { action: 'create_incident', incident: { title: '桂城街道路面塌陷' } });
    const dismissed = await call('鼎湖区广利街道', '称闻到焦味');
    await room.triageWatchEntry(dismissed.entryId, { action: 'dismiss', reason: '核实为居民烧秸秆' });

    const duty = await loggedIn('dinghu-duty');
    await duty.page.getByTestId('menu-duty').click();
    await duty.page.getByTestId('duty-view').waitFor();
    await duty.page.getByTestId('roster-day').first().waitFor();
    expect(await duty.page.getByTestId('roster-day').count()).toBe(7);
    expect(await text(duty.page.getByTestId('roster-day').first())).toContain('今天');

    const form = duty.page.getByTestId('add-shift');
    await form.locator('select[name=post]').selectOption('duty_officer');
    await form.locator('select[name=officer]').selectOption({ label: '鼎湖区值班员' });
    await form.locator('input[name=officerPhone]').fill('0758-2222222');
    await form.locator('input[name=startsAt]').fill(beijingInput(-60));
    await form.locator('input[name=endsAt]').fill(beijingInput(8 * 60));
    await form.locator('button[type=submit]').click();
    const onDuty = duty.page.getByTestId('on-duty-officer');
    await onDuty.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await text(onDuty)).toContain('值班员 鼎湖区值班员 · 0758-2222222');
    expect(await text(duty.page.getByTestId('roster-day').first())).toContain('鼎湖区值班员');
    const shifts = await room.call('onDuty', { query: { jurisdiction: '441203' } });
    expect(shifts.items.map((s) => s.officer.userId)).toStrictEqual(['dinghu-duty']);

    // An end before the start is refused beside the field, and nothing more is stored.
    await form.locator('select[name=officer]').selectOption({ label: '鼎湖区值班员' });
    await form.locator('input[name=startsAt]').fill(beijingInput(60));
    await form.locator('input[name=endsAt]').fill(beijingInput(30));
    await form.locator('button[type=submit]').click();
    await form.getByTestId('error-endsAt').waitFor();
    expect(await text(form.getByTestId('error-endsAt'))).toBe('结束时间须晚于开始时间');
    expect((await room.call('listShifts', { query: { jurisdiction: '441203' } })).items).toHaveLength(1);

    // The watch log, newest first, each call with its outcome by title and name.
    const history = duty.page.getByTestId('watch-history-entry');
    await expect.poll(() => history.count()).toBe(2);
    expect(await text(history.nth(0).getByTestId('watch-outcome'))).toBe('已排除：核实为居民烧秸秆（研判人：鼎湖区值班员）');
    await expect.poll(() => history.nth(1).getByTestId('watch-outcome').innerText()).toBe('已立为事件：桂城街道路面塌陷（研判人：鼎湖区值班员）');
    expect(await text(duty.page.getByTestId('duty-view'))).not.toMatch(UUID);
    await shot(duty.page, '09-duty');
    await duty.context.close();
  });
});
