import { createTokenVerifier } from '@muster/identity';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `pnpm muster token` (scripts/muster.mjs): run from the server's bundle made by esbuild (issue 18,
 * scripts/bundle.mjs), in services/muster/dist, made on first use and again whenever one of the
 * files it was made from changes (server-bundle.int.spec.ts shows when).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const secret = 'token-cli-secret-0123456789abcdefghij';
const dataDir = mkdtempSync(join(tmpdir(), 'muster-token-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function muster(args: string[], env: Record<string, string | undefined>) {
  const run = spawnSync(process.execPath, [join(root, 'scripts/muster.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, MUSTER_JWT_SECRET: undefined, MUSTER_DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('pnpm muster token, from the server bundle', () => {
  it('prints a token the server with that secret accepts, for the asked user, roles and room', async () => {
    const run = muster(['token', '--user', 'zhao', '--roles', 'duty_officer,leader', '--jurisdiction', '441203', '--name', '赵值班'], { MUSTER_JWT_SECRET: secret });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const identity = await createTokenVerifier({ secret: new TextEncoder().encode(secret) }).verify(run.stdout.trim());
    expect(identity.actor).toMatchObject({ userId: 'zhao', roles: ['duty_officer', 'leader'], jurisdiction: '441203' });
    expect(identity.name).toBe('赵值班');
    // Made from the command's own sources: a change to any of them makes the bundle again.
    const { inputs } = JSON.parse(readFileSync(join(root, 'services/muster/dist/bundle.json'), 'utf8')) as { inputs: string[] };
    expect(inputs).toEqual(expect.arrayContaining(['services/muster/src/main.ts', 'services/muster/src/token.ts', 'packages/identity/src/tokens.ts']));
  });

  it('refuses what the whole command line refuses, naming it, with exit code 2 and no token', () => {
    const unknownRoom = muster(['token', '--user', 'zhao', '--jurisdiction', '999999'], { MUSTER_JWT_SECRET: secret });
    expect(unknownRoom.status).toBe(2);
    expect(unknownRoom.stdout).toBe('');
    expect(unknownRoom.stderr).toContain('options.jurisdiction: unknown jurisdiction 999999');
    const noSecret = muster(['token', '--user', 'zhao', '--jurisdiction', '441203'], {});
    expect(noSecret.status).toBe(2);
    expect(noSecret.stderr).toContain(`no token secret at ${join(dataDir, 'jwt-secret')}`);
  });

  it('is one command of the whole command line', () => {
    const help = muster(['--help'], {});
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('token [options]');
    expect(help.stdout).toContain('start');
  });
});
