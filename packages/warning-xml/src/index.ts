import type { WarningMessage } from '@muster/domain';

export { capXml } from './cap';
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
