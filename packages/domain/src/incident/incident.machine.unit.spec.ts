import { describe, expect, it } from 'vitest';
import {
  commandsAllowedIn,
  decide,
  initialState,
  replay,
  type Decision,
  type MachineCommand,
  type PersistedState,
  type ReplayableEvent,
} from '../aggregate';
import { INCIDENT_CATEGORIES, SEVERITIES, type CommandMeta, type IncidentCategory, type Severity } from '../shared';
import { incidentAggregate, incidentMachine } from './incident.machine';
import {
  INCIDENT_EVENT_FOR,
  INCIDENT_STATES,
  REPORT_CHANNELS,
  type IncidentCommand,
  type IncidentCommandType,
  type IncidentContext,
  type IncidentEventType,
  type IncidentState,
} from './incident.types';

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

type PayloadOf<K extends IncidentCommandType> = Omit<Extract<IncidentCommand, { type: K }>, 'type' | 'meta'>;

/** One legal transition: from a state, a command with its payload, the target and the context it sets. */
interface Case<K extends IncidentCommandType> {
  from: IncidentState;
  command: K;
  payload: PayloadOf<K>;
  to: IncidentState;
  event: IncidentEventType;
  /** Context fields the command sets besides `updatedAt` (always `meta.now`); every other field stays. */
  changes: (meta: CommandMeta) => Partial<IncidentContext>;
}
type AnyCase = { [K in IncidentCommandType]: Case<K> }[IncidentCommandType];
/** An incident command without its meta, kept as a union of the command types. */
type CommandBody = IncidentCommand extends infer C ? (C extends IncidentCommand ? Omit<C, 'meta'> : never) : never;

function toCommand(c: AnyCase, meta: CommandMeta): MachineCommand {
  return { ...c.payload, type: c.command, meta };
}

const corrected = {
  title: 'Landslide on S358 near Baishi village (corrected)',
  location: { description: 'S358 km 42, Baishi village', lat: 23.0512, lon: 112.4721 },
};

function updateIn(from: IncidentState): AnyCase {
  return {
    from,
    command: 'UpdateIncidentDetails',
    payload: corrected,
    to: from,
    event: 'IncidentDetailsUpdated',
    // description is not in the payload and must stay as it was
    changes: () => ({ title: corrected.title, location: corrected.location }),
  };
}

function classifyIn(from: IncidentState): AnyCase {
  return {
    from,
    command: 'ClassifyIncident',
    payload: { category: 'public_health', severity: 'I', reason: 'casualty count revised' },
    to: from,
    event: 'IncidentClassified',
    changes: () => ({ category: 'public_health', severity: 'I' }),
  };
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
      leadJurisdiction: '441203',
      location: { description: 'S358 km 42' },
      source: 'phone',
      exercise: false,
    },
    to: 'reported',
    event: 'IncidentReported',
    changes: (m) => ({
      incidentId: 'inc-1',
      title: 'Landslide on S358',
      description: 'Road blocked, two vehicles buried',
      category: 'natural_disaster',
      severity: 'IV',
      leadJurisdiction: '441203',
      location: { description: 'S358 km 42' },
      source: 'phone',
      exercise: false,
      reportedAt: m.now,
      occurredAt: m.occurredAt,
    }),
  },
  {
    from: 'reported',
    command: 'BeginVerification',
    payload: { note: 'calling the informant back' },
    to: 'verifying',
    event: 'VerificationStarted',
    changes: () => ({}),
  },
  {
    from: 'reported',
    command: 'DismissIncident',
    payload: { reason: 'duplicate of inc-0' },
    to: 'dismissed',
    event: 'IncidentDismissed',
    changes: () => ({ dismissedReason: 'duplicate of inc-0' }),
  },
  updateIn('reported'),
  classifyIn('reported'),
  {
    from: 'verifying',
    command: 'ConfirmIncident',
    payload: { severity: 'III', note: 'confirmed by township' },
    to: 'confirmed',
    event: 'IncidentConfirmed',
    // category not given: stays natural_disaster
    changes: (m) => ({ severity: 'III', confirmedAt: m.occurredAt }),
  },
  {
    from: 'verifying',
    command: 'DismissIncident',
    payload: { reason: 'false alarm' },
    to: 'dismissed',
    event: 'IncidentDismissed',
    changes: () => ({ dismissedReason: 'false alarm' }),
  },
  updateIn('verifying'),
  classifyIn('verifying'),
  {
    from: 'confirmed',
    command: 'BeginInitialHandling',
    payload: { measures: 'road closed, township rescue team dispatched' },
    to: 'initialHandling',
    event: 'InitialHandlingStarted',
    changes: () => ({}),
  },
  updateIn('confirmed'),
  classifyIn('confirmed'),
  {
    from: 'initialHandling',
    command: 'ActivateResponse',
    payload: { level: 'III', measures: 'county plan level III', matters: 'rescue', expectedDuration: '48h' },
    to: 'responseActive',
    event: 'ResponseActivated',
    changes: (m) => ({ responseLevel: 'III', responseActivatedAt: m.occurredAt }),
  },
  updateIn('initialHandling'),
  classifyIn('initialHandling'),
  {
    from: 'responseActive',
    command: 'ChangeResponseLevel',
    payload: { level: 'II', reason: 'second slide' },
    to: 'responseActive',
    event: 'ResponseLevelChanged',
    changes: () => ({ responseLevel: 'II' }),
  },
  {
    from: 'responseActive',
    command: 'DeclareControlled',
    payload: { summary: 'all buried persons recovered' },
    to: 'controlled',
    event: 'IncidentControlled',
    changes: (m) => ({ controlledAt: m.occurredAt }),
  },
  updateIn('responseActive'),
  classifyIn('responseActive'),
  {
    from: 'controlled',
    command: 'LiftResponse',
    payload: { reason: 'no further risk' },
    to: 'responseLifted',
    event: 'ResponseLifted',
    changes: (m) => ({ liftedAt: m.occurredAt }),
  },
  updateIn('controlled'),
  classifyIn('controlled'),
  {
    from: 'responseLifted',
    command: 'BeginRecovery',
    payload: { plan: 'reopen S358 within 7 days' },
    to: 'recovery',
    event: 'RecoveryStarted',
    changes: () => ({}),
  },
  updateIn('responseLifted'),
  {
    from: 'recovery',
    command: 'BeginReview',
    payload: { note: 'after-action review' },
    to: 'underReview',
    event: 'ReviewStarted',
    changes: () => ({}),
  },
  updateIn('recovery'),
  {
    from: 'underReview',
    command: 'CloseIncident',
    payload: { summary: 'closed after review' },
    to: 'closed',
    event: 'IncidentClosed',
    changes: (m) => ({ closedAt: m.occurredAt }),
  },
];

const pairOf = (state: string, command: string): string => `${state} × ${command}`;
const caseFor = (state: string, command: string): AnyCase | undefined =>
  CASES.find((c) => c.from === state && c.command === command);
/** What the table says is allowed in a state, sorted as `commandsAllowedIn` sorts. */
const allowedByTable = (state: string): string[] =>
  CASES.filter((c) => c.from === state)
    .map((c) => c.command)
    .sort();

/**
 * Breadth-first walk of the machine from its initial state, driven by `commandsAllowedIn`. Each pair
 * found is looked up in CASES; a pair with no case is recorded as missing (and not explored). The
 * first state reached with each value becomes the fixture the transition tests start from.
 */
function walk(): { fixtures: Map<string, PersistedState>; pairs: string[]; missing: string[]; errors: string[] } {
  const start = initialState(a);
  const fixtures = new Map<string, PersistedState>([[start.value, start]]);
  const queue: PersistedState[] = [start];
  const pairs: string[] = [];
  const missing: string[] = [];
  const errors: string[] = [];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const command of commandsAllowedIn(a, state)) {
      pairs.push(pairOf(state.value, command));
      const c = caseFor(state.value, command);
      if (c === undefined) {
        missing.push(pairOf(state.value, command));
        continue;
      }
      const d = decide(a, state, toCommand(c, nextMeta()));
      if (!d.ok) {
        errors.push(`${pairOf(state.value, command)} rejected`);
        continue;
      }
      if (!fixtures.has(d.state.value)) {
        fixtures.set(d.state.value, d.state);
        queue.push(d.state);
      }
    }
  }
  return { fixtures, pairs, missing, errors };
}

const WALK = walk();

function fixture(state: string): PersistedState {
  const s = WALK.fixtures.get(state);
  if (s === undefined) throw new Error(`no fixture reached for state ${state}`);
  return s;
}

/** A command of the given type with a payload that is valid for its schema (not necessarily its state). */
function sampleCommand(type: IncidentCommandType, meta: CommandMeta): MachineCommand {
  const c = CASES.find((x) => x.command === type);
  if (c === undefined) throw new Error(`no case for ${type}`);
  return toCommand(c, meta);
}

function expectAccepted(d: Decision): Extract<Decision, { ok: true }> {
  if (!d.ok) throw new Error(`expected acceptance, got rejection in ${d.state} (allowed: ${d.allowed.join(', ')})`);
  return d;
}

/** Turns accepted decisions into stored events the way the engine does: meta is the command's meta. */
function toStored(d: Extract<Decision, { ok: true }>, meta: CommandMeta): ReplayableEvent[] {
  return d.events.map((e) => ({ type: e.type, data: e.data, meta, ...(e.derived ? { derived: true } : {}) }));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// 1. Legal transitions
// ---------------------------------------------------------------------------------------------------

describe('incident machine: coverage of the transition table', () => {
  it('walks to every state in INCIDENT_STATES, and the machine declares no other state', () => {
    expect(WALK.errors).toEqual([]);
    expect([...WALK.fixtures.keys()].sort()).toEqual([...INCIDENT_STATES].sort());
    expect(Object.keys(incidentMachine.root.states).sort()).toEqual([...INCIDENT_STATES].sort());
  });

  it('tests exactly the (state, command) pairs the machine allows — no transition left untested', () => {
    expect(WALK.missing).toEqual([]);
    expect([...WALK.pairs].sort()).toEqual(CASES.map((c) => pairOf(c.from, c.command)).sort());
  });

  it('has one case per (state, command) pair', () => {
    const keys = CASES.map((c) => pairOf(c.from, c.command));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('every event the machine handles is a command with a primary event (none is silently dropped)', () => {
    for (const [name, node] of Object.entries(incidentMachine.root.states)) {
      for (const type of node.ownEvents) expect(Object.keys(INCIDENT_EVENT_FOR), `${name} handles ${type}`).toContain(type);
    }
  });

  it('every command type is accepted in at least one state', () => {
    expect([...new Set(CASES.map((c) => c.command))].sort()).toEqual(ALL_COMMANDS);
  });

  it.each([...INCIDENT_STATES])('commandsAllowedIn(%s) is what the table lists', (state) => {
    expect(commandsAllowedIn(a, fixture(state))).toEqual(allowedByTable(state));
  });
});

describe('incident machine: every legal transition', () => {
  it.each(CASES.map((c) => [`${c.from} --${c.command}--> ${c.to}`, c] as const))('%s', (_name, c) => {
    const before = fixture(c.from);
    const meta = nextMeta();
    const d = expectAccepted(decide(a, before, toCommand(c, meta)));

    expect(d.state.value).toBe(c.to);
    expect(c.event).toBe(INCIDENT_EVENT_FOR[c.command]);
    expect(d.events).toStrictEqual([{ type: c.event, data: { ...c.payload } }]);
    expect(d.state.context).toStrictEqual({ ...before.context, ...c.changes(meta), updatedAt: meta.now });
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
        leadJurisdiction: '441203',
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
        leadJurisdiction: '441203',
        location: null,
        source: null,
        exercise: false,
        reportedAt: meta.now,
        occurredAt: meta.occurredAt,
        updatedAt: meta.now,
      },
    });
    expect(d.events).toStrictEqual([
      { type: 'IncidentReported', data: { incidentId: 'inc-min', title: 'Smoke seen', leadJurisdiction: '441203' } },
    ]);
  });

  it('ReportIncident flagged as exercise keeps the flag in context', () => {
    const d = expectAccepted(
      decide(a, initialState(a), {
        type: 'ReportIncident',
        meta: nextMeta(),
        incidentId: 'drill-1',
        title: 'Drill: chemical leak',
        leadJurisdiction: '441203',
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
    expect(d.state.context).toMatchObject({ severity: 'IV', category: 'accident', confirmedAt: meta.occurredAt });
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

const ILLEGAL = INCIDENT_STATES.flatMap((state) =>
  ALL_COMMANDS.filter((command) => !allowedByTable(state).includes(command)).map((command) => [state, command] as const),
);

describe('incident machine: commands not allowed in a state are rejected', () => {
  it('there are illegal pairs to test in every state', () => {
    for (const state of INCIDENT_STATES) expect(ILLEGAL.some(([s]) => s === state), state).toBe(true);
  });

  it.each(ILLEGAL)('%s rejects %s with the commands it does allow', (state, command) => {
    const d = decide(a, fixture(state), sampleCommand(command, nextMeta()));
    expect(d).toStrictEqual({ ok: false, state, allowed: allowedByTable(state) });
  });

  it.each([...INCIDENT_STATES])('%s rejects a command type the aggregate does not know', (state) => {
    const d = decide(a, fixture(state), { type: 'Frobnicate', meta: nextMeta() });
    expect(d).toStrictEqual({ ok: false, state, allowed: allowedByTable(state) });
  });

  it.each(['dismissed', 'closed'] as const)('final state %s accepts nothing', (state) => {
    expect(commandsAllowedIn(a, fixture(state))).toEqual([]);
    for (const command of ALL_COMMANDS) {
      expect(decide(a, fixture(state), sampleCommand(command, nextMeta()))).toStrictEqual({ ok: false, state, allowed: [] });
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
        leadJurisdiction: '441203',
      }),
    ).state;
    const verifying = expectAccepted(decide(a, reported, { type: 'BeginVerification', meta: nextMeta() })).state;
    expect(verifying.context['severity']).toBeNull();
    return verifying;
  }
  const verifyingAllowed = ['ClassifyIncident', 'ConfirmIncident', 'DismissIncident', 'UpdateIncidentDetails'];

  it('ConfirmIncident without severity is rejected when the context has none', () => {
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
// 3. Replay
// ---------------------------------------------------------------------------------------------------

/** Applies commands in order, as the engine would, keeping every intermediate state and the stream. */
function run(commands: ReadonlyArray<CommandBody>): { states: PersistedState[]; events: ReplayableEvent[] } {
  let state = initialState(a);
  const states = [state];
  const events: ReplayableEvent[] = [];
  for (const command of commands) {
    const meta = nextMeta();
    const d = expectAccepted(decide(a, state, { ...command, meta }));
    events.push(...toStored(d, meta));
    state = d.state;
    states.push(state);
  }
  return { states, events };
}

const LIFECYCLE: ReadonlyArray<CommandBody> = [
  { type: 'ReportIncident', incidentId: 'inc-9', title: 'Flood', leadJurisdiction: '441203', source: 'sensor' },
  { type: 'UpdateIncidentDetails', description: 'River above warning line' },
  { type: 'BeginVerification' },
  { type: 'ClassifyIncident', category: 'natural_disaster', severity: 'III' },
  { type: 'ConfirmIncident' },
  { type: 'BeginInitialHandling', measures: 'evacuate low-lying streets' },
  { type: 'ActivateResponse', level: 'IV', measures: 'county plan' },
  { type: 'ChangeResponseLevel', level: 'III', reason: 'rising' },
  { type: 'ClassifyIncident', category: 'natural_disaster', severity: 'II' },
  { type: 'ChangeResponseLevel', level: 'II', reason: 'city linkage' },
  { type: 'DeclareControlled' },
  { type: 'LiftResponse' },
  { type: 'UpdateIncidentDetails', location: { description: 'Riverside district' } },
  { type: 'BeginRecovery' },
  { type: 'BeginReview' },
  { type: 'CloseIncident', summary: 'done' },
];

describe('incident replay', () => {
  it('a full lifecycle replays to the state decide() produced, after every prefix', () => {
    const { states, events } = run(LIFECYCLE);
    expect(events).toHaveLength(LIFECYCLE.length);
    expect(states.at(-1)?.value).toBe('closed');
    for (let i = 0; i < states.length; i++) expect(replay(a, events.slice(0, i)), `after ${i} events`).toStrictEqual(states[i]);
  });

  it('replays events as stored (JSON round trip)', () => {
    const { states, events } = run(LIFECYCLE);
    const stored = JSON.parse(JSON.stringify(events)) as ReplayableEvent[];
    expect(replay(a, stored)).toStrictEqual(states.at(-1));
  });

  it('replays the tail of a stream from an intermediate state', () => {
    const { states, events } = run(LIFECYCLE);
    for (let i = 0; i < states.length; i++) {
      const from = states[i];
      if (from === undefined) throw new Error('missing state');
      expect(replay(a, events.slice(i), from), `from ${i}`).toStrictEqual(states.at(-1));
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
    const { states, events } = run(LIFECYCLE.slice(0, 3));
    const meta = nextMeta();
    const derived: ReplayableEvent[] = [
      // a type no command produces: would throw if applied
      { type: 'CityRoomLinked', data: { city: '441200' }, meta: { ...meta, derived: true } },
      // a primary type illegal in `verifying`: would throw if applied
      { type: 'IncidentClosed', data: { summary: 'x' }, meta: { ...meta, derived: true } },
      // a primary type legal in `verifying`: would change the state if applied
      { type: 'IncidentDismissed', data: { reason: 'x' }, meta: { ...meta, derived: true } },
    ];
    const [first, ...rest] = events;
    if (first === undefined) throw new Error('no event');
    expect(replay(a, [first, ...derived, ...rest, ...derived])).toStrictEqual(states.at(-1));
    // the same event without the flag is applied
    const [, , dismissed] = derived;
    if (dismissed === undefined) throw new Error('no event');
    const { derived: _d, ...plainMeta } = dismissed.meta;
    expect(replay(a, [...events, { ...dismissed, meta: plainMeta }]).value).toBe('dismissed');
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
  });

  it('replay of no events is the initial state', () => {
    expect(replay(a, [])).toStrictEqual(initialState(a));
  });
});

// ---------------------------------------------------------------------------------------------------
// 3b. Randomized replay
// ---------------------------------------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, good enough to pick commands. */
function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from empty list');
  return item;
}

const maybe = <T extends object>(rng: () => number, fields: T): T | Record<never, never> => (rng() < 0.5 ? fields : {});

/** A random command of the given type whose payload is valid and passes the guards in `state`. */
function randomCommand(rng: () => number, type: IncidentCommandType, state: PersistedState, meta: CommandMeta): IncidentCommand {
  const severity = (): Severity => pick(rng, SEVERITIES);
  const category = (): IncidentCategory => pick(rng, INCIDENT_CATEGORIES);
  const text = (prefix: string): string => `${prefix}-${Math.floor(rng() * 1000)}`;
  switch (type) {
    case 'ReportIncident':
      return {
        type,
        meta,
        incidentId: text('inc'),
        title: text('title'),
        leadJurisdiction: pick(rng, ['441203', '441200', '441202']),
        ...maybe(rng, { description: text('desc') }),
        ...maybe(rng, { category: category() }),
        ...maybe(rng, { severity: severity() }),
        ...maybe(rng, { location: { description: text('loc'), lat: rng() * 90, lon: rng() * 180 } }),
        ...maybe(rng, { source: pick(rng, REPORT_CHANNELS) }),
        ...maybe(rng, { exercise: rng() < 0.5 }),
      };
    case 'BeginVerification':
      return { type, meta, ...maybe(rng, { note: text('note') }) };
    case 'ConfirmIncident':
      return {
        type,
        meta,
        ...(state.context['severity'] === null || rng() < 0.5 ? { severity: severity() } : {}),
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
      return { type, meta, level: pick(rng, SEVERITIES.filter((s) => s !== state.context['responseLevel'])), reason: text('reason') };
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

describe('incident replay: randomized command sequences', () => {
  const SEED = 20250601;
  const SEQUENCES = 150;
  const MAX_STEPS = 24;

  it(`replay(events) equals decide()'s state after every step (${SEQUENCES} seeded sequences)`, () => {
    const visitedStates = new Set<string>();
    const visitedPairs = new Set<string>();
    let rejections = 0;
    for (let seq = 0; seq < SEQUENCES; seq++) {
      const rng = mulberry32(SEED + seq);
      let state = initialState(a);
      const stored: ReplayableEvent[] = [];
      visitedStates.add(state.value);
      for (let step = 0; step < MAX_STEPS; step++) {
        const allowed = commandsAllowedIn(a, state) as IncidentCommandType[];
        if (allowed.length === 0) break;
        const meta = randomMeta(rng, step, seq);

        // now and then, a command the state does not allow: rejected, nothing stored, state unchanged
        const illegal = ALL_COMMANDS.filter((c) => !allowed.includes(c));
        if (illegal.length > 0 && rng() < 0.15) {
          const d = decide(a, state, { ...randomCommand(rng, pick(rng, illegal), state, meta) });
          expect(d, `seed ${SEED + seq} step ${step}`).toStrictEqual({ ok: false, state: state.value, allowed });
          rejections += 1;
          continue;
        }

        // dismissal ends a sequence early; make it rarer so that walks reach the later states
        let type = pick(rng, allowed);
        if (type === 'DismissIncident' && rng() < 0.8) type = pick(rng, allowed);
        const d = decide(a, state, { ...randomCommand(rng, type, state, meta) });
        if (!d.ok) throw new Error(`seed ${SEED + seq} step ${step}: ${type} rejected in ${d.state}`);
        expect(d.events.map((e) => e.type)).toEqual([INCIDENT_EVENT_FOR[type]]);
        visitedPairs.add(pairOf(state.value, type));
        state = d.state;
        visitedStates.add(state.value);
        stored.push(...(JSON.parse(JSON.stringify(toStored(d, meta))) as ReplayableEvent[]));

        expect(replay(a, stored), `seed ${SEED + seq} step ${step}`).toStrictEqual(state);
      }
    }
    // the generator must actually explore the machine, or this test proves little
    expect([...visitedStates].sort()).toEqual([...INCIDENT_STATES].sort());
    expect([...visitedPairs].sort()).toEqual(CASES.map((c) => pairOf(c.from, c.command)).sort());
    expect(rejections).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Purity
// ---------------------------------------------------------------------------------------------------

describe('incident decide(): purity', () => {
  it.each(CASES.map((c) => [pairOf(c.from, c.command), c] as const))('%s does not mutate its inputs', (_name, c) => {
    const state = structuredClone(fixture(c.from));
    const command = toCommand(c, nextMeta());
    const stateCopy = structuredClone(state);
    const commandCopy = structuredClone(command);
    deepFreeze(state);
    deepFreeze(command);

    const d = decide(a, state, command);

    expect(d.ok).toBe(true);
    expect(state).toStrictEqual(stateCopy);
    expect(command).toStrictEqual(commandCopy);
  });

  it.each(ILLEGAL.slice(0, 20))('a rejected %s × %s does not mutate its inputs', (from, command) => {
    const state = deepFreeze(structuredClone(fixture(from)));
    const copy = structuredClone(state);
    expect(decide(a, state, deepFreeze(sampleCommand(command, nextMeta()))).ok).toBe(false);
    expect(state).toStrictEqual(copy);
  });

  it.each(CASES.map((c) => [pairOf(c.from, c.command), c] as const))('%s: same inputs, same output', (_name, c) => {
    const state = fixture(c.from);
    const command = toCommand(c, nextMeta());
    expect(decide(a, state, command)).toStrictEqual(decide(a, state, command));
  });

  it('the returned state shares no objects with the input state', () => {
    const before = fixture('responseActive');
    const copy = structuredClone(before);
    const d = expectAccepted(decide(a, before, { type: 'DeclareControlled', meta: nextMeta() }));
    const jurisdictions = d.state.context['supportingJurisdictions'];
    const location = d.state.context['location'];
    expect(Array.isArray(jurisdictions)).toBe(true);
    expect(jurisdictions).not.toBe(before.context['supportingJurisdictions']);
    expect(location).not.toBe(before.context['location']);
    if (Array.isArray(jurisdictions)) jurisdictions.push('441200');
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
