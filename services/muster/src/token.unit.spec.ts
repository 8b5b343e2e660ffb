import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@muster/contracts';
import { createTokenVerifier } from '@muster/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { developmentToken } from './token';

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-token-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const verifyToken = (token: string, { secret }: { secret: Uint8Array }) => createTokenVerifier({ secret, cacheSize: 0 }).verify(token);

const options = { user: 'dev', roles: 'duty_officer', jurisdiction: '441200', ttl: '600' };

describe('muster token (issue 19): never a token signed by a secret no server has', () => {
  it('refuses on a data directory without a secret, naming the file it looked for, and creates none', async () => {
    const dir = await dataDir();
    const error = await developmentToken(options, { MUSTER_DATA_DIR: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const issue = (error as ValidationError).issues[0];
    expect(issue?.path).toBe('env.MUSTER_DATA_DIR');
    expect(issue?.message).toContain(join(dir, 'jwt-secret'));
    expect(issue?.message).toContain('--create-secret');
    await expect(readFile(join(dir, 'jwt-secret'), 'utf8')).rejects.toThrow('ENOENT');
  });

  it("signs with the data directory's secret when it exists (the one `muster start` made)", async () => {
    const dir = await dataDir();
    const secret = 'a-secret-the-server-made-on-first-start-0123456789';
    await writeFile(join(dir, 'jwt-secret'), `${secret}\n`, { mode: 0o600 });
    const token = await developmentToken(options, { MUSTER_DATA_DIR: dir });
    const actor = await verifyToken(token, { secret: new TextEncoder().encode(secret) });
    expect(actor).toMatchObject({ actor: { userId: 'dev', jurisdiction: '441200', roles: ['duty_officer'] } });
  });

  it('creates the secret when asked, and signs with it', async () => {
    const dir = await dataDir();
    const token = await developmentToken({ ...options, createSecret: true }, { MUSTER_DATA_DIR: dir });
    const secret = (await readFile(join(dir, 'jwt-secret'), 'utf8')).trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await expect(verifyToken(token, { secret: new TextEncoder().encode(secret) })).resolves.toMatchObject({ actor: { userId: 'dev' } });
  });

  it('uses MUSTER_JWT_SECRET without any file', async () => {
    const dir = await dataDir();
    const secret = 'x'.repeat(40);
    const token = await developmentToken(options, { MUSTER_DATA_DIR: dir, MUSTER_JWT_SECRET: secret });
    await expect(verifyToken(token, { secret: new TextEncoder().encode(secret) })).resolves.toMatchObject({ actor: { userId: 'dev' } });
  });
});
