import type { WarningMessage } from '@muster/domain';

export { capXml } from './cap';
export { currentWarnings, capIndex, atomFeed } from './feed';
export { gbXml, gbFileName, gbFieldsOf, gbProfileViolations } from './gb';

/** The events whose data carries a released message (msgType Alert, Update, Cancel). */
const RELEASES: ReadonlySet<string> = new Set(['WarningIssued', 'WarningUpdated', 'WarningLifted']);

/**
 * The messages a warning released, oldest first, from its stored events: each release's event carries
 * its message whole (written by the warning machine), so both XML forms are pure functions of them.
 */
export function releasedMessages(events: readonly { type: string; data: Readonly<Record<string, unknown>> }[]): WarningMessage[] {
  return events.flatMap((event) => (RELEASES.has(event.type) && event.data['message'] !== undefined ? [event.data['message'] as WarningMessage] : []));
}

/** The latest message of each warning, from the released messages of many warnings (any order). */
export function latestMessages(messages: readonly WarningMessage[]): WarningMessage[] {
  const latest = new Map<string, WarningMessage>();
  for (const m of messages) {
    const known = latest.get(m.warningId);
    if (known === undefined || Date.parse(m.sent) >= Date.parse(known.sent)) latest.set(m.warningId, m);
  }
  return [...latest.values()];
}
