/**
 * Fuzz of every write route of the api (issue 14, "must show"): fast-check takes one valid body per
 * route and breaks it — NUL bytes and lone surrogates in values and keys, extreme and malformed
 * dates, nesting 10,000 deep, huge numbers, oversized strings, wrong types, bad path parameters —
 * against the api built in-process on a real PostgreSQL. Properties, for every run:
 * - never a 5xx;
 * - text PostgreSQL cannot store (and nesting past the bound) is a 400 `malformed`, nothing else;
 * - after a 4xx nothing stored has changed (a digest of every table, before and after);
 * - after a 2xx the string that was sent is stored exactly (no U+FFFD anywhere, ever).
 * The routes come from a Fastify onRoute hook: a write route without an entry in WRITE_ROUTES
 * fails the first test, so a new route cannot escape the fuzz.
 *
 * FUZZ_RUNS (default 25 per route) and FUZZ_SEED replay or widen a run; a failure prints its seed.
 */
import type { Actor } from '@muster/domain';
import { signAckLink } from '@muster/identity';
import { authHeader, TEST_JWT_SECRET, type TestDatabase } from '@muster/testkit';
import fc from 'fast-check';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { apiTest, testLogins } from './test-fixtures';

const CITY = '441200';
const city: Actor = { userId: 'do-city', roles: ['duty_officer'], jurisdiction: CITY };
/** The on-scene commander (person below), who alone posts scene reports and requests resources. */
const commander: Actor = { userId: 'u-chief', roles: ['responder'], jurisdiction: CITY };
const DINGHU = '441203';
/** The county room the city supervises (督办) and interviews (约谈). */
const county: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: DINGHU };
/** The city's leader, who approves the city's warnings. */
const cityLeader: Actor = { userId: 'ld-city', roles: ['leader'], jurisdiction: CITY };
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 25);
const SEED = process.env['FUZZ_SEED'] === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env['FUZZ_SEED']);
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let t: TestDatabase;
let app: FastifyInstance;
const auth = new Map<Actor, { authorization: string }>();
const registered = new Set<string>();

/** Ids of what the routes act on, made once in beforeAll. */
const fixture = { incident: '', reportIncident: '', countyIncident: '', firstEvent: '', depot: 'fuzz-depot', team: 'fuzz-team' };
let counter = 0;
/** A fresh id per run, for routes that create or may act only once on what they name. */
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
const soon = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

interface WriteRoute {
  /** Path parameters for this run; what `prepare` made is passed in. */
  params?: (prepared: string) => Record<string, string>;
  body: (prepared: string) => unknown;
  /** Makes what one run acts on (a request to reject, an entry to triage); returns its id. */
  prepare?: () => Promise<string>;
  /** Whether a 2xx stores what was sent (login stores nothing). */
  stores: boolean;
  /** Who sends it: the city room's duty officer unless said. */
  actor?: Actor;
}

const person = { userId: 'u-chief', name: '陈 Chief', unit: 'Fire brigade', phone: '13800000000' };

/**
 * One valid body per write route, keyed as Fastify registers it. A new write route needs an entry
 * here: a body its handler accepts (2xx) for the city room's duty officer.
 */
const WRITE_ROUTES: Record<string, WriteRoute> = {
  'POST /auth/login': { body: () => ({ username: 'city-duty', password: 'city-duty' }), stores: false },
  'POST /incidents': {
    body: () => ({
      data: { title: 'Flooding on the Xijiang 西江', description: 'Water over the embankment', leadJurisdiction: CITY, location: { description: 'Duanzhou pier' }, category: 'natural_disaster' },
    }),
    stores: true,
  },
  'POST /incidents/:incidentId/commands': {
    params: () => ({ incidentId: fixture.incident }),
    body: () => ({ type: 'UpdateIncidentDetails', data: { title: 'Flooding at the pier', description: 'Rising', location: { description: 'Pier 3' } } }),
    stores: true,
  },
  'POST /incidents/:incidentId/command': {
    params: () => ({ incidentId: fixture.incident }),
    body: () => ({ type: 'PostSceneReport', data: { reportId: fresh('scene'), dead: 0, injured: 2, resourcesOnScene: 'two pumps', objectives: 'hold the dyke', needs: 'sandbags' } }),
    stores: true,
    actor: commander,
  },
  'POST /incidents/:incidentId/resource-requests': {
    params: () => ({ incidentId: fixture.incident }),
    body: () => ({ data: { items: [{ kind: 'sandbag', quantity: 500, priority: 'urgent', deliverTo: 'Pier 3 dyke' }], justification: 'the dyke is seeping' } }),
    stores: true,
    actor: commander,
  },
  'POST /resource-requests/:requestId/commands': {
    prepare: async () => {
      const created = await send('POST', `/incidents/${fixture.incident}/resource-requests`, JSON.stringify(WRITE_ROUTES['POST /incidents/:incidentId/resource-requests']?.body('')), commander);
      expect(created.statusCode, created.body).toBe(201);
      return created.json<{ streamId: string }>().streamId;
    },
    params: (requestId) => ({ requestId }),
    body: () => ({ type: 'RejectResourceRequest', data: { reason: 'the county depot has them' } }),
    stores: true,
  },
  'POST /depots': { body: () => ({ depotId: fresh('depot'), name: 'Duanzhou depot 端州', jurisdiction: CITY, location: 'Road 1' }), stores: true },
  'PUT /depots/:depotId/stock': {
    params: () => ({ depotId: fixture.depot }),
    body: () => ({ items: [{ kind: 'pump', quantity: 10, returnable: true }, { kind: 'sandbag', quantity: 1000 }] }),
    stores: true,
  },
  'POST /teams': { body: () => ({ teamId: fresh('team'), name: 'Rescue team 1 救援队', jurisdiction: CITY, specialty: 'water rescue' }), stores: true },
  'POST /teams/:teamId/status': { params: () => ({ teamId: fixture.team }), body: () => ({ status: 'available' }), stores: true },
  'POST /duty/shifts': {
    body: () => ({ jurisdiction: CITY, post: 'duty_officer', officer: { userId: fresh('officer'), name: 'Li Hua 李华', phone: '0758-2600000' }, startsAt: soon(60), endsAt: soon(600) }),
    stores: true,
  },
  'POST /watch-log': { body: () => watchEntry(), stores: true },
  'POST /watch-log/:entryId/triage': {
    prepare: async () => {
      const created = await send('POST', '/watch-log', JSON.stringify(watchEntry()));
      expect(created.statusCode, created.body).toBe(201);
      return created.json<{ entryId: string }>().entryId;
    },
    params: (entryId) => ({ entryId }),
    body: () => ({ action: 'create_incident', incident: { title: 'Embankment breach 决口', description: 'from the watch log' } }),
    stores: true,
  },
  'POST /incidents/:incidentId/reports': {
    params: () => ({ incidentId: fixture.reportIncident }),
    body: () => ({ type: 'SubmitFollowUpReport', data: { progress: 'water falling 水位下降', losses: { dead: 0, injured: 3 }, signedBy: 'Li Hua' } }),
    stores: true,
  },
  'POST /incidents/:incidentId/supervision': {
    params: () => ({ incidentId: fixture.countyIncident }),
    body: () => ({ data: { task: '组织转移下游群众 evacuate', owner: { jurisdiction: DINGHU, person: '王 Wang' }, deadline: soon(240) } }),
    stores: true,
  },
  'POST /supervision/:supervisionId/commands': {
    prepare: async () => {
      const opened = await send('POST', `/incidents/${fixture.countyIncident}/supervision`, JSON.stringify(WRITE_ROUTES['POST /incidents/:incidentId/supervision']?.body('')));
      expect(opened.statusCode, opened.body).toBe(201);
      return opened.json<{ streamId: string }>().streamId.replace(/^supervision:/, '');
    },
    params: (supervisionId) => ({ supervisionId }),
    body: () => ({ type: 'ReportSupervisionDone', data: { evidence: { text: '已转移 320 人 done', references: ['鼎应急〔2026〕12号'] } } }),
    stores: true,
    actor: county,
  },
  'POST /warnings': {
    body: () => ({
      data: {
        level: 'blue',
        sender: { name: '肇庆市预警信息发布中心 Zhaoqing', agencyCode: '416' },
        content: { category: 'Met', zh: { event: '大风', headline: '肇庆市大风蓝色预警', description: 'Strong wind 大风', instruction: 'Secure loose objects' }, expires: soon(240), channels: ['SMS'], area: { description: '肇庆市', jurisdictions: [CITY] } },
      },
    }),
    stores: true,
  },
  'POST /warnings/:warningId/commands': {
    prepare: async () => {
      const drafted = await send('POST', '/warnings', JSON.stringify(WRITE_ROUTES['POST /warnings']?.body('')));
      expect(drafted.statusCode, drafted.body).toBe(201);
      return drafted.json<{ streamId: string }>().streamId.replace(/^warning:/, '');
    },
    params: (warningId) => ({ warningId }),
    body: () => ({ type: 'LinkWarningToIncident', data: { incidentId: fixture.incident } }),
    stores: true,
  },
  // The last mile (issue 21): the contact registry and the public acknowledgement link.
  'POST /contacts': {
    body: () => ({ jurisdiction: DINGHU, area: '441203100', areaName: '坑口街道 Kengkou', name: '坑口街道负责人 head', role: 'township_head', phone: '13800000001', channels: ['sms', 'voice'] }),
    stores: true,
  },
  'PUT /contacts/:contactId': {
    prepare: async () => (await newContact()).contactId,
    params: (contactId) => ({ contactId }),
    body: () => ({ name: '坑口街道值班 duty', phone: '13800000002', channels: ['voice'] }),
    stores: true,
  },
  'POST /contacts/:contactId/deactivate': {
    prepare: async () => (await newContact()).contactId,
    params: (contactId) => ({ contactId }),
    body: () => ({}),
    stores: true,
  },
  'POST /public/warning-ack/:token': {
    // A city warning over Dinghu, issued to a reservoir keeper just registered; the link signed for them.
    prepare: async () => {
      const contact = await newContact('reservoir_keeper');
      const drafted = await send('POST', '/warnings', JSON.stringify({ data: { level: 'blue', sender: { name: '肇庆市预警信息发布中心 Zhaoqing', agencyCode: '416' }, content: dinghuContent() } }));
      expect(drafted.statusCode, drafted.body).toBe(201);
      const warningId = drafted.json<{ streamId: string }>().streamId.replace(/^warning:/, '');
      for (const [type, actor] of [['ApproveWarning', cityLeader], ['IssueWarning', city]] as const) {
        const sent = await send('POST', `/warnings/${warningId}/commands`, JSON.stringify({ type, data: type === 'IssueWarning' ? { recipientRoles: ['reservoir_keeper'] } : {} }), actor);
        expect(sent.statusCode, sent.body).toBe(200);
      }
      return signAckLink({ warningId, recipientId: contact.contactId }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 });
    },
    params: (token) => ({ token }),
    body: () => ({}),
    stores: true,
  },
  'POST /interviews': {
    body: () => ({
      jurisdiction: DINGHU,
      heldOn: '2026-07-03',
      reason: '连续迟报 late reports',
      lateReports: [{ incidentId: 'inc-1', reportKey: 'initial' }],
      attendees: [{ name: '李华 Li', unit: '市应急管理局', post: '副局长' }],
      outcome: '限期整改',
      followUp: '一个月后复查',
    }),
    stores: true,
  },
  'POST /incidents/:incidentId/corrections': {
    params: () => ({ incidentId: fixture.incident }),
    body: () => ({ data: { eventId: fixture.firstEvent, kind: 'amend', reason: 'typo in the title', amendedData: { title: 'Flooding on the Xijiang', note: ['a', { b: 'c' }] } } }),
    stores: true,
  },
};

function watchEntry() {
  return {
    jurisdiction: CITY,
    channel: 'phone',
    receivedAt: soon(-10),
    occurredAt: soon(-30),
    place: 'Shakeng village embankment',
    course: 'seeping since 13:30, a 3 m breach at 13:50',
    informed: [{ whom: 'township head Wang', at: soon(-20) }],
    caller: { unit: 'village committee', name: 'Chen Ming 陈明', phone: '13800000000' },
    recorderName: 'Li Hua',
  };
}

type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const isWriteMethod = (method: string): method is WriteMethod => WRITE_METHODS.has(method);

function send(method: WriteMethod, url: string, payload: string, actor: Actor = city) {
  return app.inject({ method, url, payload, headers: { ...auth.get(actor), 'content-type': 'application/json' } });
}

/** A contact of Dinghu's registry, registered by the city (which keeps its counties'). */
async function newContact(role = 'township_head'): Promise<{ contactId: string }> {
  const created = await send('POST', '/contacts', JSON.stringify({ ...(WRITE_ROUTES['POST /contacts']?.body('') as object), role }));
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ contactId: string }>();
}

/** A city warning's content over Dinghu, whose registry its recipients come from. */
function dinghuContent() {
  return { category: 'Met', zh: { event: '暴雨', headline: '鼎湖区暴雨预警', description: 'Rain 暴雨', instruction: 'Stay in 留在室内' }, expires: soon(240), channels: ['SMS'], area: { description: '鼎湖区', jurisdictions: [DINGHU] } };
}

/** `POST /incidents/:incidentId/commands` as its method and path. */
function routeParts(route: string): { method: WriteMethod; path: string } {
  const [method = '', path = ''] = route.split(' ');
  if (!isWriteMethod(method)) throw new Error(`${route} is not a write route`);
  return { method, path };
}

// ---- What is stored ---------------------------------------------------------------------------

async function tables(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(t.db);
  return rows.map((r) => r.name);
}

/** One digest per table of every row, as PostgreSQL renders it: any change to anything stored changes it. */
async function digest(): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of await tables()) {
    const { rows } = await sql<{ d: string }>`
      select count(*)::text || ':' || coalesce(md5(string_agg(to_jsonb(t)::text, ',' order by to_jsonb(t)::text)), '') as d
      from ${sql.table(table)} t`.execute(t.db);
    result[table] = rows[0]?.d ?? '';
  }
  return result;
}

/** Every string stored anywhere (values and keys of every row). */
async function storedStrings(): Promise<Set<string>> {
  const strings = new Set<string>();
  for (const table of await tables()) {
    const { rows } = await sql<{ row: unknown }>`select to_jsonb(t) as row from ${sql.table(table)} t`.execute(t.db);
    const pending: unknown[] = rows.map((r) => r.row);
    while (pending.length > 0) {
      const value = pending.pop();
      if (typeof value === 'string') strings.add(value);
      else if (Array.isArray(value)) pending.push(...(value as unknown[]));
      else if (value !== null && typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) {
          strings.add(key);
          pending.push(item);
        }
      }
    }
  }
  return strings;
}

// ---- Mutations ----------------------------------------------------------------------------------

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE.test(s);
const DEPTH = 10_000;

/** JSON text put where a value was, verbatim (JSON.stringify could not write most of these). */
const RAW_VALUES: { text: string; outcome: 'malformed' | 'too_large' | 'any' }[] = [
  { text: '['.repeat(DEPTH) + ']'.repeat(DEPTH), outcome: 'malformed' },
  { text: '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH), outcome: 'malformed' },
  { text: '1e999', outcome: 'malformed' },
  { text: '-1e999', outcome: 'malformed' },
  { text: '1e308', outcome: 'any' },
  { text: '-1e308', outcome: 'any' },
  { text: '9007199254740993', outcome: 'any' },
  { text: '-0', outcome: 'any' },
  { text: '0.1e-400', outcome: 'any' },
  { text: '"NaN"', outcome: 'any' },
  { text: '"Infinity"', outcome: 'any' },
  { text: '"-0"', outcome: 'any' },
  { text: 'true', outcome: 'any' },
  { text: 'null', outcome: 'any' },
  { text: '[]', outcome: 'any' },
  { text: '{}', outcome: 'any' },
  { text: '0', outcome: 'any' },
  { text: '""', outcome: 'any' },
  { text: JSON.stringify('x'.repeat(20_000)), outcome: 'any' },
  { text: JSON.stringify('长'.repeat(300_000)), outcome: 'too_large' },
  ...['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '1999-12-31T23:59:59.999Z', '2101-01-01T00:00:00Z'].map(
    (date) => ({ text: JSON.stringify(date), outcome: 'any' as const }),
  ),
];

/** Pieces put into strings and keys: what PostgreSQL refuses, and valid text it must keep exactly. */
const BAD_PIECES = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff', 'a\u0000b', '\udc00\ud800'];
const GOOD_PIECES = ['🌊', '𠀋', '\uffff', '\ufffe', '\u2028', '\u0001', '\u007f', '\u202e', 'e\u0301', "'; drop table event; --", '\\', '"', '<script>alert(1)</script>', '%00', ' '];
// Any code points, lone surrogates included; never U+FFFD, whose presence in the database means a replacement.
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_PIECES) },
  { weight: 2, arbitrary: fc.constantFrom(...GOOD_PIECES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter((s) => !s.includes('\ufffd')) },
);

type Mutation =
  | { kind: 'text'; at: number; insert: string; position: number; replace: boolean }
  | { kind: 'key'; at: number; insert: string; position: number }
  | { kind: 'value'; at: number; raw: number }
  | { kind: 'param'; suffix: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('text' as const), at: fc.nat(), insert: piece, position: fc.nat(), replace: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('key' as const), at: fc.nat(), insert: piece, position: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('value' as const), at: fc.nat(), raw: fc.nat({ max: RAW_VALUES.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('param' as const), suffix: fc.constantFrom('\u0000', '🌊', '..', ' ', '%') }) },
);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Place = { parent: Json[] | { [key: string]: Json }; key: string | number };

/** Every place in a value: where a value sits, and (for objects) its key. */
function places(root: Json): Place[] {
  const found: Place[] = [];
  const pending: Json[] = [root];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (Array.isArray(value)) {
      value.forEach((item, key) => {
        found.push({ parent: value, key });
        pending.push(item);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        found.push({ parent: value, key });
        pending.push(item);
      }
    }
  }
  return found;
}

const insertAt = (text: string, insert: string, position: number) => {
  const at = position % (text.length + 1);
  return text.slice(0, at) + insert + text.slice(at);
};

const getAt = (place: Place): Json => (Array.isArray(place.parent) ? place.parent[Number(place.key)] : place.parent[String(place.key)]) ?? null;
const setAt = (place: Place, value: Json) => {
  if (Array.isArray(place.parent)) place.parent[Number(place.key)] = value;
  else place.parent[String(place.key)] = value;
};

interface Mutated {
  payload: string;
  params: Record<string, string>;
  /** The string a 2xx must have stored, when the mutation made one. */
  sentText: string | null;
  /** What the answer must be, when the mutation alone decides it. */
  expect: 'malformed' | 'too_large' | 'any';
  description: string;
}

const SENTINEL = '\u0001raw-value\u0001';

function mutate(valid: Json, params: Record<string, string>, m: Mutation): Mutated {
  const body = structuredClone(valid);
  const all = places(body);
  switch (m.kind) {
    case 'text': {
      const texts = all.filter((p) => typeof getAt(p) === 'string');
      const place = texts[m.at % Math.max(texts.length, 1)];
      if (!place) break;
      const next = m.replace ? m.insert : insertAt(String(getAt(place)), m.insert, m.position);
      setAt(place, next);
      return { payload: JSON.stringify(body), params, sentText: next, expect: unstorable(next) ? 'malformed' : 'any', description: `text at ${String(place.key)}: ${JSON.stringify(next)}` };
    }
    case 'key': {
      const keyed = all.filter((p) => !Array.isArray(p.parent));
      const place = keyed[m.at % Math.max(keyed.length, 1)];
      if (!place || Array.isArray(place.parent)) break;
      const key = insertAt(String(place.key), m.insert, m.position);
      // Rebuilt in order, so that the renamed key stays where it was.
      const entries = Object.entries(place.parent).map(([k, v]): [string, Json] => [k === place.key ? key : k, v]);
      for (const k of Object.keys(place.parent)) delete place.parent[k];
      for (const [k, v] of entries) place.parent[k] = v;
      return { payload: JSON.stringify(body), params, sentText: key, expect: unstorable(key) ? 'malformed' : 'any', description: `key ${JSON.stringify(key)}` };
    }
    case 'value': {
      const raw = RAW_VALUES[m.raw] ?? { text: 'null', outcome: 'any' as const };
      const place = all[m.at % Math.max(all.length, 1)];
      if (place) setAt(place, SENTINEL);
      const payload = place ? JSON.stringify(body).replace(JSON.stringify(SENTINEL), raw.text) : raw.text;
      return { payload, params, sentText: null, expect: raw.outcome, description: `value at ${place ? String(place.key) : '(body)'}: ${raw.text.slice(0, 40)}` };
    }
    case 'param': {
      const names = Object.keys(params);
      const name = names[0];
      if (name === undefined) break;
      return { payload: JSON.stringify(body), params: { ...params, [name]: `${params[name] ?? ''}${m.suffix}` }, sentText: null, expect: m.suffix === '\u0000' ? 'malformed' : 'any', description: `param ${name} + ${JSON.stringify(m.suffix)}` };
    }
    default: {
      const unreachable: never = m;
      throw new Error(`unknown mutation ${JSON.stringify(unreachable)}`);
    }
  }
  return { payload: JSON.stringify(body), params, sentText: null, expect: 'any', description: 'unchanged' };
}

function urlOf(route: string, params: Record<string, string>): string {
  return route.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

// ---- The fuzz -------------------------------------------------------------------------------

apiTest.override('apiOptions', { scope: 'file' }, async () => ({
  login: await testLogins(),
  ackLinks: { secret: TEST_JWT_SECRET },
  onRoute: (route: RouteOptions) => {
    for (const method of [route.method].flat()) if (WRITE_METHODS.has(method)) registered.add(`${method} ${route.url}`);
  },
}));
apiTest.beforeAll(async ({ database, api }) => {
  t = database;
  app = api;
  for (const actor of [city, commander, county, cityLeader]) auth.set(actor, await authHeader(actor));

  const ok = async (method: WriteMethod, url: string, body: unknown) => {
    const response = await send(method, url, JSON.stringify(body));
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json<{ streamId?: string }>();
  };
  fixture.incident = (await ok('POST', '/incidents', { data: { title: 'Flooding on the Xijiang', leadJurisdiction: CITY } })).streamId ?? '';
  await ok('POST', `/incidents/${fixture.incident}/command`, { type: 'AssumeProvisionalCommand', data: { commander: person } });
  const first = await t.db.selectFrom('event').select('event_id').where('stream_id', '=', fixture.incident).where('version', '=', 1).executeTakeFirstOrThrow();
  fixture.firstEvent = first.event_id;
  // An incident whose report obligation is past its 初报, so that 续报 can be filed again and again.
  fixture.reportIncident = (await ok('POST', '/incidents', { data: { title: 'Landslide on the S263', leadJurisdiction: CITY } })).streamId ?? '';
  await ok('POST', `/incidents/${fixture.reportIncident}/commands`, { type: 'BeginVerification' });
  await ok('POST', `/incidents/${fixture.reportIncident}/commands`, { type: 'ConfirmIncident', data: { category: 'natural_disaster', severity: 'IV' } });
  await ok('POST', `/incidents/${fixture.reportIncident}/reports`, {
    type: 'SubmitInitialReport',
    data: {
      content: {
        receivedAt: soon(-20),
        source: 'village committee',
        occurredAt: soon(-30),
        place: 'S263 km 12',
        nature: 'landslide',
        scope: 'one road',
        losses: { dead: 0 },
        trend: 'stable',
        leadersOnSite: 'deputy head Wang',
        measures: 'road closed',
      },
      signedBy: 'Li Hua',
    },
  });
  // A county incident of level III, which the city supervises.
  fixture.countyIncident = (await ok('POST', '/incidents', { data: { title: 'Landslide in Dinghu', leadJurisdiction: DINGHU, severity: 'III' } })).streamId ?? '';
  await ok('POST', '/depots', { depotId: fixture.depot, name: 'City depot', jurisdiction: CITY });
  await ok('POST', '/teams', { teamId: fixture.team, name: 'City team', jurisdiction: CITY });
});

describe('fuzz of every write route', () => {
  it('every write route the api registers has a valid body in the fuzz table', () => {
    expect(registered.size).toBeGreaterThan(10);
    const missing = [...registered].filter((route) => !(route in WRITE_ROUTES));
    expect(missing, 'add a valid body for each to WRITE_ROUTES').toStrictEqual([]);
    const stale = Object.keys(WRITE_ROUTES).filter((route) => !registered.has(route));
    expect(stale, 'routes in WRITE_ROUTES the api no longer has').toStrictEqual([]);
  });

  for (const [route, entry] of Object.entries(WRITE_ROUTES)) {
    it(`${route}: its valid body is accepted`, async () => {
      const prepared = entry.prepare ? await entry.prepare() : '';
      const { method, path } = routeParts(route);
      const response = await send(method, urlOf(path, entry.params?.(prepared) ?? {}), JSON.stringify(entry.body(prepared)), entry.actor);
      expect(response.statusCode, response.body).toBeLessThan(300);
    });

    it(`${route}: never a 5xx, nothing changed by a refusal, nothing altered by an acceptance`, async () => {
      const { method, path } = routeParts(route);
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          const prepared = entry.prepare ? await entry.prepare() : '';
          const sent = mutate(entry.body(prepared) as Json, entry.params?.(prepared) ?? {}, m);
          const before = await digest();
          const response = await send(method, urlOf(path, sent.params), sent.payload, entry.actor);
          const what = `${route} with ${sent.description}: ${response.statusCode} ${response.body.slice(0, 300)}`;
          expect(response.statusCode, what).toBeLessThan(500);
          if (sent.expect === 'malformed') {
            expect(response.statusCode, what).toBe(400);
            expect(response.json<{ error: { code: string } }>().error.code, what).toBe('malformed');
          }
          if (sent.expect === 'too_large') expect(response.statusCode, what).toBe(413);
          if (response.statusCode >= 300) {
            expect(await digest(), what).toStrictEqual(before);
            return;
          }
          if (!entry.stores) {
            expect(await digest(), what).toStrictEqual(before);
            return;
          }
          const strings = await storedStrings();
          expect([...strings].filter((s) => s.includes('\ufffd')), `${what}: U+FFFD stored`).toStrictEqual([]);
          const text = sent.sentText;
          if (text !== null && text.trim().length > 0) {
            expect(strings.has(text) || strings.has(text.trim()), `${what}: ${JSON.stringify(text)} not stored as sent`).toBe(true);
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});
