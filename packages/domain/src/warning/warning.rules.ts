import type { Role } from '../shared';
import type { WarningLevel, WarningStatus } from './warning.types';

/**
 * Who may approve a warning before release, as data: each rule names the jurisdictions it governs (by
 * GB/T 2260 code prefix), the levels, the roles that approve and where they must sit, and its source.
 * The most specific prefix that matches wins.
 */
export interface WarningApprovalRule {
  id: string;
  /** Code prefix of the jurisdictions it governs ('' for every one). */
  codePrefix: string;
  levels: readonly WarningLevel[];
  approverRoles: readonly Role[];
  /** `issuing`: the approver sits in the issuing room itself (its government approves at its own level). */
  approverRoom: 'issuing';
  source: string;
}

const ALL_LEVELS: readonly WarningLevel[] = ['red', 'orange', 'yellow', 'blue'];

export const WARNING_APPROVAL_RULES: readonly WarningApprovalRule[] = [
  {
    id: 'guangdong-approval-before-release',
    codePrefix: '44',
    levels: ALL_LEVELS,
    approverRoles: ['leader'],
    approverRoom: 'issuing',
    source:
      '广东省突发事件预警信息发布管理办法(试行) 粤府办〔2008〕19号: each warning is approved by the county-or-higher government at its level before release (ref §1.6 [S]); the room\'s leader signs for its government',
  },
  {
    id: 'default-approval',
    codePrefix: '',
    levels: ALL_LEVELS,
    approverRoles: ['leader'],
    approverRoom: 'issuing',
    source: 'unsourced: Emergency Response Law 2024 §64 lets the government of the level issue (ref §1.1); its room\'s leader approves, as in Guangdong',
  },
];

/** The approval rule in force for a warning of `level` issued by room `jurisdiction`. */
export function warningApprovalRuleFor(jurisdiction: string, level: WarningLevel): WarningApprovalRule | null {
  const matching = WARNING_APPROVAL_RULES.filter((rule) => jurisdiction.startsWith(rule.codePrefix) && rule.levels.includes(level));
  return matching.sort((a, b) => b.codePrefix.length - a.codePrefix.length)[0] ?? null;
}

/** CAP 1.2 severity, urgency and certainty (OASIS enumerations, ref §3.1). */
type CapSeverity = 'Extreme' | 'Severe' | 'Moderate' | 'Minor';
type CapUrgency = 'Immediate' | 'Expected' | 'Future';
type CapCertainty = 'Observed' | 'Likely' | 'Possible';

export interface CapLevelMapping {
  level: WarningLevel;
  /** GB/T 35965.1 `severity`: the colour itself (ref §1.6). */
  gbSeverity: 'Red' | 'Orange' | 'Yellow' | 'Blue';
  severity: CapSeverity;
  urgency: CapUrgency;
  certainty: CapCertainty;
  source: string;
}

const SEVERITY_CONVENTION = 'project convention, not a Chinese standard: ref §1.6 "Red→Extreme, Orange→Severe, Yellow→Moderate, Blue→Minor" [C]';
const URGENCY_CONVENTION = 'urgency/certainty: project convention (unsourced; GB/T 35965.1 leaves both Unknown, ref §1.6)';

/**
 * Level → CAP severity/urgency/certainty for the OASIS form. The sources give no official mapping:
 * this table is a project convention and says so in every row.
 */
export const CAP_LEVEL_MAPPING: Readonly<Record<WarningLevel, CapLevelMapping>> = {
  red: { level: 'red', gbSeverity: 'Red', severity: 'Extreme', urgency: 'Immediate', certainty: 'Likely', source: `${SEVERITY_CONVENTION}; ${URGENCY_CONVENTION}` },
  orange: { level: 'orange', gbSeverity: 'Orange', severity: 'Severe', urgency: 'Expected', certainty: 'Likely', source: `${SEVERITY_CONVENTION}; ${URGENCY_CONVENTION}` },
  yellow: { level: 'yellow', gbSeverity: 'Yellow', severity: 'Moderate', urgency: 'Expected', certainty: 'Possible', source: `${SEVERITY_CONVENTION}; ${URGENCY_CONVENTION}` },
  blue: { level: 'blue', gbSeverity: 'Blue', severity: 'Minor', urgency: 'Future', certainty: 'Possible', source: `${SEVERITY_CONVENTION}; ${URGENCY_CONVENTION}` },
};

/** GB/T 35965.1 `status`: only Actual and Test (ref §1.6); CAP 1.2: Actual and Exercise (a drill, ref §3.1). */
export function gbStatusOf(status: WarningStatus): 'Actual' | 'Test' {
  return status === 'actual' ? 'Actual' : 'Test';
}
export function capStatusOf(status: WarningStatus): 'Actual' | 'Exercise' {
  return status === 'actual' ? 'Actual' : 'Exercise';
}

const BEIJING_OFFSET_MS = 8 * 60 * 60_000;

/** `YYYYMMDDhhmmss` in Beijing time (UTC+8, no daylight saving), as GB/T 35965.1 identifiers write the time. */
export function beijingStamp(iso: string): string {
  return new Date(Date.parse(iso) + BEIJING_OFFSET_MS).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The Beijing-time second after `stamp` (`YYYYMMDDhhmmss`): when all ten sequence digits of a second
 * are taken, the next release of that sender takes the next second. Beijing time has no daylight
 * saving, so UTC arithmetic serves.
 */
export function nextBeijingSecond(stamp: string): string {
  const part = (from: number, to: number) => Number(stamp.slice(from, to));
  const next = Date.UTC(part(0, 4), part(4, 6) - 1, part(6, 8), part(8, 10), part(10, 12), part(12, 14) + 1);
  return new Date(next).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The 14-digit sender code of GB/T 35965.1 (ref §1.6): 6-digit GB/T 2260 area code + 3-digit GB/T
 * 4657 agency code + 3 internal digits + 2 extension digits (Muster uses 000 and 00).
 */
export function senderCodeOf(jurisdiction: string, agencyCode: string): string {
  return `${jurisdiction}${agencyCode}00000`;
}

/** `ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N` (ref §1.6): sender code, release time in Beijing time, sequence 0–9. */
export function warningIdentifier(senderCode: string, sent: string, sequence: number): string {
  return `${senderCode}_${beijingStamp(sent)}_${sequence % 10}`;
}
