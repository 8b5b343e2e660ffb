/** Latency histograms of the bench: keys are tenths of a millisecond, values how many samples fell there. */

/** Percentile `p` of a histogram, in milliseconds (NaN when it is empty). */
export function histogramPct(histogram: Map<number, number>, p: number): number {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const [key, count] of [...histogram.entries()].sort((a, b) => a[0] - b[0])) {
    seen += count;
    if (seen >= rank) return key / 10;
  }
  return Number.NaN;
}

/** The largest sample of a histogram, in milliseconds. */
export const histogramMax = (histogram: Map<number, number>) => [...histogram.keys()].reduce((a, b) => Math.max(a, b), 0) / 10;
