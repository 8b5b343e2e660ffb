/**
 * A neighbouring city added by file, without code (issue 16): MUSTER_JURISDICTIONS_FILE lists Yunfu
 * (云浮市, 445300) and one of its counties beside Zhaoqing under Guangdong, and a township of Dinghu.
 * The engine, the verifier and the routes all get the one tree loaded from it, as main.ts wires them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZHAOQING_JURISDICTIONS, type Actor } from '@muster/domain';
import { createEngine } from '@muster/engine';
import { loadJurisdictions } from '@muster/service-runtime';
import { PostgresEventStore } from '@muster/store-postgres';
import { TEST_JWT_SECRET } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { verifierFor } from './server';
import { actorRequests, apiTest } from './test-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'muster-tree-'));
const file = join(dir, 'jurisdictions.json');
writeFileSync(
  file,
  JSON.stringify([
    ...ZHAOQING_JURISDICTIONS,
    { code: '445300', name: '云浮市', nameEn: 'Yunfu', parent: '440000', level: 'city' },
    { code: '445302', name: '云城区', nameEn: 'Yuncheng District', parent: '445300', level: 'county' },
    { code: '441203100', name: '永安镇', parent: '441203', level: 'township' },
  ]),
);
const tree = await loadJurisdictions(file);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const duty = (jurisdiction: string): Actor => ({ userId: `duty-${jurisdiction}`, roles: ['duty_officer'], jurisdiction });
const PROVINCE = duty('440000');
const ZHAOQING = duty('441200');
const DINGHU = duty('441203');
const YONGAN = duty('441203100');
const YUNFU = duty('445300');
const YUNCHENG = duty('445302');

let app: FastifyInstance;
const { call, ok } = actorRequests(() => app);

apiTest.override('engine', { scope: 'file' }, ({ database, clock }) => createEngine({ store: new PostgresEventStore(database.db), clock, jurisdictions: tree }));
apiTest.override('apiOptions', { scope: 'file' }, { jurisdictions: tree, verifier: verifierFor({ secret: TEST_JWT_SECRET }, tree) });
apiTest.beforeAll(async ({ api }) => {
  app = api;
  await ok(YUNCHENG, 'POST', '/incidents', { incidentId: 'yf-landslide', data: { title: 'Landslide on the G324', leadJurisdiction: '445302', severity: 'IV' } });
  await ok(YUNFU, 'POST', '/incidents', { incidentId: 'yf-city', data: { title: 'Reservoir seepage', leadJurisdiction: '445300' } });
  await ok(DINGHU, 'POST', '/incidents', { incidentId: 'dh-breach', data: { title: 'Embankment breach at Shakeng', leadJurisdiction: '441203', severity: 'IV' } });
  await ok(YONGAN, 'POST', '/incidents', { incidentId: 'ya-flood', data: { title: 'Street flooding in Yong’an', leadJurisdiction: '441203100' } });
});

const listed = async (actor: Actor) => (await ok<{ items: { incidentId: string }[] }>(actor, 'GET', '/incidents')).items.map((i) => i.incidentId).sort();

describe('a neighbouring city from the jurisdictions file', () => {
  it('is served: GET /jurisdictions names it, and its rooms’ tokens are accepted', async () => {
    const items = (await ok<{ items: { code: string; name: string; parent: string | null }[] }>(YUNCHENG, 'GET', '/jurisdictions')).items;
    expect(items.find((j) => j.code === '445300')).toMatchObject({ name: '云浮市', parent: '440000' });
    expect(items.find((j) => j.code === '441203100')).toMatchObject({ name: '永安镇', parent: '441203' });
    expect(await ok(YUNCHENG, 'GET', '/me')).toMatchObject({ jurisdiction: '445302' });
  });

  it('a user of Yunfu sees its own incidents and none of Zhaoqing’s', async () => {
    expect(await listed(YUNFU)).toStrictEqual(['yf-city', 'yf-landslide']);
    expect(await listed(YUNCHENG)).toStrictEqual(['yf-landslide']);
    expect((await call(YUNFU, 'GET', '/incidents/dh-breach')).statusCode).toBe(404);
    expect((await call(YUNCHENG, 'GET', '/incidents/ya-flood')).statusCode).toBe(404);
    expect((await call(YUNFU, 'GET', '/incidents?jurisdiction=441203')).json()).toMatchObject({ items: [] });
    // Nor may it report into Zhaoqing.
    expect((await call(YUNFU, 'POST', '/incidents', { data: { title: 'not ours', leadJurisdiction: '441203' } })).statusCode).toBe(403);
  });

  it('Zhaoqing sees its own, its township’s included, and none of Yunfu’s; the province sees both cities', async () => {
    expect(await listed(ZHAOQING)).toStrictEqual(['dh-breach', 'ya-flood']);
    expect(await listed(DINGHU)).toStrictEqual(['dh-breach', 'ya-flood']);
    expect(await listed(YONGAN)).toStrictEqual(['ya-flood']);
    expect((await call(ZHAOQING, 'GET', '/incidents/yf-landslide')).statusCode).toBe(404);
    expect(await listed(PROVINCE)).toStrictEqual(['dh-breach', 'ya-flood', 'yf-city', 'yf-landslide']);
  });

  it('the room above a Yunfu county acts on its incident as the tree says: Yunfu, not Zhaoqing', async () => {
    // Yunfu is the room above Yuncheng's incident: it classifies it (the upper room's rights), while
    // verifying it stays Yuncheng's (以县为主); Zhaoqing, beside it, does not see it at all.
    const fromYunfu = await call(YUNFU, 'POST', '/incidents/yf-landslide/commands', { type: 'ClassifyIncident', data: { category: 'natural_disaster', severity: 'IV' } });
    expect(fromYunfu.statusCode, fromYunfu.body).toBe(200);
    expect((await call(YUNFU, 'POST', '/incidents/yf-landslide/commands', { type: 'BeginVerification' })).statusCode).toBe(403);
    expect((await call(ZHAOQING, 'POST', '/incidents/yf-landslide/commands', { type: 'UpdateIncidentDetails', data: { title: 'x' } })).statusCode).toBe(404);
    expect((await call(ZHAOQING, 'POST', '/incidents/yf-landslide/commands', { type: 'ClassifyIncident', data: { category: 'natural_disaster', severity: 'IV' } })).statusCode).toBe(404);
  });
});
