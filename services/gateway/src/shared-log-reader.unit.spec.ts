import type { EventEnvelope } from '@muster/contracts';
import { describe, expect, it } from 'vitest';
import type { LogReader } from './session';
import { SharedLogReader } from './shared-log-reader';

/** An in-memory log whose reads finish only when the test says so, to place requests around them. */
function controlledLog() {
  const reads: { after: string; rooms: readonly string[]; finish(page: EventEnvelope[]): void; fail(error: Error): void }[] = [];
  const log: LogReader = {
    head: async () => '9.9',
    readPage: (after, _limit, rooms) =>
      new Promise<EventEnvelope[]>((resolve, reject) => {
        reads.push({ after, rooms, finish: resolve, fail: reject });
      }),
  };
  return { log, reads };
}

const page = (position: string) => [{ position } as EventEnvelope];
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('shared log reader', () => {
  it('answers identical requests of one turn with one read, and different ones with their own', async () => {
    const { log, reads } = controlledLog();
    const shared = new SharedLogReader(log, 4);
    const a = shared.readPage('1.1', 500, ['441203', '441200'], []);
    const b = shared.readPage('1.1', 500, ['441200', '441203'], []);
    const other = shared.readPage('1.2', 500, ['441203'], []);
    await endOfTurn();
    expect(reads.map((r) => r.after)).toEqual(['1.1', '1.2']);
    reads[0]?.finish(page('2.1'));
    reads[1]?.finish(page('2.2'));
    expect(await a).toBe(await b);
    expect((await other)[0]?.position).toBe('2.2');
    expect(shared.counts).toEqual({ issued: 2, served: 3 });
  });

  it('never joins a read already issued: a later session gets a query that starts after it asked (guarantee 5)', async () => {
    const { log, reads } = controlledLog();
    const shared = new SharedLogReader(log, 4);
    const early = shared.readPage('1.1', 500, ['441203'], []);
    await endOfTurn();
    expect(reads).toHaveLength(1);
    // The first query is on its way; an event committed now may be missing from it.
    const late = shared.readPage('1.1', 500, ['441203'], []);
    await endOfTurn();
    expect(reads).toHaveLength(2);
    reads[0]?.finish(page('2.1'));
    reads[1]?.finish(page('2.2'));
    expect((await early)[0]?.position).toBe('2.1');
    expect((await late)[0]?.position).toBe('2.2');
  });

  it('keeps at most maxConcurrent reads in flight; requests queued meanwhile share one read', async () => {
    const { log, reads } = controlledLog();
    const shared = new SharedLogReader(log, 1);
    const first = shared.readPage('1.1', 500, ['441203'], []);
    await endOfTurn();
    const queued = Array.from({ length: 50 }, () => shared.readPage('1.5', 500, ['441203'], []));
    await endOfTurn();
    expect(reads).toHaveLength(1);
    reads[0]?.finish(page('2.1'));
    await first;
    await endOfTurn();
    expect(reads.map((r) => r.after)).toEqual(['1.1', '1.5']);
    reads[1]?.finish(page('3.1'));
    const pages = await Promise.all(queued);
    expect(new Set(pages).size).toBe(1);
    expect(shared.counts).toEqual({ issued: 2, served: 51 });
  });

  it('fails every request of a failed read, and goes on with the next ones', async () => {
    const { log, reads } = controlledLog();
    const shared = new SharedLogReader(log, 1);
    const a = shared.readPage('1.1', 500, ['441203'], []);
    const b = shared.readPage('1.1', 500, ['441203'], []);
    await endOfTurn();
    reads[0]?.fail(new Error('connection terminated'));
    await expect(a).rejects.toThrow('connection terminated');
    await expect(b).rejects.toThrow('connection terminated');
    const c = shared.readPage('1.1', 500, ['441203'], []);
    await endOfTurn();
    reads[1]?.finish(page('2.1'));
    expect((await c)[0]?.position).toBe('2.1');
    expect(await shared.head()).toBe('9.9');
  });
});
