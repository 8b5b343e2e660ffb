import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { commandMetrics, createMetricsRegistry, deadlineMetrics, gatewayMetrics, groupCommitMetrics, poolMetrics, relayMetrics } from './metrics';

/** A registry with every Muster metric, fed by the values given. */
function everyMetric(values = { sockets: 3, framesSent: 40, slowConsumersClosed: 1, lag: { events: 7, ms: 2500 }, heldBackMs: 7250, due: 2 }) {
  const metrics = createMetricsRegistry();
  const commands = commandMetrics(metrics);
  const batch = groupCommitMetrics(metrics);
  const relay = relayMetrics(metrics, async () => values.lag, () => values.heldBackMs);
  gatewayMetrics(metrics, () => values);
  const deadlines = deadlineMetrics(metrics, async () => values.due);
  poolMetrics(metrics, 'api', () => ({ inUse: 4, waiting: 1 }));
  return { metrics, commands, batch, relay, deadlines, values };
}

const line = (text: string, sample: string) => text.split('\n').find((l) => l.startsWith(`${sample} `));

describe('the metrics of Muster’s processes', () => {
  it('counts on the hot path and reads the rest when scraped, under the names the operations interface promises', async () => {
    const { metrics, commands, batch, relay, deadlines, values } = everyMetric();
    commands.commandHandled('ReportIncident', 'accepted', 0.004);
    commands.commandHandled('ReportIncident', 'duplicate', 0.001);
    batch(3, 0.004);
    batch(1, 0.0007);
    relay.published();
    relay.published();
    relay.publishFailed();
    deadlines.deadlineFired(1_000);
    deadlines.deadlineFired(60_000);
    const text = (await metrics.exposition()).body;
    expect(line(text, 'muster_commands_total{type="ReportIncident",outcome="accepted"}')).toMatch(/ 1$/);
    expect(line(text, 'muster_commands_total{type="ReportIncident",outcome="duplicate"}')).toMatch(/ 1$/);
    expect(line(text, 'muster_command_duration_seconds_count{type="ReportIncident"}')).toMatch(/ 2$/);
    expect(line(text, 'muster_group_commit_batch_size_sum')).toMatch(/ 4$/);
    expect(line(text, 'muster_group_commit_seconds_count')).toMatch(/ 2$/);
    expect(line(text, 'muster_group_commit_seconds_sum')).toMatch(/ 0\.0047$/);
    // The lone write falls in the 1 ms bucket, the group of three only from 5 ms on.
    expect(line(text, 'muster_group_commit_seconds_bucket{le="0.001"}')).toMatch(/ 1$/);
    expect(line(text, 'muster_group_commit_seconds_bucket{le="0.002"}')).toMatch(/ 1$/);
    expect(line(text, 'muster_group_commit_seconds_bucket{le="0.005"}')).toMatch(/ 2$/);
    expect(line(text, 'muster_relay_published_total')).toMatch(/ 2$/);
    expect(line(text, 'muster_jetstream_publish_errors_total')).toMatch(/ 1$/);
    expect(line(text, 'muster_relay_lag_positions')).toMatch(/ 7$/);
    expect(line(text, 'muster_relay_lag_seconds')).toMatch(/ 2.5$/);
    expect(line(text, 'muster_relay_held_back_seconds')).toMatch(/ 7.25$/);
    expect(line(text, 'muster_gateway_sockets')).toMatch(/ 3$/);
    expect(line(text, 'muster_gateway_frames_sent_total')).toMatch(/ 40$/);
    expect(line(text, 'muster_gateway_slow_consumers_closed_total')).toMatch(/ 1$/);
    expect(line(text, 'muster_deadlines_due')).toMatch(/ 2$/);
    expect(line(text, 'muster_deadlines_fired_total')).toMatch(/ 2$/);
    expect(line(text, 'muster_deadlines_late_total')).toMatch(/ 1$/);
    expect(line(text, 'muster_db_pool_in_use{pool="api"}')).toMatch(/ 4$/);
    expect(line(text, 'muster_db_pool_waiting{pool="api"}')).toMatch(/ 1$/);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');

    // The gateway's totals are mirrored at each scrape, not added up.
    values.framesSent = 45;
    expect(line((await metrics.exposition()).body, 'muster_gateway_frames_sent_total')).toMatch(/ 45$/);
  });

  it('one process, one registry: a second engine (the timers’ beside the api’s) shares the command metrics; a second pool is a label', async () => {
    const { metrics } = everyMetric();
    commandMetrics(metrics).commandHandled('DeadlinePassed', 'accepted', 0.01);
    commandMetrics(metrics).commandHandled('DeadlinePassed', 'accepted', 0.01);
    poolMetrics(metrics, 'timers', () => ({ inUse: 1, waiting: 0 }));
    const text = (await metrics.exposition()).body;
    expect(line(text, 'muster_commands_total{type="DeadlinePassed",outcome="accepted"}')).toMatch(/ 2$/);
    expect(line(text, 'muster_db_pool_in_use{pool="timers"}')).toMatch(/ 1$/);
    expect(line(text, 'muster_db_pool_in_use{pool="api"}')).toMatch(/ 4$/);
  });

  it('a lag or due count that cannot be read keeps its last value instead of failing the scrape', async () => {
    const metrics = createMetricsRegistry();
    let fail = false;
    relayMetrics(metrics, async () => {
      if (fail) throw new Error('database gone');
      return { events: 5, ms: 1000 };
    });
    expect(line((await metrics.exposition()).body, 'muster_relay_lag_positions')).toMatch(/ 5$/);
    fail = true;
    expect(line((await metrics.exposition()).body, 'muster_relay_lag_positions')).toMatch(/ 5$/);
  });

  it('the Grafana dashboard (infra/grafana/muster.json) charts every Muster metric and no name that does not exist', async () => {
    const { metrics } = everyMetric();
    const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('muster_')));
    const dashboard = readFileSync(new URL('../../../infra/grafana/muster.json', import.meta.url), 'utf8');
    const charted = new Set([...dashboard.matchAll(/\bmuster_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
    charted.delete('muster_ops'); // the dashboard's uid
    expect([...charted].sort()).toStrictEqual([...registered].sort());
    expect(dashboard).toContain('nodejs_eventloop_lag');
  });

  it('the alerting rules (infra/prometheus/alerts.yml) are loaded by the scrape configuration, name only metrics that exist, and each says how bad and what happened', async () => {
    const { metrics } = everyMetric();
    const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const file = (name: string) => readFileSync(new URL(`../../../infra/prometheus/${name}`, import.meta.url), 'utf8');
    expect((parseYaml(file('prometheus.yml')) as { rule_files?: string[] }).rule_files).toContain('alerts.yml');
    const { groups } = parseYaml(file('alerts.yml')) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: { severity?: string }; annotations?: { summary?: string; description?: string } }[] }[] };
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['MusterLiveFeedHeldByOpenTransaction', 'MusterRelayBehind', 'MusterProcessDown', 'MusterDeadlinesFiredLate']));
    for (const rule of rules) {
      const named = [...rule.expr.matchAll(/\bmuster_[a-z_]+/g)].map((m) => m[0]);
      for (const name of named) expect(registered, `${rule.alert} names ${name}`).toContain(name);
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
    }
    // The relay's hold, which the lag does not show, has its own alert.
    expect(rules.find((r) => r.alert === 'MusterLiveFeedHeldByOpenTransaction')?.expr).toContain('muster_relay_held_back_seconds');
  });
});
