import { join } from 'node:path';
import { connect } from '@muster/store-postgres';
import { createTestDatabase, startPrivatePostgres, type PrivatePostgres, type TestDatabase } from '@muster/testkit';
import { sql } from 'kysely';
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPages } from '../support/dom-scan';
import { apiFor, DESK, loginAs, SHOTS, startConsoleUnderTest, type ConsoleUnderTest } from '../support/console-under-test';

/**
 * A live feed held by a transaction left open on the database server, as the duty officer sees it:
 * the board says 实时推送暂停 with the time beside its connection badge, in Chinese only, and the
 * held incident appears once the transaction ends. `muster start` runs on a PostgreSQL server of the
 * test's own: the hold is the whole server's, and on the shared one it would stall every other test.
 */

let server: PrivatePostgres | undefined;
let t: TestDatabase | undefined;
let ui: ConsoleUnderTest | undefined;

beforeAll(async () => {
  server = await startPrivatePostgres();
  t = await createTestDatabase('feed_held_e2e', { serverUrl: server.url() });
  ui = await startConsoleUnderTest(t.url, 'feed-held');
}, 180_000);

afterAll(async () => {
  await ui?.stop();
  await t?.drop();
  await server?.dispose();
});

async function live(page: Page): Promise<void> {
  await page.locator('[data-testid=connection][data-state=live]').first().waitFor({ timeout: 15_000 });
}

describe('web console in chromium: the live feed held by an open transaction', () => {
  it('the board says 实时推送暂停 with the time while a forgotten BEGIN in another database holds the feed, and shows the held incident once it ends', async () => {
    if (!ui || !server) throw new Error('the console under test did not start');
    const { context, page } = await loginAs({ browser: ui.browser, base: ui.base }, 'dinghu-duty', DESK);
    try {
      await live(page);
      const room = await apiFor(ui.base, 'dinghu-duty');
      const other = connect({ connectionString: server.url('postgres'), maxConnections: 1, applicationName: 'forgotten-begin' });
      const forgotten = await other.startTransaction().execute();
      try {
        await sql`select pg_current_xact_id()`.execute(forgotten);
        const incident = await room.createIncident({ data: { title: '鼎湖区山体滑坡', leadJurisdiction: '441203', category: 'natural_disaster', severity: 'IV' } });
        const held = page.getByTestId('feed-held');
        await held.waitFor({ timeout: 20_000 });
        const text = (await held.textContent()) ?? '';
        expect(text).toMatch(/^实时推送暂停：\d{2}:\d{2}:\d{2} \(UTC\+8 北京时间\) 起提交的新事件暂未送达$/);
        expect(await held.getAttribute('title')).toContain('未结束的事务');
        // Commands still go through: the incident is stored, only its live event waits.
        expect(incident.version).toBe(1);
        expect(await page.locator(`[data-testid=incident-card][data-incident-id="${incident.streamId}"]`).count()).toBe(0);
        await expectCleanPages('feed held', [{ name: 'board', page }]);
        await page.screenshot({ path: join(SHOTS, 'feed-held-board.png'), fullPage: true });
      } finally {
        await forgotten.commit().execute();
        await other.destroy();
      }
      await page.getByTestId('feed-held').waitFor({ state: 'detached', timeout: 20_000 });
      await page.locator('[data-testid=incident-card]').first().waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('connection').first().getAttribute('data-state')).toBe('live');
    } finally {
      await context.close();
    }
  });
});
