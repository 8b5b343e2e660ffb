/**
 * Scans what a person reads on a page of the zh-CN console for what must never show there (issue 17,
 * "Must show"): a UUID, an English state, event or command name of the domain, or an i18n key the
 * console could not translate (`state.xxx`, `event.Xxx`, `cat.xxx`).
 */
import {
  correctionAggregate,
  drillAggregate,
  incidentAggregate,
  reportAggregate,
  requestAggregate,
  sceneAggregate,
  supervisionAggregate,
  hazardAggregate,
  warningAggregate,
  type AggregateDefinition,
} from '@muster/domain';
import type { Page } from 'playwright-core';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-/i;

/** Events the machines emit as consequences, not named by any command's primary event. */
const DERIVED_EVENTS = ['LeadPrompted', 'SupervisionEscalated'];

/**
 * Prefixes of the console's run-time i18n keys (lib/i18n.tsx `tr(prefix, value)`): one of them with a
 * dot and a name on screen is a key shown as it is.
 */
const KEY_PREFIXES = [
  'state', 'event', 'cat', 'sev', 'resp', 'rstate', 'svstate', 'cmd', 'field', 'role', 'conn', 'priority', 'channel', 'lane', 'metric',
  'phase', 'report', 'reportField', 'line', 'jlevel', 'reasonCode', 'basis', 'tenure', 'review', 'score', 'err', 'actor', 'person',
  'hsource', 'hgrade', 'hstate', 'hcrit', 'hevent',
  // Registries (issue 23).
  'registry', 'regstate', 'regevent', 'teamKind', 'expertField', 'owner', 'band', 'csvFile',
];
const KEY = new RegExp(`(?<![A-Za-z0-9_.])(?:${KEY_PREFIXES.join('|')})\\.[A-Za-z_][A-Za-z0-9_]*`);

/** Every state name of the domain's machines and every command and event type, from the domain itself. */
export function domainNames(): string[] {
  const aggregates: AggregateDefinition<never>[] = [incidentAggregate, sceneAggregate, requestAggregate, reportAggregate, correctionAggregate, supervisionAggregate, warningAggregate, drillAggregate, hazardAggregate].map(
    (a) => a as unknown as AggregateDefinition<never>,
  );
  const names = new Set<string>(DERIVED_EVENTS);
  for (const aggregate of aggregates) {
    for (const [command, event] of Object.entries(aggregate.eventFor)) names.add(command).add(event);
    const states = (aggregate.machine as unknown as { root: { states: Record<string, unknown> } }).root.states;
    for (const state of Object.keys(states)) names.add(state);
  }
  return [...names].sort();
}

/** What was found in one text, each with a little of its context so a failure says where. */
export function findLeaks(text: string, names: readonly string[] = domainNames()): string[] {
  const found: string[] = [];
  const around = (index: number, length: number) => text.slice(Math.max(0, index - 30), index + length + 30).replace(/\s+/g, ' ');
  const uuid = UUID.exec(text);
  if (uuid) found.push(`UUID: …${around(uuid.index, uuid[0].length)}…`);
  const key = KEY.exec(text);
  if (key) found.push(`untranslated key "${key[0]}": …${around(key.index, key[0].length)}…`);
  // Whole words only, case as the domain spells them (camelCase states, PascalCase events and commands).
  const word = /[A-Za-z][A-Za-z0-9]*/g;
  const known = new Set(names);
  for (let m = word.exec(text); m !== null; m = word.exec(text)) {
    if (known.has(m[0])) found.push(`English name "${m[0]}": …${around(m.index, m[0].length)}…`);
  }
  return found;
}

/** The text a person reads on the page: the body's text and the visible elements' title, placeholder, aria-label and option labels. */
async function readableText(page: Page): Promise<string> {
  return page.evaluate(() => {
    // Evaluated in the browser: `document` is the page's, which this file's Node typings do not know.
    const doc = Reflect.get(globalThis, 'document') as {
      body: { innerText: string };
      querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null; getClientRects(): ArrayLike<unknown>; tagName: string; textContent: string | null; closest(s: string): { getClientRects(): ArrayLike<unknown> } | null }>;
    };
    const parts = [doc.body.innerText];
    for (const el of Array.from(doc.querySelectorAll('[title], [placeholder], [aria-label], option'))) {
      const shown = el.tagName === 'OPTION' ? (el.closest('select')?.getClientRects().length ?? 0) > 0 : el.getClientRects().length > 0;
      if (!shown) continue;
      for (const name of ['title', 'placeholder', 'aria-label', 'label']) {
        const value = el.getAttribute(name);
        if (value) parts.push(value);
      }
      if (el.tagName === 'OPTION' && el.textContent) parts.push(el.textContent);
    }
    return parts.join('\n');
  });
}

/** Fails with the offending text when any of the open pages shows what must not show; `step` names where. */
export async function expectCleanPages(step: string, pages: readonly { name: string; page: Page }[]): Promise<void> {
  const names = domainNames();
  const problems: string[] = [];
  for (const { name, page } of pages) {
    if (page.isClosed()) continue;
    for (const leak of findLeaks(await readableText(page), names)) problems.push(`[${name}] ${leak}`);
  }
  if (problems.length > 0) throw new Error(`step ${step}: the zh-CN console shows\n${problems.join('\n')}`);
}
