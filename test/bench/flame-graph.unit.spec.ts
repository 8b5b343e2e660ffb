import { describe, expect, it } from 'vitest';
import { flameBars, flameGraphSvg, flameTree, type FlameNode } from './flame-graph';
import type { CpuProfile } from './profile-summary';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
const api = 'file:///work/main/services/api/src/app.ts';
const store = 'file:///work/main/packages/store-postgres/src/connect.ts';

/**
 * root ─ (idle)
 *      ├ handle (api) ─ write (store) ─ writev (native)
 *      │              └ parse (api)
 *      └ (garbage collector)
 */
function profile(samples: number[], timeDeltas: number[], startTime = 1_000_000): CpuProfile {
  return {
    startTime,
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 7] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('handle', api, 10), children: [4, 6] },
      { id: 4, callFrame: frame('write', store, 40), children: [5] },
      { id: 5, callFrame: frame('writev') },
      { id: 6, callFrame: frame('parse', api, 20) },
      { id: 7, callFrame: frame('(garbage collector)') },
    ],
    samples,
    timeDeltas,
  };
}

const child = (node: FlameNode | undefined, name: string) => node?.children.find((c) => c.name === name);
/** A frame's own time: its total less its children's. */
const selfOf = (node: FlameNode | undefined) => (node ? node.totalMs - node.children.reduce((sum, c) => sum + c.totalMs, 0) : Number.NaN);

describe('flameTree', () => {
  it('adds each sample to its frame and to every frame below it, leaving the idle time out', () => {
    // 1 ms each: idle 3, writev 4, write itself 1, parse 2, handle itself 1, GC 1.
    const samples = [2, 2, 2, 5, 5, 5, 5, 4, 6, 6, 3, 7];
    const tree = flameTree([profile(samples, samples.map(() => 1000))]);
    expect(tree.totalMs).toBe(9);
    const handle = child(tree, 'handle');
    expect(handle).toMatchObject({ totalMs: 8, pkg: '@muster/api', where: 'api/src/app.ts:11' });
    expect(selfOf(handle)).toBe(1);
    expect(child(handle, 'write')).toMatchObject({ totalMs: 5, pkg: '@muster/store-postgres' });
    expect(selfOf(child(handle, 'write'))).toBe(1);
    expect(child(child(handle, 'write'), 'writev')).toMatchObject({ totalMs: 4, pkg: '(native)' });
    expect(selfOf(child(child(handle, 'write'), 'writev'))).toBe(4);
    expect(child(handle, 'parse')).toMatchObject({ totalMs: 2 });
    expect(selfOf(child(handle, 'parse'))).toBe(2);
    expect(child(tree, '(garbage collector)')?.totalMs).toBe(1);
    expect(child(tree, '(idle)')).toBeUndefined();
    // Widest first: write (5) before parse (2), handle (8) before the collector (1).
    expect(handle?.children.map((c) => c.name)).toEqual(['write', 'parse']);
    expect(tree.children.map((c) => c.name)).toEqual(['handle', '(garbage collector)']);
  });

  it('counts only the samples inside the window', () => {
    // Samples at 1,001,000 µs, 1,002,000, … : the window takes the 3rd to the 5th.
    const tree = flameTree([profile([5, 5, 6, 6, 4, 7], [1000, 1000, 1000, 1000, 1000, 1000])], { fromUs: 1_003_000, toUs: 1_005_000 });
    expect(tree.totalMs).toBe(3);
    expect(child(child(tree, 'handle'), 'parse')?.totalMs).toBe(2);
    expect(child(child(tree, 'handle'), 'write')?.totalMs).toBe(1);
    expect(child(tree, '(garbage collector)')).toBeUndefined();
  });

  it('merges the profiles of several processes frame by frame along the same path', () => {
    const tree = flameTree([profile([5, 6], [1000, 1000]), profile([5, 5, 7], [2000, 2000, 2000])]);
    expect(tree.totalMs).toBe(8);
    expect(tree.children).toHaveLength(2);
    expect(child(child(child(tree, 'handle'), 'write'), 'writev')?.totalMs).toBe(5);
  });

  it('keeps two functions of one name apart when they are different functions', () => {
    const p = profile([3, 8], [1000, 1000]);
    p.nodes.push({ id: 8, callFrame: frame('handle', store, 99) });
    (p.nodes[0]?.children ?? []).push(8);
    const tree = flameTree([p]);
    expect(tree.children.filter((c) => c.name === 'handle').map((c) => c.where).sort()).toEqual(['api/src/app.ts:11', 'store-postgres/src/connect.ts:100']);
  });
});

describe('flameBars', () => {
  it('places each frame above its caller, its children left to right, and leaves out frames narrower than the minimum', () => {
    const samples = [5, 5, 5, 5, 4, 6, 6, 3, 7];
    const tree = flameTree([profile(samples, samples.map(() => 1000))]);
    const bars = flameBars(tree, 0.15);
    const at = (name: string) => bars.find((b) => b.node.name === name);
    expect(at('all')).toMatchObject({ depth: 0, startMs: 0 });
    expect(at('handle')).toMatchObject({ depth: 1, startMs: 0 });
    expect(at('write')).toMatchObject({ depth: 2, startMs: 0 });
    expect(at('parse')).toMatchObject({ depth: 2, startMs: 5 });
    expect(at('writev')).toMatchObject({ depth: 3, startMs: 0 });
    // The collector's 1 ms of 9 is under 15 %.
    expect(at('(garbage collector)')).toBeUndefined();
  });
});

describe('flameGraphSvg', () => {
  it('draws one bar per frame wide enough, labelled with its function where it fits', () => {
    const samples = [5, 5, 5, 5, 4, 6, 6, 3, 7];
    const svg = flameGraphSvg(flameTree([profile(samples, samples.map(() => 1000))]), 'the api, test');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('the api, test');
    // all, handle, write, writev, parse, the collector: six bars in the series.
    expect(svg.match(/ecmeta_data_index="\d+"/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
    for (const name of ['handle', 'write', 'writev', 'parse']) expect(svg).toContain(`>${name}<`);
    // Muster's own code is blue, native frames red.
    expect(svg).toContain('fill="#5b8ff9"');
    expect(svg).toContain('fill="#e8684a"');
  });
});
