import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@muster/store-postgres';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql, type Kysely } from 'kysely';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { browserWithProfile, loginAs, DESK, PHONE, apiFor, startConsoleUnderTest, SHOTS, type ConsoleUnderTest } from '../support/console-under-test';

/**
 * Issue 20: the commander's phone keeps working when the network drops. A real chromium (390×844)
 * against `muster start` as its own process, with the console's service worker; the network is cut
 * and restored with `context.setOffline`. What landed is read from PostgreSQL by command id.
 */

const LIVE_WITHIN_MS = 15_000;

let browser: Browser;
let base: string;
let db: Kysely<Database>;
let ui: ConsoleUnderTest | undefined;

integrationTest.beforeAll(async ({ database }) => {
  db = database.db;
  ui = await startConsoleUnderTest(database.url, 'offline');
  ({ base, browser } = ui);
});

afterAll(async () => {
  await ui?.stop();
});

async function loggedIn(username: string, phone: boolean): Promise<{ context: BrowserContext; page: Page }> {
  // The phone app's shell comes from its service worker (http://127.0.0.1 is a secure context).
  const session = await loginAs({ browser, base }, username, { ...(phone ? PHONE : DESK), serviceWorkers: 'allow' });
  session.context.setDefaultTimeout(20_000);
  return session;
}

const apiAs = (username: string) => apiFor(base, username);

/** The commander's phone on the incident's scene view, its service worker in control and the state stored on the device. */
async function phoneOn(incidentId: string): Promise<{ context: BrowserContext; page: Page }> {
  const phone = await loggedIn('commander', true);
  // The board read once online: its cards are the device's list of the user's incidents.
  await phone.page.locator(`[data-testid=incident-card][data-incident-id="${incidentId}"]`).waitFor({ timeout: LIVE_WITHIN_MS });
  await phone.page.goto(`${base}/console/#/incidents/${incidentId}/scene`);
  await phone.page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: LIVE_WITHIN_MS });
  await phone.page.locator('[data-testid=network][data-state=online]').waitFor();
  const controlled = await phone.page.evaluate(async () => {
    const sw = Reflect.get(Reflect.get(globalThis, 'navigator') as object, 'serviceWorker') as { ready: Promise<unknown>; controller: unknown };
    await Promise.race([sw.ready, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    for (let i = 0; i < 100 && !sw.controller; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return Boolean(sw.controller);
  });
  expect(controlled).toBe(true);
  return phone;
}

interface QueuedOnDevice {
  seq: number;
  type: string;
  commandId: string;
  occurredAt: string;
  status: string;
}

/** The phone's queue as IndexedDB holds it (evaluated in the page: the browser's indexedDB, which this file's Node typings do not know). */
async function queueOnDevice(page: Page): Promise<QueuedOnDevice[]> {
  return page.evaluate(
    () =>
      new Promise<QueuedOnDevice[]>((resolve, reject) => {
        const idb = Reflect.get(globalThis, 'indexedDB') as { open(name: string): { onsuccess: (() => void) | null; onerror: (() => void) | null; result: unknown } };
        const open = idb.open('muster-offline');
        open.onerror = () => reject(new Error('no muster-offline database'));
        open.onsuccess = () => {
          const database = open.result as { transaction(store: string): { objectStore(store: string): { getAll(): { onsuccess: (() => void) | null; result: QueuedOnDevice[] } } } };
          const all = database.transaction('queue').objectStore('queue').getAll();
          all.onsuccess = () => resolve(all.result.map((c) => ({ seq: c.seq, type: c.type, commandId: c.commandId, occurredAt: c.occurredAt, status: c.status })));
        };
      }),
  );
}

/** The events stored for these command ids, in the order they were committed. */
async function eventsOf(commandIds: readonly string[]) {
  const { rows } = await sql<{ stream_id: string; stream_type: string; type: string; command_id: string; occurred_at: string; recorded_at: string }>`
    select stream_id, stream_type, type, meta->>'commandId' as command_id, meta->>'occurredAt' as occurred_at, meta->>'recordedAt' as recorded_at
    from event where meta->>'commandId' = any(${sql.val([...commandIds])}) and stream_type in ('scene', 'resourceRequest') order by seq`.execute(db);
  return rows;
}

async function postReport(page: Page, figures: Record<string, string>, needs: string): Promise<void> {
  const form = page.getByTestId('post-status');
  for (const [name, value] of Object.entries(figures)) await form.locator(`input[name=${name}]`).fill(value);
  await form.locator('textarea[name=needs]').fill(needs);
  await form.locator('button[type=submit]').click();
  await form.getByTestId('post-status-queued').waitFor();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `offline-${name}.png`), fullPage: true });
}

describe('the commander’s phone with no network (issue 20)', () => {
  it('offline: three scene reports and a two-item request are queued, survive a reload, and land exactly once, in order, with their occurredAt; the room sees them live', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖区沙浦镇堤防渗漏', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '现场指挥官 On-scene commander' } } });

    const phone = await phoneOn(incidentId);
    const { page } = phone;
    await page.getByTestId('post-status').waitFor();

    // The room's incident view, live, on a desk.
    const duty = await loggedIn('dinghu-duty', false);
    await duty.page.goto(`${base}/console/#/incidents/${incidentId}`);
    await duty.page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: LIVE_WITHIN_MS });
    const dutyReports = duty.page.locator('[data-testid=timeline-entry][data-type=SceneReportPosted]');
    const dutyRequests = duty.page.locator('[data-testid=timeline-entry][data-type=ResourceRequestSubmitted]');
    expect(await dutyReports.count()).toBe(0);

    await phone.context.setOffline(true);
    await page.locator('[data-testid=network][data-state=offline]').waitFor();
    expect(await page.getByTestId('network-state').innerText()).toContain('离线');

    await postReport(page, { injured: '1', trapped: '3' }, '沙袋 500 个');
    await postReport(page, { injured: '2' }, '抽水泵 2 台');
    await postReport(page, { injured: '2', evacuated: '120' }, '帐篷 30 顶');
    const request = page.getByTestId('request-resources');
    await request.locator('input[name="items.0.kind"]').fill('冲锋舟');
    await request.locator('input[name="items.0.quantity"]').fill('2');
    await request.locator('input[name="items.0.deliverTo"]').fill('沙浦镇堤防');
    await request.getByTestId('add-item').click();
    await request.locator('input[name="items.1.kind"]').fill('救生衣');
    await request.locator('input[name="items.1.quantity"]').fill('50');
    await request.locator('input[name="items.1.deliverTo"]').fill('沙浦镇堤防');
    await request.locator('textarea[name=justification]').fill('堤后村庄需转移群众');
    await request.locator('button[type=submit]').click();
    await request.getByTestId('request-resources-queued').waitFor();
    await expect.poll(() => page.getByTestId('queued-command').count()).toBe(4);
    await shot(page, '01-queued');

    // Reloaded with no network: the shell comes from the service worker, the state and the queue from IndexedDB.
    await page.reload();
    await page.getByTestId('commander-view').waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await page.getByTestId('offline-snapshot').innerText()).toMatch(/^离线 · 最后确认于 \d{2}:\d{2}:\d{2}/);
    await expect.poll(() => page.getByTestId('queued-command').count()).toBe(4);
    expect(await page.getByTestId('network').getAttribute('data-state')).toBe('offline');
    const queued = await queueOnDevice(page);
    expect(queued.map((c) => c.type)).toStrictEqual(['PostSceneReport', 'PostSceneReport', 'PostSceneReport', 'SubmitResourceRequest']);
    expect(new Set(queued.map((c) => c.commandId)).size).toBe(4);
    const texts = await page.getByTestId('queued-command').allInnerTexts();
    expect(texts[3]).toContain('冲锋舟 2');
    expect(texts[3]).toContain('救生衣 50');
    await shot(page, '02-reloaded-offline');
    // The user's incidents too: the board, offline, lists them as last confirmed.
    await page.evaluate(() => Reflect.set(Reflect.get(globalThis, 'location') as object, 'hash', '#/'));
    await page.locator(`[data-testid=incident-card][data-incident-id="${incidentId}"]`).waitFor();
    expect(await page.getByTestId('offline-snapshot').innerText()).toMatch(/^离线 · 最后确认于 \d{2}:\d{2}:\d{2}/);
    await page.evaluate((id) => Reflect.set(Reflect.get(globalThis, 'location') as object, 'hash', `#/incidents/${id}/scene`), incidentId);
    await page.getByTestId('commander-view').waitFor();
    await expect.poll(() => page.getByTestId('queued-command').count()).toBe(4);
    // Nothing reached the server while offline.
    expect(await eventsOf(queued.map((c) => c.commandId))).toHaveLength(0);

    await phone.context.setOffline(false);
    await page.locator('[data-testid=network][data-state=online]').waitFor({ timeout: LIVE_WITHIN_MS });
    await expect.poll(() => page.getByTestId('queued-command').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    expect(await page.getByTestId('refused-command').count()).toBe(0);
    // Confirmed by the server again: no longer marked as the device's copy.
    await expect.poll(() => page.getByTestId('offline-snapshot').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    expect(await page.getByTestId('last-confirmed').innerText()).toMatch(/^最后确认于 \d{2}:\d{2}:\d{2}/);

    // Exactly once each, in the queue's order, with the moment the commander acted.
    const stored = await eventsOf(queued.map((c) => c.commandId));
    expect(stored.map((e) => e.command_id)).toStrictEqual(queued.map((c) => c.commandId));
    expect(stored.map((e) => e.type)).toStrictEqual(['SceneReportPosted', 'SceneReportPosted', 'SceneReportPosted', 'ResourceRequestSubmitted']);
    for (const [n, event] of stored.entries()) {
      expect(Date.parse(event.occurred_at)).toBe(Date.parse(queued[n]?.occurredAt ?? ''));
      expect(Date.parse(event.recorded_at)).toBeGreaterThan(Date.parse(event.occurred_at));
    }
    const { rows: commands } = await sql<{ n: number }>`select count(*)::int as n from command where command_id = any(${sql.val(queued.map((c) => c.commandId))})`.execute(db);
    expect(commands[0]?.n).toBe(4);
    const scene = await room.getScene(incidentId);
    expect(scene.latestReport).toMatchObject({ injured: 2, evacuated: 120, trapped: 3, needs: '帐篷 30 顶' });
    const requests = await room.listResourceRequests(incidentId);
    expect(requests.items).toHaveLength(1);
    expect(requests.items[0]?.items?.map((i) => [i.kind, i.quantity])).toStrictEqual([
      ['冲锋舟', 2],
      ['救生衣', 50],
    ]);

    // The room's view showed them as they came (no reload).
    await expect.poll(() => dutyReports.count(), { timeout: LIVE_WITHIN_MS }).toBe(3);
    await expect.poll(() => dutyRequests.count(), { timeout: LIVE_WITHIN_MS }).toBe(1);
    await shot(duty.page, '03-room-live');
    await shot(page, '04-sent');
    await Promise.all([phone.context.close(), duty.context.close()]);
  });

  it('the room hands command to another while the commander is offline: his queued OfferTransfer is refused with the reason shown, and no queued command disappears', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖区莲花镇山体滑坡', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '现场指挥官 On-scene commander' } } });

    const phone = await phoneOn(incidentId);
    const { page } = phone;
    const offer = page.getByTestId('offer-transfer');
    await offer.waitFor();
    await expect.poll(() => offer.locator('select[name=to] option').allInnerTexts()).toContain('副指挥官');

    await phone.context.setOffline(true);
    // Reopened with no network: the people to hand command to are the device's copy.
    await page.reload();
    await page.getByTestId('offline-snapshot').waitFor({ timeout: LIVE_WITHIN_MS });
    await expect.poll(() => offer.locator('select[name=to] option').allInnerTexts()).toContain('副指挥官');
    await page.locator('[data-testid=network][data-state=offline]').waitFor();
    await postReport(page, { injured: '5' }, '挖掘机 1 台');
    await offer.locator('select[name=to]').selectOption({ label: '副指挥官' });
    await offer.locator('button[type=submit]').click();
    await offer.getByTestId('offer-transfer-queued').waitFor();
    await postReport(page, { dead: '1' }, '搜救犬 2 条');
    await expect.poll(() => page.getByTestId('queued-command').count()).toBe(3);
    const queued = await queueOnDevice(page);
    expect(queued.map((c) => c.type)).toStrictEqual(['PostSceneReport', 'OfferTransfer', 'PostSceneReport']);

    // Meanwhile the room hands command to the deputy (offer, briefing, acceptance).
    const offerId = `offer-room-${Date.now()}`;
    await room.sendOnSceneCommand(incidentId, { type: 'OfferTransfer', data: { offerId, to: { userId: 'deputy', name: '副指挥官 Deputy commander' } } });
    await room.sendOnSceneCommand(incidentId, {
      type: 'RecordTransferBriefing',
      data: { offerId, briefing: { situation: '滑坡体仍在移动', objectives: '搜救被埋人员', actions: '已封路', organisation: '两个搜救组', resources: '挖掘机 1 台', hazards: '二次滑坡' } },
    });
    await (await apiAs('deputy')).sendOnSceneCommand(incidentId, { type: 'AcceptTransfer', data: { offerId } });
    expect((await room.getScene(incidentId)).commander?.userId).toBe('deputy');

    await phone.context.setOffline(false);
    await expect.poll(() => page.getByTestId('queued-command').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await page.locator('[data-testid=network][data-state=online]').waitFor({ timeout: LIVE_WITHIN_MS });

    // The OfferTransfer is refused, with the server's reason in words.
    const refusedOffer = page.locator('[data-testid=refused-command][data-type=OfferTransfer]');
    await refusedOffer.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await refusedOffer.innerText()).toContain('副指挥官');
    const reason = await refusedOffer.getByTestId('refusal-reason').innerText();
    expect(reason).toMatch(/^服务器答复：[\u4e00-\u9fff]/);
    for (const choice of ['discard', 'edit-resend', 'as-report']) expect(await refusedOffer.getByTestId(choice).count()).toBe(1);
    expect((await room.getScene(incidentId)).commander?.userId).toBe('deputy');
    await shot(page, '05-refused');

    // None disappears: each queued command either landed exactly once or is listed as refused.
    const stored = await eventsOf(queued.map((c) => c.commandId));
    const landed = new Set(stored.map((e) => e.command_id));
    expect(stored).toHaveLength(landed.size);
    const refusedTypes = await page.getByTestId('refused-command').evaluateAll((nodes) => nodes.map((n) => (n as unknown as { dataset: { type: string } }).dataset.type));
    expect(landed.size + refusedTypes.length).toBe(3);
    expect(landed.has(queued[1]?.commandId ?? '')).toBe(false);
    const left = await queueOnDevice(page);
    expect(left.filter((c) => c.status === 'refused').map((c) => c.commandId)).toStrictEqual(queued.filter((c) => !landed.has(c.commandId)).map((c) => c.commandId));
    for (const text of await page.getByTestId('refusal-reason').allInnerTexts()) expect(text).toMatch(/^服务器答复：[\u4e00-\u9fff]/);

    // 放弃: the commander lets the offer go; it leaves the list, the others stay.
    await refusedOffer.getByTestId('discard').click();
    await expect.poll(() => page.locator('[data-testid=refused-command][data-type=OfferTransfer]').count()).toBe(0);
    expect(await page.getByTestId('refused-command').count()).toBe(refusedTypes.length - 1);
    await phone.context.close();
  });

  it('a transfer refused because the structure moved on is edited and resent with a new command id; a refused withdrawal goes out as a scene report', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖区坑口街道内涝', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '现场指挥官 On-scene commander' } } });
    const phone = await phoneOn(incidentId);
    const { page } = phone;
    const offer = page.getByTestId('offer-transfer');
    await expect.poll(() => offer.locator('select[name=to] option').allInnerTexts()).toContain('副指挥官');

    // Offline, he offers command to the deputy; meanwhile the room moves the command post.
    await phone.context.setOffline(true);
    await page.locator('[data-testid=network][data-state=offline]').waitFor();
    await offer.locator('select[name=to]').selectOption({ label: '副指挥官' });
    await offer.locator('button[type=submit]').click();
    await offer.getByTestId('offer-transfer-queued').waitFor();
    await room.sendOnSceneCommand(incidentId, { type: 'EstablishCommandPost', data: { location: { description: '坑口街道办事处' } } });
    await phone.context.setOffline(false);

    const refused = page.locator('[data-testid=refused-command][data-type=OfferTransfer]');
    await refused.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await refused.getByTestId('refusal-reason').innerText()).toBe('服务器答复：记录已被他人更新，请刷新后再试');
    const [first] = await queueOnDevice(page);
    expect((await room.getScene(incidentId)).offers).toHaveLength(0);

    // 修改后重发: against the structure he sees now, with a new command id.
    await refused.getByTestId('edit-resend').click();
    await refused.getByTestId('resend').click();
    await expect.poll(() => page.getByTestId('refused-command').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await expect.poll(async () => (await room.getScene(incidentId)).offers.map((o) => o.to.userId), { timeout: LIVE_WITHIN_MS }).toStrictEqual(['deputy']);
    const offered = (await room.timeline(incidentId, { kind: ['TransferOffered'] })).items;
    expect(offered).toHaveLength(1);
    expect(offered[0]?.data['offerId']).toBeDefined();
    const { rows: resentRows } = await sql<{ command_id: string }>`select meta->>'commandId' as command_id from event where type = 'TransferOffered' and stream_id = ${offered[0]?.streamId ?? ''}`.execute(db);
    expect(resentRows.map((r) => r.command_id)).not.toContain(first?.commandId);
    await page.getByTestId('pending-offer').waitFor({ timeout: LIVE_WITHIN_MS });

    // Offline again, he withdraws the offer; the room moves the post again, so the withdrawal is refused.
    await phone.context.setOffline(true);
    await page.locator('[data-testid=network][data-state=offline]').waitFor();
    const withdraw = page.getByTestId('pending-offer').getByTestId('withdraw-transfer');
    await withdraw.locator('textarea[name=reason]').fill('水位回落，继续由本人指挥');
    await withdraw.locator('button[type=submit]').click();
    await withdraw.getByTestId('withdraw-transfer-queued').waitFor();
    const [withdrawal] = await queueOnDevice(page);
    await room.sendOnSceneCommand(incidentId, { type: 'EstablishCommandPost', data: { location: { description: '坑口街道应急避难场所' } } });
    await phone.context.setOffline(false);
    const refusedWithdrawal = page.locator('[data-testid=refused-command][data-type=WithdrawTransfer]');
    await refusedWithdrawal.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await refusedWithdrawal.innerText()).toContain('撤回移交：水位回落，继续由本人指挥');

    // 改为现场报告: its text lands as a scene report, dated when he acted.
    await refusedWithdrawal.getByTestId('as-report').click();
    await expect.poll(() => page.getByTestId('refused-command').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
    await expect.poll(async () => (await room.getScene(incidentId)).latestReport?.objectives, { timeout: LIVE_WITHIN_MS }).toBe('撤回移交：水位回落，继续由本人指挥');
    const reports = (await room.timeline(incidentId, { kind: ['SceneReportPosted'] })).items;
    expect(reports).toHaveLength(1);
    expect(Date.parse(reports[0]?.occurredAt ?? '')).toBe(Date.parse(withdrawal?.occurredAt ?? ''));
    expect((await room.getScene(incidentId)).offers).toHaveLength(1);
    await shot(page, '06-resent-and-reported');
    await phone.context.close();
  });

  it('the queue survives a restart of the browser: sent once the commander is logged in again', async () => {
    const room = await apiAs('dinghu-duty');
    const created = await room.createIncident({ data: { title: '鼎湖区永安镇道路塌陷', leadJurisdiction: '441203', category: 'accident', severity: 'IV' } });
    const incidentId = created.streamId;
    await room.sendOnSceneCommand(incidentId, { type: 'AppointCommander', data: { commander: { userId: 'commander', name: '现场指挥官 On-scene commander' } } });
    const profile = await mkdtemp(join(tmpdir(), 'muster-phone-'));
    const open = async () => {
      const context = await browserWithProfile(profile, { ...PHONE, locale: 'zh-CN', serviceWorkers: 'allow' });
      context.setDefaultTimeout(20_000);
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${base}/console/`);
      await page.getByTestId('demo-commander').click();
      await page.getByTestId('who').waitFor();
      await page.goto(`${base}/console/#/incidents/${incidentId}/scene`);
      await page.getByTestId('commander-view').waitFor({ timeout: LIVE_WITHIN_MS });
      return { context, page };
    };
    try {
      const first = await open();
      await first.page.getByTestId('post-status').waitFor();
      await first.context.setOffline(true);
      await first.page.locator('[data-testid=network][data-state=offline]').waitFor();
      await postReport(first.page, { missing: '2' }, '生命探测仪 1 台');
      const [queued] = await queueOnDevice(first.page);
      await first.context.close();
      expect(await eventsOf([queued?.commandId ?? ''])).toHaveLength(0);

      // The browser starts again, online; logging in again sends what waited, with when it was made.
      const second = await open();
      await expect.poll(async () => (await eventsOf([queued?.commandId ?? ''])).map((e) => Date.parse(e.occurred_at)), { timeout: LIVE_WITHIN_MS }).toStrictEqual([Date.parse(queued?.occurredAt ?? '')]);
      await expect.poll(() => second.page.getByTestId('queued-command').count(), { timeout: LIVE_WITHIN_MS }).toBe(0);
      expect((await room.getScene(incidentId)).latestReport).toMatchObject({ missing: 2, needs: '生命探测仪 1 台' });
      await second.context.close();
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });
});
