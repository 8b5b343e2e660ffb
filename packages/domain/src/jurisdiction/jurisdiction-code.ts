/**
 * GB/T 2260 administrative codes nest by their digits: 440000 province, 441200 city, 441203 county.
 * True when `code` is `ancestor` or lies inside it. The full tree (with units that have no code of
 * their own) is data loaded elsewhere; this is the structural rule that holds for every coded unit.
 */
export function isWithinJurisdiction(code: string, ancestor: string): boolean {
  if (code === ancestor) return true;
  if (/^\d{2}0000$/.test(ancestor)) return code.startsWith(ancestor.slice(0, 2));
  if (/^\d{4}00$/.test(ancestor)) return code.startsWith(ancestor.slice(0, 4));
  return false;
}
