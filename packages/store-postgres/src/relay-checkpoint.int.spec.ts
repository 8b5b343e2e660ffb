import { type TestDatabase } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from './relay-checkpoint';

let t: TestDatabase;
integrationTest.beforeAll(({ database }) => {
  t = database;
});

describe('relay checkpoint', () => {
  it('is null until saved, then the saved position', async () => {
    expect(await loadCheckpoint(t.db, 'fresh')).toBeNull();
    expect(await saveCheckpoint(t.db, 'fresh', '741.3')).toBe(true);
    expect(await loadCheckpoint(t.db, 'fresh')).toBe('741.3');
  });

  it('only moves forwards, comparing positions as numbers', async () => {
    await saveCheckpoint(t.db, 'forwards', '9.5');
    expect(await saveCheckpoint(t.db, 'forwards', '10.1')).toBe(true);
    expect(await loadCheckpoint(t.db, 'forwards')).toBe('10.1');
    expect(await saveCheckpoint(t.db, 'forwards', '9.99')).toBe(false);
    expect(await saveCheckpoint(t.db, 'forwards', '10.0')).toBe(false);
    expect(await loadCheckpoint(t.db, 'forwards')).toBe('10.1');
    expect(await saveCheckpoint(t.db, 'forwards', '10.1')).toBe(true);
    expect(await saveCheckpoint(t.db, 'forwards', '18446744073709551615.12')).toBe(true);
    expect(await loadCheckpoint(t.db, 'forwards')).toBe('18446744073709551615.12');
  });

  it('keeps relays of different names apart', async () => {
    await saveCheckpoint(t.db, 'a', '5.5');
    await saveCheckpoint(t.db, 'b', '7.7');
    expect(await loadCheckpoint(t.db, 'a')).toBe('5.5');
    expect(await loadCheckpoint(t.db, 'b')).toBe('7.7');
  });

  it('refuses something that is not a position, in code and in the table', async () => {
    await expect(saveCheckpoint(t.db, 'bad', 'latest')).rejects.toThrow(RangeError);
    await expect(sql`insert into relay_checkpoint (name, position) values ('bad', '1-2')`.execute(t.db)).rejects.toThrow(/check constraint/);
  });
});
