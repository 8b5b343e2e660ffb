import type { JurisdictionLevel, JurisdictionTree } from '../jurisdiction/jurisdiction-tree';
import { SEVERITIES, type IncidentCategory, type Severity } from '../shared';

/**
 * The plan's rules as data (预案规则): how soon reports are due, who may activate which response
 * level, who joins an incident of which severity, how scene figures grade an incident, and what the
 * room above may do on an incident it does not lead. Reference §1.3: time limits differ by locality
 * and sector, so none of this is a constant in code.
 *
 * Every entry names where it comes from (`source`): a clause, or the word `unsourced` when no public
 * source was found and the entry is a configurable default to confirm before go-live.
 */
export const UNSOURCED = 'unsourced';

/** When 续报 fall due: at an interval after the last written report, or at fixed times of each day. */
export type FollowUpSchedule =
  | { kind: 'interval'; minutes: number }
  /** Times of day `HH:MM` in China Standard Time (UTC+8, no daylight saving): each is a deadline. */
  | { kind: 'daily'; times: string[] };

/** Reporting deadlines (信息报送 时限) for incidents of some severities (and categories). */
export interface ReportingRule {
  id: string;
  severities: Severity[];
  categories?: IncidentCategory[] | undefined;
  /** Phone report (电话报告) of the lead room, minutes after 接报 (when the first room learned of it). */
  phoneMinutes: number | null;
  /** Initial written report (初报) of the lead room, minutes after 接报. */
  writtenMinutes: number | null;
  /** The same two for a room above the lead that passes the report further up (city → province). */
  relayPhoneMinutes: number | null;
  relayWrittenMinutes: number | null;
  /** 续报 while the response lasts; null: filed ad hoc, never due on a clock. */
  followUp: FollowUpSchedule | null;
  /** 终报, minutes after the response is lifted. */
  finalWithinMinutes: number | null;
  /** A report sent back (退回) is due again this many minutes after it was returned. */
  correctionWithinMinutes: number | null;
  /** The highest level that must receive the reports: `province` makes every room up to it report on. */
  reportsReach: JurisdictionLevel;
  source: string;
}

/** 补报: how long after the incident happened a change in casualties must still be reported. */
export interface SupplementaryRule {
  id: string;
  categories?: IncidentCategory[] | undefined;
  /** Subtypes (e.g. `road_traffic`, `fire`) the rule is limited to. */
  subtypes?: string[] | undefined;
  windowDays: number;
  source: string;
}

/** Which rooms may activate (or change to) a response level: those of `lowestRoom` level or above. */
export interface ResponseAuthorityRule {
  id: string;
  levels: Severity[];
  lowestRoom: JurisdictionLevel;
  source: string;
}

/** Linkage by severity (市县联动): which levels above the lead follow the incident, and which is prompted to lead it. */
export interface LinkageRule {
  id: string;
  severities: Severity[];
  link: JurisdictionLevel[];
  promptLead: JurisdictionLevel | null;
  source: string;
}

/**
 * Grading criteria (分级标准): an incident whose figures reach any threshold is of `severity` at least.
 * Thresholds include their own number ("以上"包括本数).
 */
export interface GradingRule {
  id: string;
  categories?: IncidentCategory[] | undefined;
  severity: Severity;
  deathsAtLeast?: number | undefined;
  injuredAtLeast?: number | undefined;
  economicLossAtLeast?: number | undefined;
  source: string;
}

/** What a room above the lead may do on an incident it does not lead, without raising the lead (以县为主). */
interface UpperRoomRights {
  commands: string[];
  source: string;
}

/** One jurisdiction's rules, one versioned file. Sections left out are inherited from the level above. */
export interface PlanRules {
  /** The jurisdiction the rules are for; `*` for the built-in defaults that apply everywhere. */
  jurisdiction: string;
  version: string;
  title?: string | undefined;
  reporting?: ReportingRule[] | undefined;
  supplementary?: SupplementaryRule[] | undefined;
  responseAuthority?: ResponseAuthorityRule[] | undefined;
  linkage?: LinkageRule[] | undefined;
  grading?: GradingRule[] | undefined;
  upperRoomRights?: UpperRoomRights | undefined;
}

/** Every section present: the defaults, and what a jurisdiction's rules resolve to. */
export type CompletePlanRules = { [K in Exclude<keyof PlanRules, 'title'>]-?: NonNullable<PlanRules[K]> } & { title?: string | undefined };

export const PLAN_RULE_SECTIONS = ['reporting', 'supplementary', 'responseAuthority', 'linkage', 'grading', 'upperRoomRights'] as const;
export type PlanRuleSection = (typeof PLAN_RULE_SECTIONS)[number];

/** The rules in force: the defaults and each jurisdiction's own file. */
export interface RuleBook {
  defaults: CompletePlanRules;
  byJurisdiction: ReadonlyMap<string, PlanRules>;
}

const DAY = 24 * 60;

/**
 * The built-in rules. Reference §1.2–§1.3; each entry names its clause. Deadlines run from 接报.
 */
export const DEFAULT_PLAN_RULES: CompletePlanRules = {
  jurisdiction: '*',
  version: '2026-12-06',
  title: '内置默认规则（依据参考资料 §1.2–§1.3）',
  reporting: [
    {
      id: 'especially-major-and-major',
      severities: ['I', 'II'],
      phoneMinutes: 15,
      writtenMinutes: 30,
      relayPhoneMinutes: 15,
      relayWrittenMinutes: 120,
      followUp: { kind: 'daily', times: ['08:00', '17:00'] },
      finalWithinMinutes: 7 * DAY,
      correctionWithinMinutes: 60,
      reportsReach: 'province',
      source:
        'municipal notice (reference §1.3): 特别重大/重大 phone ≤15 min, written ≤30 min; provincial rule (§1.3): 特别重大/重大 to the province ≤2 h; 河南 notice (§1.3): 较大+ 续报 daily before 08:00 and 17:00; 终报 and 退回 terms unsourced',
    },
    {
      id: 'larger',
      severities: ['III'],
      phoneMinutes: 30,
      writtenMinutes: 60,
      relayPhoneMinutes: 30,
      relayWrittenMinutes: 180,
      followUp: { kind: 'daily', times: ['08:00', '17:00'] },
      finalWithinMinutes: 7 * DAY,
      correctionWithinMinutes: 120,
      reportsReach: 'province',
      source:
        'municipal notice (reference §1.3): 较大 phone ≤30 min, written ≤60 min (Guangdong 30 min / 1 h unconfirmed, §6); provincial rule and 江西 §33 (§1.3): city → province ≤3 h; 河南 notice: 续报 daily before 08:00 and 17:00; 终报 and 退回 terms unsourced',
    },
    {
      id: 'general',
      severities: ['IV'],
      phoneMinutes: null,
      writtenMinutes: 6 * 60,
      relayPhoneMinutes: null,
      relayWrittenMinutes: null,
      followUp: null,
      finalWithinMinutes: 7 * DAY,
      correctionWithinMinutes: 6 * 60,
      reportsReach: 'city',
      source: '河南 notice (reference §1.3): 一般 written ≤6 h; 终报 and 退回 terms unsourced',
    },
  ],
  supplementary: [
    {
      id: 'road-traffic-and-fire',
      categories: ['accident'],
      subtypes: ['road_traffic', 'fire'],
      windowDays: 7,
      source: '生产安全事故报告和调查处理条例 (国务院令第493号) §13: road traffic and fire accidents, 7 days',
    },
    { id: 'accidents', categories: ['accident'], windowDays: 30, source: '国务院令第493号 §13: casualty changes within 30 days' },
    { id: 'other-incidents', windowDays: 30, source: `${UNSOURCED}: 493号令 §13's 30 days applied by analogy to incidents other than accidents` },
  ],
  responseAuthority: [
    { id: 'level-iv', levels: ['IV'], lowestRoom: 'county', source: 'reference §1.2: local plans give IV to the county' },
    { id: 'level-iii', levels: ['III'], lowestRoom: 'city', source: 'reference §1.2: local plans give III to the city (地级市)' },
    { id: 'level-i-ii', levels: ['I', 'II'], lowestRoom: 'province', source: 'reference §1.2: II by the province, I by the State Council (recorded by the province room)' },
  ],
  linkage: [
    { id: 'larger', severities: ['III'], link: ['city'], promptLead: null, source: 'Zhaoqing plan (seed): 市县联动, the city joins from 较大 up' },
    {
      id: 'major-and-above',
      severities: ['I', 'II'],
      link: ['city', 'province'],
      promptLead: 'province',
      source: 'reference §1.2: II handled by the province, I by the State Council; 突发事件应对法 §17: the upper level takes unified leadership',
    },
  ],
  grading: [
    { id: 'accident-i', categories: ['accident'], severity: 'I', deathsAtLeast: 30, injuredAtLeast: 100, economicLossAtLeast: 100_000_000, source: '国务院令第493号 §3 (特别重大)' },
    { id: 'accident-ii', categories: ['accident'], severity: 'II', deathsAtLeast: 10, injuredAtLeast: 50, economicLossAtLeast: 50_000_000, source: '国务院令第493号 §3 (重大)' },
    { id: 'accident-iii', categories: ['accident'], severity: 'III', deathsAtLeast: 3, injuredAtLeast: 10, economicLossAtLeast: 10_000_000, source: '国务院令第493号 §3 (较大)' },
  ],
  upperRoomRights: {
    commands: ['RaiseLead', 'LinkRoom', 'UnlinkRoom', 'AddSupportingJurisdiction', 'ClassifyIncident', 'ActivateResponse', 'ChangeResponseLevel', 'DismissSuggestedSeverity', 'ConfirmSuggestedSeverity'],
    source: `${UNSOURCED}: 以县为主 (seed) — the city follows, grades and activates the responses it has authority for; the lead runs the incident`,
  },
};

export const DEFAULT_RULE_BOOK: RuleBook = { defaults: DEFAULT_PLAN_RULES, byJurisdiction: new Map() };

/** A rule book from the defaults and the jurisdictions' own files. */
export function ruleBookOf(files: readonly PlanRules[], defaults: CompletePlanRules = DEFAULT_PLAN_RULES): RuleBook {
  return { defaults, byJurisdiction: new Map(files.map((f) => [f.jurisdiction, f])) };
}

/** Where one section of the rules comes from for a jurisdiction: its own file, the nearest level above with one, or the defaults. */
export function sectionSource(book: RuleBook, tree: JurisdictionTree, jurisdiction: string, section: PlanRuleSection): { jurisdiction: string; version: string } {
  for (const code of [jurisdiction, ...tree.ancestorsOf(jurisdiction)]) {
    const rules = book.byJurisdiction.get(code);
    if (rules?.[section] !== undefined) return { jurisdiction: code, version: rules.version };
  }
  return { jurisdiction: book.defaults.jurisdiction, version: book.defaults.version };
}

/** The rules that apply in a jurisdiction, each section from the nearest file that has it. */
export function rulesFor(book: RuleBook, tree: JurisdictionTree, jurisdiction: string): CompletePlanRules {
  const chain = [jurisdiction, ...tree.ancestorsOf(jurisdiction)].map((c) => book.byJurisdiction.get(c)).filter((r): r is PlanRules => r !== undefined);
  const pick = <S extends PlanRuleSection>(section: S): CompletePlanRules[S] => {
    for (const rules of chain) {
      const value = rules[section];
      if (value !== undefined) return value as CompletePlanRules[S];
    }
    return book.defaults[section];
  };
  const own = book.byJurisdiction.get(jurisdiction);
  return {
    jurisdiction: own?.jurisdiction ?? chain[0]?.jurisdiction ?? book.defaults.jurisdiction,
    version: own?.version ?? chain[0]?.version ?? book.defaults.version,
    title: own?.title ?? chain[0]?.title ?? book.defaults.title,
    reporting: pick('reporting'),
    supplementary: pick('supplementary'),
    responseAuthority: pick('responseAuthority'),
    linkage: pick('linkage'),
    grading: pick('grading'),
    upperRoomRights: pick('upperRoomRights'),
  };
}

const applies = (categories: readonly IncidentCategory[] | undefined, category: IncidentCategory | null): boolean =>
  categories === undefined || (category !== null && categories.includes(category));

/** The first reporting rule for this severity and category, or null when none applies. */
export function reportingRuleFor(rules: Pick<CompletePlanRules, 'reporting'>, severity: Severity, category: IncidentCategory | null): ReportingRule | null {
  return rules.reporting.find((r) => r.severities.includes(severity) && applies(r.categories, category)) ?? null;
}

/** The 补报 window in days for an incident of this category and subtype; null when no rule applies. */
export function supplementaryRuleFor(rules: Pick<CompletePlanRules, 'supplementary'>, category: IncidentCategory | null, subtype: string | null): SupplementaryRule | null {
  return (
    rules.supplementary.find((r) => applies(r.categories, category) && (r.subtypes === undefined || (subtype !== null && r.subtypes.includes(subtype)))) ?? null
  );
}

/** Ranks of the tree's levels, the province highest; a zone ranks with the counties. */
const LEVEL_RANK: Readonly<Record<JurisdictionLevel, number>> = { province: 0, city: 1, county: 2, zone: 2, township: 3 };

/** True when a room of level `room` is at `level` or above it. */
export function levelAtLeast(room: JurisdictionLevel, level: JurisdictionLevel): boolean {
  return LEVEL_RANK[room] <= LEVEL_RANK[level];
}

/** The lowest room level allowed to activate a response level; null when no rule names the level (nobody is limited). */
export function responseAuthorityFor(rules: Pick<CompletePlanRules, 'responseAuthority'>, level: Severity): ResponseAuthorityRule | null {
  return rules.responseAuthority.find((r) => r.levels.includes(level)) ?? null;
}

export function linkageFor(rules: Pick<CompletePlanRules, 'linkage'>, severity: Severity): LinkageRule | null {
  return rules.linkage.find((r) => r.severities.includes(severity)) ?? null;
}

/** Figures as a scene or a report states them. */
export interface GradingFigures {
  dead?: number | undefined;
  injured?: number | undefined;
  economicLoss?: number | undefined;
}

/**
 * The severity the figures reach under the grading rules, with the rule that says so; null when they
 * reach no rule (the lowest grade, or a category without criteria).
 */
export function gradeOf(
  rules: Pick<CompletePlanRules, 'grading'>,
  category: IncidentCategory | null,
  figures: GradingFigures,
): { severity: Severity; rule: GradingRule } | null {
  const reached = rules.grading.filter(
    (r) =>
      applies(r.categories, category) &&
      ((r.deathsAtLeast !== undefined && (figures.dead ?? 0) >= r.deathsAtLeast) ||
        (r.injuredAtLeast !== undefined && (figures.injured ?? 0) >= r.injuredAtLeast) ||
        (r.economicLossAtLeast !== undefined && (figures.economicLoss ?? 0) >= r.economicLossAtLeast)),
  );
  let best: { severity: Severity; rule: GradingRule } | null = null;
  for (const rule of reached) {
    if (best === null || SEVERITIES.indexOf(rule.severity) < SEVERITIES.indexOf(best.severity)) best = { severity: rule.severity, rule };
  }
  return best;
}
