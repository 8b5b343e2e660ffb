import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WriteBatcher } from './write-batcher';

/** A real Writable that records each write the stream layer hands down: one entry per would-be system call. */
function recordingStream(): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      calls.push([chunk.toString()]);
      callback();
    },
    writev(chunks, callback) {
      calls.push(chunks.map((c) => String(c.chunk)));
      callback();
    },
  });
  return { stream, calls };
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('write batcher', () => {
  it('without it, each frame is its own write (the cost it removes)', async () => {
    const { stream, calls } = recordingStream();
    for (const frame of ['a', 'b', 'c']) stream.write(frame);
    await endOfTurn();
    expect(calls).toEqual([['a'], ['b'], ['c']]);
  });

  it('sends the frames written in one turn as one write, in order, at the end of the turn', async () => {
    const { stream, calls } = recordingStream();
    const batcher = new WriteBatcher();
    for (const frame of ['a', 'b', 'c']) {
      batcher.hold(stream);
      stream.write(frame);
    }
    expect(calls).toEqual([]);
    expect(batcher.holding).toBe(1);
    await endOfTurn();
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(stream.writableCorked).toBe(0);
    expect(batcher.holding).toBe(0);
  });

  it('corks a stream once per turn, so nested corks of the writer (ws corks around each frame) still balance', async () => {
    const { stream, calls } = recordingStream();
    const batcher = new WriteBatcher();
    batcher.hold(stream);
    batcher.hold(stream);
    stream.cork();
    stream.write('x');
    stream.uncork();
    expect(stream.writableCorked).toBe(1);
    await endOfTurn();
    expect(stream.writableCorked).toBe(0);
    expect(calls).toEqual([['x']]);
    // Next turn: held again, flushed again.
    batcher.hold(stream);
    stream.write('y');
    await endOfTurn();
    expect(calls).toEqual([['x'], ['y']]);
  });

  it('batches each stream of the turn separately and leaves ended or destroyed streams alone', async () => {
    const one = recordingStream();
    const two = recordingStream();
    const gone = recordingStream();
    const batcher = new WriteBatcher();
    batcher.hold(one.stream);
    one.stream.write('1a');
    batcher.hold(two.stream);
    two.stream.write('2a');
    one.stream.write('1b');
    gone.stream.destroy();
    batcher.hold(gone.stream);
    expect(batcher.holding).toBe(2);
    // Ending a held stream writes out what it holds at once; the batcher's uncork is then a no-op.
    two.stream.end('2b');
    await endOfTurn();
    expect(one.calls).toEqual([['1a', '1b']]);
    expect(two.calls).toEqual([['2a', '2b']]);
    expect(gone.calls).toEqual([]);
  });

  it('releases one stream early on request, and flushes the others at the end of the turn', async () => {
    const one = recordingStream();
    const two = recordingStream();
    const batcher = new WriteBatcher();
    batcher.hold(one.stream);
    one.stream.write('1a');
    batcher.hold(two.stream);
    two.stream.write('2a');
    batcher.release(one.stream);
    expect(one.calls).toEqual([['1a']]);
    expect(two.calls).toEqual([]);
    // Held again in the same turn after a release: a new batch.
    batcher.hold(one.stream);
    one.stream.write('1b');
    one.stream.write('1c');
    batcher.release(two.stream);
    batcher.release(two.stream);
    await endOfTurn();
    expect(one.calls).toEqual([['1a'], ['1b', '1c']]);
    expect(two.calls).toEqual([['2a']]);
    expect(one.stream.writableCorked + two.stream.writableCorked).toBe(0);
  });
});
