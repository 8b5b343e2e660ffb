/**
 * Issue 14 findings 3 and 10, on the live feed, written as the attacks that worked: a correctly signed
 * token for a jurisdiction outside the tree, one token opening 50 sockets, `/health` counting
 * connections for anyone, and a resume position beyond bigint closing the socket 4503 (on which a
 * client would reconnect forever). Real PostgreSQL, the real engine and bus, real sockets.
 */
import { connect as tcpConnect } from 'node:net';
import { subscribe } from '@muster/client';
import { START_POSITION, WS_CLOSE_CODE, ValidationError } from '@muster/contracts';
import { JurisdictionTree, ZHAOQING_JURISDICTIONS, type Actor } from '@muster/domain';
import type { Engine } from '@muster/engine';
import { createTokenVerifier } from '@muster/identity';
import { TEST_JWT_SECRET, testToken } from '@muster/testkit';
import { describe, expect, it } from 'vitest';
import type { RunningGateway } from './gateway';
import { gatewayTest, type LaunchGateway, type OpenConsole } from './test-fixtures';
import { tryUpgrade, withToken, type TestConsole } from './test-harness';

const DINGHU = '441203';
const dinghu: Actor = { userId: 'dinghu-duty', roles: ['duty_officer'], jurisdiction: DINGHU };
const tree = new JurisdictionTree(ZHAOQING_JURISDICTIONS);

let engine: Engine;
let gateway: LaunchGateway;
let openConsole: OpenConsole;
gatewayTest.beforeAll(({ engine: fileEngine, launchGateway, openConsole: opener }) => {
  [engine, gateway, openConsole] = [fileEngine, launchGateway, opener];
});

const open = async (g: RunningGateway, actor: Actor): Promise<TestConsole> => openConsole(g, await testToken(actor));

const healthUrl = (g: RunningGateway) => `http://127.0.0.1:${g.port}/health`;

describe('a token for a jurisdiction outside the tree', () => {
  const outsider: Actor = { userId: 'admin-x', roles: ['admin'], jurisdiction: '999999' };

  it('admin@999999 gets no socket: 401 unauthorized at the upgrade, as a bad token does', async () => {
    // The gateway's own tree refuses it whatever verifier it was given, and so does a verifier told the tree.
    const lenient = await gateway();
    const strict = await gateway({ verifier: createTokenVerifier({ secret: TEST_JWT_SECRET, knownJurisdiction: (code) => tree.has(code) }) });
    const token = await testToken(outsider);
    for (const g of [lenient, strict]) {
      for (const outcome of [await tryUpgrade(withToken(g.url, token)), await tryUpgrade(g.url, { authorization: `Bearer ${token}` })]) {
        expect(outcome).toMatchObject({ opened: false, status: 401 });
        expect(JSON.parse(outcome.opened ? '{}' : outcome.body)).toEqual({ error: { code: 'unauthorized', message: "the token's jurisdiction is not served here" } });
      }
      expect(g.stats().connectionsAccepted).toBe(0);
    }
    // A bad token is refused the same way: same status, same error code.
    const forged = await tryUpgrade(withToken(lenient.url, `${token}x`));
    expect(forged).toMatchObject({ opened: false, status: 401 });
    // A room of the tree still gets in.
    expect(await tryUpgrade(withToken(lenient.url, await testToken(dinghu)))).toEqual({ opened: true });
  });
});

describe('one token cannot hold every socket', () => {
  it('50 upgrades with one token: 8 (the default cap) open, the other 42 get 429 rate_limited', async () => {
    const g = await gateway();
    const token = await testToken(dinghu);
    // Kept open (not closed after the upgrade like tryUpgrade does), all at once.
    const attempts = await Promise.allSettled(Array.from({ length: 50 }, () => openConsole(g, token)));
    const opened = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    expect(opened).toHaveLength(8);
    expect(g.sessions()).toHaveLength(8);
    const refused = await tryUpgrade(withToken(g.url, token));
    expect(refused).toMatchObject({ opened: false, status: 429 });
    expect(JSON.parse(refused.opened ? '{}' : refused.body)).toMatchObject({ error: { code: 'rate_limited' } });

    // Another user is not affected by this one's sockets.
    const other = await open(g, { userId: 'dinghu-duty-2', roles: ['duty_officer'], jurisdiction: DINGHU });
    expect(other.socket.readyState).toBe(other.socket.OPEN);

    // Closing one frees a place for the same user, and only one.
    await opened[0]?.close();
    await expectEventually(async () => (await tryUpgrade(withToken(g.url, token))).opened, 'a place freed by a closed socket');
    const again = await open(g, dinghu);
    expect(again.socket.readyState).toBe(again.socket.OPEN);
    expect(await tryUpgrade(withToken(g.url, token))).toMatchObject({ opened: false, status: 429 });
  });

  it('a refused handshake (bad WebSocket headers) does not keep its place', async () => {
    const g = await gateway({ maxSocketsPerUser: 1 });
    const token = await testToken(dinghu);
    // Authorized but not a valid WebSocket handshake (no Sec-WebSocket-Key): ws answers 400 and never opens.
    for (let i = 0; i < 3; i++) expect(await rawUpgradeWithoutKey(g.port, token)).toMatch(/^HTTP\/1\.1 400 /);
    await expectEventually(async () => (await tryUpgrade(withToken(g.url, token))).opened, 'the only place still free');
  });
});

describe('/health', () => {
  it('says only that the gateway is up to anyone without a token', async () => {
    const g = await gateway();
    await open(g, dinghu);
    const response = await fetch(healthUrl(g));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('gives its counters for a valid token, and 401 for a bad one or one outside the tree', async () => {
    const g = await gateway();
    await open(g, dinghu);
    const withTokenResponse = await fetch(healthUrl(g), { headers: { authorization: `Bearer ${await testToken(dinghu)}` } });
    expect(withTokenResponse.status).toBe(200);
    expect(await withTokenResponse.json()).toMatchObject({ status: 'ok', connections: 1, stats: { connectionsAccepted: 1 } });
    for (const authorization of ['Bearer not-a-token', `Bearer ${await testToken({ userId: 'admin-x', roles: ['admin'], jurisdiction: '999999' })}`, 'Basic abc']) {
      const refused = await fetch(healthUrl(g), { headers: { authorization } });
      expect(refused.status, authorization).toBe(401);
      const body = (await refused.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: { code: 'unauthorized' } });
      expect(body).not.toHaveProperty('connections');
    }
  });
});

describe('a resume position beyond bigint', () => {
  const beyond = ['99999999999999999999.1', '1.9223372036854775808', '18446744073709551616.0'];

  it('is refused as a bad frame naming `after`; the socket stays open and usable, never closed 4503', async () => {
    const g = await gateway();
    const c = await open(g, dinghu);
    for (const after of beyond) c.send({ type: 'subscribe', rooms: [DINGHU], after });
    await c.waitFor((x) => x.of('error').length === beyond.length, 'three refusals');
    for (const error of c.of('error')) {
      expect(error).toMatchObject({ code: 'validation', issues: [{ path: 'after' }] });
    }
    expect(c.of('closing')).toEqual([]);
    // Still usable: a good subscribe catches up and events arrive.
    c.send({ type: 'subscribe', rooms: [DINGHU], after: START_POSITION });
    await c.waitFor((x) => x.of('caught_up').length === 1, 'caught_up');
    const result = await engine.handle({ streamType: 'incident', streamId: 'beyond-1', type: 'ReportIncident', data: { title: 'after the bad frames', leadJurisdiction: DINGHU }, actor: dinghu });
    await c.waitFor((x) => x.events.some((e) => e.eventId === result.events[0]?.eventId), 'the live event');
    expect(c.of('closing')).toEqual([]);
    expect(c.socket.readyState).toBe(c.socket.OPEN);
    // Nothing unavailable/internal was ever sent or closed with.
    expect(c.frames.some((f) => f.type === 'closing' && (f.code === WS_CLOSE_CODE.unavailable || f.code === WS_CLOSE_CODE.internal))).toBe(false);
  });

  it('the client refuses it before connecting, naming `after`', async () => {
    const g = await gateway();
    for (const after of beyond) {
      let error: unknown;
      try {
        subscribe({ url: g.url, token: await testToken(dinghu), rooms: [DINGHU], after, onEvent: () => undefined });
      } catch (e) {
        error = e;
      }
      expect(error, after).toBeInstanceOf(ValidationError);
      expect(error instanceof ValidationError ? error.issues.map((i) => i.path) : []).toEqual(['after']);
    }
    expect(g.stats().connectionsAccepted).toBe(0);
  });
});

/** An upgrade request with a valid token but no Sec-WebSocket-Key; answers the status line. */
async function rawUpgradeWithoutKey(port: number, token: string): Promise<string> {
  const socket = tcpConnect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.write(`GET /ws?access_token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  let answer = '';
  for await (const chunk of socket) answer += String(chunk);
  return answer.split('\r\n')[0] ?? '';
}

/** Polls `check` until it is true (a socket's close reaches the server a moment after the client's). */
async function expectEventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
