/**
 * Reads Prometheus' text exposition format as the tests need it: the sum of the samples of one
 * metric whose labels include the ones given (0 when there is none).
 */
export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (wanted.every((w) => have.includes(w))) total += Number(match[3]);
  }
  return total;
}

/** GET `url` (a /metrics endpoint): its text, failing on anything but 200. */
export async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.text();
}
