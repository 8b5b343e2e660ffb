// Types of scripts/bundle.mjs for the TypeScript that imports it (the tests' global setup and specs).
export interface BundleOptions {
  root: string;
  /** Paths relative to `root`, or output names to such paths. */
  entryPoints: string[] | Record<string, string>;
  outDir: string;
  external?: string[];
}
export interface Bundle {
  /** The folder holding `<entry name>.mjs` for each entry point. */
  dir: string;
  /** Whether this call made it (false: an up-to-date bundle was already there). */
  built: boolean;
}
export function ensureBundle(options: BundleOptions): Promise<Bundle>;
export const SERVER_ENTRY_POINTS: Readonly<Record<'muster' | 'fast-start' | 'api' | 'relay' | 'gateway' | 'timers', string>>;
export function ensureServerBundle(root: string): Promise<Bundle>;
