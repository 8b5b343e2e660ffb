/**
 * The bus on a three-node JetStream cluster (issue 19 point 6): the stream is kept on all three nodes,
 * and a node is killed with `kill -9` while events are published and live feeds read them. Every feed
 * must go on with no gap and no repeat, whichever node its connection and its consumer were on: the
 * scale-out test showed a gateway whose consumer died with a node its connection was not on stalling
 * for good. Private nats-server processes on free ports, each with its own store directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@muster/contracts';
import { contractEvent, freePort, natsTestNames, waitUntil } from '@muster/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEventBus, type NatsEventBus } from './nats-event-bus';

const NATS_SERVER = process.env['NATS_SERVER_BIN'] ?? 'nats-server';

interface ClusterNode {
  name: string;
  url: string;
  process: ChildProcess;
}

const nodes: ClusterNode[] = [];
const dirs: string[] = [];

async function startCluster(): Promise<void> {
  const ports = await Promise.all(['a', 'b', 'c'].map(async (name) => ({ name, client: await freePort(), cluster: await freePort() })));
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.cluster}`).join(',');
  await Promise.all(
    ports.map(async ({ name, client, cluster }) => {
      const dir = await mkdtemp(join(tmpdir(), `muster-bus-cluster-${name}-`));
      dirs.push(dir);
      const args = ['-js', '-sd', dir, '-n', `node-${name}`, '-a', '127.0.0.1', '-p', String(client), '--cluster_name', 'bus', '--cluster', `nats://127.0.0.1:${cluster}`, '--routes', routes];
      const proc = spawn(NATS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      nodes.push({ name: `node-${name}`, url: `nats://127.0.0.1:${client}`, process: proc });
      let log = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`node-${name} did not start:\n${log}`)), 20_000);
        proc.stderr?.on('data', (chunk: Buffer) => {
          log = (log + chunk.toString()).slice(-20_000);
          if (log.includes('Server is ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.once('exit', (code) => reject(new Error(`node-${name} exited with ${code}:\n${log}`)));
      });
    }),
  );
}

function killHard(name: string): void {
  const node = nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  node.process.kill('SIGKILL');
}

/** Publishes, retrying while the cluster elects a new leader (what the relay does). */
async function publishUntilStored(bus: NatsEventBus, event: EventEnvelope): Promise<void> {
  for (;;) {
    try {
      await bus.publish(event);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

let admin: NatsConnection;

beforeAll(async () => {
  await startCluster();
  admin = await connect({ servers: nodes.map((n) => n.url), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
}, 60_000);

afterAll(async () => {
  await admin?.close().catch(() => undefined);
  for (const node of nodes) node.process.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('NatsEventBus on a three-node cluster', () => {
  it('kill -9 of the node holding the most live-feed consumers: the stream has three replicas, and every feed goes on with no gap and no repeat', async () => {
    const names = natsTestNames('cluster');
    const urls = nodes.map((n) => n.url);
    // Until the nodes have met and elected a metadata leader, creating the stream fails ("no suitable
    // peers"): the services retry the same way (connectEventBusWhenReachable).
    let publisher: NatsEventBus | undefined;
    for (const deadline = Date.now() + 30_000; !publisher && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      publisher = await connectEventBus({ servers: urls, ...names, ensureStream: { replicas: 3 }, publishTimeoutMs: 1_000 }).catch(() => undefined);
    }
    if (!publisher) throw new Error('the cluster did not create the stream within 30 s');
    const jsm = await jetstreamManager(admin);
    const before = await jsm.streams.info(names.stream);
    expect(before.config.num_replicas).toBe(3);

    // Feeds connected to each node, and with the whole list as the gateways are configured: 14
    // ordered consumers, which JetStream spreads over the three nodes.
    const feeds = await Promise.all(
      [...urls.flatMap((url) => [[url], [url], [url], [url]]), urls, urls].map(async (servers) => {
        // Heartbeats every second and a stall check every 2 s (the gateway's default is 10 s).
        const bus = await connectEventBus({ servers, ...names, pullExpiresMs: 2_000 });
        const got: EventEnvelope[] = [];
        await bus.subscribe((e) => got.push(e));
        return { bus, got };
      }),
    );

    const events = Array.from({ length: 120 }, (_, i) => contractEvent('inc-cluster', i + 1));
    for (const event of events.slice(0, 40)) await publishUntilStored(publisher, event);
    await waitUntil(() => feeds.every((f) => f.got.length === 40), 10_000, 'events before the kill');

    // The node holding the most consumers dies: feeds whose connection is on another node see no
    // disconnect, only a consumer that stopped answering (the case that used to stall a feed forever).
    const hosts = new Map<string, number>();
    for await (const consumer of jsm.consumers.list(names.stream)) {
      const host = consumer.cluster?.leader ?? '';
      hosts.set(host, (hosts.get(host) ?? 0) + 1);
    }
    const [victim, consumersOnVictim] = [...hosts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    expect(nodes.map((n) => n.name)).toContain(victim);
    expect(consumersOnVictim).toBeGreaterThan(0);
    expect(consumersOnVictim, 'some consumers live on the other nodes').toBeLessThan(feeds.length);
    killHard(victim);
    for (const event of events.slice(40)) await publishUntilStored(publisher, event);
    const after = await jsm.streams.info(names.stream);
    expect(after.state.last_seq).toBe(events.length);

    // Every feed gets everything, once and in order: those whose node died reconnect to another node
    // (the client learns the cluster's addresses from the server), those whose consumer died replace it.
    await waitUntil(() => feeds.every((f) => f.got.length >= events.length), 45_000, `every feed to get ${events.length} events`).catch(() => {
      throw new Error(`feeds have ${feeds.map((f) => f.got.length).join(', ')} of ${events.length} events`);
    });
    for (const f of feeds) expect(f.got.map((e) => e.version)).toEqual(events.map((e) => e.version));

    for (const f of feeds) await f.bus.close().catch(() => undefined);
    await publisher.close();
  }, 90_000);
});
