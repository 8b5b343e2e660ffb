/**
 * The bench's figures (issue 18, item 6): what results.json holds and REPORT.md shows.
 *
 * Every figure has a stable `name` (dotted, lower case: `commands.ack_rate_64`), so a later run or a
 * script can find the same figure again whatever the load or the wording of its label. A figure with
 * a target states it, its `ratio` and whether it was `met`; a baseline or an informational figure has
 * `target: null` and `met: null`, so "not met" never hides among figures that have no target.
 *
 * `ratio` is always value ÷ reference: the baseline's value when the target is a multiple of a
 * baseline measured in the same run (`≤ 3 × baseline` is met at a ratio ≤ 3), the target's own limit
 * otherwise (`≤ 50 ms` is met at a ratio ≤ 1). Ratios against a same-run baseline are what to compare
 * between runs on this shared machine; absolute values move with its load.
 */

export interface Figure {
  /** Stable identifier: never reworded, so results.json of two runs can be compared by it. */
  name: string;
  /** What was measured and under which load, for the report's reader. */
  label: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  ratio?: number;
  /** The issue's target in words, or null for a baseline or an informational figure. */
  target: string | null;
  met: boolean | null;
  note?: string;
}

/** How a figure is judged: against a fixed limit, or against a multiple of a same-run baseline. */
type Target =
  | { atMost: number }
  | { atLeast: number }
  | { atMostTimesBaseline: number }
  | { atLeastTimesBaseline: number };

/** Something besides the number that the target needs (0 gaps, the load actually offered, ...). */
interface Condition {
  holds: boolean;
  /** Said in the note when it does not hold. */
  text: string;
}

interface FigureOptions {
  baseline?: Figure['baseline'];
  note?: string;
  conditions?: Condition[];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function targetText(target: Target, unit: string): string {
  if ('atMost' in target) return `≤ ${target.atMost} ${unit}`;
  if ('atLeast' in target) return `≥ ${target.atLeast} ${unit}`;
  if ('atMostTimesBaseline' in target) return `≤ ${target.atMostTimesBaseline} × baseline`;
  return `≥ ${target.atLeastTimesBaseline} × baseline`;
}

/** A figure judged against `target`. A relative target without a baseline is a bench bug: it throws. */
export function judged(name: string, label: string, value: number, unit: string, target: Target, options: FigureOptions = {}): Figure {
  const relative = 'atMostTimesBaseline' in target || 'atLeastTimesBaseline' in target;
  if (relative && !options.baseline) throw new Error(`figure ${name}: a target relative to a baseline needs the baseline`);
  const reference = relative
    ? (options.baseline?.value ?? Number.NaN)
    : 'atMost' in target
      ? target.atMost
      : 'atLeast' in target
        ? target.atLeast
        : Number.NaN;
  const ratio = value / reference;
  const limit = 'atMost' in target || 'atLeast' in target ? 1 : 'atMostTimesBaseline' in target ? target.atMostTimesBaseline : target.atLeastTimesBaseline;
  const atMost = 'atMost' in target || 'atMostTimesBaseline' in target;
  // NaN (nothing measured) is never met.
  const numberMet = Number.isFinite(ratio) && (atMost ? ratio <= limit : ratio >= limit);
  const failed = (options.conditions ?? []).filter((c) => !c.holds);
  const notes = [options.note, ...failed.map((c) => `not at the target's conditions: ${c.text}`)].filter((n): n is string => Boolean(n));
  return {
    name,
    label,
    value,
    unit,
    ...(options.baseline ? { baseline: options.baseline } : {}),
    ratio: Number.isFinite(ratio) ? round(ratio, ratio < 0.01 ? 5 : 3) : Number.NaN,
    target: targetText(target, unit),
    met: numberMet && failed.length === 0,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

/** A baseline or a figure reported without a target of its own. */
export function informational(name: string, label: string, value: number, unit: string, options: { baseline?: Figure['baseline']; note?: string } = {}): Figure {
  return { name, label, value, unit, ...(options.baseline ? { baseline: options.baseline } : {}), target: null, met: null, ...(options.note ? { note: options.note } : {}) };
}

/** The report's table of every figure. */
export function figuresTable(figures: readonly Figure[]): string {
  const verdict = (f: Figure) => (f.met === null ? '' : f.met ? 'met' : '**NOT met**');
  const rows = figures.map(
    (f) =>
      `| \`${f.name}\` | ${f.label} | ${f.value} ${f.unit} | ${f.baseline ? `${f.baseline.value} ${f.baseline.unit} (${f.baseline.name})` : ''} | ${f.target ?? ''} | ${f.ratio ?? ''} | ${verdict(f)} | ${f.note ?? ''} |`,
  );
  return ['| name | figure | value | baseline | target | ratio | | note |', '| --- | --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The report's list of targets not met, each with how far off and the figure's note (its why). */
export function unmetSection(figures: readonly Figure[]): string {
  const unmet = figures.filter((f) => f.met === false);
  const judgedCount = figures.filter((f) => f.met !== null).length;
  if (judgedCount === 0) return '## Targets\n\nNo figure with a target in this run.';
  if (unmet.length === 0) return `## Targets\n\nAll ${judgedCount} targets of this run were met.`;
  const lines = unmet.map((f) => `- \`${f.name}\` (${f.label}): ${f.value} ${f.unit}, target ${f.target}, ratio ${f.ratio}${f.baseline && f.target?.includes('× baseline') ? ` to ${f.baseline.name}` : ''}${f.note ? `. Why: ${f.note}` : ''}`);
  return [`## Targets not met (${unmet.length} of ${judgedCount})`, '', ...lines].join('\n');
}
