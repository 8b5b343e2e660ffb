/**
 * A flame graph of V8 CPU profiles (`node --cpu-prof`), drawn as a static SVG for the bench report
 * (issue 18: "profile the api under the bench, flame graph in the report"). Each bar is a function
 * as called from the bars below it; its width is the share of the sampled time on CPU spent in it
 * and in what it called. Apache ECharts (already the bench's chart library) draws it as a custom
 * series, on the server, without a browser: the flame graph tools of npm read other formats (perf
 * scripts, `--prof` logs) or write an interactive HTML page, which a Markdown report cannot show.
 */
import * as echarts from 'echarts';
import { packageOf, short, type CallFrame, type CpuProfile, type ProfileWindow } from './profile-summary';

/** A function as called from its parents' path: the merged call tree of one or more profiles. */
export interface FlameNode {
  name: string;
  /** file:line, or '' for a native frame. */
  where: string;
  /** The package it belongs to (profile-summary's packageOf), which gives its colour. */
  pkg: string;
  /** Sampled ms in this frame and every frame it called (its own: this less its children's). */
  totalMs: number;
  children: FlameNode[];
}

const keyOf = (frame: CallFrame) => `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;

function nodeFor(frame: CallFrame): FlameNode {
  return {
    name: frame.functionName || '(anonymous)',
    where: frame.url ? `${short(frame.url)}:${frame.lineNumber + 1}` : '',
    pkg: packageOf(frame),
    totalMs: 0,
    children: [],
  };
}

/**
 * The call tree of every profile's samples (those in `window` when given), merged by frame along
 * the same path: the api's cluster workers each write a profile of the same code. The idle frame
 * is left out, so the root's total is the time on CPU.
 */
export function flameTree(profiles: readonly CpuProfile[], window?: ProfileWindow): FlameNode {
  const root: FlameNode = { name: 'all', where: '', pkg: '(root)', totalMs: 0, children: [] };
  // Each node's children by frame key (names alone would merge two functions of one name).
  const childrenByKey = new Map<FlameNode, Map<string, FlameNode>>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
    const selfMs = new Map<number, number>();
    let at = profile.startTime;
    for (const [i, id] of profile.samples.entries()) {
      const delta = profile.timeDeltas[i] ?? 0;
      at += delta;
      if (window && (at < window.fromUs || at > window.toUs)) continue;
      selfMs.set(id, (selfMs.get(id) ?? 0) + delta / 1000);
    }
    for (const [id, ms] of selfMs) {
      // The path from the profile's root down to the sampled frame, without the root itself.
      const path: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame && parentOf.has(at)) path.unshift(frame);
      }
      if (path[0]?.functionName === '(idle)') continue;
      let node = root;
      node.totalMs += ms;
      for (const frame of path) {
        const children = childrenByKey.get(node) ?? new Map<string, FlameNode>();
        childrenByKey.set(node, children);
        const key = keyOf(frame);
        let child = children.get(key);
        if (!child) {
          child = nodeFor(frame);
          children.set(key, child);
          node.children.push(child);
        }
        child.totalMs += ms;
        node = child;
      }
    }
  }
  sortTree(root);
  return root;
}

/** Widest first, so the graph reads the same from run to run. */
function sortTree(node: FlameNode): void {
  node.children.sort((a, b) => b.totalMs - a.totalMs);
  for (const child of node.children) sortTree(child);
}

/** Muster's own code blue, Node's internals grey, system calls and other native frames red, V8's own work purple, dependencies in warm hues by package. */
function colourOf(pkg: string): string {
  if (pkg === '(root)') return '#d9d9d9';
  if (pkg.startsWith('@muster/')) return '#5b8ff9';
  if (pkg === 'node (internals)') return '#b0b0b0';
  if (pkg === '(native)') return '#e8684a';
  if (pkg.startsWith('(')) return '#9270ca';
  let hash = 0;
  for (const c of pkg) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${25 + (hash % 30)}, 85%, ${55 + (hash % 12)}%)`;
}

interface Bar {
  depth: number;
  startMs: number;
  node: FlameNode;
}

/** The bars to draw: every frame at least `minShare` of the root wide, placed left to right under its parent. */
export function flameBars(root: FlameNode, minShare: number): Bar[] {
  const bars: Bar[] = [];
  const minMs = root.totalMs * minShare;
  const visit = (node: FlameNode, depth: number, startMs: number) => {
    if (node.totalMs < minMs || node.totalMs <= 0) return;
    bars.push({ depth, startMs, node });
    let offset = startMs;
    for (const child of node.children) {
      visit(child, depth + 1, offset);
      offset += child.totalMs;
    }
  };
  visit(root, 0, 0);
  return bars;
}

const WIDTH = 1200;
const BAR_HEIGHT = 17;

/**
 * The tree as an SVG flame graph (the root at the bottom), `title` above it. Frames narrower than a
 * pixel are left out; a bar wide enough for it is labelled with its function's name. The report's
 * tables beside it name the files and give the figures.
 */
export function flameGraphSvg(root: FlameNode, title: string): string {
  const bars = flameBars(root, 1 / WIDTH);
  const depth = bars.reduce((max, b) => Math.max(max, b.depth), 0) + 1;
  const top = 46;
  const height = top + depth * BAR_HEIGHT + 10;
  const total = root.totalMs || 1;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: title,
      subtext: 'width: share of the sampled time on CPU in the function and what it called; colour: blue Muster, orange dependencies, grey Node, red native (system calls), purple V8 (GC, compiler)',
      left: 'center',
      top: 2,
      textStyle: { fontSize: 14 },
      subtextStyle: { fontSize: 11 },
    },
    grid: { left: 4, right: 4, top, bottom: 10 },
    xAxis: { type: 'value', min: 0, max: total, show: false },
    yAxis: { type: 'value', min: 0, max: depth, show: false },
    series: [
      {
        type: 'custom',
        encode: { x: [1, 2], y: 0 },
        data: bars.map((b) => ({
          name: b.node.name,
          value: [b.depth, b.startMs, b.startMs + b.node.totalMs],
          itemStyle: { color: colourOf(b.node.pkg) },
        })),
        renderItem: (params: { dataIndex: number }, api: { value(i: number): number; coord(p: number[]): number[]; visual(k: string): string }) => {
          const level = api.value(0);
          const [x0 = 0, yBase = 0] = api.coord([api.value(1), level]);
          const [x1 = 0] = api.coord([api.value(2), level]);
          const width = Math.max(0, x1 - x0 - 1);
          const label = bars[params.dataIndex]?.node.name ?? '';
          return {
            type: 'rect',
            shape: { x: x0, y: yBase - BAR_HEIGHT, width, height: BAR_HEIGHT - 1 },
            style: { fill: api.visual('color') },
            textContent: width > 28 ? { style: { text: label, fontSize: 10, fill: '#1a1a1a', width: width - 4, overflow: 'truncate', ellipsis: '…' } } : undefined,
            textConfig: { position: 'insideLeft' },
          };
        },
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
