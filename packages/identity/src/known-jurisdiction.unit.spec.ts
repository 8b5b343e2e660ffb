import { JurisdictionTree, ZHAOQING_JURISDICTIONS } from '@muster/domain';
import { ValidationError } from '@muster/contracts';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, issueToken } from './tokens';
import { demoDirectory, UserDirectory } from './users';

const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-characters!');
const tree = new JurisdictionTree(ZHAOQING_JURISDICTIONS);

// Issue 14 finding 3: a correctly signed admin token for a code outside the tree passed the incident rules everywhere.
describe('a token for a jurisdiction outside the tree is refused', () => {
  it('admin@999999, correctly signed, is refused as unauthorized, and stays refused when asked again', async () => {
    const verifier = createTokenVerifier({ secret, knownJurisdiction: (code) => tree.has(code) });
    const token = await issueToken({ userId: 'admin-1', roles: ['admin'], jurisdiction: '999999' }, { secret, ttlSeconds: 60 });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthorized', message: "the token's jurisdiction is not served here" });
    // A refusal is never remembered as a verified identity.
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a token of a room in the tree is accepted by the same verifier', async () => {
    const verifier = createTokenVerifier({ secret, knownJurisdiction: (code) => tree.has(code) });
    const actor = { userId: 'admin-2', roles: ['admin' as const], jurisdiction: '441224' };
    expect((await verifier.verify(await issueToken(actor, { secret, ttlSeconds: 60 }))).actor).toEqual(actor);
  });
});

describe('users of rooms outside the tree', () => {
  const record = (username: string, jurisdiction: string) => ({ username, name: username, passwordHash: 'scrypt$x$y', roles: ['duty_officer' as const], jurisdiction });

  it('a users file naming a room outside the tree is refused at start, naming the record', () => {
    const build = () =>
      new UserDirectory([record('zq-duty', '441200'), record('hz-duty', '441300')], { knownJurisdiction: (code) => tree.has(code), source: 'env.MUSTER_USERS_FILE' });
    expect(build).toThrow(ValidationError);
    expect(build).toThrow(expect.objectContaining({ issues: [{ path: 'env.MUSTER_USERS_FILE.1.jurisdiction', message: 'unknown jurisdiction 441300: not in the served tree' }] }));
    expect(new UserDirectory([record('zq-duty', '441200')], { knownJurisdiction: (code) => tree.has(code) }).list()).toHaveLength(1);
  });

  it('the demo users include the province duty room (广东省应急管理厅值班室) and leader, and log in', async () => {
    const demo = await demoDirectory((code) => tree.has(code));
    const province = demo.list().filter((u) => u.jurisdiction === '440000');
    expect(province.map((u) => [u.username, u.roles])).toStrictEqual([
      ['province-duty', ['duty_officer']],
      ['province-leader', ['leader']],
    ]);
    expect(province[0]?.name).toContain('广东省应急管理厅值班室');
    await expect(demo.authenticate('province-duty', 'province-duty')).resolves.toMatchObject({ userId: 'province-duty', jurisdiction: '440000', roles: ['duty_officer'] });
  });

  it('a tree without some demo rooms leaves those demo users out', async () => {
    const cityOnly = new JurisdictionTree(ZHAOQING_JURISDICTIONS.filter((j) => j.level !== 'county'));
    const demo = await demoDirectory((code) => cityOnly.has(code));
    expect(demo.list().length).toBeGreaterThan(0);
    expect(demo.list().every((u) => cityOnly.has(u.jurisdiction))).toBe(true);
    expect(demo.list().map((u) => u.username)).not.toContain('dinghu-duty');
    await expect(demo.authenticate('dinghu-duty', 'dinghu-duty')).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
