import { describe, expect, it } from 'vitest';
import { commandsAllowedIn, decide, initialState, replay, type PersistedState, type ReplayableEvent } from '../aggregate';
import type { Actor, CommandMeta, EmittedEvent } from '../shared';
import {
  DeciderSpecification,
  edgeOf,
  expectAccepted,
  fixturesFromScripts,
  fromFixtures,
  minuteClock,
  runCommands,
  toStored,
  type BodyOf,
  type PayloadOf as PayloadOfCommand,
  type Step as ScriptStep,
} from '../testing/decider-spec';
import { int, maybe, mulberry32, pick } from '../testing/seeded-random';
import { dispatchedItems, requestAggregate } from './request.machine';
import {
  PRIORITIES,
  REQUEST_EVENT_FOR,
  REQUEST_STATES,
  type ItemQuantity,
  type RequestCommand,
  type RequestCommandType,
  type RequestContext,
  type RequestedItem,
  type RequestState,
} from './request.types';

// ---------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const DUTY: Actor = { userId: 'u-duty', roles: ['duty_officer'], jurisdiction: '441203' };
/** Times are minutes after T0; fixtures are built in minutes 1–6, transitions are tested at minute 100. */
const { iso, metaAt } = minuteClock(T0, DUTY);
const AT = 100;

const a = requestAggregate;
const ALL_COMMANDS = Object.keys(REQUEST_EVENT_FOR).sort() as RequestCommandType[];

const COMMANDER: Actor = { userId: 'u-cmdr', roles: ['responder'], jurisdiction: '441203' };
const CITY: Actor = { userId: 'u-city', roles: ['leader'], jurisdiction: '441200' };

/** Two lines of the same kind: limits on returns are per kind, not per line. */
const ITEMS: RequestedItem[] = [
  { kind: 'tent', quantity: 40, priority: 'urgent', deliverTo: 'Baishi village school' },
  { kind: 'water-1.5l', quantity: 600, priority: 'routine', deliverTo: 'Baishi village school' },
  { kind: 'tent', quantity: 10, priority: 'low', deliverTo: 'Dinghu shelter' },
];
/** What leaves the depot when the dispatch lists nothing: every requested line in full. */
const ALL_REQUESTED: ItemQuantity[] = [
  { kind: 'tent', quantity: 40 },
  { kind: 'water-1.5l', quantity: 600 },
  { kind: 'tent', quantity: 10 },
];
const PARTIAL: ItemQuantity[] = [
  { kind: 'tent', quantity: 30 },
  { kind: 'water-1.5l', quantity: 600 },
];

type CommandBody = BodyOf<RequestCommand>;
type PayloadOf<K extends RequestCommandType> = PayloadOfCommand<RequestCommand, K>;
type Step = ScriptStep<CommandBody>;

// A test shortcut: these states come from decide() on this very machine, so their context is its context.
const ctx = (state: PersistedState): RequestContext => state.context as RequestContext;

/** Applies steps in order, as the engine would, keeping every intermediate state and the stream. */
const run = (steps: readonly Step[]) => runCommands(a, steps, (step) => ({ ...step.body, meta: metaAt(step.at, step.by) }));

const SUBMITTED: Step[] = [
  {
    body: { type: 'SubmitResourceRequest', requestId: 'rr-1', incidentId: 'inc-1', items: ITEMS, justification: '120 evacuated, night falling' },
    at: 1,
    by: COMMANDER,
  },
];
const APPROVED: Step[] = [...SUBMITTED, { body: { type: 'ApproveResourceRequest', note: 'from the Dinghu depot' }, at: 2, by: DUTY }];
const REJECTED: Step[] = [...SUBMITTED, { body: { type: 'RejectResourceRequest', reason: 'covered by rr-0' }, at: 2, by: DUTY }];
const CANCELLED: Step[] = [...SUBMITTED, { body: { type: 'CancelResourceRequest', reason: 'no longer needed' }, at: 2, by: COMMANDER }];
/** Dispatched with no item list: every requested line in full (tent 40 + 10, water 600). */
const DISPATCHED: Step[] = [
  ...APPROVED,
  { body: { type: 'DispatchResources', depotId: 'depot-dh', orderNumber: 'ZQ-2025-0001', teams: ['team-dh-1'] }, at: 3, by: DUTY },
];
/** Dispatched in part: tent 30 of the 50 requested, water 600. */
const DISPATCHED_PARTIAL: Step[] = [
  ...APPROVED,
  { body: { type: 'DispatchResources', depotId: 'depot-dh', orderNumber: 'ZQ-2025-0002', items: PARTIAL }, at: 3, by: CITY },
];
const EN_ROUTE: Step[] = [...DISPATCHED, { body: { type: 'MarkEnRoute', eta: iso(60) }, at: 4, by: DUTY }];
const ARRIVED: Step[] = [...EN_ROUTE, { body: { type: 'ConfirmArrival', note: 'unloaded at the school' }, at: 5, by: COMMANDER }];
const ARRIVED_PARTIAL: Step[] = [...DISPATCHED_PARTIAL, { body: { type: 'ConfirmArrival' }, at: 5, by: COMMANDER }];
const RELEASED: Step[] = [...ARRIVED, { body: { type: 'ReleaseResources', returned: [{ kind: 'tent', quantity: 50 }] }, at: 6, by: COMMANDER }];

const FIXTURE_STEPS = {
  none: [],
  submitted: SUBMITTED,
  approved: APPROVED,
  rejected: REJECTED,
  cancelled: CANCELLED,
  dispatched: DISPATCHED,
  dispatchedPartial: DISPATCHED_PARTIAL,
  enRoute: EN_ROUTE,
  arrived: ARRIVED,
  arrivedPartial: ARRIVED_PARTIAL,
  released: RELEASED,
} as const satisfies Record<string, readonly Step[]>;
type FixtureName = keyof typeof FIXTURE_STEPS;

const FIXTURE_STATE: Readonly<Record<FixtureName, RequestState>> = {
  none: 'none',
  submitted: 'submitted',
  approved: 'approved',
  rejected: 'rejected',
  cancelled: 'cancelled',
  dispatched: 'dispatched',
  dispatchedPartial: 'dispatched',
  enRoute: 'enRoute',
  arrived: 'arrived',
  arrivedPartial: 'arrived',
  released: 'released',
};
const CANONICAL: Readonly<Record<RequestState, FixtureName>> = {
  none: 'none',
  submitted: 'submitted',
  approved: 'approved',
  rejected: 'rejected',
  cancelled: 'cancelled',
  dispatched: 'dispatched',
  enRoute: 'enRoute',
  arrived: 'arrived',
  released: 'released',
};

const fixture = fixturesFromScripts(FIXTURE_STEPS, run);

// ---------------------------------------------------------------------------------------------------
// The specification
// ---------------------------------------------------------------------------------------------------

interface Case<K extends RequestCommandType> {
  name: string;
  fixture: FixtureName;
  from: RequestState;
  command: K;
  payload: PayloadOf<K>;
  by?: Actor;
  at?: number;
  guard: string | null;
  to: RequestState;
  /** The events; by default the primary event with the payload as data. */
  events?: (meta: CommandMeta) => EmittedEvent[];
  changes: (meta: CommandMeta) => Partial<RequestContext>;
}
type AnyCase = { [K in RequestCommandType]: Case<K> }[RequestCommandType];

const metaOf = (c: AnyCase): CommandMeta => metaAt(c.at ?? AT, c.by ?? DUTY);

const CASES: readonly AnyCase[] = [
  {
    name: 'none: the commander submits a request',
    fixture: 'none',
    from: 'none',
    command: 'SubmitResourceRequest',
    payload: { requestId: 'rr-1', incidentId: 'inc-1', items: ITEMS, justification: 'night falling' },
    by: COMMANDER,
    guard: null,
    to: 'submitted',
    changes: (m) => ({
      requestId: 'rr-1',
      incidentId: 'inc-1',
      items: ITEMS,
      justification: 'night falling',
      requestedBy: COMMANDER.userId,
      requestedAt: m.occurredAt,
    }),
  },
  {
    name: 'none: a request without justification',
    fixture: 'none',
    from: 'none',
    command: 'SubmitResourceRequest',
    payload: { requestId: 'rr-2', incidentId: 'inc-1', items: [{ kind: 'generator', quantity: 2, priority: 'urgent', deliverTo: 'command post' }] },
    by: COMMANDER,
    guard: null,
    to: 'submitted',
    changes: (m) => ({
      requestId: 'rr-2',
      incidentId: 'inc-1',
      items: [{ kind: 'generator', quantity: 2, priority: 'urgent', deliverTo: 'command post' }],
      requestedBy: COMMANDER.userId,
      requestedAt: m.occurredAt,
    }),
  },
  {
    name: 'submitted: the room approves',
    fixture: 'submitted',
    from: 'submitted',
    command: 'ApproveResourceRequest',
    payload: { note: 'ok' },
    guard: null,
    to: 'approved',
    changes: (m) => ({ decidedBy: DUTY.userId, decidedAt: m.now }),
  },
  {
    name: 'submitted: the city room approves, without a note',
    fixture: 'submitted',
    from: 'submitted',
    command: 'ApproveResourceRequest',
    payload: {},
    by: CITY,
    guard: null,
    to: 'approved',
    changes: (m) => ({ decidedBy: CITY.userId, decidedAt: m.now }),
  },
  {
    name: 'submitted: the room rejects',
    fixture: 'submitted',
    from: 'submitted',
    command: 'RejectResourceRequest',
    payload: { reason: 'covered by rr-0' },
    guard: null,
    to: 'rejected',
    changes: (m) => ({ decidedBy: DUTY.userId, decidedAt: m.now, rejectionReason: 'covered by rr-0' }),
  },
  {
    name: 'submitted: the requester cancels',
    fixture: 'submitted',
    from: 'submitted',
    command: 'CancelResourceRequest',
    payload: { reason: 'found locally' },
    by: COMMANDER,
    guard: null,
    to: 'cancelled',
    changes: () => ({ cancelledReason: 'found locally' }),
  },
  {
    name: 'approved: dispatch without an item list sends every requested line in full',
    fixture: 'approved',
    from: 'approved',
    command: 'DispatchResources',
    payload: { depotId: 'depot-dh', orderNumber: 'ZQ-2025-0001' },
    guard: null,
    to: 'dispatched',
    events: () => [{ type: 'ResourcesDispatched', data: { depotId: 'depot-dh', orderNumber: 'ZQ-2025-0001', items: ALL_REQUESTED } }],
    changes: (m) => ({
      dispatch: { depotId: 'depot-dh', orderNumber: 'ZQ-2025-0001', items: ALL_REQUESTED, teams: [], dispatchedAt: m.occurredAt, dispatchedBy: DUTY.userId, room: DUTY.jurisdiction },
    }),
  },
  {
    name: 'approved: dispatch of listed items with teams records exactly those',
    fixture: 'approved',
    from: 'approved',
    command: 'DispatchResources',
    payload: { depotId: 'depot-sz', orderNumber: 'ZQ-2025-0009', items: PARTIAL, teams: ['team-1', 'team-2'] },
    by: CITY,
    guard: null,
    to: 'dispatched',
    changes: (m) => ({
      dispatch: { depotId: 'depot-sz', orderNumber: 'ZQ-2025-0009', items: PARTIAL, teams: ['team-1', 'team-2'], dispatchedAt: m.occurredAt, dispatchedBy: CITY.userId, room: CITY.jurisdiction },
    }),
  },
  {
    name: 'approved: the room cancels before dispatch',
    fixture: 'approved',
    from: 'approved',
    command: 'CancelResourceRequest',
    payload: { reason: 'road closed' },
    guard: null,
    to: 'cancelled',
    changes: () => ({ cancelledReason: 'road closed' }),
  },
  {
    name: 'dispatched: en route with an ETA',
    fixture: 'dispatched',
    from: 'dispatched',
    command: 'MarkEnRoute',
    payload: { eta: iso(160) },
    guard: null,
    to: 'enRoute',
    changes: (m) => ({ enRouteAt: m.occurredAt, eta: iso(160) }),
  },
  {
    name: 'dispatched: en route without an ETA',
    fixture: 'dispatchedPartial',
    from: 'dispatched',
    command: 'MarkEnRoute',
    payload: {},
    guard: null,
    to: 'enRoute',
    changes: (m) => ({ enRouteAt: m.occurredAt, eta: null }),
  },
  {
    name: 'dispatched: arrival confirmed without an en-route report',
    fixture: 'dispatched',
    from: 'dispatched',
    command: 'ConfirmArrival',
    payload: {},
    by: COMMANDER,
    guard: null,
    to: 'arrived',
    changes: (m) => ({ arrivedAt: m.occurredAt }),
  },
  {
    name: 'enRoute: arrival confirmed',
    fixture: 'enRoute',
    from: 'enRoute',
    command: 'ConfirmArrival',
    payload: { note: 'all present' },
    by: COMMANDER,
    guard: null,
    to: 'arrived',
    changes: (m) => ({ arrivedAt: m.occurredAt }),
  },
  {
    name: 'arrived: released with nothing returned',
    fixture: 'arrived',
    from: 'arrived',
    command: 'ReleaseResources',
    payload: { note: 'consumed' },
    by: COMMANDER,
    guard: 'returnsFit',
    to: 'released',
    changes: (m) => ({ releasedAt: m.occurredAt, returned: [] }),
  },
  {
    name: 'arrived: every dispatched tent returned, across lines of the same kind',
    fixture: 'arrived',
    from: 'arrived',
    command: 'ReleaseResources',
    payload: { returned: [{ kind: 'tent', quantity: 45 }, { kind: 'tent', quantity: 5 }, { kind: 'water-1.5l', quantity: 12 }] },
    by: COMMANDER,
    guard: 'returnsFit',
    to: 'released',
    changes: (m) => ({ releasedAt: m.occurredAt, returned: [{ kind: 'tent', quantity: 45 }, { kind: 'tent', quantity: 5 }, { kind: 'water-1.5l', quantity: 12 }] }),
  },
  {
    name: 'arrived (partial dispatch): exactly what was dispatched goes back',
    fixture: 'arrivedPartial',
    from: 'arrived',
    command: 'ReleaseResources',
    payload: { returned: [{ kind: 'tent', quantity: 30 }] },
    guard: 'returnsFit',
    to: 'released',
    changes: (m) => ({ releasedAt: m.occurredAt, returned: [{ kind: 'tent', quantity: 30 }] }),
  },
];

const spec = DeciderSpecification.for({
  aggregate: a,
  states: REQUEST_STATES,
  cases: CASES,
  metaOf,
  given: fromFixtures({ fixture: (c: AnyCase) => c.fixture, get: fixture, stateOf: FIXTURE_STATE, canonical: CANONICAL }),
});

// ---------------------------------------------------------------------------------------------------
// 1. Legal transitions
// ---------------------------------------------------------------------------------------------------

describe('request machine: coverage of the transition table', () => {
  spec.coverageTests({ statesName: 'REQUEST_STATES' });
});

describe('request machine: every legal transition', () => {
  spec.transitionTests({
    events: (c, meta) => c.events?.(meta) ?? [spec.primaryEvent(c)],
    changes: (c, meta) => c.changes(meta),
  });
});

describe('request machine: dispatch records what left the depot', () => {
  it('dispatchedItems: no list means every requested line in full, without priority or destination', () => {
    expect(dispatchedItems(ctx(fixture('approved')), {})).toStrictEqual(ALL_REQUESTED);
  });

  it('dispatchedItems: a list is taken as it is, even an empty one', () => {
    expect(dispatchedItems(ctx(fixture('approved')), { items: PARTIAL })).toStrictEqual(PARTIAL);
    expect(dispatchedItems(ctx(fixture('approved')), { items: [] })).toStrictEqual([]);
  });

  it.each(['dispatched', 'dispatchedPartial'] as const)('the ResourcesDispatched event of %s carries the items of the dispatch record', (name) => {
    const { events } = run(FIXTURE_STEPS[name]);
    const dispatched = events.find((e) => e.type === 'ResourcesDispatched');
    const dispatch = ctx(fixture(name)).dispatch;
    expect(dispatch).not.toBeNull();
    expect(dispatched?.data['items']).toStrictEqual(dispatch?.items);
    expect(dispatch?.items).toStrictEqual(name === 'dispatched' ? ALL_REQUESTED : PARTIAL);
  });

  it('a stored dispatch replays to the same record even if the requested items were different', () => {
    // the event carries the resolved list, so replay does not depend on re-deriving it from the request
    const { events } = run(DISPATCHED);
    const submitted = events[0];
    if (submitted === undefined) throw new Error('no event');
    const changed: ReplayableEvent = { ...submitted, data: { ...submitted.data, items: [{ kind: 'tent', quantity: 1, priority: 'low', deliverTo: 'x' }] } };
    expect(ctx(replay(a, [changed, ...events.slice(1)])).dispatch?.items).toStrictEqual(ALL_REQUESTED);
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Illegal commands and guard failures
// ---------------------------------------------------------------------------------------------------

describe('request machine: commands not allowed in a state are rejected', () => {
  spec.rejectionTests({ meta: () => metaAt(AT), finalStates: ['rejected', 'released', 'cancelled'] });
});

describe('request machine: ReleaseResources refuses returns larger than the dispatch, kind by kind', () => {
  const refused: readonly (readonly [string, FixtureName, ItemQuantity[], ItemQuantity[]])[] = [
    ['one tent more than dispatched', 'arrived', [{ kind: 'tent', quantity: 51 }], [{ kind: 'tent', quantity: 50 }]],
    ['lines of one kind that add up to more', 'arrived', [{ kind: 'tent', quantity: 30 }, { kind: 'tent', quantity: 21 }], [{ kind: 'tent', quantity: 30 }, { kind: 'tent', quantity: 20 }]],
    ['a kind that was not dispatched', 'arrived', [{ kind: 'generator', quantity: 1 }], [{ kind: 'water-1.5l', quantity: 1 }]],
    ['one kind over, another within', 'arrived', [{ kind: 'water-1.5l', quantity: 601 }, { kind: 'tent', quantity: 1 }], [{ kind: 'water-1.5l', quantity: 600 }, { kind: 'tent', quantity: 1 }]],
    ['the requested amount when less was dispatched', 'arrivedPartial', [{ kind: 'tent', quantity: 50 }], [{ kind: 'tent', quantity: 30 }]],
    ['a kind requested but not dispatched', 'arrivedPartial', [{ kind: 'tent', quantity: 31 }], [{ kind: 'tent', quantity: 29 }, { kind: 'tent', quantity: 1 }]],
  ];

  it.each(refused)('%s', (_name, name, returned, fits) => {
    const d = decide(a, fixture(name), { type: 'ReleaseResources', returned, meta: metaAt(AT) });
    expect(d).toStrictEqual({ ok: false, state: 'arrived', allowed: ['ReleaseResources'] });
    // the return that does fit is accepted: it is the guard that refuses the first one
    const ok = expectAccepted(decide(a, fixture(name), { type: 'ReleaseResources', returned: fits, meta: metaAt(AT) }));
    expect(ctx(ok.state).returned).toStrictEqual(fits);
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Replay
// ---------------------------------------------------------------------------------------------------

describe('request replay', () => {
  it.each(Object.keys(FIXTURE_STEPS) as FixtureName[])('fixture %s replays to the state decide() produced, after every prefix', (name) => {
    const { states, events } = run(FIXTURE_STEPS[name]);
    const stored = JSON.parse(JSON.stringify(events)) as ReplayableEvent[];
    for (let i = 0; i < states.length; i++) expect(replay(a, stored.slice(0, i)), `after ${i}`).toStrictEqual(states[i]);
    for (let i = 0; i < states.length; i++) {
      const from = states[i];
      if (from === undefined) throw new Error('no state');
      expect(replay(a, stored.slice(i), from), `from ${i}`).toStrictEqual(states.at(-1));
    }
  });

  it('times in the context come from the stored meta', () => {
    const { events } = run(RELEASED);
    const state = ctx(replay(a, events));
    expect(state.requestedAt).toBe(events[0]?.meta.occurredAt);
    expect(state.decidedAt).toBe(events[1]?.meta.recordedAt);
    expect(state.dispatch?.dispatchedAt).toBe(events[2]?.meta.occurredAt);
    expect(state.releasedAt).toBe(events.at(-1)?.meta.occurredAt);
    expect(state.updatedAt).toBe(events.at(-1)?.meta.recordedAt);
  });

  it('a stored release larger than the dispatch is refused on replay', () => {
    const { events } = run(ARRIVED);
    const bad: ReplayableEvent = { type: 'ResourcesReleased', data: { returned: [{ kind: 'tent', quantity: 99 }] }, meta: { ...metaAt(7), recordedAt: iso(7) } };
    expect(() => replay(a, [...events, bad])).toThrow(/ResourcesReleased is not accepted in state arrived/);
  });
});

const KINDS = ['tent', 'water-1.5l', 'generator', 'excavator', 'quilt'] as const;

/** Sum of quantities by kind. */
function byKind(items: readonly ItemQuantity[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(i.kind, (m.get(i.kind) ?? 0) + i.quantity);
  return m;
}

function randomCommand(rng: () => number, type: RequestCommandType, state: PersistedState, tag: string): CommandBody {
  const c = ctx(state);
  const text = (prefix: string): string => `${prefix}-${int(rng, 0, 999)}`;
  switch (type) {
    case 'SubmitResourceRequest': {
      const items = Array.from({ length: int(rng, 1, 4) }, () => ({
        kind: pick(rng, KINDS),
        quantity: int(rng, 1, 200),
        priority: pick(rng, PRIORITIES),
        deliverTo: text('site'),
      }));
      return { type, requestId: `rr-${tag}`, incidentId: 'inc-r', items, ...maybe(rng, { justification: text('why') }) };
    }
    case 'ApproveResourceRequest':
      return { type, ...maybe(rng, { note: text('note') }) };
    case 'RejectResourceRequest':
      return { type, reason: text('reason') };
    case 'CancelResourceRequest':
      return { type, reason: text('reason') };
    case 'DispatchResources': {
      const items = rng() < 0.5 ? {} : { items: c.items.filter(() => rng() < 0.7).map((i) => ({ kind: i.kind, quantity: int(rng, 1, i.quantity) })) };
      return { type, depotId: pick(rng, ['depot-dh', 'depot-gy']), orderNumber: text('ZQ'), ...items, ...maybe(rng, { teams: [text('team')] }) };
    }
    case 'MarkEnRoute':
      return { type, ...maybe(rng, { eta: iso(int(rng, 100, 500)) }) };
    case 'ConfirmArrival':
      return { type, ...maybe(rng, { note: text('note') }) };
    case 'ReleaseResources': {
      const sent = [...byKind(c.dispatch?.items ?? [])].filter(([, q]) => q > 0);
      const returned = sent.filter(() => rng() < 0.6).map(([kind, q]) => ({ kind, quantity: int(rng, 1, q) }));
      return { type, ...(returned.length > 0 || rng() < 0.5 ? { returned } : {}), ...maybe(rng, { note: text('note') }) };
    }
  }
}

describe('request replay: randomized command sequences', () => {
  const SEED = 20250602;
  const SEQUENCES = 200;

  it(`replay(events) equals decide()'s state after every step (${SEQUENCES} seeded sequences)`, () => {
    const visitedStates = new Set<string>();
    const visitedEdges = new Set<string>();
    let refusedReturns = 0;
    let illegal = 0;
    for (let seq = 0; seq < SEQUENCES; seq++) {
      const rng = mulberry32(SEED + seq);
      let state = initialState(a);
      const stored: ReplayableEvent[] = [];
      visitedStates.add(state.value);
      for (let step = 0; step < 12; step++) {
        const where = `seed ${SEED + seq} step ${step}`;
        const allowed = commandsAllowedIn(a, state) as RequestCommandType[];
        if (allowed.length === 0) break;
        const meta = metaAt(step * 10 + int(rng, 1, 9), pick(rng, [DUTY, CITY, COMMANDER]));

        if (rng() < 0.1) {
          const type = pick(rng, ALL_COMMANDS.filter((t) => !allowed.includes(t)));
          expect(decide(a, state, spec.sampleCommand(type, meta)), where).toStrictEqual({ ok: false, state: state.value, allowed });
          illegal += 1;
          continue;
        }
        // in `arrived`, now and then a return that exceeds the dispatch of one kind
        const dispatched = ctx(state).dispatch?.items ?? [];
        if (state.value === 'arrived' && rng() < 0.3) {
          const over = dispatched.length > 0 && rng() < 0.7 ? pick(rng, dispatched).kind : 'not-dispatched';
          const returned = [{ kind: over, quantity: (byKind(dispatched).get(over) ?? 0) + int(rng, 1, 5) }];
          expect(decide(a, state, { type: 'ReleaseResources', returned, meta }), where).toStrictEqual({ ok: false, state: 'arrived', allowed });
          refusedReturns += 1;
          continue;
        }

        // rejection and cancellation end a sequence; make them rarer so that walks reach release
        const candidates = allowed.filter((t) => (t !== 'RejectResourceRequest' && t !== 'CancelResourceRequest') || rng() < 0.25);
        const type = pick(rng, candidates.length > 0 ? candidates : allowed);
        const body = randomCommand(rng, type, state, `${seq}-${step}`);
        const d = decide(a, state, { ...body, meta });
        if (!d.ok) throw new Error(`${where}: ${type} rejected in ${d.state}: ${JSON.stringify(body)}`);
        expect(d.events.map((e) => e.type), where).toEqual([REQUEST_EVENT_FOR[type]]);
        visitedEdges.add(edgeOf(state.value, type, d.state.value));
        state = d.state;
        visitedStates.add(state.value);
        stored.push(...(JSON.parse(JSON.stringify(toStored(d, meta))) as ReplayableEvent[]));
        expect(replay(a, stored), where).toStrictEqual(state);
      }
    }
    expect([...visitedStates].sort()).toEqual([...REQUEST_STATES].sort());
    expect([...visitedEdges].sort()).toEqual([...new Set(CASES.map((c) => edgeOf(c.from, c.command, c.to)))].sort());
    expect(refusedReturns).toBeGreaterThan(0);
    expect(illegal).toBeGreaterThan(0);
  });
});
