import { CAP_LEVEL_MAPPING, capStatusOf, type WarningMessage } from '@muster/domain';
import { capTime } from './times';
import { xmlDocument, type XmlNode } from './xml-tree';

const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';

/**
 * The warnings in force at `now` among the latest message of each warning: not lifted (Cancel), not
 * past `expires`, actual (a drill never reaches a public feed), and covering an area `covers` accepts
 * (the console's jurisdiction: the area's codes within it). Newest first.
 */
export function currentWarnings(latest: readonly WarningMessage[], now: string, covers: (code: string) => boolean): WarningMessage[] {
  const at = Date.parse(now);
  return latest
    .filter((m) => m.msgType !== 'Cancel' && m.status === 'actual' && Date.parse(m.content.expires) > at && m.content.area.jurisdictions.some(covers))
    .sort((a, b) => Date.parse(b.sent) - Date.parse(a.sent));
}

/** Where a downstream system fetches a message's two forms (the api's routes). */
export interface FeedLinks {
  /** The feed's own address. */
  self: string;
  cap(message: WarningMessage): string;
  gb(message: WarningMessage): string;
}

/** One row of the CAP index: enough to decide whether to fetch the message. */
export interface CapIndexEntry {
  identifier: string;
  sender: string;
  sent: string;
  status: 'Actual' | 'Exercise';
  msgType: WarningMessage['msgType'];
  /** The colour (GB/T 35965.1 severity) and the CAP severity it maps to. */
  colour: string;
  severity: string;
  event: string;
  headline: string;
  areaDesc: string;
  geocodes: string[];
  expires: string;
  capUrl: string;
  gbUrl: string;
}

/**
 * The CAP index of a jurisdiction (as public alert hubs publish one beside their feeds): one row per
 * current warning, its latest message, with the addresses of its CAP and GB forms.
 */
export function capIndex(current: readonly WarningMessage[], links: FeedLinks): CapIndexEntry[] {
  return current.map((m) => ({
    identifier: m.identifier,
    sender: m.senderCode,
    sent: capTime(m.sent),
    status: capStatusOf(m.status),
    msgType: m.msgType,
    colour: CAP_LEVEL_MAPPING[m.level].gbSeverity,
    severity: CAP_LEVEL_MAPPING[m.level].severity,
    event: m.content.zh.event,
    headline: m.content.zh.headline,
    areaDesc: m.content.area.description,
    geocodes: m.content.area.jurisdictions,
    expires: capTime(m.content.expires),
    capUrl: links.cap(m),
    gbUrl: links.gb(m),
  }));
}

/**
 * The Atom feed (RFC 4287) of a jurisdiction's current warnings: one entry per warning, its latest
 * message, linking the CAP form (`application/cap+xml`) as public CAP feeds do. `updated` is the
 * newest message's time, or `now` for an empty feed.
 */
export function atomFeed(title: string, current: readonly WarningMessage[], links: FeedLinks, now: string): string {
  const updated = current[0]?.sent ?? now;
  return xmlDocument(ATOM_NAMESPACE, [
    'feed',
    [
      ['id', links.self],
      ['title', title],
      ['updated', capTime(updated)],
      ['link', [], { rel: 'self', href: links.self }],
      ['author', [['name', 'Muster']]],
      ...current.map(
        (m): XmlNode => [
          'entry',
          [
            ['id', `urn:muster:warning:${m.identifier}`],
            ['title', m.content.zh.headline],
            ['updated', capTime(m.sent)],
            ['author', [['name', m.senderName]]],
            ['summary', `${CAP_LEVEL_MAPPING[m.level].gbSeverity} · ${m.content.area.description} · ${m.content.zh.description}`],
            ['link', [], { rel: 'alternate', type: 'application/cap+xml', href: links.cap(m) }],
            ['link', [], { rel: 'related', type: 'application/xml', href: links.gb(m) }],
          ],
        ],
      ),
    ],
  ]);
}
