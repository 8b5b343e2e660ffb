/**
 * JSON with object keys sorted at every level and `undefined` members left out, so that the same value
 * serializes to the same bytes whatever order jsonb hands its keys back in. The event hash chain and the
 * command fingerprints are computed over it: its output for a given value must never change.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // JSON.stringify of undefined, a function or a symbol is undefined: inside arrays JSON writes null.
    return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  // Loops rather than entries/filter/sort/map: it runs over every event's data and meta and every
  // command's payload (issue 18), and the arrays it allocated were a visible part of a command.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole stays empty, as Array.prototype.join writes it: the output must never change.
      if (i in value) out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `<` does on strings.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}
