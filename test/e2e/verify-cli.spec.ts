import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PostgresEventStore } from '@muster/store-postgres';
import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MUSTER_CLI, REPO_ROOT } from '../support/processes';

const run = promisify(execFile);

let t: TestDatabase;

integrationTest.beforeAll(async ({ database }) => {
  t = database;
  const store = new PostgresEventStore(t.db);
  const actor = { userId: 'do-1', roles: ['duty_officer' as const], jurisdiction: '441224' };
  // Three appends to one stream through the store's own write path, so the chain is the real one.
  for (let version = 1; version <= 3; version++) {
    const recordedAt = new Date(Date.UTC(2026, 11, 2, 8, version)).toISOString();
    await store.append({
      streamId: 'cli-1',
      streamType: 'incident',
      expectedVersion: version - 1,
      state: { value: 'reported', context: { incidentId: 'cli-1', leadJurisdiction: '441224', supportingJurisdictions: [], linkedJurisdictions: [], exercise: false, reportedAt: recordedAt, severity: null, category: null } },
      commandId: `cmd-${version}`,
      result: { streamId: 'cli-1', streamType: 'incident', version, state: 'reported', events: [] },
      effects: [],
      events: [
        {
          eventId: crypto.randomUUID(),
          streamId: 'cli-1',
          streamType: 'incident',
          version,
          type: 'IncidentDetailsUpdated',
          data: { description: `update ${version}` },
          meta: { commandId: `cmd-${version}`, actor, occurredAt: recordedAt, recordedAt, jurisdiction: '441224', rooms: ['441224'], exercise: false, incidentId: 'cli-1' },
        },
      ],
    });
  }
});

async function verify(): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [MUSTER_CLI, 'verify'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

describe('muster verify', () => {
  it('exits 0 on an untouched log and 1 naming the stream and version of a row changed in PostgreSQL', async () => {
    const clean = await verify();
    expect(clean.stdout).toMatch(/^OK streams=1 events=3 broken=0 heads=[0-9a-f]{64}$/m);
    expect(clean.code).toBe(0);

    await sql`update event set data = '{"description":"rewritten"}' where stream_id = 'cli-1' and version = 2`.execute(t.db);
    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^BROKEN stream=cli-1 version=2 event=[0-9a-f-]{36} reason=content$/m);
    expect(broken.stdout).toMatch(/^FAILED streams=1 events=3 broken=1 /m);
  });
});
