import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const TSX = resolve(here, '../../../node_modules/.bin/tsx');
const FIXTURE = join(here, 'fixtures/service.ts');

function start(env: Record<string, string>) {
  const child = spawn(TSX, [FIXTURE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('runService: the process frame of every service', () => {
  it('a bad environment variable exits with 2 and names the variable', async () => {
    const service = start({ SERVICE_LEVEL: 'loud' });
    expect(await service.exited).toBe(2);
    expect(service.err()).toContain('fixture: invalid environment');
    expect(service.err()).toContain('env.SERVICE_LEVEL: must be info or warn');
    expect(service.out()).not.toContain('running');
  });

  it('a bad configuration file found while starting exits with 2, names the entry, and releases what was built', async () => {
    const stopFile = join(await mkdtemp(join(tmpdir(), 'muster-service-')), 'stopped');
    const service = start({ SERVICE_LEVEL: 'warn', STOP_FILE: stopFile, BAD_FILE: '/etc/muster/rules.json' });
    expect(await service.exited).toBe(2);
    expect(service.err()).toContain('fixture: invalid configuration');
    expect(service.err()).toContain('env.RULES(/etc/muster/rules.json) reporting[0] "x": phoneMinutes: must be at least 1 minute');
    expect(service.out()).not.toContain('running');
    expect(await readFile(stopFile, 'utf8')).toBe('pool\n');
  });

  it('SIGTERM releases every held resource, newest first, then exits 0', async () => {
    const stopFile = join(await mkdtemp(join(tmpdir(), 'muster-service-')), 'stopped');
    const service = start({ SERVICE_LEVEL: 'warn', STOP_FILE: stopFile });
    for (let i = 0; i < 300 && !service.out().includes('running'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(service.out()).toContain('running');
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    // The server built on the pool goes before the pool.
    expect(await readFile(stopFile, 'utf8')).toBe('server on pool\npool\n');
  });
});
