import { CAP_LEVEL_MAPPING, WARNING_CHANNELS, gbStatusOf, type WarningMessage } from '@muster/domain';
import { create } from 'xmlbuilder2';
import { capTime } from './times';
import { xmlDocument, type XmlNode } from './xml-tree';

/**
 * The GB/T 35965.1-2018 form (应急信息交互协议 第1部分:预警信息) of one released message, as ref §1.6
 * describes the profile: a CAP-derived `alert` with `senderCode`, status Actual|Test, msgType
 * Alert|Update|Cancel, `references` = the identifier of the first issue, the lifting reason in
 * `note`, scope Public, `code` = the release channels, severity = the colour, urgency and certainty
 * Unknown, geocode = comma-separated GB/T 2260 codes. Our sources are secondary ([S]): they give the
 * fields, not the standard's namespace, so the document has none, and its element order follows CAP
 * with `senderCode` after `sender`.
 */
export function gbXml(message: WarningMessage): string {
  const { content } = message;
  const note = message.msgType === 'Cancel' ? message.reason : null;
  return xmlDocument(null, [
    'alert',
    [
      ['identifier', message.identifier],
      ['sender', message.senderName],
      ['senderCode', message.senderCode],
      ['sent', capTime(message.sent)],
      ['status', gbStatusOf(message.status)],
      ['msgType', message.msgType],
      ['scope', 'Public'],
      ...content.channels.map((channel): XmlNode => ['code', channel]),
      note === null ? null : ['note', note],
      message.references === null ? null : ['references', message.references.identifier],
      [
        'info',
        [
          ['language', 'zh-CN'],
          ['event', content.zh.event],
          ['urgency', 'Unknown'],
          ['severity', CAP_LEVEL_MAPPING[message.level].gbSeverity],
          ['certainty', 'Unknown'],
          ['effective', capTime(message.sent)],
          content.onset === null ? null : ['onset', capTime(content.onset)],
          ['expires', capTime(content.expires)],
          ['senderName', message.senderName],
          ['headline', content.zh.headline],
          ['description', content.zh.description],
          ['instruction', content.zh.instruction],
          [
            'area',
            [
              ['areaDesc', content.area.description],
              content.area.polygon === null ? null : ['polygon', content.area.polygon.map(({ lat, lon }) => `${lat},${lon}`).join(' ')],
              ...content.area.circles.map((c): XmlNode => ['circle', `${c.centre.lat},${c.centre.lon} ${c.radiusKm}`]),
              ['geocode', content.area.jurisdictions.join(',')],
            ],
          ],
        ],
      ],
    ],
  ]);
}

/**
 * The file name the national platform gives a message (ref §1.6, e.g.
 * `33000041600000_20121025091026_11B01_BLUE_ALERT.XML`): sender code, Beijing time, event code,
 * colour, message type.
 */
export function gbFileName(message: WarningMessage): string {
  const [senderCode, stamp] = message.identifier.split('_');
  const colour = CAP_LEVEL_MAPPING[message.level].gbSeverity.toUpperCase();
  return `${senderCode}_${stamp}_${message.content.eventCode ?? '00000'}_${colour}_${message.msgType.toUpperCase()}.XML`;
}

/** A rule of the profile, checked on the fields of a message as the GB form writes them. */
interface ProfileRule {
  id: string;
  /** Where the rule comes from (the clause, as far as our sources give it). */
  clause: string;
  check(fields: GbFields): boolean;
}

/** The fields of a GB form the profile rules read. */
export interface GbFields {
  identifier: string;
  senderCode: string;
  status: string;
  msgType: string;
  scope: string;
  codes: string[];
  note: string | null;
  references: string | null;
  severity: string;
  geocode: string;
}

const ANNEX_A = 'GB/T 35965.1-2018 annex A, as ref §1.6 gives it [S]';

const GB_PROFILE_RULES: readonly ProfileRule[] = [
  {
    id: 'identifier-format',
    clause: `${ANNEX_A}: identifier ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N`,
    check: (f) => /^\d{6}\d{3}\d{3}\d{2}_\d{14}_\d$/.test(f.identifier) && f.identifier.split('_')[0] === f.senderCode,
  },
  { id: 'sender-code', clause: `${ANNEX_A}: senderCode, the 14-digit area + agency + internal + extension code`, check: (f) => /^\d{14}$/.test(f.senderCode) },
  { id: 'status', clause: `${ANNEX_A}: status only Actual or Test`, check: (f) => f.status === 'Actual' || f.status === 'Test' },
  { id: 'msg-type', clause: `${ANNEX_A}: msgType only Alert, Update or Cancel`, check: (f) => ['Alert', 'Update', 'Cancel'].includes(f.msgType) },
  { id: 'scope', clause: `${ANNEX_A}: scope fixed Public`, check: (f) => f.scope === 'Public' },
  {
    id: 'references-first-issue',
    clause: `${ANNEX_A}: Update (续发/调整) and Cancel (解除) reference the identifier of the first issue; an Alert references nothing`,
    check: (f) => (f.msgType === 'Alert' ? f.references === null : f.references !== null && /^\d{14}_\d{14}_\d$/.test(f.references)),
  },
  { id: 'cancel-note', clause: `${ANNEX_A}: note carries the reason for lifting`, check: (f) => f.msgType !== 'Cancel' || (f.note !== null && f.note.trim() !== '') },
  { id: 'severity-colour', clause: `${ANNEX_A}: severity Red, Orange, Yellow, Blue or Unknown`, check: (f) => ['Red', 'Orange', 'Yellow', 'Blue', 'Unknown'].includes(f.severity) },
  {
    id: 'channel-codes',
    clause: `${ANNEX_A}: code lists the channels SMS, LED, SPEAKER, TV, BROADCAST, WEB, PHONE, FAX`,
    check: (f) => f.codes.length > 0 && f.codes.every((c) => (WARNING_CHANNELS as readonly string[]).includes(c)),
  },
  { id: 'geocode-admin-codes', clause: `${ANNEX_A}: geocode = comma-separated GB/T 2260 codes`, check: (f) => /^\d{6}(,\d{6})*$/.test(f.geocode) },
];

/** The profile rules a GB form breaks (empty: it conforms), each as `id (clause)`. */
export function gbProfileViolations(fields: GbFields): string[] {
  return GB_PROFILE_RULES.filter((rule) => !rule.check(fields)).map((rule) => `${rule.id} (${rule.clause})`);
}

const textOf = (value: unknown): string | null => (typeof value === 'string' ? value : value === undefined ? null : String(value));
const listOf = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const recordOf = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** Reads back the fields the profile rules check from a GB form (so the rules judge the document, not its source). */
export function gbFieldsOf(xml: string): GbFields {
  const alert = recordOf(recordOf(create(xml).end({ format: 'object' }))['alert']);
  const info = recordOf(alert['info']);
  const area = recordOf(info['area']);
  return {
    identifier: textOf(alert['identifier']) ?? '',
    senderCode: textOf(alert['senderCode']) ?? '',
    status: textOf(alert['status']) ?? '',
    msgType: textOf(alert['msgType']) ?? '',
    scope: textOf(alert['scope']) ?? '',
    codes: listOf(alert['code']).map((c) => textOf(c) ?? ''),
    note: textOf(alert['note']),
    references: textOf(alert['references']),
    severity: textOf(info['severity']) ?? '',
    geocode: textOf(area['geocode']) ?? '',
  };
}
