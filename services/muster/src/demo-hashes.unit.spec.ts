import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoDirectory } from '@muster/identity';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keptDemoHashes } from './demo-hashes';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-demo-hashes-'));
  file = join(dir, 'demo-password-hashes.json');
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** Every demo user (the README's table, `dinghu-leader` the eleventh): each has one password hash. */
const DEMO_USERS = 11;

/** Builds the demo directory through the kept hashes, counting the hashes that had to be made. */
async function build(): Promise<{ made: number; login(username: string, password: string): Promise<string> }> {
  let made = 0;
  const directory = await keptDemoHashes(file, (hashFor) =>
    demoDirectory(undefined, async (username) => {
      const before = await readFile(file, 'utf8').catch(() => '');
      const hash = await hashFor(username);
      if (!before.includes(hash)) made += 1;
      return hash;
    }),
  );
  return { made, login: async (u, p) => (await directory.authenticate(u, p)).userId };
}

describe('demo password hashes kept in the data directory', () => {
  it('the first start hashes every demo password and keeps them (mode 0600); the next start hashes none and logins still work', async () => {
    const first = await build();
    expect(first.made).toBe(DEMO_USERS);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await build();
    expect(second.made).toBe(0);
    expect(await second.login('dinghu-duty', 'dinghu-duty')).toBe('dinghu-duty');
    await expect(second.login('dinghu-duty', 'wrong')).rejects.toThrow('unknown user or wrong password');
  });

  it('a damaged file is ignored and rewritten', async () => {
    await writeFile(file, '{"dinghu-duty": "not a hash"');
    const start = await build();
    expect(start.made).toBe(DEMO_USERS);
    expect(await start.login('city-duty', 'city-duty')).toBe('city-duty');
    expect((await build()).made).toBe(0);
  });
});
