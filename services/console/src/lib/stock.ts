/**
 * Stock against need: what a depot holds of each kind a request asks for, so the dispatch picker can
 * say "应急帐篷 库存 40 / 需 10" and mark the depots that cannot cover the request. The server still
 * decides (stock may change between the read and the dispatch); this only tells the room beforehand.
 */

export interface ItemNeed {
  kind: string;
  quantity: number;
}

export interface StockLine {
  kind: string;
  quantity: number;
}

interface CoverageLine {
  kind: string;
  /** What the depot holds of the kind (0 when it holds none). */
  have: number;
  need: number;
  short: boolean;
}

export interface Coverage {
  lines: CoverageLine[];
  /** The depot holds enough of every kind asked for. */
  enough: boolean;
}

/** The quantity asked of each kind, merged (two rows of one kind count together), in first-asked order. */
export function needsByKind(items: readonly ItemNeed[]): ItemNeed[] {
  const merged = new Map<string, number>();
  for (const item of items) merged.set(item.kind, (merged.get(item.kind) ?? 0) + item.quantity);
  return [...merged].map(([kind, quantity]) => ({ kind, quantity }));
}

/** Each kind asked for against what the depot holds. */
export function coverage(stock: readonly StockLine[], items: readonly ItemNeed[]): Coverage {
  const held = new Map<string, number>();
  for (const line of stock) held.set(line.kind, (held.get(line.kind) ?? 0) + line.quantity);
  const lines = needsByKind(items).map(({ kind, quantity }) => {
    const have = held.get(kind) ?? 0;
    return { kind, have, need: quantity, short: have < quantity };
  });
  return { lines, enough: lines.every((l) => !l.short) };
}

/**
 * The depots a room may dispatch from (its own: the server refuses any other), those that cover the
 * request first, each with its coverage; the order among equals is the api's.
 */
export function dispatchDepots<D extends { jurisdiction: string; stock: readonly StockLine[] }>(
  depots: readonly D[],
  room: string,
  items: readonly ItemNeed[],
): (D & { coverage: Coverage })[] {
  const own = depots.filter((d) => d.jurisdiction === room).map((d) => ({ ...d, coverage: coverage(d.stock, items) }));
  return [...own.filter((d) => d.coverage.enough), ...own.filter((d) => !d.coverage.enough)];
}

/**
 * The stock left to read in a dispatch refusal: the api answers a depot short of a kind with a
 * conflict naming the kind, what was asked and what is there.
 */
export function shortage(details: Readonly<Record<string, unknown>> | undefined): { kind: string; requested: number; available: number } | null {
  if (!details) return null;
  const { kind, requested, available } = details;
  if (typeof kind !== 'string' || typeof requested !== 'number' || typeof available !== 'number') return null;
  return { kind, requested, available };
}
