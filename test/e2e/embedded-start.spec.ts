import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@muster/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { subscribe } from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import { descendantsMatching, REPO_ROOT, startProcess, waitFor, waitForHttp, type RunningProcess } from '../support/processes';

// `pnpm start` with no DATABASE_URL: Muster runs on its own embedded, real PostgreSQL.
describe('pnpm start without DATABASE_URL', () => {
  const started: RunningProcess[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const p of started) await p.stop('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let gatewayPort = 0;
  async function start(port: number, pgPort: number): Promise<RunningProcess> {
    const env = {
      DATABASE_URL: undefined,
      NATS_URL: undefined,
      MUSTER_DATA_DIR: dataDir,
      PORT: String(port),
      GATEWAY_PORT: String(gatewayPort),
      MUSTER_PG_PORT: String(pgPort),
      LOG_LEVEL: 'warn',
    };
    const muster = startProcess('pnpm', ['start'], env);
    started.push(muster);
    const died = muster.exited.then((code) => {
      throw new Error(`exited with ${code}`);
    });
    try {
      await Promise.race([waitForHttp(`http://127.0.0.1:${port}/health`, 90_000), died]);
    } catch (error) {
      throw new Error(`muster did not start: ${String(error)}\n${muster.output()}`);
    }
    died.catch(() => undefined);
    return muster;
  }

  it('serves an incident created over HTTP, and keeps it across a clean restart and a kill -9', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'muster-embedded-'));
    const port = await freePort();
    const pgPort = await freePort();
    gatewayPort = await freePort();
    const base = `http://127.0.0.1:${port}`;

    let muster = await start(port, pgPort);
    // `pnpm start` builds the web console and the api serves it, with the demo logins to offer.
    const page = await fetch(`${base}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const config = (await (await fetch(`${base}/console-config`)).json()) as { gateway: { port: number }; demoUsers: { username: string }[] };
    expect(config.gateway.port).toBe(gatewayPort);
    expect(config.demoUsers.map((u) => u.username)).toContain('dinghu-duty');
    // The embedded mode seeds demo logins: the password is the user name.
    const login = async () => {
      const response = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'dinghu-duty', password: 'dinghu-duty' }),
      });
      expect(response.status).toBe(200);
      return `Bearer ${(await response.json() as { token: string }).token}`;
    };
    const token = await login();
    const created = await fetch(`${base}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({ incidentId: 'embedded-1', data: { title: 'Landslide on G321', leadJurisdiction: '441203' } }),
    });
    expect(created.status).toBe(201);
    // Relay and gateway run in the same process on an in-process bus: the room's feed carries it.
    const seen: EventEnvelope[] = [];
    const feed = subscribe({
      url: `ws://127.0.0.1:${gatewayPort}/ws`,
      rooms: ['441203'],
      after: '0.0',
      token: token.replace('Bearer ', ''),
      onEvent: (event) => seen.push(event),
      onError: () => undefined,
    });
    await waitFor('the report on the live feed', async () => (seen.some((e) => e.streamId === 'embedded-1' && e.type === 'IncidentReported') ? true : undefined));
    await feed.close();
    const read = async () => (await fetch(`${base}/incidents/embedded-1`, { headers: { authorization: token } })).json() as Promise<Record<string, unknown>>;
    expect(await read()).toMatchObject({ incidentId: 'embedded-1', title: 'Landslide on G321', state: 'reported' });

    // A restart with nothing changed does not build the console again (issue 18): same file, same mtime.
    const builtConsole = join(REPO_ROOT, 'services/console/dist/index.html');
    const builtAt = (await stat(builtConsole)).mtimeMs;
    await muster.stop('SIGTERM');
    muster = await start(port, pgPort);
    expect((await stat(builtConsole)).mtimeMs).toBe(builtAt);
    expect(await read()).toMatchObject({ incidentId: 'embedded-1', title: 'Landslide on G321', version: 1 });
    const verified = await fetch(`${base}/incidents/embedded-1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({ type: 'BeginVerification', data: {} }),
    });
    expect(verified.status).toBe(200);

    // kill -9 of the Muster process alone leaves its embedded PostgreSQL running; the next start
    // must shut that orphan down and start cleanly on the same data.
    const node = (await descendantsMatching(muster.child.pid ?? -1, 'scripts/start.mjs')).at(-1);
    expect(node).toBeDefined();
    process.kill(node ?? -1, 'SIGKILL');
    await muster.exited;
    const postmaster = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(() => process.kill(postmaster, 0)).not.toThrow();
    muster = await start(port, pgPort);
    expect(await read()).toMatchObject({ incidentId: 'embedded-1', state: 'verifying', version: 2 });
  });
});
