/**
 * Oversize and slow bodies over a real socket (issue 19 item 3): the client reads the 413 and its
 * message names the limit, never EPIPE or ECONNRESET; a body that stops coming is cut by the request
 * timeout instead of holding its connection forever.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { authHeader } from '@muster/testkit';
import { describe, expect } from 'vitest';
import { apiTest } from './test-fixtures';

const LIMIT = 256 * 1024;
apiTest.override('apiOptions', { scope: 'file' }, { bodyLimit: LIMIT, requestTimeoutMs: 1_000 });

interface Outcome {
  status?: number;
  body?: string;
  error?: string;
}

/** POSTs `bytes` of JSON to `path` with node:http, as a client that writes its whole body before reading. */
function post(url: string, path: string, headers: Record<string, string>, bytes: number, chunked: boolean): Promise<Outcome> {
  const { hostname, port } = new URL(url);
  const body = Buffer.from(`{"type":"UpdateIncidentDetails","data":{"description":"${'x'.repeat(bytes - 70)}"}}`);
  return new Promise((resolve) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        method: 'POST',
        // A new connection each time: each run must show its own connection's ending.
        agent: false,
        // Without a length the body comes chunked: Fastify finds it too large while it is still arriving.
        headers: { ...headers, 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(body.length) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', (error) => resolve({ error: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
      },
    );
    req.on('error', (error) => resolve({ error: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
    // The body in 16 KiB writes, each after the previous one left, as over a real network: a server
    // that closes the connection before it has read everything makes these writes fail (EPIPE,
    // ECONNRESET). Over loopback one big write would sit whole in the kernel's buffers and hide that.
    void (async () => {
      for (let at = 0; at < body.length && !req.destroyed; at += 16 * 1024) {
        await new Promise<void>((done) => req.write(body.subarray(at, at + 16 * 1024), () => done()));
      }
      req.end();
    })();
  });
}

describe('a 2 MB body to the command route', () => {
  for (const chunked of [false, true]) {
    apiTest(`is answered 413 naming the limit, 10 runs out of 10, never a reset (${chunked ? 'chunked' : 'with Content-Length'})`, async ({ apiUrl }) => {
      const auth = await authHeader({ userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: '441203' });
      const outcomes: Outcome[] = [];
      for (let run = 0; run < 10; run++) outcomes.push(await post(apiUrl, '/incidents/big-1/commands', auth, 2 * 1024 * 1024, chunked));
      for (const outcome of outcomes) {
        expect(outcome.error).toBeUndefined();
        expect(outcome.status).toBe(413);
        expect(JSON.parse(outcome.body ?? '{}')).toEqual({
          error: { code: 'payload_too_large', message: `request body is larger than the limit of 256 KiB (${LIMIT} bytes)` },
        });
      }
    });
  }

  apiTest('is read to its end: the same connection then answers the next request', async ({ apiUrl }) => {
    const { hostname, port } = new URL(apiUrl);
    const { authorization } = await authHeader({ userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: '441203' });
    const body = Buffer.alloc(2 * 1024 * 1024, 'x');
    const socket = connect(Number(port), hostname);
    let received = '';
    let failure = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (failure = error.code ?? error.message));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`POST /incidents/big-2/commands HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (let at = 0; at < body.length && !socket.destroyed; at += 16 * 1024) {
      await new Promise<void>((done) => socket.write(body.subarray(at, at + 16 * 1024), () => done()));
    }
    // A second request behind the refused body: answered only if the server read past all of it.
    socket.end(`GET /health/live HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    await closed;
    expect(failure).toBe('');
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([413, 200]);
  });

  apiTest('a body under the limit still reaches the route on the same server', async ({ apiUrl }) => {
    const auth = await authHeader({ userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: '441203' });
    // No such incident: the route itself answers, so the body was read and parsed whole.
    const outcome = await post(apiUrl, '/incidents/small-1/commands', auth, 1024, false);
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(404);
  });
});

describe('a slow body', () => {
  apiTest('that stops coming is answered 408 and its connection closed by the request timeout', async ({ apiUrl }) => {
    const { hostname, port } = new URL(apiUrl);
    const { authorization } = await authHeader({ userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: '441203' });
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    // Headers promising 1000 bytes, then 10 of them, then nothing (slowloris).
    socket.write(`POST /incidents HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"data":{"`);
    // The timeout is 1 s; 20 s only bounds the test if the server never gives up.
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 20_000))]);
    socket.destroy();
    expect(outcome).toBe('closed');
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});
