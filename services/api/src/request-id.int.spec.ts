/**
 * Request ids (issue 19, point 5): the caller's x-request-id when it is a sane short token, a new
 * one otherwise; echoed on every answer; recorded on the events the request's command wrote, without
 * touching how the events before it hash.
 */
import type { Actor } from '@muster/domain';
import { createEngine, type Engine } from '@muster/engine';
import { connect, PostgresEventStore, verifyHashChains } from '@muster/store-postgres';
import { authHeader, TEST_JURISDICTIONS, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { apiTest, buildTestApi } from './test-fixtures';

const DUTY: Actor = { userId: 'do-request-id', roles: ['duty_officer'], jurisdiction: '441203' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let api: FastifyInstance;
let t: TestDatabase;
let engine: Engine;
apiTest.beforeAll(({ api: app, database, engine: fileEngine }) => {
  [api, t, engine] = [app, database, fileEngine];
});

async function metaOf(streamId: string): Promise<{ version: number; meta: Record<string, unknown> }[]> {
  const { rows } = await sql<{ version: number; meta: Record<string, unknown> }>`select version, meta from event where stream_id = ${streamId} order by version`.execute(t.db);
  return rows;
}

describe('request ids', () => {
  it('a sane x-request-id comes back in the answer and is recorded on every event the command wrote', async () => {
    const headers = { ...(await authHeader(DUTY)), 'x-request-id': 'req-7f3a.91:b_c-2' };
    const opened = await api.inject({ method: 'POST', url: '/incidents', headers, payload: { incidentId: 'rid-1', data: { title: 'Flooded underpass', leadJurisdiction: '441203' } } });
    expect(opened.statusCode).toBe(201);
    expect(opened.headers['x-request-id']).toBe('req-7f3a.91:b_c-2');
    const events = await metaOf('rid-1');
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.meta['requestId']).toBe('req-7f3a.91:b_c-2');
  });

  it('without one, or with one that is not a sane short token, the api makes its own (a UUID) and records that', async () => {
    const auth = await authHeader(DUTY);
    const bad = ['has spaces in it', 'x'.repeat(65), 'line\u0085break', '-leading-dash', '{"json":1}', ''];
    const seen = new Set<string>();
    for (const [i, header] of ['none', ...bad].entries()) {
      const headers = header === 'none' ? auth : { ...auth, 'x-request-id': header };
      const answer = await api.inject({ method: 'POST', url: '/incidents', headers, payload: { incidentId: `rid-made-${i}`, data: { title: `Incident ${i}`, leadJurisdiction: '441203' } } });
      expect(answer.statusCode, answer.body).toBe(201);
      const id = String(answer.headers['x-request-id']);
      expect(id).toMatch(UUID);
      seen.add(id);
      expect((await metaOf(`rid-made-${i}`))[0]?.meta['requestId']).toBe(id);
    }
    expect(seen.size).toBe(bad.length + 1);
  });

  it('refusals carry it too: 401, 404, 400', async () => {
    const unauthenticated = await api.inject({ method: 'GET', url: '/incidents', headers: { 'x-request-id': 'r-401' } });
    expect([unauthenticated.statusCode, unauthenticated.headers['x-request-id']]).toStrictEqual([401, 'r-401']);
    const headers = { ...(await authHeader(DUTY)), 'x-request-id': 'r-404' };
    const missing = await api.inject({ method: 'GET', url: '/incidents/nope-404', headers });
    expect([missing.statusCode, missing.headers['x-request-id']]).toStrictEqual([404, 'r-404']);
    const invalid = await api.inject({ method: 'POST', url: '/incidents', headers: { ...headers, 'x-request-id': 'r-400' }, payload: { data: { title: '' } } });
    expect([invalid.statusCode, invalid.headers['x-request-id']]).toStrictEqual([400, 'r-400']);
  });

  it('events written without a request id hash as before: the chains of old and new events verify together', async () => {
    // A command from an in-process caller (the timers, a CLI) records no request id; the next, over HTTP, does.
    await engine.handle({ streamType: 'incident', streamId: 'rid-chain', type: 'ReportIncident', data: { title: 'Chain', leadJurisdiction: '441203' }, actor: DUTY });
    const headers = { ...(await authHeader(DUTY)), 'x-request-id': 'r-chain-2' };
    const next = await api.inject({ method: 'POST', url: '/incidents/rid-chain/commands', headers, payload: { type: 'BeginVerification', data: {} } });
    expect(next.statusCode, next.body).toBe(200);
    const chain = await metaOf('rid-chain');
    expect(chain.map((e) => 'requestId' in e.meta)).toStrictEqual([false, true]);
    expect(chain[1]?.meta['requestId']).toBe('r-chain-2');
    const report = await verifyHashChains(t.db);
    expect(report.broken).toStrictEqual([]);
    expect(report.ok).toBe(true);
  });
});

describe('errors are logged with the request id', () => {
  it('a request the database cannot serve: 503 to the caller, and a log line naming the request and the cause', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    // Nothing listens on port 1: every query fails to connect.
    const unreachable = connect({ connectionString: 'postgres://postgres@127.0.0.1:1/muster', connectionTimeoutMillis: 500 });
    const app = buildTestApi({ ...t, db: unreachable }, createEngine({ store: new PostgresEventStore(unreachable), jurisdictions: TEST_JURISDICTIONS }), { logger });
    try {
      const answer = await app.inject({ method: 'GET', url: '/incidents', headers: { ...(await authHeader(DUTY)), 'x-request-id': 'r-db-down' } });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['x-request-id']).toBe('r-db-down');
      const logged = lines.find((l) => l['msg'] === 'unavailable');
      expect(logged).toMatchObject({ level: 40, requestId: 'r-db-down', statusCode: 503, err: { message: expect.stringContaining('ECONNREFUSED') } });
      expect(lines.find((l) => l['msg'] === 'request completed')).toMatchObject({ requestId: 'r-db-down', res: { statusCode: 503 } });
    } finally {
      await app.close();
      await unreachable.destroy();
    }
  });
});
