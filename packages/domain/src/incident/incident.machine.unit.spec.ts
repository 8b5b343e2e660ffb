import { describe, expect, it } from 'vitest';
import { commandsAllowedIn, decide, initialState, replay, type Decision, type PersistedState, type ReplayableEvent } from '../aggregate';
import { JurisdictionTree } from '../jurisdiction/jurisdiction-tree';
import { roomsOf } from '../jurisdiction/visibility';
import { ZHAOQING_JURISDICTIONS } from '../jurisdiction/zhaoqing';
import { DEFAULT_PLAN_RULES, type CompletePlanRules } from '../rules/plan-rules';
import {
  INCIDENT_CATEGORIES,
  SEVERITIES,
  severityAtLeast,
  type CommandMeta,
  type EmittedEvent,
  type IncidentCategory,
  type Severity,
} from '../shared';
import {
  DeciderSpecification,
  deepFreeze,
  expectAccepted,
  fromTheWalk,
  pairOf,
  runCommands,
  type Accepted,
  type BodyOf,
  type PayloadOf as PayloadOfCommand,
} from '../testing/decider-spec';
import { maybe, mulberry32, pick } from '../testing/seeded-random';
import { incidentAggregate } from './incident.machine';
import {
  INCIDENT_EVENT_FOR,
  INCIDENT_STATES,
  REPORT_CHANNELS,
  type IncidentCommand,
  type IncidentCommandType,
  type IncidentContext,
  type IncidentEventType,
  type IncidentState,
  type LeadPrompt,
  type SeverityLinkage,
} from './incident.types';
import { linkageAbove, severitySetBy } from './linkage';

// ---------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const iso = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

let metaCounter = 0;
/** A fresh meta: distinct command id, `now` advancing, `occurredAt` five minutes before `now`. */
function nextMeta(): CommandMeta {
  metaCounter += 1;
  return {
    commandId: `cmd-${metaCounter}`,
    actor: { userId: 'user-duty-1', roles: ['duty_officer'], jurisdiction: '441203' },
    now: iso(metaCounter * 10),
    occurredAt: iso(metaCounter * 10 - 5),
  };
}

const ALL_COMMANDS = Object.keys(INCIDENT_EVENT_FOR).sort() as IncidentCommandType[];
const a = incidentAggregate;

/** The jurisdictions of the tests, from the Zhaoqing tree the engine fills `upperJurisdiction`/`to` from. */
const PROVINCE = '440000';
const CITY = '441200';
const DUANZHOU = '441202';
const DINGHU = '441203';
const GAOYAO = '441204';
const FENGKAI = '441225';
const TREE = new JurisdictionTree(ZHAOQING_JURISDICTIONS);

/** The linkage commands (市县联动): valid in every open state, from the report until the incident is over. */
const LINKAGE_COMMANDS = [
  'AddSupportingJurisdiction',
  'DeclineLead',
  'HandBackLead',
  'LinkRoom',
  'RaiseLead',
  'RemoveSupportingJurisdiction',
  'UnlinkRoom',
] as const satisfies readonly IncidentCommandType[];
const isLinkage = (type: IncidentCommandType): boolean => (LINKAGE_COMMANDS as readonly string[]).includes(type);
/** The commands that set or change the severity, after which the linkage rules link and prompt rooms above the lead. */
const SEVERITY_COMMANDS: readonly IncidentCommandType[] = ['ReportIncident', 'ConfirmIncident', 'ClassifyIncident', 'ConfirmSuggestedSeverity'];
/** The commands that carry a linkage the engine filled in: the severity commands and RaiseLead. */
const LINKAGE_CARRIERS: readonly IncidentCommandType[] = [...SEVERITY_COMMANDS, 'RaiseLead'];
/** The suggestion commands of the grading rules, in the states where classification is open. */
const GRADING_COMMANDS = ['ClassifyIncident', 'ConfirmSuggestedSeverity', 'DismissSuggestedSeverity', 'SuggestSeverity'] as const satisfies readonly IncidentCommandType[];

/** The derived event that links a room above the lead because of the severity. */
const severityLink = (jurisdiction: string, severity: Severity): EmittedEvent => ({
  type: 'RoomLinked',
  data: { jurisdiction, reason: 'severity', severity },
  derived: true,
});

/** The derived event that prompts a room above the lead to take the lead. */
const leadPrompted = (jurisdiction: string, severity: Severity, rule: string): EmittedEvent => ({
  type: 'LeadPrompted',
  data: { jurisdiction, severity, rule },
  derived: true,
});

/**
 * The linkages the engine fills in under the default rules (checked against linkageAbove below): a
 * Dinghu incident at III links the city; at II or I the city and the province, and prompts the
 * province; a city lead at III links nobody (the city leads), at IV no rule applies.
 */
const NO_RULE: SeverityLinkage = { rule: null, link: [], promptLead: null };
const DINGHU_III: SeverityLinkage = { rule: 'larger', link: [CITY], promptLead: null };
const DINGHU_I_II: SeverityLinkage = { rule: 'major-and-above', link: [CITY, PROVINCE], promptLead: PROVINCE };
const CITY_III: SeverityLinkage = { rule: 'larger', link: [], promptLead: null };
const CITY_I_II: SeverityLinkage = { rule: 'major-and-above', link: [PROVINCE], promptLead: PROVINCE };

/** The linkage the engine fills into a command sent to `state` (see the engine's enrichment), under the default rules. */
function linkageFill(state: PersistedState, body: CommandBody): { linkage?: SeverityLinkage } {
  if ('linkage' in body) return {};
  const c = state.value === 'none' ? null : ctx(state);
  if (body.type === 'RaiseLead') {
    const to = body.to ?? (c ? TREE.parentOf(c.leadJurisdiction) : null);
    return to !== null && c?.severity != null ? { linkage: linkageAbove(DEFAULT_PLAN_RULES, TREE, to, c.severity) } : {};
  }
  if (!LINKAGE_CARRIERS.includes(body.type)) return {};
  const severity = severitySetBy(body, c);
  const lead = body.type === 'ReportIncident' ? body.leadJurisdiction : c?.leadJurisdiction;
  return severity === null || lead === undefined ? {} : { linkage: linkageAbove(DEFAULT_PLAN_RULES, TREE, lead, severity) };
}

/** A prompt as a state that made one earlier holds it (the province, at level II). */
const promptOf = (at: string): LeadPrompt => ({ jurisdiction: PROVINCE, severity: 'II', rule: 'major-and-above', at });

/** A suggestion as the engine sends it after a scene report with ten dead. */
const SUGGEST_II: PayloadOf<'SuggestSeverity'> = {
  severity: 'II',
  rule: 'accident-ii',
  source: '国务院令第493号 §3 (重大)',
  figures: { dead: 10, injured: 4 },
  reportId: 'r-7',
};

/** The context of a persisted incident state, typed. */
function ctx(state: PersistedState): IncidentContext {
  // A test shortcut: these states come from decide() on this very machine, so their context is its context.
  return state.context as IncidentContext;
}

type PayloadOf<K extends IncidentCommandType> = PayloadOfCommand<IncidentCommand, K>;
type CommandBody = BodyOf<IncidentCommand>;

/** One legal transition: from a state, a command with its payload, the target and the context it sets. */
interface Case<K extends IncidentCommandType> {
  from: IncidentState;
  /** Commands applied to the state's fixture first (legal self-transitions), so that the guard holds. */
  given?: readonly CommandBody[];
  /** Context an earlier command left behind that no self-transition of the state can make (a standing prompt). */
  seed?: (at: string) => Partial<IncidentContext>;
  command: K;
  payload: PayloadOf<K>;
  /** The machine guard of the transition this case takes; null for an unguarded transition. */
  guard: string | null;
  to: IncidentState;
  event: IncidentEventType;
  /** The primary event's data when it is not the payload as sent. */
  eventData?: Record<string, unknown>;
  /** Derived events that follow the primary one (the room above linked because of the severity). */
  derived?: readonly EmittedEvent[];
  /** Context fields the command sets besides `updatedAt` (always `meta.now`); every other field stays. */
  changes: (meta: CommandMeta) => Partial<IncidentContext>;
}
type AnyCase = { [K in IncidentCommandType]: Case<K> }[IncidentCommandType];

const corrected = {
  title: 'Landslide on S358 near Baishi village (corrected)',
  location: { description: 'S358 km 42, Baishi village', lat: 23.0512, lon: 112.4721 },
};

function updateIn(from: IncidentState): AnyCase {
  return {
    from,
    command: 'UpdateIncidentDetails',
    payload: corrected,
    guard: null,
    to: from,
    event: 'IncidentDetailsUpdated',
    // description is not in the payload and must stay as it was
    changes: () => ({ title: corrected.title, location: corrected.location }),
  };
}

/**
 * Classification to level I: under the default rules the city (unless the state's fixture already has
 * it linked) and the province follow, and the province is prompted to take the lead.
 */
function classifyIn(from: IncidentState, cityLinked: boolean): AnyCase {
  return {
    from,
    command: 'ClassifyIncident',
    payload: { category: 'public_health', severity: 'I', reason: 'casualty count revised', linkage: DINGHU_I_II },
    guard: null,
    to: from,
    event: 'IncidentClassified',
    derived: [...(cityLinked ? [] : [severityLink(CITY, 'I')]), severityLink(PROVINCE, 'I'), leadPrompted(PROVINCE, 'I', 'major-and-above')],
    changes: (m) => ({
      category: 'public_health',
      severity: 'I',
      linkedJurisdictions: [CITY, PROVINCE],
      leadPrompt: { jurisdiction: PROVINCE, severity: 'I', rule: 'major-and-above', at: m.occurredAt },
    }),
  };
}

/** The grading rules' suggestion in a state whose fixture is at `severity`: made, confirmed (II links and prompts) or dismissed. */
function gradingIn(from: IncidentState, severity: Severity): AnyCase[] {
  const cityLinked = severity !== 'IV';
  return [
    {
      from,
      command: 'SuggestSeverity',
      payload: SUGGEST_II,
      guard: 'suggestionAdds',
      to: from,
      event: 'SeveritySuggested',
      changes: (m) => ({ suggestedSeverity: { ...SUGGEST_II, at: m.occurredAt } }),
    },
    {
      from,
      given: [{ type: 'SuggestSeverity', ...SUGGEST_II }],
      command: 'ConfirmSuggestedSeverity',
      payload: { linkage: DINGHU_I_II },
      guard: 'hasSuggestion',
      to: from,
      event: 'SuggestedSeverityConfirmed',
      // the old and the new severity, and the rule, beside the payload
      eventData: { linkage: DINGHU_I_II, previousSeverity: severity, severity: 'II', rule: 'accident-ii' },
      derived: [...(cityLinked ? [] : [severityLink(CITY, 'II')]), severityLink(PROVINCE, 'II'), leadPrompted(PROVINCE, 'II', 'major-and-above')],
      changes: (m) => ({
        severity: 'II',
        suggestedSeverity: null,
        linkedJurisdictions: [CITY, PROVINCE],
        leadPrompt: { jurisdiction: PROVINCE, severity: 'II', rule: 'major-and-above', at: m.occurredAt },
      }),
    },
    {
      from,
      given: [{ type: 'SuggestSeverity', ...SUGGEST_II }],
      command: 'DismissSuggestedSeverity',
      payload: { reason: 'the police count ten dead in two separate accidents' },
      guard: 'hasSuggestion',
      to: from,
      event: 'SuggestedSeverityDismissed',
      eventData: { reason: 'the police count ten dead in two separate accidents', severity: 'II' },
      changes: () => ({ suggestedSeverity: null }),
    },
  ];
}

/**
 * The open states and the severity of the fixture the walk reaches each with: IV as reported, III from
 * the confirmation on, so that the city room (441200) follows the incident from `confirmed` on.
 */
const OPEN_STATES = [
  ['reported', 'IV'],
  ['verifying', 'IV'],
  ['confirmed', 'III'],
  ['initialHandling', 'III'],
  ['responseActive', 'III'],
  ['controlled', 'III'],
  ['responseLifted', 'III'],
  ['recovery', 'III'],
  ['underReview', 'III'],
] as const satisfies ReadonlyArray<readonly [IncidentState, Severity]>;

/**
 * The six linkage commands in an open state whose fixture is led by Dinghu (441203) under the city
 * (441200), with the city linked when `severity` is III. Each case names the full lists it leaves.
 */
function linkageIn(from: IncidentState, severity: Severity): AnyCase[] {
  const severe = severityAtLeast(severity, 'III');
  const city = severe ? [CITY] : [];
  // at III the city, now leading, has nobody above it to link; at IV no linkage rule applies
  const raise: PayloadOf<'RaiseLead'> = { reason: 'spreads across counties', to: CITY, upperJurisdiction: PROVINCE, linkage: severe ? CITY_III : NO_RULE };
  return [
    {
      from,
      command: 'LinkRoom',
      payload: { jurisdiction: FENGKAI, reason: 'the road into Fengkai is cut' },
      guard: 'notYetFollowing',
      to: from,
      event: 'RoomLinked',
      changes: () => ({ linkedJurisdictions: [...city, FENGKAI] }),
    },
    {
      from,
      given: [{ type: 'LinkRoom', jurisdiction: DUANZHOU }],
      command: 'UnlinkRoom',
      payload: { jurisdiction: DUANZHOU, reason: 'not affected after all' },
      guard: 'isLinked',
      to: from,
      event: 'RoomUnlinked',
      changes: () => ({ linkedJurisdictions: city }),
    },
    {
      from,
      command: 'AddSupportingJurisdiction',
      payload: { jurisdiction: GAOYAO, reason: 'the slide reaches Gaoyao' },
      guard: 'notYetFollowing',
      to: from,
      event: 'SupportingJurisdictionAdded',
      changes: () => ({ supportingJurisdictions: [GAOYAO] }),
    },
    {
      from,
      given: [{ type: 'AddSupportingJurisdiction', jurisdiction: GAOYAO }],
      command: 'RemoveSupportingJurisdiction',
      payload: { jurisdiction: GAOYAO, reason: 'Gaoyao is clear' },
      guard: 'isSupporting',
      to: from,
      event: 'SupportingJurisdictionRemoved',
      changes: () => ({ supportingJurisdictions: [] }),
    },
    {
      from,
      command: 'RaiseLead',
      payload: raise,
      guard: 'hasUpper',
      to: from,
      event: 'LeadRaised',
      // the city leads and leaves the linked rooms; Dinghu supports
      changes: () => ({
        leadJurisdiction: CITY,
        upperJurisdiction: PROVINCE,
        raisedFrom: [{ jurisdiction: DINGHU, upper: CITY }],
        linkedJurisdictions: [],
        supportingJurisdictions: [DINGHU],
      }),
    },
    {
      from,
      given: [{ type: 'RaiseLead', ...raise }],
      command: 'HandBackLead',
      payload: { reason: 'back to the county' },
      guard: 'wasRaised',
      to: from,
      event: 'LeadHandedBack',
      // Dinghu leads again under the city, which stays as a linked room
      changes: () => ({
        leadJurisdiction: DINGHU,
        upperJurisdiction: CITY,
        raisedFrom: [],
        linkedJurisdictions: [CITY],
        supportingJurisdictions: [],
      }),
    },
    {
      from,
      // a prompt made earlier (at II) still stands: no self-transition of every open state can make one
      seed: (at) => ({ leadPrompt: promptOf(at) }),
      command: 'DeclineLead',
      payload: { reason: 'the city copes; the province follows' },
      guard: 'isPrompted',
      to: from,
      event: 'LeadDeclined',
      changes: () => ({ leadPrompt: null }),
    },
  ];
}

/** The specification: every legal (state, command) pair of the incident machine. */
const CASES: readonly AnyCase[] = [
  {
    from: 'none',
    command: 'ReportIncident',
    payload: {
      incidentId: 'inc-1',
      title: 'Landslide on S358',
      description: 'Road blocked, two vehicles buried',
      category: 'natural_disaster',
      severity: 'IV',
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      linkage: NO_RULE,
      location: { description: 'S358 km 42' },
      source: 'phone',
      exercise: false,
    },
    guard: null,
    to: 'reported',
    event: 'IncidentReported',
    changes: (m) => ({
      incidentId: 'inc-1',
      title: 'Landslide on S358',
      description: 'Road blocked, two vehicles buried',
      category: 'natural_disaster',
      severity: 'IV',
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      location: { description: 'S358 km 42' },
      source: 'phone',
      exercise: false,
      reportedAt: m.now,
      receivedAt: m.now,
      occurredAt: m.occurredAt,
      subtype: null,
    }),
  },
  {
    from: 'reported',
    command: 'BeginVerification',
    payload: { note: 'calling the informant back' },
    guard: null,
    to: 'verifying',
    event: 'VerificationStarted',
    changes: () => ({}),
  },
  {
    from: 'reported',
    command: 'DismissIncident',
    payload: { reason: 'duplicate of inc-0' },
    guard: null,
    to: 'dismissed',
    event: 'IncidentDismissed',
    changes: () => ({ dismissedReason: 'duplicate of inc-0' }),
  },
  updateIn('reported'),
  classifyIn('reported', false),
  ...gradingIn('reported', 'IV'),
  ...linkageIn('reported', 'IV'),
  {
    from: 'verifying',
    command: 'ConfirmIncident',
    payload: { severity: 'III', note: 'confirmed by township', linkage: DINGHU_III },
    guard: 'severityKnownOrGiven',
    to: 'confirmed',
    event: 'IncidentConfirmed',
    // level III: the city room follows (市县联动); category not given: stays natural_disaster
    derived: [severityLink(CITY, 'III')],
    changes: (m) => ({ severity: 'III', confirmedAt: m.occurredAt, linkedJurisdictions: [CITY] }),
  },
  {
    from: 'verifying',
    command: 'DismissIncident',
    payload: { reason: 'false alarm' },
    guard: null,
    to: 'dismissed',
    event: 'IncidentDismissed',
    changes: () => ({ dismissedReason: 'false alarm' }),
  },
  updateIn('verifying'),
  classifyIn('verifying', false),
  ...gradingIn('verifying', 'IV'),
  ...linkageIn('verifying', 'IV'),
  {
    from: 'confirmed',
    command: 'BeginInitialHandling',
    payload: { measures: 'road closed, township rescue team dispatched' },
    guard: null,
    to: 'initialHandling',
    event: 'InitialHandlingStarted',
    changes: () => ({}),
  },
  updateIn('confirmed'),
  classifyIn('confirmed', true),
  ...gradingIn('confirmed', 'III'),
  ...linkageIn('confirmed', 'III'),
  {
    from: 'initialHandling',
    command: 'ActivateResponse',
    payload: { level: 'III', measures: 'county plan level III', matters: 'rescue', expectedDuration: '48h' },
    guard: null,
    to: 'responseActive',
    event: 'ResponseActivated',
    changes: (m) => ({ responseLevel: 'III', responseActivatedAt: m.occurredAt }),
  },
  updateIn('initialHandling'),
  classifyIn('initialHandling', true),
  ...gradingIn('initialHandling', 'III'),
  ...linkageIn('initialHandling', 'III'),
  {
    from: 'responseActive',
    command: 'ChangeResponseLevel',
    payload: { level: 'II', reason: 'second slide' },
    guard: 'levelDiffers',
    to: 'responseActive',
    event: 'ResponseLevelChanged',
    changes: () => ({ responseLevel: 'II' }),
  },
  {
    from: 'responseActive',
    command: 'DeclareControlled',
    payload: { summary: 'all buried persons recovered' },
    guard: null,
    to: 'controlled',
    event: 'IncidentControlled',
    changes: (m) => ({ controlledAt: m.occurredAt }),
  },
  updateIn('responseActive'),
  classifyIn('responseActive', true),
  ...gradingIn('responseActive', 'III'),
  ...linkageIn('responseActive', 'III'),
  {
    from: 'controlled',
    command: 'LiftResponse',
    payload: { reason: 'no further risk' },
    guard: null,
    to: 'responseLifted',
    event: 'ResponseLifted',
    changes: (m) => ({ liftedAt: m.occurredAt }),
  },
  updateIn('controlled'),
  classifyIn('controlled', true),
  ...gradingIn('controlled', 'III'),
  ...linkageIn('controlled', 'III'),
  {
    from: 'responseLifted',
    command: 'BeginRecovery',
    payload: { plan: 'reopen S358 within 7 days' },
    guard: null,
    to: 'recovery',
    event: 'RecoveryStarted',
    changes: () => ({}),
  },
  updateIn('responseLifted'),
  ...linkageIn('responseLifted', 'III'),
  {
    from: 'recovery',
    command: 'BeginReview',
    payload: { note: 'after-action review' },
    guard: null,
    to: 'underReview',
    event: 'ReviewStarted',
    changes: () => ({}),
  },
  updateIn('recovery'),
  ...linkageIn('recovery', 'III'),
  {
    from: 'underReview',
    command: 'CloseIncident',
    payload: { summary: 'closed after review' },
    guard: null,
    to: 'closed',
    event: 'IncidentClosed',
    changes: (m) => ({ closedAt: m.occurredAt }),
  },
  ...linkageIn('underReview', 'III'),
];

/** Applies one command body to a state with a fresh meta and the linkage the engine fills in; it must be accepted. */
function apply(state: PersistedState, body: CommandBody): Accepted {
  return expectAccepted(decide(a, state, { ...body, ...linkageFill(state, body), meta: nextMeta() }));
}

/** Applies a case's `given` commands to a state. */
function withGiven(state: PersistedState, c: AnyCase): PersistedState {
  let s: PersistedState = c.seed ? { ...state, context: { ...state.context, ...c.seed(iso(0)) } } : state;
  for (const body of c.given ?? []) s = apply(s, body).state;
  return s;
}

/**
 * Each case starts from the first state the walk reaches with its `from` value (a pair with no case is
 * not explored), after its `given` commands; that state is the fixture of its value.
 */
const spec = DeciderSpecification.for({
  aggregate: a,
  states: INCIDENT_STATES,
  cases: CASES,
  metaOf: () => nextMeta(),
  given: fromTheWalk((c: AnyCase, reached) => withGiven(reached, c)),
});
const allowedByTable = (state: string): string[] => spec.allowedByTable(state);
const fixture = (state: IncidentState): PersistedState => spec.fixtureOf(state);

/**
 * Stored events with the command's meta as sent (`now`, no `recordedAt`) and `derived` in it: this spec's
 * replays take the server time from `now`, which `replay` accepts besides the engine's `recordedAt`.
 */
function toStoredWithNow(d: Accepted, meta: CommandMeta): ReplayableEvent[] {
  return d.events.map((e) => ({ type: e.type, data: e.data, meta: e.derived ? { ...meta, derived: true } : meta }));
}

// ---------------------------------------------------------------------------------------------------
// 1. Legal transitions
// ---------------------------------------------------------------------------------------------------

describe('incident machine: coverage of the transition table', () => {
  spec.coverageTests({ statesName: 'INCIDENT_STATES' });

  it('has one case per (state, command) pair', () => {
    const keys = CASES.map((c) => pairOf(c.from, c.command));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the table has the linkage commands in every open state and in no other', () => {
    const open: readonly string[] = OPEN_STATES.map(([s]) => s);
    expect(open).toEqual(INCIDENT_STATES.filter((s) => !['none', 'dismissed', 'closed'].includes(s)));
    for (const state of INCIDENT_STATES) {
      const listed = allowedByTable(state).filter((c) => (LINKAGE_COMMANDS as readonly string[]).includes(c));
      expect(listed, state).toEqual(open.includes(state) ? [...LINKAGE_COMMANDS] : []);
    }
  });

  it.each(OPEN_STATES)('the fixture of %s is led by Dinghu under the city, at severity %s', (state, severity) => {
    expect(fixture(state).context).toMatchObject({
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      severity,
      linkedJurisdictions: severity === 'IV' ? [] : [CITY],
      supportingJurisdictions: [],
      raisedFrom: [],
    });
  });
});

describe('incident machine: every legal transition', () => {
  // the primary event is the one the case names: the harness checks it is the command's in INCIDENT_EVENT_FOR
  spec.transitionTests({
    events: (c) => [{ type: c.event, data: c.eventData ?? { ...c.payload } }, ...(c.derived ?? [])],
    changes: (c, meta) => c.changes(meta),
  });
});

describe('incident machine: details of individual commands', () => {
  it('ReportIncident with only required fields fills the defaults', () => {
    const meta = nextMeta();
    const d = expectAccepted(
      decide(a, initialState(a), {
        type: 'ReportIncident',
        meta,
        incidentId: 'inc-min',
        title: 'Smoke seen',
        leadJurisdiction: DINGHU,
      }),
    );
    expect(d.state).toStrictEqual({
      value: 'reported',
      context: {
        ...initialState(a).context,
        incidentId: 'inc-min',
        title: 'Smoke seen',
        description: '',
        category: null,
        severity: null,
        leadJurisdiction: DINGHU,
        upperJurisdiction: null,
        linkedJurisdictions: [],
        supportingJurisdictions: [],
        raisedFrom: [],
        location: null,
        source: null,
        exercise: false,
        reportedAt: meta.now,
        receivedAt: meta.now,
        occurredAt: meta.occurredAt,
        subtype: null,
        updatedAt: meta.now,
      },
    });
    expect(d.events).toStrictEqual([
      { type: 'IncidentReported', data: { incidentId: 'inc-min', title: 'Smoke seen', leadJurisdiction: DINGHU } },
    ]);
  });

  it('ReportIncident flagged as exercise keeps the flag in context', () => {
    const d = expectAccepted(
      decide(a, initialState(a), {
        type: 'ReportIncident',
        meta: nextMeta(),
        incidentId: 'drill-1',
        title: 'Drill: chemical leak',
        leadJurisdiction: DINGHU,
        exercise: true,
      }),
    );
    expect(d.state.context['exercise']).toBe(true);
  });

  it('ConfirmIncident without severity is accepted when the context already has one, and keeps it', () => {
    const verifying = fixture('verifying');
    expect(verifying.context['severity']).toBe('IV');
    const meta = nextMeta();
    const d = expectAccepted(decide(a, verifying, { type: 'ConfirmIncident', meta, category: 'accident' }));
    expect(d.state.value).toBe('confirmed');
    expect(d.state.context).toMatchObject({ severity: 'IV', category: 'accident', confirmedAt: meta.occurredAt, linkedJurisdictions: [] });
    expect(d.events).toStrictEqual([{ type: 'IncidentConfirmed', data: { category: 'accident' } }]);
  });

  it('UpdateIncidentDetails changes only the fields it carries', () => {
    const before = fixture('responseActive');
    const meta = nextMeta();
    const d = expectAccepted(decide(a, before, { type: 'UpdateIncidentDetails', meta, description: 'Three vehicles' }));
    expect(d.state.context).toStrictEqual({ ...before.context, description: 'Three vehicles', updatedAt: meta.now });
  });

  it('ChangeResponseLevel can go down as well as up', () => {
    const meta = nextMeta();
    const d = expectAccepted(decide(a, fixture('responseActive'), { type: 'ChangeResponseLevel', meta, level: 'IV', reason: 'eased' }));
    expect(d.state.context['responseLevel']).toBe('IV');
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Illegal commands
// ---------------------------------------------------------------------------------------------------

const ILLEGAL = spec.illegalPairs;

describe('incident machine: commands not allowed in a state are rejected', () => {
  spec.rejectionTests({ meta: nextMeta, finalStates: ['dismissed', 'closed'] });

  it('the sweep covers every linkage command before the report and in both final states', () => {
    for (const state of ['none', 'dismissed', 'closed'] as const) {
      for (const command of LINKAGE_COMMANDS) expect(ILLEGAL, pairOf(state, command)).toContainEqual([state, command]);
    }
  });


  it.each(['dismissed', 'closed'] as const)('final state %s refuses linkage whose guard would hold', (state) => {
    const over = fixture(state);
    // Fengkai neither leads, follows nor supports; the city linked is the level above: every guard holds
    expect(ctx(over)).toMatchObject({ leadJurisdiction: DINGHU, upperJurisdiction: CITY });
    expect(ctx(over).linkedJurisdictions).not.toContain(FENGKAI);
    const commands: CommandBody[] = [
      { type: 'LinkRoom', jurisdiction: FENGKAI },
      { type: 'AddSupportingJurisdiction', jurisdiction: FENGKAI },
      { type: 'RaiseLead', reason: 'too late', to: CITY, upperJurisdiction: PROVINCE },
    ];
    for (const body of commands) {
      expect(decide(a, over, { ...body, meta: nextMeta() }), body.type).toStrictEqual({ ok: false, state, allowed: [] });
    }
  });

  it('no linkage before the incident is reported, even with a payload every guard accepts', () => {
    const none = initialState(a);
    const commands: CommandBody[] = [
      { type: 'LinkRoom', jurisdiction: CITY },
      { type: 'AddSupportingJurisdiction', jurisdiction: FENGKAI },
      // a `to` would pass the guard; before the report there is no lead to raise
      { type: 'RaiseLead', reason: 'early', to: CITY, upperJurisdiction: PROVINCE },
    ];
    for (const body of commands) {
      expect(decide(a, none, { ...body, meta: nextMeta() }), body.type).toStrictEqual({ ok: false, state: 'none', allowed: ['ReportIncident'] });
    }
  });
});

describe('incident machine: guards', () => {
  function verifyingWithoutSeverity(): PersistedState {
    const reported = expectAccepted(
      decide(a, initialState(a), {
        type: 'ReportIncident',
        meta: nextMeta(),
        incidentId: 'inc-2',
        title: 'Gas smell',
        leadJurisdiction: DINGHU,
        upperJurisdiction: CITY,
      }),
    ).state;
    const verifying = expectAccepted(decide(a, reported, { type: 'BeginVerification', meta: nextMeta() })).state;
    expect(verifying.context['severity']).toBeNull();
    return verifying;
  }
  const verifyingAllowed = allowedByTable('verifying');

  it('ConfirmIncident without severity is rejected when the context has none', () => {
    expect(verifyingAllowed).toEqual([...LINKAGE_COMMANDS, ...GRADING_COMMANDS, 'ConfirmIncident', 'DismissIncident', 'UpdateIncidentDetails'].sort());
    const d = decide(a, verifyingWithoutSeverity(), { type: 'ConfirmIncident', meta: nextMeta(), category: 'accident' });
    expect(d).toStrictEqual({ ok: false, state: 'verifying', allowed: verifyingAllowed });
  });

  it('ConfirmIncident with a severity is accepted when the context has none', () => {
    const meta = nextMeta();
    const d = expectAccepted(decide(a, verifyingWithoutSeverity(), { type: 'ConfirmIncident', meta, severity: 'II' }));
    expect(d.state.value).toBe('confirmed');
    expect(d.state.context).toMatchObject({ severity: 'II', confirmedAt: meta.occurredAt });
  });

  it('ConfirmIncident without severity is accepted after ClassifyIncident set one', () => {
    const classified = expectAccepted(
      decide(a, verifyingWithoutSeverity(), { type: 'ClassifyIncident', meta: nextMeta(), category: 'accident', severity: 'III' }),
    ).state;
    const d = expectAccepted(decide(a, classified, { type: 'ConfirmIncident', meta: nextMeta() }));
    expect(d.state.context['severity']).toBe('III');
  });

  it('ChangeResponseLevel to the current level is rejected', () => {
    const active = fixture('responseActive');
    expect(active.context['responseLevel']).toBe('III');
    const d = decide(a, active, { type: 'ChangeResponseLevel', meta: nextMeta(), level: 'III', reason: 'same' });
    expect(d).toStrictEqual({ ok: false, state: 'responseActive', allowed: allowedByTable('responseActive') });
  });

  it('ChangeResponseLevel compares with the level in force after an earlier change', () => {
    const raised = expectAccepted(
      decide(a, fixture('responseActive'), { type: 'ChangeResponseLevel', meta: nextMeta(), level: 'I', reason: 'up' }),
    ).state;
    expect(decide(a, raised, { type: 'ChangeResponseLevel', meta: nextMeta(), level: 'I', reason: 'again' }).ok).toBe(false);
    expect(decide(a, raised, { type: 'ChangeResponseLevel', meta: nextMeta(), level: 'III', reason: 'back' }).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// 2b. Linkage (市县联动, 以县为主)
// ---------------------------------------------------------------------------------------------------

/** A Dinghu incident under the city, as the engine reports it, with the given extra fields. */
function reportDinghu(fields: Partial<PayloadOf<'ReportIncident'>> = {}): Extract<Decision, { ok: true }> {
  return apply(initialState(a), {
    type: 'ReportIncident',
    incidentId: 'inc-link',
    title: 'Landslide on S358',
    leadJurisdiction: DINGHU,
    upperJurisdiction: CITY,
    ...fields,
  });
}

/** The linkage fields of an incident state. */
function linkage(state: PersistedState): Pick<IncidentContext, 'leadJurisdiction' | 'upperJurisdiction' | 'linkedJurisdictions' | 'supportingJurisdictions' | 'raisedFrom'> {
  const { leadJurisdiction, upperJurisdiction, linkedJurisdictions, supportingJurisdictions, raisedFrom } = ctx(state);
  return { leadJurisdiction, upperJurisdiction, linkedJurisdictions, supportingJurisdictions, raisedFrom };
}

describe('incident linkage: the engine resolves the linkage rules against the tree', () => {
  it('the linkages the cases send are what linkageAbove gives under the default rules', () => {
    expect(linkageAbove(DEFAULT_PLAN_RULES, TREE, DINGHU, 'IV')).toStrictEqual(NO_RULE);
    expect(linkageAbove(DEFAULT_PLAN_RULES, TREE, DINGHU, 'III')).toStrictEqual(DINGHU_III);
    expect(linkageAbove(DEFAULT_PLAN_RULES, TREE, DINGHU, 'II')).toStrictEqual(DINGHU_I_II);
    expect(linkageAbove(DEFAULT_PLAN_RULES, TREE, DINGHU, 'I')).toStrictEqual(DINGHU_I_II);
    expect(linkageAbove(DEFAULT_PLAN_RULES, TREE, CITY, 'III')).toStrictEqual(CITY_III);
    expect(linkageAbove(DEFAULT_PLAN_RULES, TREE, CITY, 'II')).toStrictEqual(CITY_I_II);
    // nothing above the province: the rule applies, but names nobody
    expect(linkageAbove(DEFAULT_PLAN_RULES, TREE, PROVINCE, 'I')).toStrictEqual({ rule: 'major-and-above', link: [], promptLead: null });
  });

  it('a jurisdiction rule that links only the province at III and prompts the city is followed as written', () => {
    const rules: Pick<CompletePlanRules, 'linkage'> = { linkage: [{ id: 'own', severities: ['III'], link: ['province'], promptLead: 'city', source: 'test' }] };
    expect(linkageAbove(rules, TREE, DINGHU, 'III')).toStrictEqual({
      rule: 'own',
      link: [PROVINCE],
      promptLead: CITY,
    });
  });

  it('severitySetBy: a severity given, or a suggestion confirmed, that differs from the one in force', () => {
    const at = (severity: Severity | null, suggested: Severity | null = null) => ({
      severity,
      suggestedSeverity: suggested === null ? null : { ...SUGGEST_II, severity: suggested, at: iso(0) },
    });
    expect(severitySetBy({ type: 'ReportIncident', severity: 'III' }, null)).toBe('III');
    expect(severitySetBy({ type: 'ReportIncident' }, null)).toBeNull();
    expect(severitySetBy({ type: 'ConfirmIncident', severity: 'III' }, at('III'))).toBeNull();
    expect(severitySetBy({ type: 'ConfirmIncident' }, at('III'))).toBeNull();
    expect(severitySetBy({ type: 'ClassifyIncident', severity: 'II' }, at('III'))).toBe('II');
    expect(severitySetBy({ type: 'ClassifyIncident', severity: 'IV' }, at('III'))).toBe('IV');
    expect(severitySetBy({ type: 'ConfirmSuggestedSeverity' }, at('III', 'I'))).toBe('I');
    expect(severitySetBy({ type: 'ConfirmSuggestedSeverity' }, at('III'))).toBeNull();
    expect(severitySetBy({ type: 'ActivateResponse', severity: 'I' }, at('III'))).toBeNull();
  });
});

describe('incident linkage: the rooms the linkage rules name follow the severity', () => {
  /** Each way a severity is set, from an incident at Dinghu whose severity is still unknown. */
  const SETTERS = {
    ReportIncident: (severity: Severity) => reportDinghu({ severity }),
    ConfirmIncident: (severity: Severity) => {
      const verifying = apply(reportDinghu().state, { type: 'BeginVerification' }).state;
      return apply(verifying, { type: 'ConfirmIncident', severity });
    },
    ClassifyIncident: (severity: Severity) => apply(reportDinghu().state, { type: 'ClassifyIncident', category: 'accident', severity }),
    ConfirmSuggestedSeverity: (severity: Severity) => {
      const suggested = apply(reportDinghu().state, { type: 'SuggestSeverity', ...SUGGEST_II, severity });
      return apply(suggested.state, { type: 'ConfirmSuggestedSeverity' });
    },
  } as const;
  const table = (Object.keys(SETTERS) as (keyof typeof SETTERS)[]).flatMap((command) => SEVERITIES.map((severity) => [command, severity] as const));
  const followersAt: Record<Severity, string[]> = { I: [CITY, PROVINCE], II: [CITY, PROVINCE], III: [CITY], IV: [] };

  it.each(table)('%s at level %s', (command, severity) => {
    const d = SETTERS[command](severity);
    const [primary, ...derived] = d.events;
    expect(primary?.type).toBe(INCIDENT_EVENT_FOR[command]);
    expect(primary?.derived).toBeUndefined();
    const prompts = severity === 'I' || severity === 'II';
    expect(derived).toStrictEqual([
      ...followersAt[severity].map((j) => severityLink(j, severity)),
      ...(prompts ? [leadPrompted(PROVINCE, severity, 'major-and-above')] : []),
    ]);
    expect(linkage(d.state)).toStrictEqual({
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      linkedJurisdictions: followersAt[severity],
      supportingJurisdictions: [],
      raisedFrom: [],
    });
    if (prompts) expect(ctx(d.state).leadPrompt).toMatchObject({ jurisdiction: PROVINCE, severity, rule: 'major-and-above' });
    else expect(ctx(d.state).leadPrompt).toBeNull();

    // exactly once: a further rise to level I links only the rooms not yet following, and prompts the province only if not yet prompted
    const again = apply(d.state, { type: 'ClassifyIncident', category: 'accident', severity: severity === 'I' ? 'II' : 'I' });
    const next = severity === 'I' ? 'II' : 'I';
    expect(again.events.slice(1)).toStrictEqual([
      ...followersAt[next].filter((j) => !followersAt[severity].includes(j)).map((j) => severityLink(j, next)),
      ...(prompts ? [] : [leadPrompted(PROVINCE, next, 'major-and-above')]),
    ]);
    expect(ctx(again.state).linkedJurisdictions).toStrictEqual([CITY, PROVINCE]);
  });

  it('the prompt records the severity, the rule and when the severity was set', () => {
    const meta = nextMeta();
    const d = expectAccepted(
      decide(a, initialState(a), { type: 'ReportIncident', incidentId: 'inc-ii', title: 'Chemical plant fire', leadJurisdiction: DINGHU, severity: 'II', linkage: DINGHU_I_II, meta }),
    );
    expect(ctx(d.state).leadPrompt).toStrictEqual({ jurisdiction: PROVINCE, severity: 'II', rule: 'major-and-above', at: meta.occurredAt });
  });

  it('lowering the severity leaves the links until someone removes them, and withdraws the prompt', () => {
    let s = reportDinghu({ severity: 'II' }).state;
    expect(ctx(s)).toMatchObject({ linkedJurisdictions: [CITY, PROVINCE], leadPrompt: { jurisdiction: PROVINCE } });
    s = apply(s, { type: 'BeginVerification' }).state;
    const lowered = apply(s, { type: 'ClassifyIncident', category: 'accident', severity: 'IV' });
    expect(lowered.events).toStrictEqual([{ type: 'IncidentClassified', data: { category: 'accident', severity: 'IV', linkage: NO_RULE } }]);
    expect(ctx(lowered.state)).toMatchObject({ severity: 'IV', linkedJurisdictions: [CITY, PROVINCE], leadPrompt: null });
    const confirmed = apply(lowered.state, { type: 'ConfirmIncident', severity: 'IV' });
    expect(confirmed.events).toHaveLength(1);
    expect(ctx(confirmed.state)).toMatchObject({ severity: 'IV', linkedJurisdictions: [CITY, PROVINCE] });
    // someone removes the city: at IV it stays out
    const unlinked = apply(confirmed.state, { type: 'UnlinkRoom', jurisdiction: CITY, reason: 'county copes' });
    expect(unlinked.events).toStrictEqual([{ type: 'RoomUnlinked', data: { jurisdiction: CITY, reason: 'county copes' } }]);
    expect(ctx(unlinked.state).linkedJurisdictions).toStrictEqual([PROVINCE]);
  });

  it('lowering from I to III keeps the links and withdraws the prompt; III names no prompt', () => {
    const s = reportDinghu({ severity: 'I' }).state;
    const d = apply(s, { type: 'ClassifyIncident', category: 'accident', severity: 'III' });
    expect(d.events.map((e) => e.type)).toStrictEqual(['IncidentClassified']);
    expect(ctx(d.state)).toMatchObject({ linkedJurisdictions: [CITY, PROVINCE], leadPrompt: null });
  });

  it('a city room removed at III is linked again when the severity changes, not by a command that leaves it', () => {
    let s = reportDinghu({ severity: 'III' }).state;
    s = apply(s, { type: 'UnlinkRoom', jurisdiction: CITY }).state;
    expect(ctx(s).linkedJurisdictions).toStrictEqual([]);
    // non-severity commands do not bring it back
    const updated = apply(s, { type: 'UpdateIncidentDetails', description: 'more rain' });
    expect(updated.events).toHaveLength(1);
    s = apply(updated.state, { type: 'BeginVerification' }).state;
    // confirming at the severity in force sets nothing: the engine fills no linkage, nobody is linked
    const confirmed = apply(s, { type: 'ConfirmIncident' });
    expect(confirmed.events).toStrictEqual([{ type: 'IncidentConfirmed', data: {} }]);
    expect(ctx(confirmed.state).linkedJurisdictions).toStrictEqual([]);
    // a new severity links the rooms its rule names again
    const raised = apply(confirmed.state, { type: 'ClassifyIncident', category: 'accident', severity: 'II' });
    expect(raised.events.slice(1)).toStrictEqual([severityLink(CITY, 'II'), severityLink(PROVINCE, 'II'), leadPrompted(PROVINCE, 'II', 'major-and-above')]);
  });

  it('a command that carries no linkage links nobody, whatever the severity (the machine knows no tree)', () => {
    const d = expectAccepted(
      decide(a, initialState(a), { type: 'ReportIncident', incidentId: 'inc-raw', title: 'Fire', leadJurisdiction: DINGHU, upperJurisdiction: CITY, severity: 'I', meta: nextMeta() }),
    );
    expect(d.events.map((e) => e.type)).toStrictEqual(['IncidentReported']);
    expect(ctx(d.state)).toMatchObject({ linkedJurisdictions: [], leadPrompt: null });
  });

  it('the response level is not the severity: ActivateResponse at I links nothing', () => {
    let s = reportDinghu({ severity: 'IV' }).state;
    s = apply(s, { type: 'BeginVerification' }).state;
    s = apply(s, { type: 'ConfirmIncident' }).state;
    s = apply(s, { type: 'BeginInitialHandling', measures: 'road closed' }).state;
    const d = apply(s, { type: 'ActivateResponse', level: 'I', measures: 'everything' });
    expect(d.events.map((e) => e.type)).toStrictEqual(['ResponseActivated']);
    const changed = apply(d.state, { type: 'ChangeResponseLevel', level: 'II', reason: 'eased' });
    expect(changed.events.map((e) => e.type)).toStrictEqual(['ResponseLevelChanged']);
    expect(ctx(changed.state)).toMatchObject({ linkedJurisdictions: [], leadPrompt: null });
  });

  it('with no level above the lead, nothing is linked and nobody prompted', () => {
    const d = apply(initialState(a), { type: 'ReportIncident', incidentId: 'inc-top', title: 'Typhoon', leadJurisdiction: PROVINCE, severity: 'I', upperJurisdiction: null });
    expect(d.events.map((e) => e.type)).toStrictEqual(['IncidentReported']);
    expect(ctx(d.state)).toMatchObject({ upperJurisdiction: null, linkedJurisdictions: [], leadPrompt: null });
  });

  it('a city room that already supports the incident is not also linked', () => {
    const supported = apply(reportDinghu({ severity: 'IV' }).state, { type: 'AddSupportingJurisdiction', jurisdiction: CITY });
    const d = apply(supported.state, { type: 'ClassifyIncident', category: 'accident', severity: 'II' });
    expect(d.events.map((e) => e.type)).toStrictEqual(['IncidentClassified', 'RoomLinked', 'LeadPrompted']);
    expect(linkage(d.state)).toMatchObject({ linkedJurisdictions: [PROVINCE], supportingJurisdictions: [CITY] });
  });

  it('a city-led incident links the province and prompts it', () => {
    const d = apply(initialState(a), {
      type: 'ReportIncident',
      incidentId: 'inc-city',
      title: 'Flood in the city',
      leadJurisdiction: CITY,
      upperJurisdiction: PROVINCE,
      severity: 'II',
    });
    expect(d.events.slice(1)).toStrictEqual([severityLink(PROVINCE, 'II'), leadPrompted(PROVINCE, 'II', 'major-and-above')]);
    expect(ctx(d.state).linkedJurisdictions).toStrictEqual([PROVINCE]);
  });
});

describe('incident linkage: the prompt to take the lead', () => {
  /** A Dinghu incident at II: city and province linked, the province prompted. */
  const prompted = (): PersistedState => reportDinghu({ severity: 'II' }).state;

  it('the province declines with a reason: the prompt is cleared, the links stay', () => {
    const d = apply(prompted(), { type: 'DeclineLead', reason: 'the city leads; the province follows' });
    expect(d.events).toStrictEqual([{ type: 'LeadDeclined', data: { reason: 'the city leads; the province follows' } }]);
    expect(ctx(d.state)).toMatchObject({ leadPrompt: null, linkedJurisdictions: [CITY, PROVINCE] });
    // nothing left to decline
    expect(decide(a, d.state, { type: 'DeclineLead', reason: 'again', meta: nextMeta() })).toStrictEqual(refused('reported'));
  });

  it('once declined, the province is not prompted again by a command that leaves the severity as it was', () => {
    const declined = apply(prompted(), { type: 'DeclineLead', reason: 'no' }).state;
    const same = apply(apply(declined, { type: 'BeginVerification' }).state, { type: 'ConfirmIncident', severity: 'II' });
    expect(same.events.map((e) => e.type)).toStrictEqual(['IncidentConfirmed']);
    expect(ctx(same.state).leadPrompt).toBeNull();
    // a new severity that prompts asks again
    const worse = apply(same.state, { type: 'ClassifyIncident', category: 'accident', severity: 'I' });
    expect(worse.events.map((e) => e.type)).toStrictEqual(['IncidentClassified', 'LeadPrompted']);
  });

  it('the lead raised to the province answers the prompt', () => {
    const d = apply(prompted(), { type: 'RaiseLead', reason: 'the province takes over', to: PROVINCE, upperJurisdiction: null });
    expect(d.events.map((e) => e.type)).toStrictEqual(['LeadRaised']);
    expect(ctx(d.state)).toMatchObject({
      leadJurisdiction: PROVINCE,
      leadPrompt: null,
      linkedJurisdictions: [CITY],
      supportingJurisdictions: [DINGHU],
      raisedFrom: [{ jurisdiction: DINGHU, upper: CITY }],
    });
    // handed back, the county leads again under the city; the province follows and is not prompted again
    const back = apply(d.state, { type: 'HandBackLead', reason: 'the county copes' });
    expect(ctx(back.state)).toMatchObject({ leadJurisdiction: DINGHU, upperJurisdiction: CITY, leadPrompt: null, linkedJurisdictions: [CITY, PROVINCE] });
  });

  it('the lead raised to the city leaves the province prompted: it is still above the lead', () => {
    const start = prompted();
    const before = ctx(start).leadPrompt;
    expect(before).toMatchObject({ jurisdiction: PROVINCE });
    const d = apply(start, { type: 'RaiseLead', reason: 'the city takes over', to: CITY, upperJurisdiction: PROVINCE });
    expect(d.events.map((e) => e.type)).toStrictEqual(['LeadRaised']);
    expect(d.events[0]?.data['linkage']).toStrictEqual(CITY_I_II);
    expect(ctx(d.state)).toMatchObject({ leadJurisdiction: CITY, leadPrompt: before, linkedJurisdictions: [PROVINCE] });
  });

  it('a raise whose rules link more above the new lead links them (here: a prompted room set aside is not re-prompted)', () => {
    const declined = apply(prompted(), { type: 'DeclineLead', reason: 'no' }).state;
    const unlinked = apply(declined, { type: 'UnlinkRoom', jurisdiction: PROVINCE }).state;
    const d = apply(unlinked, { type: 'RaiseLead', reason: 'the city takes over', to: CITY, upperJurisdiction: PROVINCE });
    expect(d.events.slice(1)).toStrictEqual([severityLink(PROVINCE, 'II')]);
    expect(ctx(d.state)).toMatchObject({ leadPrompt: null, linkedJurisdictions: [PROVINCE] });
  });

  it('a snapshot written before prompts existed (no leadPrompt field) has nothing to decline', () => {
    const { leadPrompt: _p, suggestedSeverity: _s, ...old } = ctx(reportDinghu({ severity: 'IV' }).state);
    const state: PersistedState = { value: 'reported', context: old };
    expect(decide(a, state, { type: 'DeclineLead', reason: 'x', meta: nextMeta() }).ok).toBe(false);
    expect(decide(a, state, { type: 'ConfirmSuggestedSeverity', meta: nextMeta() }).ok).toBe(false);
    const suggested = apply(state, { type: 'SuggestSeverity', ...SUGGEST_II });
    expect(ctx(suggested.state).suggestedSeverity).toMatchObject({ severity: 'II' });
  });
});

describe('incident grading: suggested reclassification', () => {
  const atIII = (): PersistedState => reportDinghu({ severity: 'III', category: 'accident' }).state;

  it('a suggestion is only made above the severity in force', () => {
    for (const severity of ['III', 'IV'] as const) {
      expect(decide(a, atIII(), { type: 'SuggestSeverity', ...SUGGEST_II, severity, meta: nextMeta() }), severity).toStrictEqual(refused('reported'));
    }
    const meta = nextMeta();
    const d = expectAccepted(decide(a, atIII(), { type: 'SuggestSeverity', ...SUGGEST_II, meta }));
    expect(d.events).toStrictEqual([{ type: 'SeveritySuggested', data: { ...SUGGEST_II } }]);
    expect(ctx(d.state).suggestedSeverity).toStrictEqual({ ...SUGGEST_II, at: meta.occurredAt });
    // an incident not yet graded takes any suggestion
    expect(apply(reportDinghu().state, { type: 'SuggestSeverity', ...SUGGEST_II, severity: 'IV' }).events).toHaveLength(1);
  });

  it('the same suggestion is not made twice while pending; a different one replaces it', () => {
    const pending = apply(atIII(), { type: 'SuggestSeverity', ...SUGGEST_II }).state;
    expect(decide(a, pending, { type: 'SuggestSeverity', ...SUGGEST_II, figures: { dead: 12 }, meta: nextMeta() })).toStrictEqual(refused('reported'));
    const worse = apply(pending, { type: 'SuggestSeverity', ...SUGGEST_II, severity: 'I', rule: 'accident-i', figures: { dead: 31 } });
    expect(ctx(worse.state).suggestedSeverity).toMatchObject({ severity: 'I', rule: 'accident-i', figures: { dead: 31 } });
  });

  it('confirming sets the severity to the suggestion and records the old and the new one; the linkage follows', () => {
    const pending = apply(atIII(), { type: 'SuggestSeverity', ...SUGGEST_II }).state;
    const d = apply(pending, { type: 'ConfirmSuggestedSeverity' });
    expect(d.events).toStrictEqual([
      { type: 'SuggestedSeverityConfirmed', data: { linkage: DINGHU_I_II, previousSeverity: 'III', severity: 'II', rule: 'accident-ii' } },
      severityLink(PROVINCE, 'II'),
      leadPrompted(PROVINCE, 'II', 'major-and-above'),
    ]);
    expect(ctx(d.state)).toMatchObject({ severity: 'II', category: 'accident', suggestedSeverity: null, linkedJurisdictions: [CITY, PROVINCE] });
    expect(decide(a, d.state, { type: 'ConfirmSuggestedSeverity', meta: nextMeta() })).toStrictEqual(refused('reported'));
  });

  it('dismissing keeps the severity and clears the suggestion; the same figures may suggest it again later', () => {
    const pending = apply(atIII(), { type: 'SuggestSeverity', ...SUGGEST_II }).state;
    const d = apply(pending, { type: 'DismissSuggestedSeverity', reason: 'two separate accidents' });
    expect(d.events).toStrictEqual([{ type: 'SuggestedSeverityDismissed', data: { reason: 'two separate accidents', severity: 'II' } }]);
    expect(ctx(d.state)).toMatchObject({ severity: 'III', suggestedSeverity: null });
    expect(decide(a, d.state, { type: 'DismissSuggestedSeverity', reason: 'again', meta: nextMeta() })).toStrictEqual(refused('reported'));
    expect(apply(d.state, { type: 'SuggestSeverity', ...SUGGEST_II }).events).toHaveLength(1);
  });

  it('a classification at or above the suggestion answers it; one below leaves it pending', () => {
    const pending = apply(atIII(), { type: 'SuggestSeverity', ...SUGGEST_II }).state;
    expect(ctx(apply(pending, { type: 'ClassifyIncident', category: 'accident', severity: 'I' }).state).suggestedSeverity).toBeNull();
    expect(ctx(apply(pending, { type: 'ClassifyIncident', category: 'accident', severity: 'II' }).state).suggestedSeverity).toBeNull();
    expect(ctx(apply(pending, { type: 'ClassifyIncident', category: 'accident', severity: 'IV' }).state).suggestedSeverity).toMatchObject({ severity: 'II' });
  });

  it('after the response is lifted severity is a matter of record: no suggestion is taken', () => {
    const lifted = fixture('responseLifted');
    expect(decide(a, lifted, { type: 'SuggestSeverity', ...SUGGEST_II, meta: nextMeta() })).toStrictEqual(refused('responseLifted'));
  });
});

describe('incident linkage: linked and supporting rooms', () => {
  function withFollowers(): PersistedState {
    let s = reportDinghu({ severity: 'IV' }).state;
    s = apply(s, { type: 'LinkRoom', jurisdiction: FENGKAI }).state;
    s = apply(s, { type: 'AddSupportingJurisdiction', jurisdiction: GAOYAO }).state;
    expect(linkage(s)).toMatchObject({ linkedJurisdictions: [FENGKAI], supportingJurisdictions: [GAOYAO] });
    return s;
  }
  it('LinkRoom refuses the lead, an already linked room and a supporting room', () => {
    const s = withFollowers();
    for (const jurisdiction of [DINGHU, FENGKAI, GAOYAO]) {
      expect(decide(a, s, { type: 'LinkRoom', meta: nextMeta(), jurisdiction }), jurisdiction).toStrictEqual(refused('reported'));
    }
    // the city may be linked by hand below level III
    const d = apply(s, { type: 'LinkRoom', jurisdiction: CITY, reason: 'heavy rain forecast' });
    expect(d.events).toStrictEqual([{ type: 'RoomLinked', data: { jurisdiction: CITY, reason: 'heavy rain forecast' } }]);
    expect(ctx(d.state).linkedJurisdictions).toStrictEqual([FENGKAI, CITY]);
  });

  it('AddSupportingJurisdiction moves a linked room to supporting', () => {
    const d = apply(withFollowers(), { type: 'AddSupportingJurisdiction', jurisdiction: FENGKAI, reason: 'road into Fengkai cut' });
    expect(d.events).toStrictEqual([
      { type: 'SupportingJurisdictionAdded', data: { jurisdiction: FENGKAI, reason: 'road into Fengkai cut' } },
    ]);
    expect(linkage(d.state)).toMatchObject({ linkedJurisdictions: [], supportingJurisdictions: [GAOYAO, FENGKAI] });
  });

  it('AddSupportingJurisdiction refuses the lead and an already supporting room', () => {
    const s = withFollowers();
    for (const jurisdiction of [DINGHU, GAOYAO]) {
      expect(decide(a, s, { type: 'AddSupportingJurisdiction', meta: nextMeta(), jurisdiction }), jurisdiction).toStrictEqual(refused('reported'));
    }
  });

  it('UnlinkRoom refuses a room that is not linked; RemoveSupportingJurisdiction one that is not supporting', () => {
    const s = withFollowers();
    for (const jurisdiction of [DINGHU, GAOYAO, DUANZHOU]) {
      expect(decide(a, s, { type: 'UnlinkRoom', meta: nextMeta(), jurisdiction }), `unlink ${jurisdiction}`).toStrictEqual(refused('reported'));
    }
    for (const jurisdiction of [DINGHU, FENGKAI, DUANZHOU]) {
      expect(decide(a, s, { type: 'RemoveSupportingJurisdiction', meta: nextMeta(), jurisdiction }), `remove ${jurisdiction}`).toStrictEqual(refused('reported'));
    }
  });

  it('a supporting room that is removed no longer follows at all', () => {
    const d = apply(withFollowers(), { type: 'RemoveSupportingJurisdiction', jurisdiction: GAOYAO });
    expect(linkage(d.state)).toMatchObject({ linkedJurisdictions: [FENGKAI], supportingJurisdictions: [] });
    expect(roomsOf(ctx(d.state))).toStrictEqual([DINGHU, FENGKAI]);
  });
});

describe('incident linkage: raising the lead and handing it back', () => {
  const RAISE: CommandBody = { type: 'RaiseLead', reason: 'spreads across counties', to: CITY, upperJurisdiction: PROVINCE };

  /** A Dinghu incident at the given severity with Gaoyao supporting. */
  function countyLed(severity: Severity): PersistedState {
    return apply(reportDinghu({ severity }).state, { type: 'AddSupportingJurisdiction', jurisdiction: GAOYAO }).state;
  }

  it('RaiseLead at III: the city leads, Dinghu supports, the raise is recorded; III links no room above the city', () => {
    const before = countyLed('III');
    expect(ctx(before).linkedJurisdictions).toStrictEqual([CITY]);
    const d = apply(before, RAISE);
    expect(d.events).toStrictEqual([{ type: 'LeadRaised', data: { reason: 'spreads across counties', to: CITY, upperJurisdiction: PROVINCE, linkage: CITY_III } }]);
    expect(linkage(d.state)).toStrictEqual({
      leadJurisdiction: CITY,
      upperJurisdiction: PROVINCE,
      // the city leads now, so it is no longer a linked room
      linkedJurisdictions: [],
      supportingJurisdictions: [GAOYAO, DINGHU],
      raisedFrom: [{ jurisdiction: DINGHU, upper: CITY }],
    });
  });

  it('RaiseLead at IV links nothing above the new lead', () => {
    const d = apply(countyLed('IV'), RAISE);
    expect(d.events.map((e) => e.type)).toStrictEqual(['LeadRaised']);
    expect(linkage(d.state)).toStrictEqual({
      leadJurisdiction: CITY,
      upperJurisdiction: PROVINCE,
      linkedJurisdictions: [],
      supportingJurisdictions: [GAOYAO, DINGHU],
      raisedFrom: [{ jurisdiction: DINGHU, upper: CITY }],
    });
  });

  it('RaiseLead to a room that was supporting takes it out of the supporting rooms', () => {
    const s = apply(reportDinghu({ severity: 'IV' }).state, { type: 'AddSupportingJurisdiction', jurisdiction: CITY }).state;
    const d = apply(s, RAISE);
    expect(linkage(d.state)).toMatchObject({ leadJurisdiction: CITY, linkedJurisdictions: [], supportingJurisdictions: [DINGHU] });
  });

  it('RaiseLead without `to` falls back to the level above in the context', () => {
    const d = apply(countyLed('IV'), { type: 'RaiseLead', reason: 'city takes over' });
    expect(linkage(d.state)).toStrictEqual({
      leadJurisdiction: CITY,
      upperJurisdiction: null,
      linkedJurisdictions: [],
      supportingJurisdictions: [GAOYAO, DINGHU],
      raisedFrom: [{ jurisdiction: DINGHU, upper: CITY }],
    });
  });

  it('RaiseLead is refused when there is no level above the lead', () => {
    const top = apply(initialState(a), { type: 'ReportIncident', incidentId: 'inc-top', title: 'Typhoon', leadJurisdiction: PROVINCE, upperJurisdiction: null }).state;
    for (const body of [
      { type: 'RaiseLead', reason: 'nowhere to go' },
      { type: 'RaiseLead', reason: 'nowhere to go', upperJurisdiction: null },
    ] satisfies CommandBody[]) {
      expect(decide(a, top, { ...body, meta: nextMeta() })).toStrictEqual(refused('reported'));
    }
  });

  it('HandBackLead restores the lead and its upper level; the city stays as a linked room', () => {
    const raised = apply(countyLed('III'), RAISE).state;
    const d = apply(raised, { type: 'HandBackLead', reason: 'county can cope' });
    expect(d.events).toStrictEqual([{ type: 'LeadHandedBack', data: { reason: 'county can cope' } }]);
    expect(linkage(d.state)).toStrictEqual({
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      // the city, the former lead, is linked
      linkedJurisdictions: [CITY],
      supportingJurisdictions: [GAOYAO],
      raisedFrom: [],
    });
    // the city can be unlinked like any linked room
    expect(ctx(apply(d.state, { type: 'UnlinkRoom', jurisdiction: CITY }).state).linkedJurisdictions).toStrictEqual([]);
  });

  it('HandBackLead without a prior raise is refused, and so is a second hand-back', () => {
    const s = countyLed('III');
    expect(decide(a, s, { type: 'HandBackLead', meta: nextMeta(), reason: 'never raised' })).toStrictEqual(refused('reported'));
    const back = apply(apply(s, RAISE).state, { type: 'HandBackLead', reason: 'done' }).state;
    expect(decide(a, back, { type: 'HandBackLead', meta: nextMeta(), reason: 'again' })).toStrictEqual(refused('reported'));
  });

  it('raised twice, handed back twice: the raises unwind in order', () => {
    let s = countyLed('II');
    s = apply(s, RAISE).state;
    expect(ctx(s).leadPrompt).toMatchObject({ jurisdiction: PROVINCE });
    const twice = apply(s, { type: 'RaiseLead', reason: 'province takes over', to: PROVINCE, upperJurisdiction: null });
    // no level above the province: nothing more to link; the province leads, which answers its prompt
    expect(twice.events.map((e) => e.type)).toStrictEqual(['LeadRaised']);
    expect(ctx(twice.state).leadPrompt).toBeNull();
    expect(linkage(twice.state)).toStrictEqual({
      leadJurisdiction: PROVINCE,
      upperJurisdiction: null,
      linkedJurisdictions: [],
      supportingJurisdictions: [GAOYAO, DINGHU, CITY],
      raisedFrom: [
        { jurisdiction: DINGHU, upper: CITY },
        { jurisdiction: CITY, upper: PROVINCE },
      ],
    });
    const once = apply(twice.state, { type: 'HandBackLead', reason: 'to the city' }).state;
    expect(linkage(once)).toStrictEqual({
      leadJurisdiction: CITY,
      upperJurisdiction: PROVINCE,
      linkedJurisdictions: [PROVINCE],
      supportingJurisdictions: [GAOYAO, DINGHU],
      raisedFrom: [{ jurisdiction: DINGHU, upper: CITY }],
    });
    const home = apply(once, { type: 'HandBackLead', reason: 'to the county' }).state;
    expect(linkage(home)).toStrictEqual({
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      linkedJurisdictions: [PROVINCE, CITY],
      supportingJurisdictions: [GAOYAO],
      raisedFrom: [],
    });
  });

  it('HandBackLead to a county that was re-linked while raised leaves it leading only, not also linked', () => {
    let s = apply(countyLed('IV'), RAISE).state;
    s = apply(s, { type: 'RemoveSupportingJurisdiction', jurisdiction: DINGHU }).state;
    s = apply(s, { type: 'LinkRoom', jurisdiction: DINGHU }).state;
    expect(linkage(s)).toMatchObject({ leadJurisdiction: CITY, linkedJurisdictions: [DINGHU], supportingJurisdictions: [GAOYAO] });
    const back = apply(s, { type: 'HandBackLead', reason: 'county can cope' }).state;
    expect(linkage(back)).toStrictEqual({
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      linkedJurisdictions: [CITY],
      supportingJurisdictions: [GAOYAO],
      raisedFrom: [],
    });
  });

  it('after a raise the lead room is the city: LinkRoom and AddSupportingJurisdiction refuse it', () => {
    const raised = apply(countyLed('IV'), RAISE).state;
    expect(decide(a, raised, { type: 'LinkRoom', meta: nextMeta(), jurisdiction: CITY })).toStrictEqual(refused('reported'));
    expect(decide(a, raised, { type: 'AddSupportingJurisdiction', meta: nextMeta(), jurisdiction: CITY })).toStrictEqual(refused('reported'));
    // Dinghu supports: it cannot be linked on top
    expect(decide(a, raised, { type: 'LinkRoom', meta: nextMeta(), jurisdiction: DINGHU })).toStrictEqual(refused('reported'));
  });
});

function refused(state: IncidentState): Decision {
  return { ok: false, state, allowed: allowedByTable(state) };
}

// ---------------------------------------------------------------------------------------------------
// 3. Replay
// ---------------------------------------------------------------------------------------------------

/**
 * Applies commands in order, as the engine would (with the linkage it fills in from the state before
 * each command), keeping every intermediate state, the stream, and after each command how many events
 * the stream holds (`ends[i]` events give `states[i]`).
 */
function run(commands: ReadonlyArray<CommandBody>) {
  let state = initialState(a);
  return runCommands(
    a,
    commands,
    (command) => {
      const filled = { ...command, ...linkageFill(state, command), meta: nextMeta() };
      state = expectAccepted(decide(a, state, filled)).state;
      return filled;
    },
    toStoredWithNow,
  );
}

function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`nothing at ${i}`);
  return item;
}

const FLOOD_REPORT: CommandBody = { type: 'ReportIncident', incidentId: 'inc-9', title: 'Flood', leadJurisdiction: DINGHU, upperJurisdiction: CITY, source: 'sensor' };

const LIFECYCLE: ReadonlyArray<CommandBody> = [
  FLOOD_REPORT,
  { type: 'UpdateIncidentDetails', description: 'River above warning line' },
  { type: 'AddSupportingJurisdiction', jurisdiction: GAOYAO, reason: 'the river runs on into Gaoyao' },
  { type: 'BeginVerification' },
  // level III: the city room is linked (derived)
  { type: 'ClassifyIncident', category: 'natural_disaster', severity: 'III' },
  { type: 'ConfirmIncident' },
  { type: 'BeginInitialHandling', measures: 'evacuate low-lying streets' },
  { type: 'LinkRoom', jurisdiction: FENGKAI, reason: 'upstream gauge' },
  { type: 'ActivateResponse', level: 'IV', measures: 'county plan' },
  { type: 'ChangeResponseLevel', level: 'III', reason: 'rising' },
  // the scene's figures reach level II: the suggestion is confirmed, the province is linked and prompted (derived)
  { type: 'SuggestSeverity', ...SUGGEST_II },
  { type: 'ConfirmSuggestedSeverity' },
  { type: 'SuggestSeverity', ...SUGGEST_II, severity: 'I', rule: 'accident-i', figures: { dead: 30 } },
  { type: 'DismissSuggestedSeverity', reason: 'thirty counted twice' },
  // the city takes unified command; the province stays prompted above it
  { type: 'RaiseLead', reason: 'three counties affected', to: CITY, upperJurisdiction: PROVINCE },
  { type: 'ChangeResponseLevel', level: 'II', reason: 'city linkage' },
  { type: 'DeclareControlled' },
  { type: 'HandBackLead', reason: 'controlled; back to the county' },
  { type: 'DeclineLead', reason: 'the county copes' },
  { type: 'UnlinkRoom', jurisdiction: FENGKAI },
  { type: 'LiftResponse' },
  { type: 'RemoveSupportingJurisdiction', jurisdiction: GAOYAO },
  { type: 'UpdateIncidentDetails', location: { description: 'Riverside district' } },
  { type: 'BeginRecovery' },
  { type: 'BeginReview' },
  { type: 'CloseIncident', summary: 'done' },
];

describe('incident replay', () => {
  it('a full lifecycle replays to the state decide() produced, after every command', () => {
    const { states, events, ends } = run(LIFECYCLE);
    expect(events).toHaveLength(LIFECYCLE.length + 3);
    expect(events.filter((e) => e.meta.derived === true).map((e) => [e.type, e.data])).toStrictEqual([
      ['RoomLinked', { jurisdiction: CITY, reason: 'severity', severity: 'III' }],
      ['RoomLinked', { jurisdiction: PROVINCE, reason: 'severity', severity: 'II' }],
      ['LeadPrompted', { jurisdiction: PROVINCE, severity: 'II', rule: 'major-and-above' }],
    ]);
    expect(states.at(-1)?.value).toBe('closed');
    expect(ctx(at(states, states.length - 1))).toMatchObject({ severity: 'II', leadPrompt: null, suggestedSeverity: null });
    expect(linkage(at(states, states.length - 1))).toStrictEqual({
      leadJurisdiction: DINGHU,
      upperJurisdiction: CITY,
      linkedJurisdictions: [PROVINCE, CITY],
      supportingJurisdictions: [],
      raisedFrom: [],
    });
    for (let i = 0; i < states.length; i++) expect(replay(a, events.slice(0, at(ends, i))), `after ${i} commands`).toStrictEqual(states[i]);
  });

  it('replays events as stored (JSON round trip)', () => {
    const { states, events } = run(LIFECYCLE);
    const stored = JSON.parse(JSON.stringify(events)) as ReplayableEvent[];
    expect(replay(a, stored)).toStrictEqual(states.at(-1));
  });

  it('replays the tail of a stream from an intermediate state', () => {
    const { states, events, ends } = run(LIFECYCLE);
    for (let i = 0; i < states.length; i++) {
      expect(replay(a, events.slice(at(ends, i)), at(states, i)), `from ${i}`).toStrictEqual(states.at(-1));
    }
  });

  it('uses the stored meta: times in the context come from the events, not from replay time', () => {
    const { events } = run(LIFECYCLE.slice(0, 1));
    const [reported] = events;
    if (reported === undefined) throw new Error('no event');
    const state = replay(a, [reported]);
    expect(state.context['reportedAt']).toBe(reported.meta.now);
    expect(state.context['occurredAt']).toBe(reported.meta.occurredAt);
    expect(state.context['updatedAt']).toBe(reported.meta.now);
  });

  it('skips derived events', () => {
    const { states, events } = run(LIFECYCLE.slice(0, 4));
    const meta = nextMeta();
    const derived: ReplayableEvent[] = [
      // a type no command produces: would throw if applied
      { type: 'CityRoomLinked', data: { city: '441200' }, meta: { ...meta, derived: true } },
      // a primary type illegal in `verifying`: would throw if applied
      { type: 'IncidentClosed', data: { summary: 'x' }, meta: { ...meta, derived: true } },
      // a primary type legal in `verifying`: would change the state if applied
      { type: 'IncidentDismissed', data: { reason: 'x' }, meta: { ...meta, derived: true } },
      // a linkage event legal in `verifying`: would link Fengkai if applied
      { type: 'RoomLinked', data: { jurisdiction: FENGKAI }, meta: { ...meta, derived: true } },
    ];
    const [first, ...rest] = events;
    if (first === undefined) throw new Error('no event');
    expect(replay(a, [first, ...derived, ...rest, ...derived])).toStrictEqual(states.at(-1));
    // the same event without the flag is applied
    const [, , dismissed, linked] = derived;
    if (dismissed === undefined || linked === undefined) throw new Error('no event');
    const { derived: _d, ...plainMeta } = dismissed.meta;
    expect(replay(a, [...events, { ...dismissed, meta: plainMeta }]).value).toBe('dismissed');
    expect(replay(a, [...events, { ...linked, meta: plainMeta }]).context['linkedJurisdictions']).toStrictEqual([FENGKAI]);
  });

  it('a derived RoomLinked is re-derived from its primary event: cut after it, before it, or without it, the state is the same', () => {
    const { states, events, ends } = run(LIFECYCLE.slice(0, 5));
    const classified = at(states, 5);
    expect(ctx(classified).linkedJurisdictions).toStrictEqual([CITY]);
    const last = at(events, at(ends, 5) - 1);
    expect(last).toMatchObject({ type: 'RoomLinked', meta: { derived: true } });
    expect(replay(a, events)).toStrictEqual(classified);
    // the stream cut between the primary event and its derived one already has the city linked
    expect(replay(a, events.slice(0, -1))).toStrictEqual(classified);
    expect(replay(a, events.filter((e) => e.meta.derived !== true))).toStrictEqual(classified);
    // without the flag the derived RoomLinked is taken for a LinkRoom of a room already linked
    const unflagged = events.map(({ meta: { derived: _d, ...meta }, ...e }) => ({ ...e, meta }));
    expect(() => replay(a, unflagged)).toThrow(/RoomLinked is not accepted in state verifying/);
  });

  it('a raise replays from the `to` and `upperJurisdiction` the engine stored in its event', () => {
    const { states, events } = run([
      FLOOD_REPORT,
      { type: 'ClassifyIncident', category: 'natural_disaster', severity: 'I' },
      { type: 'RaiseLead', reason: 'three counties', to: CITY, upperJurisdiction: PROVINCE },
      { type: 'HandBackLead', reason: 'back' },
      { type: 'RaiseLead', reason: 'again', to: CITY, upperJurisdiction: PROVINCE },
    ]);
    expect(events.map((e) => [e.type, e.meta.derived === true])).toStrictEqual([
      ['IncidentReported', false],
      ['IncidentClassified', false],
      ['RoomLinked', true],
      ['RoomLinked', true],
      ['LeadPrompted', true],
      ['LeadRaised', false],
      ['LeadHandedBack', false],
      // the province still follows: the second raise links nothing
      ['LeadRaised', false],
    ]);
    expect(replay(a, JSON.parse(JSON.stringify(events)) as ReplayableEvent[])).toStrictEqual(states.at(-1));
    expect(linkage(at(states, states.length - 1))).toStrictEqual({
      leadJurisdiction: CITY,
      upperJurisdiction: PROVINCE,
      linkedJurisdictions: [PROVINCE],
      supportingJurisdictions: [DINGHU],
      raisedFrom: [{ jurisdiction: DINGHU, upper: CITY }],
    });
  });

  it('throws on an event type no command produces', () => {
    const { events } = run(LIFECYCLE.slice(0, 2));
    const bogus: ReplayableEvent = { type: 'IncidentArchived', data: {}, meta: nextMeta() };
    expect(() => replay(a, [...events, bogus])).toThrow(/no command produces incident event IncidentArchived/);
    // a command type is not an event type
    expect(() => replay(a, [{ ...bogus, type: 'ReportIncident' }])).toThrow(/no command produces/);
  });

  it('throws on an event the current state does not accept', () => {
    const closed: ReplayableEvent = { type: 'IncidentClosed', data: { summary: 'x' }, meta: nextMeta() };
    expect(() => replay(a, [closed])).toThrow(/IncidentClosed is not accepted in state none/);
    const linked: ReplayableEvent = { type: 'RoomLinked', data: { jurisdiction: CITY }, meta: nextMeta() };
    expect(() => replay(a, [linked])).toThrow(/RoomLinked is not accepted in state none/);
  });

  it('replay of no events is the initial state', () => {
    expect(replay(a, [])).toStrictEqual(initialState(a));
  });
});

// ---------------------------------------------------------------------------------------------------
// 3b. Randomized replay
// ---------------------------------------------------------------------------------------------------

/** The rooms the random sequences link, support, lead and raise among. */
const POOL = [CITY, DUANZHOU, DINGHU, GAOYAO, FENGKAI] as const;
const linkable = (c: IncidentContext): string[] =>
  POOL.filter((j) => j !== c.leadJurisdiction && !c.linkedJurisdictions.includes(j) && !c.supportingJurisdictions.includes(j));
const supportable = (c: IncidentContext): string[] => POOL.filter((j) => j !== c.leadJurisdiction && !c.supportingJurisdictions.includes(j));

/** What the engine fills into a RaiseLead from the tree: the level above the lead, and the one above that. */
function raiseFill(c: IncidentContext): { to?: string; upperJurisdiction: string | null } {
  const to = TREE.parentOf(c.leadJurisdiction);
  return to === null ? { upperJurisdiction: null } : { to, upperJurisdiction: TREE.parentOf(to) };
}

/** Severities a suggestion may name: above the severity in force, other than the one pending. */
const suggestable = (c: IncidentContext): Severity[] =>
  SEVERITIES.filter((s) => (c.severity === null || !severityAtLeast(c.severity, s)) && c.suggestedSeverity?.severity !== s);

/** Whether a command of this type can pass its guard in `state` with some valid payload. */
function feasible(type: IncidentCommandType, state: PersistedState): boolean {
  const c = ctx(state);
  switch (type) {
    case 'LinkRoom':
      return linkable(c).length > 0;
    case 'AddSupportingJurisdiction':
      return supportable(c).length > 0;
    case 'UnlinkRoom':
      return c.linkedJurisdictions.length > 0;
    case 'RemoveSupportingJurisdiction':
      return c.supportingJurisdictions.length > 0;
    case 'RaiseLead':
      return (raiseFill(c).to ?? c.upperJurisdiction) !== null;
    case 'HandBackLead':
      return c.raisedFrom.length > 0;
    case 'DeclineLead':
      return c.leadPrompt !== null;
    case 'SuggestSeverity':
      return suggestable(c).length > 0;
    case 'ConfirmSuggestedSeverity':
    case 'DismissSuggestedSeverity':
      return c.suggestedSeverity !== null;
    default:
      return true;
  }
}

/**
 * A random command of the given type whose payload is valid and, when `feasible`, passes the guards in
 * `state`, with the linkage the engine fills in.
 */
function randomCommand(rng: () => number, type: IncidentCommandType, state: PersistedState, meta: CommandMeta): IncidentCommand {
  const command = randomBody(rng, type, state, meta);
  const { meta: _m, ...body } = command;
  return { ...command, ...linkageFill(state, body) } as IncidentCommand;
}

function randomBody(rng: () => number, type: IncidentCommandType, state: PersistedState, meta: CommandMeta): IncidentCommand {
  const c = ctx(state);
  const severity = (): Severity => pick(rng, SEVERITIES);
  const category = (): IncidentCategory => pick(rng, INCIDENT_CATEGORIES);
  const text = (prefix: string): string => `${prefix}-${Math.floor(rng() * 1000)}`;
  /** A room among `candidates`, or any room of the pool when there is none (for a command that is refused anyway). */
  const room = (candidates: readonly string[]): string => pick(rng, candidates.length > 0 ? candidates : POOL);
  switch (type) {
    case 'ReportIncident': {
      const lead = pick(rng, [DINGHU, CITY, DUANZHOU, FENGKAI]);
      return {
        type,
        meta,
        incidentId: text('inc'),
        title: text('title'),
        leadJurisdiction: lead,
        // filled in by the engine from the tree
        upperJurisdiction: TREE.parentOf(lead),
        ...maybe(rng, { description: text('desc') }),
        ...maybe(rng, { category: category() }),
        ...maybe(rng, { severity: severity() }),
        ...maybe(rng, { location: { description: text('loc'), lat: rng() * 90, lon: rng() * 180 } }),
        ...maybe(rng, { source: pick(rng, REPORT_CHANNELS) }),
        ...maybe(rng, { exercise: rng() < 0.5 }),
      };
    }
    case 'BeginVerification':
      return { type, meta, ...maybe(rng, { note: text('note') }) };
    case 'ConfirmIncident':
      return {
        type,
        meta,
        ...(c.severity === null || rng() < 0.5 ? { severity: severity() } : {}),
        ...maybe(rng, { category: category() }),
        ...maybe(rng, { note: text('note') }),
      };
    case 'DismissIncident':
      return { type, meta, reason: text('reason') };
    case 'BeginInitialHandling':
      return { type, meta, measures: text('measures') };
    case 'ActivateResponse':
      return {
        type,
        meta,
        level: severity(),
        measures: text('measures'),
        ...maybe(rng, { matters: text('matters') }),
        ...maybe(rng, { expectedDuration: '24h' }),
      };
    case 'ChangeResponseLevel':
      return { type, meta, level: pick(rng, SEVERITIES.filter((s) => s !== c.responseLevel)), reason: text('reason') };
    case 'ClassifyIncident':
      return { type, meta, category: category(), severity: severity(), ...maybe(rng, { reason: text('reason') }) };
    case 'UpdateIncidentDetails':
      return {
        type,
        meta,
        ...maybe(rng, { title: text('title') }),
        ...maybe(rng, { description: text('desc') }),
        ...maybe(rng, { location: { description: text('loc') } }),
      };
    case 'DeclareControlled':
      return { type, meta, ...maybe(rng, { summary: text('summary') }) };
    case 'LiftResponse':
      return { type, meta, ...maybe(rng, { reason: text('reason') }) };
    case 'BeginRecovery':
      return { type, meta, ...maybe(rng, { plan: text('plan') }) };
    case 'BeginReview':
      return { type, meta, ...maybe(rng, { note: text('note') }) };
    case 'CloseIncident':
      return { type, meta, summary: text('summary') };
    case 'LinkRoom':
      return { type, meta, jurisdiction: room(linkable(c)), ...maybe(rng, { reason: text('reason') }) };
    case 'UnlinkRoom':
      return { type, meta, jurisdiction: room(c.linkedJurisdictions), ...maybe(rng, { reason: text('reason') }) };
    case 'AddSupportingJurisdiction':
      return { type, meta, jurisdiction: room(supportable(c)), ...maybe(rng, { reason: text('reason') }) };
    case 'RemoveSupportingJurisdiction':
      return { type, meta, jurisdiction: room(c.supportingJurisdictions), ...maybe(rng, { reason: text('reason') }) };
    case 'RaiseLead':
      // `to` and its upper level as the engine fills them from the tree
      return { type, meta, reason: text('reason'), ...raiseFill(c) };
    case 'HandBackLead':
      return { type, meta, reason: text('reason') };
    case 'DeclineLead':
      return { type, meta, reason: text('reason') };
    case 'SuggestSeverity': {
      const options = suggestable(c);
      return {
        type,
        meta,
        severity: options.length > 0 ? pick(rng, options) : severity(),
        rule: text('rule'),
        source: text('source'),
        figures: { dead: Math.floor(rng() * 40), ...maybe(rng, { injured: Math.floor(rng() * 100) }) },
        ...maybe(rng, { reportId: text('r') }),
      };
    }
    case 'ConfirmSuggestedSeverity':
      return { type, meta };
    case 'DismissSuggestedSeverity':
      return { type, meta, reason: text('reason') };
  }
}

function randomMeta(rng: () => number, step: number, seq: number): CommandMeta {
  const now = step * 7 + Math.floor(rng() * 5);
  return {
    commandId: `seq-${seq}-cmd-${step}`,
    actor: { userId: `user-${Math.floor(rng() * 3)}`, roles: ['duty_officer'], jurisdiction: '441203' },
    now: iso(now),
    occurredAt: iso(now - Math.floor(rng() * 30)),
  };
}

/** The linkage lists stay coherent: no duplicates, the lead follows nobody, no room is both linked and supporting. */
function expectCoherentLinkage(c: IncidentContext, where: string): void {
  expect(new Set(c.linkedJurisdictions).size, `${where}: linked ${c.linkedJurisdictions.join(',')}`).toBe(c.linkedJurisdictions.length);
  expect(new Set(c.supportingJurisdictions).size, `${where}: supporting ${c.supportingJurisdictions.join(',')}`).toBe(c.supportingJurisdictions.length);
  expect(c.linkedJurisdictions, `${where}: lead ${c.leadJurisdiction} also linked`).not.toContain(c.leadJurisdiction);
  expect(c.supportingJurisdictions, `${where}: lead ${c.leadJurisdiction} also supporting`).not.toContain(c.leadJurisdiction);
  expect(c.linkedJurisdictions.filter((j) => c.supportingJurisdictions.includes(j)), `${where}: linked and supporting`).toEqual([]);
}

/**
 * What a command must do to the lead, the level above, the raises, the prompt and the suggestion, and
 * which derived events it must emit, checked against a model of the rules rather than against the
 * machine's own code.
 */
function expectLinkageRules(type: IncidentCommandType, command: IncidentCommand, before: IncidentContext, d: Extract<Decision, { ok: true }>, where: string): void {
  const after = ctx(d.state);
  const { type: _type, meta: _meta, ...data } = command;
  const [primary, ...derived] = d.events;
  const suggested = before.suggestedSeverity;
  const primaryData =
    type === 'ConfirmSuggestedSeverity'
      ? { ...data, previousSeverity: before.severity, severity: suggested?.severity, rule: suggested?.rule }
      : type === 'DismissSuggestedSeverity'
        ? { ...data, severity: suggested?.severity }
        : data;
  expect(primary, where).toStrictEqual({ type: INCIDENT_EVENT_FOR[type], data: primaryData });

  // the rooms the linkage names that did not follow yet each get one derived RoomLinked; a severity
  // command prompts the room it names unless that room is already prompted
  const linkage = 'linkage' in command ? command.linkage : undefined;
  const severity = after.severity;
  const followed =
    type === 'RaiseLead'
      ? [after.leadJurisdiction, before.leadJurisdiction, ...before.linkedJurisdictions, ...before.supportingJurisdictions]
      : [before.leadJurisdiction, ...before.linkedJurisdictions, ...before.supportingJurisdictions];
  const joining = linkage && severity !== null ? linkage.link.filter((j) => !followed.includes(j)) : [];
  const prompts =
    SEVERITY_COMMANDS.includes(type) && linkage !== undefined && linkage.promptLead !== null && linkage.rule !== null && before.leadPrompt?.jurisdiction !== linkage.promptLead;
  expect(derived, where).toStrictEqual([
    ...(severity === null ? [] : joining.map((j) => severityLink(j, severity))),
    ...(prompts && severity !== null && linkage?.promptLead && linkage.rule ? [leadPrompted(linkage.promptLead, severity, linkage.rule)] : []),
  ]);
  for (const j of linkage && severity !== null ? linkage.link : []) expect(roomsOf(after), where).toContain(j);

  // the prompt: set or withdrawn by a severity command with a linkage, kept by a raise only while its room is prompted above the new lead
  if (SEVERITY_COMMANDS.includes(type) && linkage !== undefined && severity !== null) {
    expect(after.leadPrompt?.jurisdiction ?? null, where).toBe(linkage.promptLead);
  } else if (type === 'RaiseLead') {
    expect(after.leadPrompt, where).toStrictEqual(before.leadPrompt !== null && before.leadPrompt.jurisdiction === linkage?.promptLead ? before.leadPrompt : null);
  } else if (type === 'DeclineLead') {
    expect(after.leadPrompt, where).toBeNull();
  } else {
    expect(after.leadPrompt, where).toStrictEqual(before.leadPrompt);
  }

  // the suggestion: answered by confirming, dismissing or a severity at or above it
  if (command.type === 'SuggestSeverity') expect(after.suggestedSeverity?.severity, where).toBe(command.severity);
  else if (type === 'ConfirmSuggestedSeverity') expect([after.severity, after.suggestedSeverity], where).toStrictEqual([suggested?.severity, null]);
  else if (type === 'DismissSuggestedSeverity') expect([after.severity, after.suggestedSeverity], where).toStrictEqual([before.severity, null]);
  else if (suggested !== null && severity !== null && severityAtLeast(severity, suggested.severity)) expect(after.suggestedSeverity, where).toBeNull();
  else expect(after.suggestedSeverity, where).toStrictEqual(suggested);

  switch (type) {
    case 'ReportIncident':
      return;
    case 'RaiseLead': {
      const fill = raiseFill(before);
      expect(after.leadJurisdiction, where).toBe(fill.to ?? before.upperJurisdiction);
      expect(after.upperJurisdiction, where).toBe(fill.upperJurisdiction);
      expect(after.raisedFrom, where).toStrictEqual([...before.raisedFrom, { jurisdiction: before.leadJurisdiction, upper: before.upperJurisdiction }]);
      expect(after.supportingJurisdictions, where).toContain(before.leadJurisdiction);
      return;
    }
    case 'HandBackLead': {
      const previous = before.raisedFrom.at(-1);
      expect(after.leadJurisdiction, where).toBe(previous?.jurisdiction);
      expect(after.upperJurisdiction, where).toBe(previous?.upper);
      expect(after.raisedFrom, where).toStrictEqual(before.raisedFrom.slice(0, -1));
      expect(after.linkedJurisdictions, where).toContain(before.leadJurisdiction);
      return;
    }
    default:
      expect([after.leadJurisdiction, after.upperJurisdiction, after.raisedFrom], where).toStrictEqual([
        before.leadJurisdiction,
        before.upperJurisdiction,
        before.raisedFrom,
      ]);
  }
}

describe('incident replay: randomized command sequences', () => {
  const SEED = 20250601;
  const SEQUENCES = 200;
  const MAX_STEPS = 40;
  /** How often a step picks a linkage command when one can pass its guard. */
  const LINKAGE_SHARE = 0.35;

  it(`replay(events) equals decide()'s state after every step (${SEQUENCES} seeded sequences)`, () => {
    const visitedStates = new Set<string>();
    const visitedPairs = new Set<string>();
    let rejections = 0;
    let derivedLinks = 0;
    for (let seq = 0; seq < SEQUENCES; seq++) {
      const rng = mulberry32(SEED + seq);
      let state = initialState(a);
      const stored: ReplayableEvent[] = [];
      let replayed = initialState(a);
      visitedStates.add(state.value);
      for (let step = 0; step < MAX_STEPS; step++) {
        const where = `seed ${SEED + seq} step ${step}`;
        const allowed = commandsAllowedIn(a, state) as IncidentCommandType[];
        if (allowed.length === 0) break;
        const meta = randomMeta(rng, step, seq);

        // now and then, a command the state does not allow: rejected, nothing stored, state unchanged
        const illegal = ALL_COMMANDS.filter((c) => !allowed.includes(c));
        if (illegal.length > 0 && rng() < 0.15) {
          const d = decide(a, state, { ...randomCommand(rng, pick(rng, illegal), state, meta) });
          expect(d, where).toStrictEqual({ ok: false, state: state.value, allowed });
          rejections += 1;
          continue;
        }

        // linkage commands are many; give them a share so that walks still reach the later states
        const candidates = allowed.filter((t) => feasible(t, state));
        const linking = candidates.filter(isLinkage);
        const lifecycle = candidates.filter((t) => !isLinkage(t));
        const fromLinkage = linking.length > 0 && (lifecycle.length === 0 || rng() < LINKAGE_SHARE);
        let type = pick(rng, fromLinkage ? linking : lifecycle);
        // dismissal ends a sequence early; make it rarer so that walks reach the later states
        if (type === 'DismissIncident' && rng() < 0.8) type = pick(rng, lifecycle);
        // declining answers the prompt for good; make it rarer so that prompts reach the later states
        if (type === 'DeclineLead' && rng() < 0.5) type = pick(rng, candidates.filter((t) => t !== 'DeclineLead'));
        const command = randomCommand(rng, type, state, meta);
        const d = decide(a, state, { ...command });
        if (!d.ok) throw new Error(`${where}: ${type} rejected in ${d.state}`);
        expectLinkageRules(type, command, ctx(state), d, `${where} ${type}`);
        derivedLinks += d.events.length - 1;
        visitedPairs.add(pairOf(state.value, type));
        state = d.state;
        visitedStates.add(state.value);
        expectCoherentLinkage(ctx(state), where);
        const added = JSON.parse(JSON.stringify(toStoredWithNow(d, meta))) as ReplayableEvent[];
        stored.push(...added);

        // replay is a fold over the stream: replaying the new events onto the replay of the earlier
        // ones is replay(stored); the whole stream is replayed from scratch at the end of the sequence
        replayed = replay(a, added, replayed);
        expect(replayed, where).toStrictEqual(state);
      }
      expect(replay(a, stored), `seed ${SEED + seq}`).toStrictEqual(state);
    }
    // the generator must actually explore the machine, or this test proves little
    expect([...visitedStates].sort()).toEqual([...INCIDENT_STATES].sort());
    expect([...visitedPairs].sort()).toEqual(CASES.map((c) => pairOf(c.from, c.command)).sort());
    expect(rejections).toBeGreaterThan(0);
    expect(derivedLinks).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Purity
// ---------------------------------------------------------------------------------------------------

describe('incident decide(): purity', () => {
  spec.purityTests();

  it.each(ILLEGAL.slice(0, 20))('a rejected %s × %s does not mutate its inputs', (from, command) => {
    const state = deepFreeze(structuredClone(fixture(from)));
    const copy = structuredClone(state);
    expect(decide(a, state, deepFreeze(spec.sampleCommand(command, nextMeta()))).ok).toBe(false);
    expect(state).toStrictEqual(copy);
  });

  it('the returned state shares no objects with the input state', () => {
    const before = apply(fixture('responseActive'), { type: 'AddSupportingJurisdiction', jurisdiction: GAOYAO }).state;
    const copy = structuredClone(before);
    const d = expectAccepted(decide(a, before, { type: 'DeclareControlled', meta: nextMeta() }));
    const location = d.state.context['location'];
    for (const field of ['supportingJurisdictions', 'linkedJurisdictions', 'raisedFrom'] as const) {
      const list = d.state.context[field];
      expect(Array.isArray(list), field).toBe(true);
      expect(list, field).not.toBe(before.context[field]);
      if (Array.isArray(list)) list.push('441200');
    }
    expect(location).not.toBe(before.context['location']);
    expect(before).toStrictEqual(copy);
  });

  it('replay does not mutate the events or the starting state', () => {
    const { states, events } = run(LIFECYCLE);
    const from = deepFreeze(structuredClone(states[0] ?? initialState(a)));
    const frozen = deepFreeze(structuredClone(events));
    const copy = structuredClone(frozen);
    expect(replay(a, frozen, from)).toStrictEqual(states.at(-1));
    expect(frozen).toStrictEqual(copy);
  });
});
