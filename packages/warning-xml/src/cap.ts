import { CAP_LEVEL_MAPPING, capStatusOf, type WarningMessage } from '@muster/domain';
import { capTime } from './times';
import { xmlDocument, type XmlNode } from './xml-tree';

/** The OASIS CAP 1.2 namespace (ref §3.1). */
const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';

type Texts = WarningMessage['content']['zh'];

const point = ({ lat, lon }: { lat: number; lon: number }): string => `${lat},${lon}`;

/** `sender,identifier,sent` (ref §3.1 `references`). */
const triplet = (sender: string, ref: { identifier: string; sent: string }): string => `${sender},${ref.identifier},${capTime(ref.sent)}`;

/**
 * CAP `references` of an Update or Cancel: the first issue and the message it updates (the one just
 * before it), once each.
 */
function referencesOf(message: WarningMessage): string | null {
  const refs = [message.references, message.supersedes].filter((ref) => ref !== null);
  const unique = refs.filter((ref, i) => refs.findIndex((other) => other.identifier === ref.identifier) === i);
  return unique.length === 0 ? null : unique.map((ref) => triplet(message.senderCode, ref)).join(' ');
}

function areaOf(message: WarningMessage): XmlNode {
  const { area } = message.content;
  return [
    'area',
    [
      ['areaDesc', area.description],
      area.polygon === null ? null : ['polygon', area.polygon.map(point).join(' ')],
      ...area.circles.map((c): XmlNode => ['circle', `${point(c.centre)} ${c.radiusKm}`]),
      ...area.jurisdictions.map(
        (code): XmlNode => [
          'geocode',
          [
            ['valueName', 'GB/T 2260'],
            ['value', code],
          ],
        ],
      ),
    ],
  ];
}

function infoOf(message: WarningMessage, language: 'zh-CN' | 'en-US', texts: Texts): XmlNode {
  const mapping = CAP_LEVEL_MAPPING[message.level];
  const { content } = message;
  return [
    'info',
    [
      ['language', language],
      ['category', content.category],
      ['event', texts.event],
      ['urgency', mapping.urgency],
      ['severity', mapping.severity],
      ['certainty', mapping.certainty],
      content.eventCode === null
        ? null
        : [
            'eventCode',
            [
              ['valueName', 'GB/T 35561'],
              ['value', content.eventCode],
            ],
          ],
      ['effective', capTime(message.sent)],
      content.onset === null ? null : ['onset', capTime(content.onset)],
      ['expires', capTime(content.expires)],
      ['senderName', message.senderName],
      ['headline', texts.headline],
      ['description', texts.description],
      ['instruction', texts.instruction],
      // The colour itself, so that a receiver need not trust the severity convention above.
      [
        'parameter',
        [
          ['valueName', 'GB/T 35965.1 severity'],
          ['value', mapping.gbSeverity],
        ],
      ],
      areaOf(message),
    ],
  ];
}

/** Why the message is sent, in CAP `note`: the lifting reason, the update's reason, and a drill's mark. */
function noteOf(message: WarningMessage): string | null {
  const parts = [message.reason, message.status === 'exercise' ? `演练 exercise ${message.warningId}` : null].filter((p) => p !== null && p !== '');
  return parts.length === 0 ? null : parts.join('; ');
}

/**
 * The OASIS CAP 1.2 form of one released message (ref §3.1): elements in the XSD's order; severity,
 * urgency and certainty from CAP_LEVEL_MAPPING (a project convention); status Exercise for drills;
 * info in zh-CN and a second in English when the warning has one.
 */
export function capXml(message: WarningMessage): string {
  const references = referencesOf(message);
  const note = noteOf(message);
  const { en, zh } = message.content;
  return xmlDocument(CAP_NAMESPACE, [
    'alert',
    [
      ['identifier', message.identifier],
      ['sender', message.senderCode],
      ['sent', capTime(message.sent)],
      ['status', capStatusOf(message.status)],
      ['msgType', message.msgType],
      ['scope', 'Public'],
      note === null ? null : ['note', note],
      references === null ? null : ['references', references],
      message.incidents.length === 0 ? null : ['incidents', message.incidents.join(' ')],
      infoOf(message, 'zh-CN', zh),
      en === null ? null : infoOf(message, 'en-US', en),
    ],
  ]);
}
