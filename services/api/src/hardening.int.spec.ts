/**
 * Issue 14, findings 5 (dates), 8 (text PostgreSQL cannot store) and 10 (HTTP hardening), each
 * written as the attack that gave a 500, a silent change or a missing header, against a listening
 * api on a real PostgreSQL. The fuzz over every write route is write-routes.fuzz.int.spec.ts.
 */
import { request as httpRequest } from 'node:http';
import type { Actor } from '@muster/domain';
import { authHeader, type TestDatabase } from '@muster/testkit';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiTest, testLogins } from './test-fixtures';

const CITY = '441200';
const DINGHU = '441203';
const city: Actor = { userId: 'do-city', roles: ['duty_officer'], jurisdiction: CITY };
const GATEWAY_PORT = 18282;

let t: TestDatabase;
let app: FastifyInstance;
let base: string;
let port: number;
let cityAuth: { authorization: string };

apiTest.override('apiOptions', { scope: 'file' }, async ({ consoleDir }) => ({ login: await testLogins(), console: { dir: consoleDir, gatewayPort: GATEWAY_PORT } }));
apiTest.beforeAll(async ({ database, api, apiUrl }) => {
  t = database;
  app = api;
  base = apiUrl;
  port = Number(new URL(base).port);
  cityAuth = await authHeader(city);
});

function inject(options: InjectOptions): Promise<LightMyRequestResponse> {
  return app.inject({ ...options, headers: { ...cityAuth, ...(options.headers as Record<string, string> | undefined) } });
}

/** A JSON body sent as exactly these bytes (JSON.stringify would escape or could not write it). */
function raw(method: 'POST' | 'PUT', url: string, body: string | Buffer, contentType = 'application/json'): Promise<LightMyRequestResponse> {
  return inject({ method, url, payload: body, headers: { 'content-type': contentType } });
}

/** A GET whose path reaches the server byte for byte: fetch and inject would resolve `..` first. */
function getVerbatim(path: string): Promise<{ status: number; headers: Record<string, string | string[] | number | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Rows of every table an answer could have written: equal before and after means nothing was stored. */
async function stored(): Promise<Record<string, string>> {
  const tables = ['event', 'stream', 'command', 'incident', 'depot', 'depot_stock', 'rescue_team', 'resource_request', 'deadline', 'duty_shift', 'watch_entry', 'report_item', 'interview'];
  const counts: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(t.db);
    counts[table] = rows[0]?.n ?? '?';
  }
  return counts;
}

interface ErrorAnswer {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** A 400 whose one issue names `path`, and nothing stored. */
async function expectRefused(send: () => Promise<LightMyRequestResponse>, path: string, status = 400): Promise<ErrorAnswer> {
  const before = await stored();
  const response = await send();
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json<ErrorAnswer>();
  expect(body.error.issues?.map((i) => i.path)).toContain(path);
  expect(await stored()).toStrictEqual(before);
  return body;
}

const incidentBody = (title: string) => JSON.stringify({ data: { title, leadJurisdiction: DINGHU } });

async function createIncident(incidentId: string): Promise<void> {
  const response = await inject({ method: 'POST', url: '/incidents', payload: { incidentId, data: { title: 'Flooding on the Xijiang', leadJurisdiction: DINGHU } } });
  expect(response.statusCode, response.body).toBe(201);
}

describe('finding 8: text PostgreSQL cannot store is refused before anything else, naming the field', () => {
  it('a NUL byte in an incident title is a 400 naming data.title, nothing stored', async () => {
    const body = await expectRefused(() => raw('POST', '/incidents', incidentBody('Flood\u0000ing')), 'data.title');
    expect(body.error.code).toBe('malformed');
    expect(body.error.message).toContain('NUL');
  });

  it('a lone surrogate in a command of an event route is a 400 naming data.reason, nothing stored', async () => {
    await createIncident('lone-surrogate-1');
    await expectRefused(() => raw('POST', '/incidents/lone-surrogate-1/commands', '{"type":"DismissIncident","data":{"reason":"false alarm \\ud800"}}'), 'data.reason');
    // A low surrogate alone is as bad as a high one.
    await expectRefused(() => raw('POST', '/incidents/lone-surrogate-1/commands', '{"type":"DismissIncident","data":{"reason":"\\udc00 false alarm"}}'), 'data.reason');
  });

  it('a lone surrogate in a depot name (a table route) is a 400, not silently stored as U+FFFD', async () => {
    await expectRefused(() => raw('POST', '/depots', '{"depotId":"depot-lone","name":"Depot \\udbff","jurisdiction":"441200"}'), 'name');
    const depot = await t.db.selectFrom('depot').select('depot_id').where('depot_id', '=', 'depot-lone').executeTakeFirst();
    expect(depot).toBeUndefined();
  });

  it('a pair of surrogates (an emoji, a rare character) is text and is stored exactly as sent', async () => {
    const title = 'Flood 🌊 at 𠀋 village';
    const response = await raw('POST', '/incidents', JSON.stringify({ incidentId: 'emoji-1', data: { title, leadJurisdiction: DINGHU } }));
    expect(response.statusCode, response.body).toBe(201);
    const read = await inject({ method: 'GET', url: '/incidents/emoji-1' });
    expect(read.json<{ title: string }>().title).toBe(title);
  });

  it('a NUL in a key is a 400 naming the key, escaped', async () => {
    await expectRefused(() => raw('POST', '/incidents', '{"data":{"title":"x","leadJurisdiction":"441203","ti\\u0000tle":"y"}}'), 'data.ti\\u0000tle');
  });

  it('a NUL in a query string is a 400 naming query.jurisdiction, not a 500', async () => {
    const response = await inject({ method: 'GET', url: '/incidents?jurisdiction=441203%00' });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<ErrorAnswer>().error.issues?.[0]?.path).toBe('query.jurisdiction');
  });

  it('a NUL in a path parameter is a 400 naming params.depotId, nothing stored', async () => {
    await expectRefused(() => raw('PUT', '/depots/depot%00x/stock', '{"items":[{"kind":"pump","quantity":1}]}'), 'params.depotId');
  });

  it('correction data nested 10,000 deep is a 400 naming where it went too deep, not a stack overflow', async () => {
    await createIncident('deep-1');
    const events = await t.db.selectFrom('event').select('event_id').where('stream_id', '=', 'deep-1').execute();
    const eventId = events[0]?.event_id;
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const body = `{"data":{"eventId":"${eventId}","kind":"amend","reason":"typo","amendedData":${deep}}}`;
    const answer = await expectRefused(() => raw('POST', '/incidents/deep-1/corrections', body), `data.amendedData${'.a'.repeat(30)}`);
    expect(answer.error.message).toContain('deeper than 32');
    // Arrays count like objects, and the bound holds for every route.
    await expectRefused(() => raw('POST', '/incidents', `{"data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), `data${'.0'.repeat(31)}`);
  });

  it('nesting within the bound still reaches the route', async () => {
    await createIncident('deep-2');
    const events = await t.db.selectFrom('event').select('event_id').where('stream_id', '=', 'deep-2').execute();
    // Body, data and amendedData are three levels: 29 more make 32.
    const amended = '{"a":'.repeat(29) + '1' + '}'.repeat(29);
    const response = await raw('POST', '/incidents/deep-2/corrections', `{"data":{"eventId":"${events[0]?.event_id}","kind":"amend","reason":"typo","amendedData":${amended}}}`);
    expect(response.statusCode, response.body).toBe(201);
  });

  it('a number JSON turns into Infinity (1e999) is a 400, not stored as null', async () => {
    await createIncident('huge-1');
    const events = await t.db.selectFrom('event').select('event_id').where('stream_id', '=', 'huge-1').execute();
    await expectRefused(
      () => raw('POST', '/incidents/huge-1/corrections', `{"data":{"eventId":"${events[0]?.event_id}","kind":"amend","reason":"typo","amendedData":{"dead":1e999}}}`),
      'data.amendedData.dead',
    );
  });

  it('bytes that are not UTF-8 are a 400, not silently replaced by U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"data":{"title":"Flood '), Buffer.from([0xff, 0xfe]), Buffer.from('","leadJurisdiction":"441203"}}')]);
    const before = await stored();
    const response = await raw('POST', '/incidents', body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<ErrorAnswer>().error.message).toContain('UTF-8');
    expect(await stored()).toStrictEqual(before);
  });

  it('a request without a token is still a 401 first: nothing about the body is answered to a stranger', async () => {
    const response = await app.inject({ method: 'POST', url: '/incidents', payload: incidentBody('x\u0000'), headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(401);
  });
});

describe('findings 5 and 10: dates are range-checked before PostgreSQL', () => {
  for (const [label, occurredAt] of [
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['year 9999', '9999-12-31T23:59:59Z'],
    ['the last instant JavaScript knows', '+275760-09-13T00:00:00Z'],
    ['30 February', '2026-02-30T00:00:00Z'],
    ['1999, before the range', '1999-12-31T23:59:59Z'],
    ['2101, after the range', '2101-01-01T00:00:00Z'],
  ] as const) {
    it(`an incident that occurred in ${label} is a 400 naming occurredAt, nothing stored`, async () => {
      const body = await expectRefused(() => raw('POST', '/incidents', JSON.stringify({ occurredAt, data: { title: 'x', leadJurisdiction: DINGHU } })), 'occurredAt', 400);
      expect(body.error.code).toBe('validation');
    });
  }

  it('the range is inclusive and checked on the instant, offsets included', async () => {
    // A query date is bounded by the range alone (a command's occurredAt is also bounded by the engine: not
    // in the future, not before its stream, so it cannot show the range's edges).
    const onDuty = (at: string) => inject({ method: 'GET', url: `/duty/on-duty?jurisdiction=441200&at=${encodeURIComponent(at)}` });
    expect((await onDuty('2000-01-01T00:00:00Z')).statusCode).toBe(200);
    expect((await onDuty('2100-12-31T23:59:59.999Z')).statusCode).toBe(200);
    // 2000-01-01 08:00 in Beijing is still 1999 in UTC.
    const early = await onDuty('2000-01-01T07:59:59+08:00');
    expect(early.statusCode).toBe(400);
    expect(early.json<ErrorAnswer>().error.issues?.[0]?.path).toBe('query.at');
  });

  it('a date in a nested command payload (a transfer offer expiring in 9999) is a 400, nothing stored', async () => {
    await createIncident('dates-1');
    await expectRefused(
      () =>
        raw('POST', '/incidents/dates-1/command', JSON.stringify({ type: 'OfferTransfer', data: { offerId: 'o1', to: { userId: 'u-b', name: 'B' }, expiresAt: '9999-12-31T00:00:00Z' } })),
      'data.expiresAt',
      400,
    );
  });

  for (const url of [
    '/duty/on-duty?jurisdiction=441200&at=9999-12-31T23:59:59Z',
    '/duty/shifts?jurisdiction=441200&from=0000-01-01T00:00:00Z',
    '/watch-log?jurisdiction=441200&to=%2B275760-09-13T00:00:00Z',
    '/report-scores?from=0000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    '/report-scores.csv?from=2026-01-01T00:00:00Z&to=9999-12-31T23:59:59Z',
    '/incidents/dates-1/timeline?from=9999-12-31T23:59:59Z',
    '/incidents/dates-1/state?at=0000-01-01T00:00:00Z',
  ]) {
    it(`an out-of-range date in a query string is a 400, not a 500: ${url}`, async () => {
      const response = await inject({ method: 'GET', url });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json<ErrorAnswer>().error.issues?.[0]?.path).toMatch(/^query\./);
    });
  }
});

describe('finding 10: forged paging cursors in query strings are a 400, not a 500', () => {
  beforeAll(() => createIncident('cursor-1'));
  const cursor = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  for (const [what, url] of [
    ['an incident list cursor in year 0000', `/incidents?after=${cursor(['0000-01-01T00:00:00Z', 'x'])}`],
    ['an incident list cursor in year 275760', `/incidents?after=${cursor(['+275760-09-13T00:00:00Z', 'x'])}`],
    ['an incident list cursor with a NUL in its id', `/incidents?after=${cursor(['2026-01-01T00:00:00Z', 'x\u0000'])}`],
    ['a timeline cursor beyond 64 bits', `/incidents/cursor-1/timeline?after=${cursor('99999999999999999999.1')}`],
    ['a timeline cursor whose sequence is beyond bigint', `/incidents/cursor-1/timeline?after=${cursor('1.99999999999999999999')}`],
  ] as const) {
    it(`${what} is a 400 naming after`, async () => {
      const response = await inject({ method: 'GET', url });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json<ErrorAnswer>().error.issues?.[0]?.path).toBe('after');
    });
  }
});

describe('finding 10: HTTP hardening', () => {
  for (const path of ['/console/../x', '/console/../../etc/passwd', '/console/%2e%2e/x', '/console/assets/../index.html', '/console//etc/passwd', '/console/..']) {
    it(`GET ${path} is a 404, not a 500`, async () => {
      const answer = await getVerbatim(path);
      expect(answer.status, answer.body).toBe(404);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'not_found' } });
    });
  }

  it('odd requests to the console and the router are refused with a 4xx, never a 500', async () => {
    const probes: [string, InjectOptions][] = [
      ['a range past the end of a file', { method: 'GET', url: '/console/assets/app.js', headers: { range: 'bytes=999999-' } }],
      ['a malformed range', { method: 'GET', url: '/console/assets/app.js', headers: { range: 'bytes=x-y' } }],
      ['a failed precondition', { method: 'GET', url: '/console/assets/app.js', headers: { 'if-match': '"nope"' } }],
      ['a broken percent-encoding', { method: 'GET', url: '/incidents/%E0%A4%A' }],
      ['an encoded lone surrogate', { method: 'GET', url: '/console/%ED%A0%80' }],
      ['a method no route has', { method: 'OPTIONS', url: '/incidents' }],
      ['an id longer than any id', { method: 'GET', url: `/incidents/${'x'.repeat(5000)}` }],
    ];
    for (const [what, options] of probes) {
      const response = await inject(options);
      expect(response.statusCode, `${what}: ${response.body}`).toBeGreaterThanOrEqual(200);
      expect(response.statusCode, `${what}: ${response.body}`).toBeLessThan(500);
    }
  });

  it('GET /console/%00 is a 400 naming the path, not a 500', async () => {
    const answer = await getVerbatim('/console/%00');
    expect(answer.status, answer.body).toBe(400);
  });

  it('a text/plain body is a 415, on every route that takes a body (login included), nothing stored', async () => {
    for (const [url, body] of [
      ['/incidents', incidentBody('Flooding')],
      ['/auth/login', '{"username":"city-duty","password":"city-duty"}'],
      ['/depots', '{"depotId":"d-text","name":"D","jurisdiction":"441200"}'],
    ] as const) {
      const before = await stored();
      const response = await raw('POST', url, body, 'text/plain');
      expect(response.statusCode, `${url}: ${response.body}`).toBe(415);
      expect(response.json<ErrorAnswer>().error.code).toBe('unsupported_media_type');
      expect(await stored()).toStrictEqual(before);
    }
  });

  it('a form-encoded body, a multipart body and a JSON look-alike media type are 415 too', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonp', 'text/json']) {
      const response = await raw('POST', '/incidents', incidentBody('Flooding'), contentType);
      expect(response.statusCode, `${contentType}: ${response.body}`).toBe(415);
    }
  });

  it('a body without a media type is a 415', async () => {
    const response = await app.inject({ method: 'POST', url: '/incidents', payload: Buffer.from(incidentBody('Flooding')), headers: { ...cityAuth } });
    expect(response.statusCode, response.body).toBe(415);
  });

  it('application/json with a charset parameter is still JSON', async () => {
    const response = await raw('POST', '/incidents', incidentBody('Flooding'), 'application/json; charset=utf-8');
    expect(response.statusCode, response.body).toBe(201);
  });

  const expectSecurityHeaders = (headers: Record<string, string | string[] | number | undefined>, what: string) => {
    const csp = String(headers['content-security-policy']);
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).toContain("default-src 'self'");
    expect(csp, what).toContain("script-src 'self'");
    expect(csp, what).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp, what).toContain(`connect-src 'self' ws://*:${GATEWAY_PORT} wss://*:${GATEWAY_PORT}`);
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
  };

  it('the console, its assets, JSON answers, refusals and 404s all carry the CSP, frame-ancestors and nosniff', async () => {
    const answers = {
      'console page': await getVerbatim('/console/'),
      'console script': await getVerbatim('/console/assets/app.js'),
      'console config': await getVerbatim('/console-config'),
      health: await getVerbatim('/health'),
      'a 401': await getVerbatim('/incidents'),
      'a 404': await getVerbatim('/no/such/route'),
      'a traversal 404': await getVerbatim('/console/../x'),
    };
    expect(answers['console page'].status).toBe(200);
    expect(answers['console script'].status).toBe(200);
    expect(answers['a 401'].status).toBe(401);
    for (const [what, answer] of Object.entries(answers)) expectSecurityHeaders(answer.headers, what);
    const refused = await raw('POST', '/incidents', incidentBody('x'), 'text/plain');
    expectSecurityHeaders(refused.headers, 'a 415');
  });

  it('the ICS forms served as HTML carry the same headers', async () => {
    await createIncident('forms-1');
    for (const form of ['ics201', 'ics209', 'ics214']) {
      const response = await inject({ method: 'GET', url: `/incidents/forms-1/forms/${form}` });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expectSecurityHeaders(response.headers, form);
    }
  });

  it('a POST without a body to a route that needs one is a 4xx, never a 500', async () => {
    const response = await inject({ method: 'POST', url: '/incidents' });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
  });
});
