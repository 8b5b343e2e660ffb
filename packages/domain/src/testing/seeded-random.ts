/**
 * The seeded randomness of the machine specs' random command sequences (test-only). A failing sequence
 * is named by its seed and replays the same way every run.
 */

/** mulberry32: a tiny seeded PRNG, good enough to pick commands. */
export function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from empty list');
  return item;
}

/** An integer from lo to hi, both included. */
export const int = (rng: () => number, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

/** The fields half of the time, nothing the other half: an optional part of a payload. */
export const maybe = <T extends object>(rng: () => number, fields: T): T | Record<never, never> => (rng() < 0.5 ? fields : {});
