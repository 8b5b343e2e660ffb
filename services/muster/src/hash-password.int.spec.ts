import { verifyPassword } from '@muster/identity';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const TSX = resolve(here, '../../../node_modules/.bin/tsx');

function run(stdin: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(TSX, [resolve(here, 'main.ts'), 'hash-password'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => done({ code, out, err }));
    child.stdin.end(stdin);
  });
}

describe('muster hash-password', () => {
  it('prints a hash of the password read on standard input that verifies, for a users file', async () => {
    const { code, out } = await run('秘密 correct horse\n');
    expect(code).toBe(0);
    const hash = out.trim();
    expect(hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('秘密 correct horse', hash)).toBe(true);
    expect(await verifyPassword('秘密 correct horse\n', hash)).toBe(false);
  });

  it('refuses an empty password with exit 2', async () => {
    const { code, err } = await run('');
    expect(code).toBe(2);
    expect(err).toContain('no password');
  });
});
