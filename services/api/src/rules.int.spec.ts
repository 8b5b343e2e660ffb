/**
 * GET /rules (issue 16): the plan rules in force in a jurisdiction and, per section, the file it
 * comes from. The api is given the rule book the process loaded from MUSTER_RULES_FILES (here: a city
 * file and a county file read by loadRuleBook), as `muster start` and services/api/src/main.ts do.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, MusterApiError } from '@muster/client';
import { DEFAULT_PLAN_RULES, PLAN_RULE_SECTIONS, type Actor } from '@muster/domain';
import { loadRuleBook } from '@muster/service-runtime';
import { TEST_JURISDICTIONS, testToken } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { actorRequests, apiTest } from './test-fixtures';

const PROVINCE = '440000';
const CITY = '441200';
const DINGHU = '441203';
const HUAIJI = '441224';

/** Zhaoqing's own linkage and grading; Dinghu's own reporting deadlines (its phone report in 10 minutes). */
const CITY_RULES = {
  jurisdiction: CITY,
  version: 'zq-2026-1',
  title: '肇庆市突发事件总体应急预案（规则）',
  linkage: [{ id: 'zq-larger', severities: ['III', 'IV'], link: ['city'], promptLead: null, source: 'Zhaoqing plan (seed): the city follows every incident' }],
  grading: DEFAULT_PLAN_RULES.grading,
};
const DINGHU_RULES = {
  jurisdiction: DINGHU,
  version: 'dh-2026-2',
  reporting: [{ ...DEFAULT_PLAN_RULES.reporting[2], id: 'dh-general', phoneMinutes: 10, source: 'unsourced: 鼎湖区 duty room practice' }],
};

let dir: string;
let app: FastifyInstance;
let base: string;
const { call } = actorRequests(() => app);

apiTest.override('apiOptions', { scope: 'file' }, async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-rules-'));
  const files = [join(dir, 'zhaoqing.json'), join(dir, 'dinghu.json')];
  await writeFile(files[0] ?? '', JSON.stringify(CITY_RULES));
  await writeFile(files[1] ?? '', JSON.stringify(DINGHU_RULES));
  return { rules: await loadRuleBook(files, TEST_JURISDICTIONS) };
});
apiTest.beforeAll(({ api, apiUrl }) => {
  app = api;
  base = apiUrl;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const duty = (jurisdiction: string): Actor => ({ userId: `duty-${jurisdiction}`, roles: ['duty_officer'], jurisdiction });
/** GET /rules through the client, which checks the answer against the catalog's RulesView schema. */
async function rulesAs(actor: Actor, jurisdiction?: string) {
  const client = createHttpClient({ baseUrl: base, token: await testToken(actor) });
  return client.call('rules', { query: { jurisdiction } });
}
const DEFAULTS = { jurisdiction: '*', version: DEFAULT_PLAN_RULES.version };

describe('GET /rules', () => {
  it('where no file applies: the built-in defaults, every section sourced to `*`', async () => {
    const answer = await rulesAs(duty(PROVINCE));
    expect(answer.jurisdiction).toBe(PROVINCE);
    expect(answer.rules).toStrictEqual(DEFAULT_PLAN_RULES);
    expect(answer.sources).toStrictEqual(Object.fromEntries(PLAN_RULE_SECTIONS.map((s) => [s, DEFAULTS])));
    for (const rule of answer.rules.reporting) expect(rule.source.length).toBeGreaterThan(0);
  });

  it('a county with its own file: its own reporting section, the city’s linkage and grading, the defaults for the rest', async () => {
    const answer = await rulesAs(duty(DINGHU));
    expect(answer.jurisdiction).toBe(DINGHU);
    expect(answer.rules.reporting).toStrictEqual(DINGHU_RULES.reporting);
    expect(answer.rules.linkage).toStrictEqual(CITY_RULES.linkage);
    expect(answer.rules.grading).toStrictEqual(DEFAULT_PLAN_RULES.grading);
    expect(answer.rules.supplementary).toStrictEqual(DEFAULT_PLAN_RULES.supplementary);
    expect(answer.rules).toMatchObject({ jurisdiction: DINGHU, version: 'dh-2026-2' });
    expect(answer.sources).toStrictEqual({
      reporting: { jurisdiction: DINGHU, version: 'dh-2026-2' },
      supplementary: DEFAULTS,
      responseAuthority: DEFAULTS,
      linkage: { jurisdiction: CITY, version: 'zq-2026-1' },
      grading: { jurisdiction: CITY, version: 'zq-2026-1' },
      upperRoomRights: DEFAULTS,
    });
  });

  it('a county without a file inherits the city’s sections and the default reporting deadlines', async () => {
    const answer = await rulesAs(duty(HUAIJI));
    expect(answer.rules.reporting).toStrictEqual(DEFAULT_PLAN_RULES.reporting);
    expect(answer.rules.linkage).toStrictEqual(CITY_RULES.linkage);
    expect(answer.sources.reporting).toStrictEqual(DEFAULTS);
    expect(answer.sources.linkage).toStrictEqual({ jurisdiction: CITY, version: 'zq-2026-1' });
  });

  it('rules are no secret: any signed-in room reads those of any jurisdiction of the tree, its neighbour’s and the city’s too', async () => {
    const own = await rulesAs(duty(DINGHU));
    expect(await rulesAs(duty(HUAIJI), DINGHU)).toStrictEqual(own);
    expect(await rulesAs({ userId: 'reviewer-1', roles: ['reviewer'], jurisdiction: HUAIJI }, DINGHU)).toStrictEqual(own);
    const city = await rulesAs(duty(DINGHU), CITY);
    expect(city.sources.reporting).toStrictEqual(DEFAULTS);
    expect(city.sources.linkage).toStrictEqual({ jurisdiction: CITY, version: 'zq-2026-1' });
  });

  it('a malformed or unknown jurisdiction is a 400 naming query.jurisdiction; no token is a 401', async () => {
    for (const [query, message] of [
      ['4412', 'must be a 6-digit (GB/T 2260) or 9-digit (GB/T 10114) administrative code'],
      ['999999', 'unknown jurisdiction 999999'],
      ['441203100', 'unknown jurisdiction 441203100'],
    ] as const) {
      const response = await call(duty(DINGHU), 'GET', `/rules?jurisdiction=${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'validation', issues: [{ path: 'query.jurisdiction', message }] } });
    }
    const extra = await call(duty(DINGHU), 'GET', '/rules?section=reporting');
    expect(extra.statusCode).toBe(400);
    const anonymous = await createHttpClient({ baseUrl: base })
      .call('rules')
      .catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(MusterApiError);
    expect((anonymous as MusterApiError).status).toBe(401);
  });
});
