import type { Actor } from '@muster/domain';
import { createEngine, type Engine } from '@muster/engine';
import { commandMetrics, createMetricsRegistry, groupCommitMetrics, type MetricsRegistry } from '@muster/service-runtime/metrics';
import { GroupCommitEventStore } from '@muster/store-postgres';
import { authHeader, TEST_JURISDICTIONS, type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApi } from './test-fixtures';

const DUTY: Actor = { userId: 'do-metrics', roles: ['duty_officer'], jurisdiction: '441203' };
const METRICS_TOKEN = 'scrape-token-0123456789';

/** The value of one sample of the exposition text (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (wanted.every((w) => have.includes(w))) total += Number(match[3]);
  }
  return total;
}

let t: TestDatabase;
let metrics: MetricsRegistry;
let api: FastifyInstance;
let engine: Engine;
const apps: FastifyInstance[] = [];

integrationTest.beforeAll(async ({ database }) => {
  t = database;
  metrics = createMetricsRegistry();
  // As services/api/src/main.ts wires them: the engine's observer and the group commit's batch sizes.
  engine = createEngine({ store: new GroupCommitEventStore(t.db, { onBatch: groupCommitMetrics(metrics) }), jurisdictions: TEST_JURISDICTIONS, observer: commandMetrics(metrics) });
  api = buildTestApi(t, engine, { metrics: { registry: metrics, token: METRICS_TOKEN } });
  apps.push(api);
});
afterAll(async () => {
  for (const app of apps) await app.close();
});

const scrape = async (app: FastifyInstance, authorization?: string) => app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

describe('GET /metrics of the api', () => {
  it('counts commands by type and outcome (accepted, duplicate, rejected, unknown types as one label) and times them', async () => {
    const headers = await authHeader(DUTY);
    const open = { incidentId: 'metrics-1', commandId: 'open-metrics-1', data: { title: 'Landslide at Kengkou', leadJurisdiction: '441203' } };
    expect((await api.inject({ method: 'POST', url: '/incidents', headers, payload: open })).statusCode).toBe(201);
    // The same command again: answered from the store, counted as a duplicate.
    expect((await api.inject({ method: 'POST', url: '/incidents', headers, payload: open })).statusCode).toBe(201);
    // A refusal of the caller's input (400) and of the machine (409) are `rejected`.
    const badSeverity = await api.inject({ method: 'POST', url: '/incidents/metrics-1/commands', headers, payload: { type: 'ClassifyIncident', data: { severity: 'V' } } });
    expect(badSeverity.statusCode).toBe(400);
    const tooEarly = await api.inject({ method: 'POST', url: '/incidents/metrics-1/commands', headers, payload: { type: 'CloseIncident', data: { summary: 'Nothing to close yet' } } });
    expect(tooEarly.statusCode, tooEarly.body).toBe(409);
    // A made-up command type is not a label of its own. (Through HTTP the route's schema refuses it
    // before the engine: commands are counted where they reach the engine, from any entry point.)
    await expect(engine.handle({ streamType: 'incident', streamId: 'metrics-1', type: 'Xyzzy-incident-9f2c', data: {}, actor: DUTY })).rejects.toThrow('unknown incident command');

    const response = await scrape(api, `Bearer ${METRICS_TOKEN}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(sample(text, 'muster_commands_total', { type: 'ReportIncident', outcome: 'accepted' })).toBe(1);
    expect(sample(text, 'muster_commands_total', { type: 'ReportIncident', outcome: 'duplicate' })).toBe(1);
    expect(sample(text, 'muster_commands_total', { type: 'ClassifyIncident', outcome: 'rejected' })).toBe(1);
    expect(sample(text, 'muster_commands_total', { type: 'CloseIncident', outcome: 'rejected' })).toBe(1);
    expect(sample(text, 'muster_commands_total', { type: 'unknown', outcome: 'rejected' })).toBe(1);
    expect(text).not.toContain('Xyzzy');
    expect(sample(text, 'muster_commands_total', { outcome: 'error' })).toBe(0);
    expect(sample(text, 'muster_command_duration_seconds_count', { type: 'ReportIncident' })).toBe(2);
    expect(sample(text, 'muster_command_duration_seconds_sum', { type: 'ReportIncident' })).toBeGreaterThan(0);
    // One append went to the database (the duplicate and the refusals wrote nothing).
    expect(sample(text, 'muster_group_commit_batch_size_count')).toBe(1);
    expect(sample(text, 'muster_group_commit_batch_size_sum')).toBe(1);
    // Its time in PostgreSQL, a part of the command's own.
    expect(sample(text, 'muster_group_commit_seconds_count')).toBe(1);
    const inDatabase = sample(text, 'muster_group_commit_seconds_sum');
    expect(inDatabase).toBeGreaterThan(0);
    expect(inDatabase).toBeLessThan(sample(text, 'muster_command_duration_seconds_sum', { type: 'ReportIncident' }));
    // prom-client's default process metrics, event-loop lag among them.
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('with MUSTER_METRICS_TOKEN a scrape must send it as a bearer token; a user token is not it', async () => {
    expect((await scrape(api)).statusCode).toBe(401);
    expect((await scrape(api, `Bearer ${METRICS_TOKEN}x`)).statusCode).toBe(401);
    const userToken = (await authHeader(DUTY)).authorization;
    const refused = await scrape(api, userToken);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.stringContaining('MUSTER_METRICS_TOKEN') } });
    expect((await scrape(api, `Bearer ${METRICS_TOKEN}`)).statusCode).toBe(200);
  });

  it('without a token it is open like /health; an api built without a registry answers 404', async () => {
    const open = buildTestApi(t, createEngine({ store: new GroupCommitEventStore(t.db), jurisdictions: TEST_JURISDICTIONS }), { metrics: { registry: createMetricsRegistry() } });
    apps.push(open);
    const answer = await scrape(open);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('nodejs_eventloop_lag_seconds');
    const none = buildTestApi(t, createEngine({ store: new GroupCommitEventStore(t.db), jurisdictions: TEST_JURISDICTIONS }));
    apps.push(none);
    expect((await scrape(none)).statusCode).toBe(404);
  });
});
