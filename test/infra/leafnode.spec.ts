import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from '@muster/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, waitFor } from '../support/processes';

const NATS_SERVER = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

interface Site {
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A nats-server run from one of infra/nats/*.conf, with its ports and store from the environment. */
function site(config: string, env: Record<string, string>): Site {
  let child: ChildProcess | null = null;
  return {
    port: Number(env['NATS_PORT']),
    async start() {
      const proc = spawn(NATS_SERVER, ['-c', join(REPO_ROOT, 'infra/nats', config)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      let log = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${config} did not start:\n${log}`)), 15_000);
        proc.stderr?.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          if (log.includes('Server is ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.once('exit', (code) => reject(new Error(`${config} exited with ${code}:\n${log}`)));
      });
    },
    async stop() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

describe('city hub and county leafnode (infra/nats)', () => {
  const dirs: string[] = [];
  const sites: Site[] = [];
  const connections: NatsConnection[] = [];
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    for (const s of sites) await s.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('an event published at the county reaches a consumer at the city; the county keeps working while the link is down and the city catches up', async () => {
    const hubDir = await mkdtemp(join(tmpdir(), 'muster-hub-'));
    const leafDir = await mkdtemp(join(tmpdir(), 'muster-leaf-'));
    dirs.push(hubDir, leafDir);
    const leafPort = await freePort();
    const hub = site('city-hub.conf', { NATS_PORT: String(await freePort()), NATS_LEAF_PORT: String(leafPort), NATS_STORE_DIR: hubDir });
    const county = site('county-leaf.conf', { NATS_PORT: String(await freePort()), NATS_STORE_DIR: leafDir, NATS_HUB_LEAF_URL: `nats-leaf://127.0.0.1:${leafPort}` });
    sites.push(hub, county);
    await hub.start();
    await county.start();

    // The county's own stream, in its own JetStream domain: it stores whatever the link does.
    const countyNc = await connect({ servers: `127.0.0.1:${county.port}`, maxReconnectAttempts: -1 });
    connections.push(countyNc);
    const countyJsm = await jetstreamManager(countyNc);
    await countyJsm.streams.add({ name: 'COUNTY_441203', subjects: ['muster.evt.441203.>'] });
    const countyJs = jetstream(countyNc);

    // The city sources the county stream across the leafnode link, through the county domain's API.
    const cityNc = await connect({ servers: `127.0.0.1:${hub.port}`, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    connections.push(cityNc);
    const cityJsm = await jetstreamManager(cityNc);
    await cityJsm.streams.add({ name: 'CITY_FROM_441203', sources: [{ name: 'COUNTY_441203', external: { api: '$JS.county441203.API', deliver: '' } }] });
    await cityJsm.consumers.add('CITY_FROM_441203', { durable_name: 'city-room', ack_policy: AckPolicy.Explicit });

    async function cityReceives(count: number): Promise<string[]> {
      const got: string[] = [];
      // After the hub restarts, its JetStream answers only once the client has reconnected: retry.
      await waitFor(`${count} events at the city`, async () => {
        const consumer = await jetstream(cityNc).consumers.get('CITY_FROM_441203', 'city-room');
        const batch = await consumer.fetch({ max_messages: count - got.length, expires: 1000 });
        for await (const m of batch) {
          got.push(m.subject);
          m.ack();
        }
        return got.length >= count ? got : undefined;
      }, 30_000);
      return got;
    }

    const first = await countyJs.publish('muster.evt.441203.incident.inc-1', JSON.stringify({ type: 'IncidentReported' }), { msgID: 'e-1' });
    expect(first.stream).toBe('COUNTY_441203');
    expect(await cityReceives(1)).toEqual(['muster.evt.441203.incident.inc-1']);

    // Link down: the hub is gone. The county still accepts and stores its events.
    await hub.stop();
    for (let i = 2; i <= 4; i++) {
      const ack = await countyJs.publish(`muster.evt.441203.incident.inc-${i}`, JSON.stringify({ type: 'IncidentReported' }), { msgID: `e-${i}` });
      expect(ack.seq).toBe(i);
    }

    // Link back: the city's sourced stream catches up from where it stopped, in order.
    await hub.start();
    expect(await cityReceives(3)).toEqual(['muster.evt.441203.incident.inc-2', 'muster.evt.441203.incident.inc-3', 'muster.evt.441203.incident.inc-4']);
    const info = await cityJsm.streams.info('CITY_FROM_441203');
    expect(info.state.messages).toBe(4);
  });
});
