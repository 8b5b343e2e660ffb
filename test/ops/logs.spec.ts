/**
 * Logs for people and machines (issue 19, point 5), read from the stdout of real service processes:
 * JSON lines when LOG_FORMAT=json or when stdout is not a terminal, pino-pretty lines with
 * LOG_FORMAT=pretty; and one request id from the HTTP request through the api's log and the stored
 * event to the relay's log of its publish.
 */
import { join } from 'node:path';
import type { Actor } from '@muster/domain';
import { issueToken } from '@muster/identity';
import { freePort, natsTestNames, startPrivateNatsServer, type PrivateNatsServer, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startProcess, waitFor, type RunningProcess } from '../support/processes';

const SECRET = 'muster-ops-logs-secret-0123456789abcdef';
const DUTY: Actor = { userId: 'do-logs', roles: ['duty_officer'], jurisdiction: '441203' };

let t: TestDatabase;
let nats: PrivateNatsServer;
const names = natsTestNames('ops_logs');
const running: RunningProcess[] = [];

function service(name: 'api' | 'relay' | 'timers', env: Record<string, string | undefined>): RunningProcess {
  const child = startProcess(process.execPath, ['--import', 'tsx', join(REPO_ROOT, `services/${name}/src/main.ts`)], {
    DATABASE_URL: t.url,
    NATS_URL: nats.url,
    NATS_STREAM: names.stream,
    NATS_SUBJECT_PREFIX: names.subjectPrefix,
    MUSTER_JWT_SECRET: SECRET,
    HOST: '127.0.0.1',
    // Only what each test says: not what the shell running the tests may have set.
    LOG_FORMAT: undefined,
    ...env,
  });
  running.push(child);
  return child;
}

/** Every non-empty line of the output as JSON; fails naming the first line that is not. */
function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}

integrationTest.beforeAll(async ({ database }) => {
  t = database;
  nats = await startPrivateNatsServer();
}, 120_000);

afterAll(async () => {
  for (const child of running) await child.stop('SIGKILL');
  await nats?.dispose();
});

describe('logs', () => {
  it('LOG_FORMAT=json: JSON lines; one request id from the request to the api log, the stored event and the relay’s publish', async () => {
    const port = await freePort();
    const api = service('api', { PORT: String(port), LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
    await waitFor('the api', async () => ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok ? true : undefined), 90_000);
    const token = await issueToken(DUTY, { secret: new TextEncoder().encode(SECRET), ttlSeconds: 600 });
    const answer = await fetch(`http://127.0.0.1:${port}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'ops-logs-7d1e' },
      body: JSON.stringify({ incidentId: 'logs-1', data: { title: 'Tree down on the S260', leadJurisdiction: '441203' } }),
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-request-id')).toBe('ops-logs-7d1e');
    const refused = await fetch(`http://127.0.0.1:${port}/incidents`, { headers: { 'x-request-id': 'ops-logs-401' } });
    expect(refused.status).toBe(401);

    // The api: every line JSON, the request's lines labelled with its id, the refusal's too.
    const apiLines = await waitFor('the api to log the requests', async () => {
      const lines = jsonLines(api.output());
      return lines.some((l) => l['requestId'] === 'ops-logs-401' && l['msg'] === 'request completed') ? lines : undefined;
    });
    const completed = apiLines.find((l) => l['requestId'] === 'ops-logs-7d1e' && l['msg'] === 'request completed');
    expect(completed).toMatchObject({ name: 'api', requestId: 'ops-logs-7d1e', res: { statusCode: 201 } });
    expect(apiLines.find((l) => l['requestId'] === 'ops-logs-401' && l['msg'] === 'request completed')).toMatchObject({ res: { statusCode: 401 } });

    // The stored event names the request.
    const { rows } = await sql<{ request_id: string | null }>`select meta->>'requestId' as request_id from event where stream_id = 'logs-1'`.execute(t.db);
    expect(rows.map((r) => r.request_id)).toStrictEqual(rows.map(() => 'ops-logs-7d1e'));

    // The relay, at debug, logs each event it published with the request that wrote it.
    const relay = service('relay', { LOG_FORMAT: 'json', LOG_LEVEL: 'debug' });
    const published = await waitFor('the relay to publish the event', async () => jsonLines(relay.output()).find((l) => l['msg'] === 'published' && l['requestId'] === 'ops-logs-7d1e'));
    expect(published).toMatchObject({ name: 'relay', relay: 'main', type: 'IncidentReported', requestId: 'ops-logs-7d1e' });
  });

  it('LOG_FORMAT=pretty: lines for people (level, time, message), not JSON', async () => {
    const timers = service('timers', { LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    await waitFor('the timers to start', async () => (timers.output().includes('timers started') ? true : undefined), 90_000);
    const lines = timers.output().split('\n').filter((l) => l.trim().length > 0);
    const started = lines.find((l) => l.includes('timers started')) ?? '';
    expect(started).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(timers\): timers started/);
    for (const line of lines) expect(line.trimStart().startsWith('{"'), line).toBe(false);
  });

  it('without LOG_FORMAT and with stdout not a terminal (a pipe, a supervisor, a container): JSON lines', async () => {
    const timers = service('timers', { LOG_LEVEL: 'info' });
    const lines = await waitFor('the timers to start', async () => {
      const parsed = jsonLines(timers.output());
      return parsed.some((l) => l['msg'] === 'timers started') ? parsed : undefined;
    }, 90_000);
    expect(lines.find((l) => l['msg'] === 'timers started')).toMatchObject({ name: 'timers', level: 30 });
  });
});
