import { describe, expect, it } from 'vitest';
import { commandsAllowedIn, decide, initialState, replay, type PersistedState, type ReplayableEvent } from '../aggregate';
import type { Location } from '../incident/incident.types';
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
import { pendingTransferDeadlines, sceneAggregate } from './scene.machine';
import {
  SCENE_EVENT_FOR,
  SCENE_STATES,
  type Briefing,
  type SceneContext,
  type SceneState,
  type OnSceneCommand,
  type OnSceneCommandType,
  type Person,
  type TransferOffer,
} from './scene.types';

// ---------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const DUTY: Actor = { userId: 'u-duty', roles: ['duty_officer'], jurisdiction: '441203' };
/** Times are minutes after T0; fixtures are built in minutes 1–10, transitions are tested at minute 100. */
const { iso, metaAt } = minuteClock(T0, DUTY);
const minuteOf = (time: string): number => (Date.parse(time) - T0) / 60_000;
/** The same instant written in China Standard Time, as a phone at the scene may send it. */
const cst = (minute: number): string => new Date(T0 + minute * 60_000 + 8 * 3_600_000).toISOString().replace('.000Z', '+08:00');
const AT = 100;

const a = sceneAggregate;
const ALL_COMMANDS = Object.keys(SCENE_EVENT_FOR).sort() as OnSceneCommandType[];

const P1: Person = { userId: 'u-first', name: 'Chen Wei', unit: 'Dinghu fire station' };
const C1: Person = { userId: 'u-cmdr', name: 'Li Na', rank: 'deputy district head', phone: '13800000001' };
const D1: Person = { userId: 'u-dep1', name: 'Wang Fang', unit: 'district police' };
const D2: Person = { userId: 'u-dep2', name: 'Zhao Lei', unit: 'PLA garrison' };
const S1: Person = { userId: 'u-succ1', name: 'Huang Min', rank: 'district head' };
const S2: Person = { userId: 'u-succ2', name: 'Liu Yang', unit: 'city emergency bureau' };
const FIRE_REP: Person = { userId: 'u-fire', name: 'Sun Qiang', unit: 'Zhaoqing fire brigade' };
const POLICE_REP: Person = { userId: 'u-police', name: 'Xu Jing', unit: 'Dinghu police' };

const actorOf = (p: Person): Actor => ({ userId: p.userId, roles: ['responder'], jurisdiction: '441203' });

const POST1: Location = { description: 'Baishi village school yard', lat: 23.0512, lon: 112.4721 };
const POST2: Location = { description: 'S358 km 41 lay-by' };

const briefing = (n: number): Briefing => ({
  situation: `landslide, two vehicles buried (${n})`,
  objectives: 'recover the buried, keep the road closed',
  actions: 'excavation started at the north end',
  organisation: 'fire: rescue; police: cordon; health: triage',
  resources: '2 excavators, 1 rescue team, 3 ambulances',
  hazards: 'further slides after rain',
});

/** A briefing with every ICS 201 block (ref §2.3), as the offer may carry it since issue 20. */
const fullBriefing: Briefing = {
  ...briefing(4),
  facilities: 'command post at the school yard; staging at S358 km 41; shelter in the village hall',
  communications: 'fire channel 3, police talk group 12; command post phone 0758-1234567',
  constraints: 'road S358 closed; no helicopter before the rain stops',
  incidentPotential: 'a second slide above the village if the rain continues',
  delegationOfAuthority: 'the district delegates evacuation orders and road closures; spending above 1 M yuan needs the district head',
};

type CommandBody = BodyOf<OnSceneCommand>;
type PayloadOf<K extends OnSceneCommandType> = PayloadOfCommand<OnSceneCommand, K>;
type Step = ScriptStep<CommandBody>;

// A test shortcut: these states come from decide() on this very machine, so their context is its context.
const ctx = (state: PersistedState): SceneContext => state.context as SceneContext;

/** Applies steps in order, as the engine would, keeping every intermediate state and the stream. */
const run = (steps: readonly Step[]) => runCommands(a, steps, (step) => ({ ...step.body, meta: metaAt(step.at, step.by) }));

const PROVISIONAL: Step[] = [{ body: { type: 'AssumeProvisionalCommand', incidentId: 'inc-1', commander: P1 }, at: 1, by: actorOf(P1) }];
const COMMANDED: Step[] = [
  ...PROVISIONAL,
  { body: { type: 'AppointCommander', commander: C1, deputies: [D1, S1] }, at: 2, by: DUTY },
  { body: { type: 'JoinUnifiedCommand', agency: 'fire', representative: FIRE_REP }, at: 3, by: actorOf(C1) },
  { body: { type: 'EstablishCommandPost', location: POST1 }, at: 4, by: actorOf(C1) },
  {
    body: {
      type: 'PostSceneReport',
      reportId: 'r-1',
      dead: 1,
      injured: 4,
      missing: 2,
      trapped: 3,
      evacuated: 120,
      sheltered: 80,
      resourcesOnScene: '2 engines',
      objectives: 'find the missing',
      needs: 'excavator',
    },
    at: 5,
    by: actorOf(C1),
  },
];
/** One briefed offer o-1 to S1 (a deputy), made by the commander, lapsing at minute 200. */
const PENDING_ONE: Step[] = [
  ...COMMANDED,
  { body: { type: 'OfferTransfer', offerId: 'o-1', to: S1, expiresAt: iso(200) }, at: 6, by: actorOf(C1) },
  { body: { type: 'RecordTransferBriefing', offerId: 'o-1', briefing: briefing(1) }, at: 7, by: actorOf(C1) },
];
/** A second, competing briefed offer o-2 to S2, made by the duty officer, with no expiry. */
const PENDING_TWO: Step[] = [
  ...PENDING_ONE,
  { body: { type: 'OfferTransfer', offerId: 'o-2', to: S2 }, at: 8, by: DUTY },
  { body: { type: 'RecordTransferBriefing', offerId: 'o-2', briefing: briefing(2) }, at: 9, by: DUTY },
];
const PENDING_UNBRIEFED: Step[] = [...COMMANDED, { body: { type: 'OfferTransfer', offerId: 'o-3', to: S2 }, at: 6, by: DUTY }];
/** o-1 accepted by S1 at minute 10, to take effect at minute 130; o-2 lapsed with it. */
const ACCEPTED: Step[] = [...PENDING_TWO, { body: { type: 'AcceptTransfer', offerId: 'o-1', effectiveAt: iso(130) }, at: 10, by: actorOf(S1) }];
/** An offer o-4 to S2 that carries its full briefing and proposes to take effect at minute 140; it lapses at minute 200. */
const PENDING_PROPOSED: Step[] = [
  ...COMMANDED,
  { body: { type: 'OfferTransfer', offerId: 'o-4', to: S2, expiresAt: iso(200), effectiveAt: iso(140), briefing: fullBriefing }, at: 6, by: actorOf(C1) },
];
const DEACTIVATED: Step[] = [...COMMANDED, { body: { type: 'DeactivateCommand', reason: 'scene cleared' }, at: 6, by: DUTY }];

const FIXTURE_STEPS = {
  none: [],
  provisional: PROVISIONAL,
  commanded: COMMANDED,
  pendingOne: PENDING_ONE,
  pendingTwo: PENDING_TWO,
  pendingUnbriefed: PENDING_UNBRIEFED,
  pendingProposed: PENDING_PROPOSED,
  accepted: ACCEPTED,
  deactivated: DEACTIVATED,
} as const satisfies Record<string, readonly Step[]>;
type FixtureName = keyof typeof FIXTURE_STEPS;

const FIXTURE_STATE: Readonly<Record<FixtureName, SceneState>> = {
  none: 'none',
  provisional: 'provisional',
  commanded: 'commanded',
  pendingOne: 'transferPending',
  pendingTwo: 'transferPending',
  pendingUnbriefed: 'transferPending',
  pendingProposed: 'transferPending',
  accepted: 'transferAccepted',
  deactivated: 'deactivated',
};
/** The fixture that stands for each state in the state × command tests. */
const CANONICAL: Readonly<Record<SceneState, FixtureName>> = {
  none: 'none',
  provisional: 'provisional',
  commanded: 'commanded',
  transferPending: 'pendingTwo',
  transferAccepted: 'accepted',
  deactivated: 'deactivated',
};

const fixture = fixturesFromScripts(FIXTURE_STEPS, run);

function offer(name: FixtureName, offerId: string): TransferOffer {
  const o = ctx(fixture(name)).offers.find((x) => x.offerId === offerId);
  if (o === undefined) throw new Error(`fixture ${name} has no offer ${offerId}`);
  return o;
}

// ---------------------------------------------------------------------------------------------------
// The specification: every legal transition, guard branches included
// ---------------------------------------------------------------------------------------------------

interface Case<K extends OnSceneCommandType> {
  name: string;
  fixture: FixtureName;
  from: SceneState;
  command: K;
  payload: PayloadOf<K>;
  /** Who sends it (default: the duty officer) and at which minute (default: AT). */
  by?: Actor;
  at?: number;
  /** The machine guard of the transition this case takes; null for an unguarded transition. */
  guard: string | null;
  to: SceneState;
  /** The events; by default the primary event of SCENE_EVENT_FOR with the payload as data. */
  events?: (meta: CommandMeta) => EmittedEvent[];
  /** Context fields the command sets besides `updatedAt` (always `meta.now`); every other field stays. */
  changes: (meta: CommandMeta, before: SceneContext) => Partial<SceneContext>;
}
type AnyCase = { [K in OnSceneCommandType]: Case<K> }[OnSceneCommandType];

const metaOf = (c: AnyCase): CommandMeta => metaAt(c.at ?? AT, c.by ?? DUTY);

const report2 = { reportId: 'r-2', injured: 6, needs: 'generators' };
/** PostSceneReport r-2 on top of the fixtures' r-1: figures not given carry over. */
const reportChanges = (m: CommandMeta, b: SceneContext): Partial<SceneContext> => ({
  reportCount: b.reportCount + 1,
  latestReport: {
    reportId: 'r-2',
    reportedBy: D1.userId,
    occurredAt: m.occurredAt,
    recordedAt: m.now,
    dead: 1,
    injured: 6,
    missing: 2,
    trapped: 3,
    evacuated: 120,
    sheltered: 80,
    resourcesOnScene: '2 engines',
    objectives: 'find the missing',
    needs: 'generators',
  },
});

/** The commands that leave the command structure as it is in every state where someone is in command. */
function structureCases(fixture: FixtureName, from: SceneState): AnyCase[] {
  return [
    {
      name: `${from}: AppointDeputy of someone not yet in command`,
      fixture,
      from,
      command: 'AppointDeputy',
      payload: { deputy: D2 },
      guard: 'notDeputyYet',
      to: from,
      changes: (_m, b) => ({ deputies: [...b.deputies, D2] }),
    },
    {
      name: `${from}: RemoveDeputy of a deputy`,
      fixture,
      from,
      command: 'RemoveDeputy',
      payload: { userId: D1.userId },
      guard: 'isDeputy',
      to: from,
      changes: () => ({ deputies: [S1] }),
    },
    {
      name: `${from}: JoinUnifiedCommand by a new agency`,
      fixture,
      from,
      command: 'JoinUnifiedCommand',
      payload: { agency: 'police', representative: POLICE_REP },
      by: actorOf(C1),
      guard: 'agencyAbsent',
      to: from,
      changes: (m, b) => ({ agencies: [...b.agencies, { agency: 'police', representative: POLICE_REP, joinedAt: m.occurredAt }] }),
    },
    {
      name: `${from}: LeaveUnifiedCommand by an agency in it`,
      fixture,
      from,
      command: 'LeaveUnifiedCommand',
      payload: { agency: 'fire' },
      by: actorOf(C1),
      guard: 'agencyPresent',
      to: from,
      changes: () => ({ agencies: [] }),
    },
    {
      name: `${from}: EstablishCommandPost moves the post`,
      fixture,
      from,
      command: 'EstablishCommandPost',
      payload: { location: POST2 },
      by: actorOf(C1),
      guard: null,
      to: from,
      changes: (m) => ({ commandPost: { description: POST2.description, since: m.occurredAt } }),
    },
    {
      name: `${from}: PostSceneReport by a deputy carries over figures it does not give`,
      fixture,
      from,
      command: 'PostSceneReport',
      payload: report2,
      by: actorOf(D1),
      guard: null,
      to: from,
      changes: reportChanges,
    },
  ];
}

/** Immediate hand-over of o-1 (offered by the commander) to S1, who was a deputy. */
const handOverToS1 = (m: CommandMeta, b: SceneContext): Partial<SceneContext> => ({
  commander: S1,
  appointedBy: C1.userId,
  deputies: [D1],
  offers: [],
  pendingTransfer: null,
  tenures: [...b.tenures, { commander: S1, kind: 'appointed', from: m.now, appointedBy: C1.userId }],
  briefingOnRecord: { offerId: 'o-1', to: S1, briefing: briefing(1), effectiveAt: m.now },
});
const immediateEffect = (payload: Record<string, unknown>, commander: Person) => (): EmittedEvent[] => [
  { type: 'TransferAccepted', data: payload },
  { type: 'TransferEffective', data: { offerId: payload['offerId'], commander }, derived: true },
];

const CASES: readonly AnyCase[] = [
  // --- none --------------------------------------------------------------------------------------
  {
    name: 'none: the head of the first unit on scene assumes provisional command',
    fixture: 'none',
    from: 'none',
    command: 'AssumeProvisionalCommand',
    payload: { incidentId: 'inc-1', commander: P1 },
    by: actorOf(P1),
    guard: null,
    to: 'provisional',
    changes: (m) => ({
      incidentId: 'inc-1',
      commander: P1,
      appointedBy: null,
      tenures: [{ commander: P1, kind: 'provisional', from: m.occurredAt, appointedBy: null }],
    }),
  },
  {
    name: 'none: the lead room appoints a commander with a deputy',
    fixture: 'none',
    from: 'none',
    command: 'AppointCommander',
    payload: { incidentId: 'inc-1', commander: C1, deputies: [D1] },
    guard: 'appointmentValid',
    to: 'commanded',
    changes: (m) => ({
      incidentId: 'inc-1',
      commander: C1,
      appointedBy: DUTY.userId,
      deputies: [D1],
      tenures: [{ commander: C1, kind: 'appointed', from: m.occurredAt, appointedBy: DUTY.userId }],
    }),
  },
  // --- provisional -------------------------------------------------------------------------------
  {
    name: 'provisional: an appointed commander replaces the provisional one',
    fixture: 'provisional',
    from: 'provisional',
    command: 'AppointCommander',
    payload: { commander: C1 },
    guard: 'appointmentValid',
    to: 'commanded',
    changes: (m, b) => ({
      commander: C1,
      appointedBy: DUTY.userId,
      tenures: [...b.tenures, { commander: C1, kind: 'appointed', from: m.occurredAt, appointedBy: DUTY.userId }],
    }),
  },
  {
    name: 'provisional: the provisional commander is confirmed by appointment (a new tenure)',
    fixture: 'provisional',
    from: 'provisional',
    command: 'AppointCommander',
    payload: { commander: P1, deputies: [D1, D2] },
    guard: 'appointmentValid',
    to: 'commanded',
    changes: (m, b) => ({
      appointedBy: DUTY.userId,
      deputies: [D1, D2],
      tenures: [...b.tenures, { commander: P1, kind: 'appointed', from: m.occurredAt, appointedBy: DUTY.userId }],
    }),
  },
  {
    name: 'provisional: the first scene report leaves figures it does not give unknown (null), not zero',
    fixture: 'provisional',
    from: 'provisional',
    command: 'PostSceneReport',
    payload: { reportId: 'r-p', dead: 1, trapped: 3 },
    by: actorOf(P1),
    guard: null,
    to: 'provisional',
    changes: (m) => ({
      reportCount: 1,
      latestReport: {
        reportId: 'r-p',
        reportedBy: P1.userId,
        occurredAt: m.occurredAt,
        recordedAt: m.now,
        dead: 1,
        injured: null,
        missing: null,
        trapped: 3,
        evacuated: null,
        sheltered: null,
        resourcesOnScene: '',
        objectives: '',
        needs: '',
      },
    }),
  },
  {
    name: 'provisional: EstablishCommandPost',
    fixture: 'provisional',
    from: 'provisional',
    command: 'EstablishCommandPost',
    payload: { location: POST1 },
    by: actorOf(P1),
    guard: null,
    to: 'provisional',
    changes: (m) => ({ commandPost: { ...POST1, since: m.occurredAt } }),
  },
  {
    name: 'provisional: DeactivateCommand',
    fixture: 'provisional',
    from: 'provisional',
    command: 'DeactivateCommand',
    payload: { reason: 'false alarm' },
    guard: null,
    to: 'deactivated',
    changes: (m) => ({ deactivatedAt: m.occurredAt }),
  },
  // --- commanded ---------------------------------------------------------------------------------
  ...structureCases('commanded', 'commanded'),
  {
    name: 'commanded: the commander offers command (with an expiry)',
    fixture: 'commanded',
    from: 'commanded',
    command: 'OfferTransfer',
    payload: { offerId: 'o-9', to: S2, expiresAt: iso(160) },
    by: actorOf(C1),
    guard: 'offerValid',
    to: 'transferPending',
    changes: (m) => ({
      offers: [{ offerId: 'o-9', to: S2, offeredBy: C1.userId, offeredAt: m.now, expiresAt: iso(160), briefing: null, briefedAt: null }],
    }),
  },
  {
    name: 'commanded: the lead room offers command (no expiry)',
    fixture: 'commanded',
    from: 'commanded',
    command: 'OfferTransfer',
    payload: { offerId: 'o-9', to: D1 },
    guard: 'offerValid',
    to: 'transferPending',
    changes: (m) => ({
      offers: [{ offerId: 'o-9', to: D1, offeredBy: DUTY.userId, offeredAt: m.now, expiresAt: null, briefing: null, briefedAt: null }],
    }),
  },
  {
    name: 'commanded: an offer carries the full ICS 201 briefing and proposes an effective time',
    fixture: 'commanded',
    from: 'commanded',
    command: 'OfferTransfer',
    payload: { offerId: 'o-9', to: S2, expiresAt: iso(160), effectiveAt: iso(150), briefing: fullBriefing },
    by: actorOf(C1),
    guard: 'offerValid',
    to: 'transferPending',
    changes: (m) => ({
      offers: [{ offerId: 'o-9', to: S2, offeredBy: C1.userId, offeredAt: m.now, expiresAt: iso(160), effectiveAt: iso(150), briefing: fullBriefing, briefedAt: m.now }],
    }),
  },
  {
    name: 'commanded: DeactivateCommand',
    fixture: 'commanded',
    from: 'commanded',
    command: 'DeactivateCommand',
    payload: {},
    guard: null,
    to: 'deactivated',
    changes: (m) => ({ deactivatedAt: m.occurredAt }),
  },
  // --- transferPending ---------------------------------------------------------------------------
  ...structureCases('pendingTwo', 'transferPending'),
  {
    name: 'transferPending: a further competing offer',
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'OfferTransfer',
    payload: { offerId: 'o-3', to: D1 },
    by: actorOf(C1),
    guard: 'offerValid',
    to: 'transferPending',
    changes: (m, b) => ({
      offers: [...b.offers, { offerId: 'o-3', to: D1, offeredBy: C1.userId, offeredAt: m.now, expiresAt: null, briefing: null, briefedAt: null }],
    }),
  },
  {
    name: 'transferPending: RecordTransferBriefing replaces the briefing of that offer only',
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'RecordTransferBriefing',
    payload: { offerId: 'o-2', briefing: briefing(3) },
    guard: 'offerOpen',
    to: 'transferPending',
    changes: (m) => ({ offers: [offer('pendingTwo', 'o-1'), { ...offer('pendingTwo', 'o-2'), briefing: briefing(3), briefedAt: m.now }] }),
  },
  {
    name: 'transferPending: AcceptTransfer now hands over at once; the competing offer lapses; the deputy successor leaves the deputies',
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-1' },
    by: actorOf(S1),
    guard: 'briefedNow',
    to: 'commanded',
    events: immediateEffect({ offerId: 'o-1' }, S1),
    changes: handOverToS1,
  },
  {
    name: 'transferPending: AcceptTransfer one minute before the offer lapses',
    fixture: 'pendingOne',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-1' },
    at: 199,
    by: actorOf(S1),
    guard: 'briefedNow',
    to: 'commanded',
    events: immediateEffect({ offerId: 'o-1' }, S1),
    changes: handOverToS1,
  },
  {
    name: 'transferPending: AcceptTransfer with an effective time already past takes effect now',
    fixture: 'pendingOne',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-1', effectiveAt: iso(50) },
    by: actorOf(S1),
    guard: 'briefedNow',
    to: 'commanded',
    events: immediateEffect({ offerId: 'o-1', effectiveAt: iso(50) }, S1),
    changes: handOverToS1,
  },
  {
    name: 'transferPending: AcceptTransfer with an effective time equal to now (written in +08:00) takes effect now',
    fixture: 'pendingOne',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-1', effectiveAt: cst(AT) },
    by: actorOf(S1),
    guard: 'briefedNow',
    to: 'commanded',
    events: immediateEffect({ offerId: 'o-1', effectiveAt: cst(AT) }, S1),
    changes: handOverToS1,
  },
  {
    name: "transferPending: AcceptTransfer now of the room's offer: appointed by the room; deputies kept",
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-2' },
    by: actorOf(S2),
    guard: 'briefedNow',
    to: 'commanded',
    events: immediateEffect({ offerId: 'o-2' }, S2),
    changes: (m, b) => ({
      commander: S2,
      appointedBy: DUTY.userId,
      offers: [],
      tenures: [...b.tenures, { commander: S2, kind: 'appointed', from: m.now, appointedBy: DUTY.userId }],
      briefingOnRecord: { offerId: 'o-2', to: S2, briefing: briefing(2), effectiveAt: m.now },
    }),
  },
  {
    name: 'transferPending: AcceptTransfer naming no time takes the effective time the offer proposed',
    fixture: 'pendingProposed',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-4' },
    by: actorOf(S2),
    guard: 'briefedLater',
    to: 'transferAccepted',
    changes: (m) => ({
      offers: [],
      pendingTransfer: { offerId: 'o-4', to: S2, offeredBy: C1.userId, acceptedAt: m.now, effectiveAt: iso(140), briefing: fullBriefing },
    }),
  },
  {
    name: 'transferPending: AcceptTransfer naming its own time overrides the proposed one',
    fixture: 'pendingProposed',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-4', effectiveAt: iso(120) },
    by: actorOf(S2),
    guard: 'briefedLater',
    to: 'transferAccepted',
    changes: (m) => ({
      offers: [],
      pendingTransfer: { offerId: 'o-4', to: S2, offeredBy: C1.userId, acceptedAt: m.now, effectiveAt: iso(120), briefing: fullBriefing },
    }),
  },
  {
    name: 'transferPending: AcceptTransfer after the proposed time has passed hands over at once, under the full briefing',
    fixture: 'pendingProposed',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-4' },
    at: 150,
    by: actorOf(S2),
    guard: 'briefedNow',
    to: 'commanded',
    events: immediateEffect({ offerId: 'o-4' }, S2),
    changes: (m, b) => ({
      commander: S2,
      appointedBy: C1.userId,
      offers: [],
      tenures: [...b.tenures, { commander: S2, kind: 'appointed', from: m.now, appointedBy: C1.userId }],
      briefingOnRecord: { offerId: 'o-4', to: S2, briefing: fullBriefing, effectiveAt: m.now },
    }),
  },
  {
    name: 'transferPending: AcceptTransfer later: the commander stays until the effective time; competing offers lapse',
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'AcceptTransfer',
    payload: { offerId: 'o-2', effectiveAt: iso(130) },
    by: actorOf(S2),
    guard: 'briefedLater',
    to: 'transferAccepted',
    changes: (m) => ({
      offers: [],
      pendingTransfer: { offerId: 'o-2', to: S2, offeredBy: DUTY.userId, acceptedAt: m.now, effectiveAt: iso(130), briefing: briefing(2) },
    }),
  },
  {
    name: 'transferPending: DeclineTransfer of the last offer',
    fixture: 'pendingOne',
    from: 'transferPending',
    command: 'DeclineTransfer',
    payload: { offerId: 'o-1', reason: 'not at the scene yet' },
    by: actorOf(S1),
    guard: 'lastOffer',
    to: 'commanded',
    changes: () => ({ offers: [] }),
  },
  {
    name: 'transferPending: DeclineTransfer of one of several offers',
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'DeclineTransfer',
    payload: { offerId: 'o-1' },
    by: actorOf(S1),
    guard: 'offerOpen',
    to: 'transferPending',
    changes: () => ({ offers: [offer('pendingTwo', 'o-2')] }),
  },
  {
    name: 'transferPending: WithdrawTransfer of the last offer',
    fixture: 'pendingOne',
    from: 'transferPending',
    command: 'WithdrawTransfer',
    payload: { offerId: 'o-1', reason: 'situation changed' },
    by: actorOf(C1),
    guard: 'lastOffer',
    to: 'commanded',
    changes: () => ({ offers: [] }),
  },
  {
    name: 'transferPending: WithdrawTransfer of one of several offers',
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'WithdrawTransfer',
    payload: { offerId: 'o-2' },
    guard: 'offerOpen',
    to: 'transferPending',
    changes: () => ({ offers: [offer('pendingTwo', 'o-1')] }),
  },
  {
    name: 'transferPending: ExpireTransfer of the last offer at its expiry',
    fixture: 'pendingOne',
    from: 'transferPending',
    command: 'ExpireTransfer',
    payload: { offerId: 'o-1' },
    at: 200,
    guard: 'lastOfferExpired',
    to: 'commanded',
    changes: () => ({ offers: [] }),
  },
  {
    name: 'transferPending: ExpireTransfer of the last offer after its expiry',
    fixture: 'pendingOne',
    from: 'transferPending',
    command: 'ExpireTransfer',
    payload: { offerId: 'o-1' },
    at: 260,
    guard: 'lastOfferExpired',
    to: 'commanded',
    changes: () => ({ offers: [] }),
  },
  {
    name: 'transferPending: ExpireTransfer of one of several offers',
    fixture: 'pendingTwo',
    from: 'transferPending',
    command: 'ExpireTransfer',
    payload: { offerId: 'o-1' },
    at: 200,
    guard: 'offerExpired',
    to: 'transferPending',
    changes: () => ({ offers: [offer('pendingTwo', 'o-2')] }),
  },
  // --- transferAccepted --------------------------------------------------------------------------
  ...structureCases('accepted', 'transferAccepted'),
  {
    name: 'transferAccepted: MakeTransferEffective at the effective time hands over',
    fixture: 'accepted',
    from: 'transferAccepted',
    command: 'MakeTransferEffective',
    payload: {},
    at: 130,
    guard: 'transferDue',
    to: 'commanded',
    // a primary event (replayed as MakeTransferEffective) that also names the new commander
    events: () => [{ type: 'TransferEffective', data: { commander: S1 } }],
    changes: (_m, b) => ({
      commander: S1,
      appointedBy: C1.userId,
      deputies: [D1],
      pendingTransfer: null,
      tenures: [...b.tenures, { commander: S1, kind: 'appointed', from: iso(130), appointedBy: C1.userId }],
      briefingOnRecord: { offerId: 'o-1', to: S1, briefing: briefing(1), effectiveAt: iso(130) },
    }),
  },
  {
    name: 'transferAccepted: MakeTransferEffective fired by the timers for the pending transfer (named) hands over',
    fixture: 'accepted',
    from: 'transferAccepted',
    command: 'MakeTransferEffective',
    payload: { offerId: 'o-1' },
    at: 130,
    guard: 'transferDue',
    to: 'commanded',
    events: () => [{ type: 'TransferEffective', data: { offerId: 'o-1', commander: S1 } }],
    changes: (_m, b) => ({
      commander: S1,
      appointedBy: C1.userId,
      deputies: [D1],
      pendingTransfer: null,
      tenures: [...b.tenures, { commander: S1, kind: 'appointed', from: iso(130), appointedBy: C1.userId }],
      briefingOnRecord: { offerId: 'o-1', to: S1, briefing: briefing(1), effectiveAt: iso(130) },
    }),
  },
  {
    name: 'transferAccepted: MakeTransferEffective late: the tenure starts at the agreed time',
    fixture: 'accepted',
    from: 'transferAccepted',
    command: 'MakeTransferEffective',
    payload: {},
    at: 145,
    guard: 'transferDue',
    to: 'commanded',
    events: () => [{ type: 'TransferEffective', data: { commander: S1 } }],
    changes: (_m, b) => ({
      commander: S1,
      appointedBy: C1.userId,
      deputies: [D1],
      pendingTransfer: null,
      tenures: [...b.tenures, { commander: S1, kind: 'appointed', from: iso(130), appointedBy: C1.userId }],
      briefingOnRecord: { offerId: 'o-1', to: S1, briefing: briefing(1), effectiveAt: iso(130) },
    }),
  },
];

const spec = DeciderSpecification.for({
  aggregate: a,
  states: SCENE_STATES,
  cases: CASES,
  metaOf,
  given: fromFixtures({ fixture: (c: AnyCase) => c.fixture, get: fixture, stateOf: FIXTURE_STATE, canonical: CANONICAL }),
});

// ---------------------------------------------------------------------------------------------------
// 1. Legal transitions
// ---------------------------------------------------------------------------------------------------

describe('command machine: coverage of the transition table', () => {
  spec.coverageTests({ statesName: 'SCENE_STATES' });
});

describe('command machine: every legal transition', () => {
  spec.transitionTests({
    events: (c, meta) => c.events?.(meta) ?? [spec.primaryEvent(c)],
    changes: (c, meta, before) => c.changes(meta, ctx(before)),
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Illegal commands and guard failures
// ---------------------------------------------------------------------------------------------------

describe('command machine: commands not allowed in a state are rejected', () => {
  spec.rejectionTests({ meta: () => metaAt(AT), finalStates: ['deactivated'] });
});

interface GuardFailure {
  name: string;
  fixture: FixtureName;
  body: CommandBody;
  at?: number;
  /** The same command made valid: it must be accepted, so that the rejection is the guard's doing. */
  fixed: CommandBody;
  fixedAt?: number;
}

const GUARD_FAILURES: readonly GuardFailure[] = [
  {
    name: 'OfferTransfer to the current commander (commanded)',
    fixture: 'commanded',
    body: { type: 'OfferTransfer', offerId: 'o-9', to: C1 },
    fixed: { type: 'OfferTransfer', offerId: 'o-9', to: S2 },
  },
  {
    name: 'OfferTransfer to the current commander (transferPending)',
    fixture: 'pendingTwo',
    body: { type: 'OfferTransfer', offerId: 'o-9', to: { ...C1, name: 'Li Na (again)' } },
    fixed: { type: 'OfferTransfer', offerId: 'o-9', to: D2 },
  },
  {
    name: 'OfferTransfer reusing the id of an open offer',
    fixture: 'pendingTwo',
    body: { type: 'OfferTransfer', offerId: 'o-1', to: D2 },
    fixed: { type: 'OfferTransfer', offerId: 'o-4', to: D2 },
  },
  {
    name: 'OfferTransfer whose expiry has already come',
    fixture: 'commanded',
    body: { type: 'OfferTransfer', offerId: 'o-9', to: S2, expiresAt: iso(AT) },
    fixed: { type: 'OfferTransfer', offerId: 'o-9', to: S2, expiresAt: iso(AT + 1) },
  },
  {
    name: 'MakeTransferEffective fired for another transfer than the pending one (a stale deadline row)',
    fixture: 'accepted',
    body: { type: 'MakeTransferEffective', offerId: 'o-2' },
    at: 130,
    fixed: { type: 'MakeTransferEffective', offerId: 'o-1' },
    fixedAt: 130,
  },
  {
    name: 'MakeTransferEffective fired before the effective time',
    fixture: 'accepted',
    body: { type: 'MakeTransferEffective', offerId: 'o-1' },
    at: 129,
    fixed: { type: 'MakeTransferEffective', offerId: 'o-1' },
    fixedAt: 130,
  },
  {
    name: 'AcceptTransfer before a briefing is recorded',
    fixture: 'pendingUnbriefed',
    body: { type: 'AcceptTransfer', offerId: 'o-3' },
    fixed: { type: 'RecordTransferBriefing', offerId: 'o-3', briefing: briefing(3) },
  },
  {
    name: 'AcceptTransfer later before a briefing is recorded',
    fixture: 'pendingUnbriefed',
    body: { type: 'AcceptTransfer', offerId: 'o-3', effectiveAt: iso(150) },
    fixed: { type: 'DeclineTransfer', offerId: 'o-3' },
  },
  {
    name: 'AcceptTransfer of an unknown offer',
    fixture: 'pendingTwo',
    body: { type: 'AcceptTransfer', offerId: 'o-404' },
    fixed: { type: 'AcceptTransfer', offerId: 'o-2' },
  },
  {
    name: 'AcceptTransfer of an offer that lapsed (at its expiry, not yet expired by the timer)',
    fixture: 'pendingTwo',
    body: { type: 'AcceptTransfer', offerId: 'o-1' },
    at: 200,
    fixed: { type: 'AcceptTransfer', offerId: 'o-1' },
    fixedAt: 199,
  },
  {
    name: 'AcceptTransfer later of an offer that lapsed',
    fixture: 'pendingOne',
    body: { type: 'AcceptTransfer', offerId: 'o-1', effectiveAt: iso(240) },
    at: 201,
    fixed: { type: 'AcceptTransfer', offerId: 'o-1', effectiveAt: iso(240) },
    fixedAt: 190,
  },
  {
    name: 'RecordTransferBriefing for an unknown offer',
    fixture: 'pendingTwo',
    body: { type: 'RecordTransferBriefing', offerId: 'o-404', briefing: briefing(4) },
    fixed: { type: 'RecordTransferBriefing', offerId: 'o-1', briefing: briefing(4) },
  },
  {
    name: 'DeclineTransfer of an unknown offer (one open offer)',
    fixture: 'pendingOne',
    body: { type: 'DeclineTransfer', offerId: 'o-404' },
    fixed: { type: 'DeclineTransfer', offerId: 'o-1' },
  },
  {
    name: 'DeclineTransfer of an unknown offer (several open offers)',
    fixture: 'pendingTwo',
    body: { type: 'DeclineTransfer', offerId: 'o-404' },
    fixed: { type: 'DeclineTransfer', offerId: 'o-2' },
  },
  {
    name: 'WithdrawTransfer of an unknown offer',
    fixture: 'pendingOne',
    body: { type: 'WithdrawTransfer', offerId: 'o-404' },
    fixed: { type: 'WithdrawTransfer', offerId: 'o-1' },
  },
  {
    name: 'ExpireTransfer before the expiry (the last offer)',
    fixture: 'pendingOne',
    body: { type: 'ExpireTransfer', offerId: 'o-1' },
    at: 199,
    fixed: { type: 'ExpireTransfer', offerId: 'o-1' },
    fixedAt: 200,
  },
  {
    name: 'ExpireTransfer before the expiry (one of several)',
    fixture: 'pendingTwo',
    body: { type: 'ExpireTransfer', offerId: 'o-1' },
    at: 150,
    fixed: { type: 'ExpireTransfer', offerId: 'o-1' },
    fixedAt: 201,
  },
  {
    name: 'ExpireTransfer of an offer without expiry, however late',
    fixture: 'pendingTwo',
    body: { type: 'ExpireTransfer', offerId: 'o-2' },
    at: 100_000,
    fixed: { type: 'ExpireTransfer', offerId: 'o-1' },
    fixedAt: 100_000,
  },
  {
    name: 'ExpireTransfer of an unknown offer',
    fixture: 'pendingTwo',
    body: { type: 'ExpireTransfer', offerId: 'o-404' },
    at: 300,
    fixed: { type: 'ExpireTransfer', offerId: 'o-1' },
    fixedAt: 300,
  },
  {
    name: 'MakeTransferEffective before the effective time',
    fixture: 'accepted',
    body: { type: 'MakeTransferEffective' },
    at: 129,
    fixed: { type: 'MakeTransferEffective' },
    fixedAt: 130,
  },
  {
    name: 'AppointDeputy of a deputy',
    fixture: 'commanded',
    body: { type: 'AppointDeputy', deputy: D1 },
    fixed: { type: 'AppointDeputy', deputy: D2 },
  },
  {
    name: 'AppointDeputy of the commander',
    fixture: 'commanded',
    body: { type: 'AppointDeputy', deputy: C1 },
    fixed: { type: 'AppointDeputy', deputy: D2 },
  },
  {
    name: 'AppointDeputy of a deputy (transferAccepted)',
    fixture: 'accepted',
    body: { type: 'AppointDeputy', deputy: S1 },
    fixed: { type: 'AppointDeputy', deputy: S2 },
  },
  {
    name: 'RemoveDeputy of someone who is not a deputy',
    fixture: 'commanded',
    body: { type: 'RemoveDeputy', userId: S2.userId },
    fixed: { type: 'RemoveDeputy', userId: S1.userId },
  },
  {
    name: 'RemoveDeputy of the commander',
    fixture: 'pendingTwo',
    body: { type: 'RemoveDeputy', userId: C1.userId },
    fixed: { type: 'RemoveDeputy', userId: D1.userId },
  },
  {
    name: 'JoinUnifiedCommand by an agency already in it',
    fixture: 'commanded',
    body: { type: 'JoinUnifiedCommand', agency: 'fire', representative: POLICE_REP },
    fixed: { type: 'JoinUnifiedCommand', agency: 'police', representative: POLICE_REP },
  },
  {
    name: 'JoinUnifiedCommand twice (transferAccepted)',
    fixture: 'accepted',
    body: { type: 'JoinUnifiedCommand', agency: 'fire', representative: FIRE_REP },
    fixed: { type: 'JoinUnifiedCommand', agency: 'health', representative: FIRE_REP },
  },
  {
    name: 'LeaveUnifiedCommand by an agency not in it',
    fixture: 'pendingTwo',
    body: { type: 'LeaveUnifiedCommand', agency: 'police' },
    fixed: { type: 'LeaveUnifiedCommand', agency: 'fire' },
  },
  {
    name: 'AppointCommander naming the commander as his own deputy',
    fixture: 'none',
    body: { type: 'AppointCommander', incidentId: 'inc-1', commander: C1, deputies: [D1, C1] },
    fixed: { type: 'AppointCommander', incidentId: 'inc-1', commander: C1, deputies: [D1] },
  },
  {
    name: 'AppointCommander naming a deputy twice',
    fixture: 'provisional',
    body: { type: 'AppointCommander', commander: C1, deputies: [D1, D2, D1] },
    fixed: { type: 'AppointCommander', commander: C1, deputies: [D1, D2] },
  },
];

describe('command machine: guard failures are rejected with the commands the state allows', () => {
  it.each(GUARD_FAILURES.map((g) => [g.name, g] as const))('%s', (_name, g) => {
    const before = fixture(g.fixture);
    const state = FIXTURE_STATE[g.fixture];
    const d = decide(a, before, { ...g.body, meta: metaAt(g.at ?? AT) });
    expect(d).toStrictEqual({ ok: false, state, allowed: spec.allowedByTable(state) });
    // the command type is allowed in the state: it is the guard that refuses
    expect(spec.allowedByTable(state)).toContain(g.body.type);
    expect(decide(a, before, { ...g.fixed, meta: metaAt(g.fixedAt ?? AT) }).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Exactly one commander at any instant
// ---------------------------------------------------------------------------------------------------

const HAND_OVER: ReadonlySet<string> = new Set(['AssumeProvisionalCommand', 'AppointCommander', 'MakeTransferEffective']);

/** True when `command` from `before` to `after` is one that makes a commander (a new tenure). */
function changesCommand(type: string, after: PersistedState): boolean {
  return HAND_OVER.has(type) || (type === 'AcceptTransfer' && after.value === 'commanded');
}

/** Invariants of one accepted step; returns the violations (empty when all hold). */
function violations(type: string, before: PersistedState, after: PersistedState): string[] {
  const out: string[] = [];
  const b = ctx(before);
  const c = ctx(after);
  if (after.value !== 'none' && c.commander === null) out.push(`no commander in ${after.value}`);
  if (b.commander !== null && c.commander === null) out.push('commander lost');
  const changed = changesCommand(type, after);
  if (c.tenures.length !== b.tenures.length + (changed ? 1 : 0)) out.push(`tenures ${b.tenures.length} → ${c.tenures.length} on ${type}`);
  if (!changed && JSON.stringify(c.commander) !== JSON.stringify(b.commander)) out.push(`commander changed by ${type}`);
  if (!changed && c.appointedBy !== b.appointedBy) out.push(`appointedBy changed by ${type}`);
  const last = c.tenures.at(-1);
  if (c.commander !== null && (last === undefined || JSON.stringify(last.commander) !== JSON.stringify(c.commander))) {
    out.push('the last tenure is not the current commander');
  }
  if (last !== undefined && last.appointedBy !== c.appointedBy) out.push('the last tenure has another appointedBy');
  // deactivation freezes the structure as it was: judge it by the state it ended from
  const effective = after.value === 'deactivated' ? before.value : after.value;
  if ((effective === 'provisional') !== (last?.kind === 'provisional')) out.push(`tenure kind ${last?.kind} in ${effective}`);
  if ((effective === 'provisional') !== (c.appointedBy === null)) out.push(`appointedBy ${c.appointedBy} in ${effective}`);
  const deputies = c.deputies.map((d) => d.userId);
  if (new Set(deputies).size !== deputies.length) out.push(`duplicate deputies ${deputies.join(',')}`);
  if (c.commander !== null && deputies.includes(c.commander.userId)) out.push('the commander is also a deputy');
  if ((c.offers.length > 0) !== (after.value === 'transferPending')) out.push(`${c.offers.length} offers in ${after.value}`);
  if ((c.pendingTransfer !== null) !== (after.value === 'transferAccepted')) out.push(`pendingTransfer in ${after.value}`);
  if (c.offers.some((o) => c.commander !== null && o.to.userId === c.commander.userId)) out.push('an offer to the commander');
  return out;
}

describe('command machine: exactly one commander at any instant', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('invariants hold across %s', (_name, c) => {
    const before = fixture(c.fixture);
    const after = expectAccepted(decide(a, before, spec.commandOf(c))).state;
    expect(violations(c.command, before, after)).toEqual([]);
  });

  it('invariants hold along every fixture script', () => {
    for (const name of Object.keys(FIXTURE_STEPS) as FixtureName[]) {
      const { states } = run(FIXTURE_STEPS[name]);
      const steps: readonly Step[] = FIXTURE_STEPS[name];
      steps.forEach((step, i) => {
        const before = states[i];
        const after = states[i + 1];
        if (before === undefined || after === undefined) throw new Error('missing state');
        expect(violations(step.body.type, before, after), `${name} step ${i}`).toEqual([]);
      });
    }
  });

  it('the invariant check itself detects a second commander sneaking in', () => {
    const before = fixture('commanded');
    const forged: PersistedState = { value: 'commanded', context: { ...before.context, commander: S2 } };
    expect(violations('PostSceneReport', before, forged)).toContain('commander changed by PostSceneReport');
    const asDeputy: PersistedState = { value: 'commanded', context: { ...before.context, deputies: [D1, C1] } };
    expect(violations('AppointDeputy', before, asDeputy)).toContain('the commander is also a deputy');
  });

  it('between a later acceptance and its effective time the outgoing commander stays in command', () => {
    const accepted = ctx(fixture('accepted'));
    expect(accepted.commander).toStrictEqual(C1);
    expect(accepted.pendingTransfer?.to).toStrictEqual(S1);
    expect(accepted.deputies).toStrictEqual([D1, S1]);
    // a scene report from the outgoing commander is still his
    const d = expectAccepted(decide(a, fixture('accepted'), { type: 'PostSceneReport', reportId: 'r-9', meta: metaAt(129, actorOf(C1)) }));
    expect(ctx(d.state).commander).toStrictEqual(C1);
    expect(ctx(d.state).latestReport?.reportedBy).toBe(C1.userId);
  });

  it('a delayed hand-over records the same appointer as an immediate one', () => {
    const immediate = expectAccepted(decide(a, fixture('pendingTwo'), { type: 'AcceptTransfer', offerId: 'o-1', meta: metaAt(AT, actorOf(S1)) }));
    const delayed = expectAccepted(decide(a, fixture('accepted'), { type: 'MakeTransferEffective', meta: metaAt(130) }));
    expect(ctx(immediate.state).appointedBy).toBe(C1.userId);
    expect(ctx(delayed.state).appointedBy).toBe(ctx(immediate.state).appointedBy);
    expect(ctx(delayed.state).tenures.at(-1)?.appointedBy).toBe(C1.userId);
  });

  it('tenures record the whole chain of command, one entry per change, in order', () => {
    const { states } = run([
      ...ACCEPTED,
      { body: { type: 'MakeTransferEffective' }, at: 130, by: DUTY },
      { body: { type: 'OfferTransfer', offerId: 'o-5', to: C1 }, at: 131, by: actorOf(S1) },
      { body: { type: 'RecordTransferBriefing', offerId: 'o-5', briefing: briefing(5) }, at: 132, by: actorOf(S1) },
      { body: { type: 'AcceptTransfer', offerId: 'o-5' }, at: 133, by: actorOf(C1) },
    ]);
    const last = states.at(-1);
    if (last === undefined) throw new Error('no state');
    expect(ctx(last).tenures).toStrictEqual([
      { commander: P1, kind: 'provisional', from: iso(0), appointedBy: null },
      { commander: C1, kind: 'appointed', from: iso(1), appointedBy: DUTY.userId },
      { commander: S1, kind: 'appointed', from: iso(130), appointedBy: C1.userId },
      { commander: C1, kind: 'appointed', from: iso(133), appointedBy: S1.userId },
    ]);
    expect(ctx(last).commander).toStrictEqual(C1);
    expect(ctx(last).deputies).toStrictEqual([D1]);
  });
});

describe('timed transfers: the deadline rows a scene holds (issue 20)', () => {
  it('each open offer with an expiry, none for an offer without one', () => {
    expect(pendingTransferDeadlines(ctx(fixture('pendingTwo')))).toStrictEqual([
      { key: 'transfer/o-1/expiry', dueAt: iso(200), command: { type: 'ExpireTransfer', data: { offerId: 'o-1' } } },
    ]);
  });

  it('an accepted transfer: its effective time only (the expiries of the lapsed offers are gone)', () => {
    expect(pendingTransferDeadlines(ctx(fixture('accepted')))).toStrictEqual([
      { key: 'transfer/o-1/effective', dueAt: iso(130), command: { type: 'MakeTransferEffective', data: { offerId: 'o-1' } } },
    ]);
  });

  it('none once the offer is withdrawn, declined, accepted at once, expired, or the transfer took effect, or command ended', () => {
    const after = (name: FixtureName, body: CommandBody, at: number, by: Actor = DUTY) => ctx(expectAccepted(decide(a, fixture(name), { ...body, meta: metaAt(at, by) })).state);
    expect(pendingTransferDeadlines(after('pendingOne', { type: 'WithdrawTransfer', offerId: 'o-1' }, AT, actorOf(C1)))).toStrictEqual([]);
    expect(pendingTransferDeadlines(after('pendingOne', { type: 'DeclineTransfer', offerId: 'o-1' }, AT, actorOf(S1)))).toStrictEqual([]);
    expect(pendingTransferDeadlines(after('pendingOne', { type: 'AcceptTransfer', offerId: 'o-1' }, AT, actorOf(S1)))).toStrictEqual([]);
    expect(pendingTransferDeadlines(after('pendingOne', { type: 'ExpireTransfer', offerId: 'o-1' }, 200))).toStrictEqual([]);
    expect(pendingTransferDeadlines(after('accepted', { type: 'MakeTransferEffective', offerId: 'o-1' }, 130))).toStrictEqual([]);
    expect(pendingTransferDeadlines(ctx(fixture('deactivated')))).toStrictEqual([]);
    expect(pendingTransferDeadlines(ctx(fixture('commanded')))).toStrictEqual([]);
  });

  it('a repeated or late firing changes nothing: the expiry of an offer already gone and a second effect are refused', () => {
    const withdrawn = expectAccepted(decide(a, fixture('pendingOne'), { type: 'WithdrawTransfer', offerId: 'o-1', meta: metaAt(AT, actorOf(C1)) })).state;
    expect(decide(a, withdrawn, { type: 'ExpireTransfer', offerId: 'o-1', meta: metaAt(200) }).ok).toBe(false);
    const effective = expectAccepted(decide(a, fixture('accepted'), { type: 'MakeTransferEffective', offerId: 'o-1', meta: metaAt(130) })).state;
    expect(decide(a, effective, { type: 'MakeTransferEffective', offerId: 'o-1', meta: metaAt(131) }).ok).toBe(false);
    expect(ctx(effective).commander).toStrictEqual(S1);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Replay
// ---------------------------------------------------------------------------------------------------

const LIFECYCLE: Step[] = [
  ...ACCEPTED,
  { body: { type: 'AppointDeputy', deputy: D2 }, at: 20, by: DUTY },
  { body: { type: 'MakeTransferEffective' }, at: 131, by: actorOf(S1) },
  { body: { type: 'OfferTransfer', offerId: 'o-6', to: D2, expiresAt: iso(150) }, at: 132, by: actorOf(S1) },
  { body: { type: 'OfferTransfer', offerId: 'o-7', to: C1 }, at: 133, by: DUTY },
  { body: { type: 'ExpireTransfer', offerId: 'o-6' }, at: 150, by: DUTY },
  { body: { type: 'RecordTransferBriefing', offerId: 'o-7', briefing: briefing(7) }, at: 151, by: DUTY },
  { body: { type: 'AcceptTransfer', offerId: 'o-7' }, at: 152, by: actorOf(C1) },
  { body: { type: 'LeaveUnifiedCommand', agency: 'fire' }, at: 153, by: actorOf(C1) },
  { body: { type: 'PostSceneReport', reportId: 'r-3', sheltered: 95 }, at: 154, by: actorOf(D1) },
  { body: { type: 'DeactivateCommand', reason: 'handed back to the district' }, at: 160, by: DUTY },
];

describe('command replay', () => {
  it('a lifecycle with immediate and delayed hand-overs replays to the state decide() produced, after every prefix', () => {
    const { states, events } = run(LIFECYCLE);
    expect(states.at(-1)?.value).toBe('deactivated');
    // one derived TransferEffective, from the immediate acceptance of o-7
    expect(events.filter((e) => e.meta.derived === true).map((e) => e.type)).toEqual(['TransferEffective']);
    for (let n = 0; n <= events.length; n++) {
      const consumed = events.slice(0, n).filter((e) => e.meta.derived !== true).length;
      expect(replay(a, events.slice(0, n)), `after ${n} events`).toStrictEqual(states[consumed]);
    }
  });

  it('replays events as stored (JSON round trip) and from an intermediate state', () => {
    const { states, events } = run(LIFECYCLE);
    const stored = JSON.parse(JSON.stringify(events)) as ReplayableEvent[];
    expect(replay(a, stored)).toStrictEqual(states.at(-1));
    const half = 9;
    const from = states[half];
    if (from === undefined) throw new Error('no state');
    // the first `half` commands produced exactly `half` events (no derived ones so far)
    expect(events.slice(0, half).some((e) => e.meta.derived === true)).toBe(false);
    expect(replay(a, stored.slice(half), from)).toStrictEqual(states.at(-1));
  });

  it('the derived TransferEffective of an immediate acceptance is skipped; without the flag replay fails', () => {
    const { events } = run(PENDING_ONE.concat([{ body: { type: 'AcceptTransfer', offerId: 'o-1' }, at: 11, by: actorOf(S1) }]));
    const derived = events.at(-1);
    if (derived === undefined) throw new Error('no event');
    expect(derived.type).toBe('TransferEffective');
    expect(derived.meta.derived).toBe(true);
    const { derived: _flag, ...meta } = derived.meta;
    expect(() => replay(a, [...events.slice(0, -1), { ...derived, meta }])).toThrow(/TransferEffective is not accepted in state commanded/);
  });

  it('times come from the stored meta: the transfer is due at recordedAt, not at replay time', () => {
    const { events } = run([...ACCEPTED, { body: { type: 'MakeTransferEffective' }, at: 130, by: DUTY }]);
    const effective = events.at(-1);
    if (effective === undefined) throw new Error('no event');
    expect(effective.meta.recordedAt).toBe(iso(130));
    expect(ctx(replay(a, events)).commander).toStrictEqual(S1);
    // stored one minute too early, the same event is refused by the transferDue guard
    const early: ReplayableEvent = { ...effective, meta: { ...effective.meta, recordedAt: iso(129) } };
    expect(() => replay(a, [...events.slice(0, -1), early])).toThrow(/TransferEffective is not accepted in state transferAccepted/);
  });

  it('throws on an event type no command produces', () => {
    const bogus: ReplayableEvent = { type: 'CommandMerged', data: {}, meta: { ...metaAt(1), recordedAt: iso(1) } };
    expect(() => replay(a, [bogus])).toThrow(/no command produces scene event CommandMerged/);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4b. Randomized replay
// ---------------------------------------------------------------------------------------------------

const POOL: readonly Person[] = [P1, C1, D1, D2, S1, S2, FIRE_REP, POLICE_REP];
const AGENCIES = ['fire', 'police', 'health', 'transport', 'pla'] as const;

/**
 * A random command of the given type that passes the guards in `state`, and the minute to send it at
 * (never before `clock`); null when the state gives nothing to build it from (e.g. no deputy to remove).
 */
function randomCommand(rng: () => number, type: OnSceneCommandType, state: PersistedState, clock: number, tag: string): { body: CommandBody; at: number } | null {
  const c = ctx(state);
  const inCommand = [c.commander?.userId, ...c.deputies.map((d) => d.userId)];
  const notCommander = POOL.filter((p) => p.userId !== c.commander?.userId);
  const text = (prefix: string): string => `${prefix}-${int(rng, 0, 999)}`;
  const now = { at: clock };
  switch (type) {
    case 'AssumeProvisionalCommand':
      return { body: { type, incidentId: 'inc-r', commander: pick(rng, POOL) }, ...now };
    case 'AppointCommander': {
      const commander = pick(rng, POOL);
      const deputies = POOL.filter((p) => p.userId !== commander.userId && rng() < 0.25);
      return { body: { type, commander, ...maybe(rng, { deputies }) }, ...now };
    }
    case 'AppointDeputy': {
      const candidates = POOL.filter((p) => !inCommand.includes(p.userId));
      return candidates.length === 0 ? null : { body: { type, deputy: pick(rng, candidates) }, ...now };
    }
    case 'RemoveDeputy':
      return c.deputies.length === 0 ? null : { body: { type, userId: pick(rng, c.deputies).userId }, ...now };
    case 'OfferTransfer':
      return {
        body: {
          type,
          offerId: `o-${tag}`,
          to: pick(rng, notCommander),
          ...maybe(rng, { expiresAt: iso(clock + int(rng, 1, 60)) }),
          ...maybe(rng, { effectiveAt: iso(clock + int(rng, -5, 40)) }),
          ...maybe(rng, { briefing: fullBriefing }),
        },
        ...now,
      };
    case 'RecordTransferBriefing':
      return c.offers.length === 0 ? null : { body: { type, offerId: pick(rng, c.offers).offerId, briefing: briefing(int(rng, 0, 99)) }, ...now };
    case 'AcceptTransfer': {
      const open = c.offers.filter((o) => o.briefing !== null && (o.expiresAt === null || clock < minuteOf(o.expiresAt)));
      if (open.length === 0) return null;
      const choice = rng();
      const effectiveAt = choice < 0.4 ? {} : choice < 0.55 ? { effectiveAt: iso(clock - int(rng, 0, 10)) } : { effectiveAt: iso(clock + int(rng, 1, 40)) };
      return { body: { type, offerId: pick(rng, open).offerId, ...effectiveAt }, ...now };
    }
    case 'DeclineTransfer':
    case 'WithdrawTransfer':
      return c.offers.length === 0 ? null : { body: { type, offerId: pick(rng, c.offers).offerId, ...maybe(rng, { reason: text('reason') }) }, ...now };
    case 'ExpireTransfer': {
      const expiring = c.offers.filter((o) => o.expiresAt !== null);
      const target = expiring.length === 0 ? undefined : pick(rng, expiring);
      if (target?.expiresAt == null) return null;
      return { body: { type, offerId: target.offerId }, at: Math.max(clock, minuteOf(target.expiresAt) + int(rng, 0, 3)) };
    }
    case 'MakeTransferEffective':
      if (c.pendingTransfer === null) return null;
      // As a person sends it (no offer named) or as the timers fire it (naming the pending transfer).
      return { body: { type, ...maybe(rng, { offerId: c.pendingTransfer.offerId }) }, at: Math.max(clock, minuteOf(c.pendingTransfer.effectiveAt) + int(rng, 0, 3)) };
    case 'JoinUnifiedCommand': {
      const absent = AGENCIES.filter((x) => !c.agencies.some((g) => g.agency === x));
      return absent.length === 0 ? null : { body: { type, agency: pick(rng, absent), representative: pick(rng, POOL) }, ...now };
    }
    case 'LeaveUnifiedCommand':
      return c.agencies.length === 0 ? null : { body: { type, agency: pick(rng, c.agencies).agency }, ...now };
    case 'EstablishCommandPost':
      return { body: { type, location: { description: text('post'), ...maybe(rng, { lat: 23 + rng(), lon: 112 + rng() }) } }, ...now };
    case 'PostSceneReport':
      return {
        body: {
          type,
          reportId: `r-${tag}`,
          ...maybe(rng, { dead: int(rng, 0, 5) }),
          ...maybe(rng, { injured: int(rng, 0, 50) }),
          ...maybe(rng, { missing: int(rng, 0, 10) }),
          ...maybe(rng, { evacuated: int(rng, 0, 500) }),
          ...maybe(rng, { needs: text('needs') }),
        },
        ...now,
      };
    case 'DeactivateCommand':
      return { body: { type, ...maybe(rng, { reason: text('reason') }) }, ...now };
  }
}

/** A command whose type the state allows but that a guard refuses; null when the state has none to offer. */
function guardFailure(rng: () => number, state: PersistedState, clock: number): CommandBody | null {
  const c = ctx(state);
  const allowed = commandsAllowedIn(a, state);
  const options: CommandBody[] = [];
  if (c.commander !== null && allowed.includes('OfferTransfer')) options.push({ type: 'OfferTransfer', offerId: 'o-fresh', to: c.commander });
  if (c.commander !== null && allowed.includes('AppointDeputy')) options.push({ type: 'AppointDeputy', deputy: c.commander });
  const deputy = c.deputies[0];
  if (deputy !== undefined && allowed.includes('AppointDeputy')) options.push({ type: 'AppointDeputy', deputy });
  if (allowed.includes('RemoveDeputy')) options.push({ type: 'RemoveDeputy', userId: 'u-nobody' });
  if (allowed.includes('AcceptTransfer')) options.push({ type: 'AcceptTransfer', offerId: 'o-unknown' });
  const unbriefed = c.offers.find((o) => o.briefing === null);
  if (unbriefed !== undefined) options.push({ type: 'AcceptTransfer', offerId: unbriefed.offerId });
  const notYet = c.offers.find((o) => o.expiresAt !== null && clock < minuteOf(o.expiresAt));
  if (notYet !== undefined) options.push({ type: 'ExpireTransfer', offerId: notYet.offerId });
  const open = c.offers[0];
  if (open !== undefined) options.push({ type: 'OfferTransfer', offerId: open.offerId, to: { userId: 'u-fresh', name: 'Fresh' } });
  if (c.pendingTransfer !== null && clock < minuteOf(c.pendingTransfer.effectiveAt)) options.push({ type: 'MakeTransferEffective' });
  const agency = c.agencies[0];
  if (agency !== undefined && allowed.includes('JoinUnifiedCommand')) options.push({ type: 'JoinUnifiedCommand', agency: agency.agency, representative: P1 });
  if (allowed.includes('LeaveUnifiedCommand')) options.push({ type: 'LeaveUnifiedCommand', agency: 'coast-guard' });
  if (allowed.includes('AppointCommander')) options.push({ type: 'AppointCommander', commander: C1, deputies: [D1, D1] });
  return options.length === 0 ? null : pick(rng, options);
}

describe('command replay: randomized command sequences', () => {
  const SEED = 20250601;
  const SEQUENCES = 120;
  const MAX_STEPS = 30;

  it(`replay(events) equals decide()'s state after every step, and the invariants hold (${SEQUENCES} seeded sequences)`, () => {
    const visitedStates = new Set<string>();
    const visitedEdges = new Set<string>();
    let illegal = 0;
    let guarded = 0;
    for (let seq = 0; seq < SEQUENCES; seq++) {
      const rng = mulberry32(SEED + seq);
      let state = initialState(a);
      let clock = 1;
      const stored: ReplayableEvent[] = [];
      visitedStates.add(state.value);
      for (let step = 0; step < MAX_STEPS; step++) {
        const where = `seed ${SEED + seq} step ${step}`;
        const allowed = commandsAllowedIn(a, state) as OnSceneCommandType[];
        if (allowed.length === 0) break;
        clock += int(rng, 1, 15);
        const tag = `${seq}-${step}`;

        // now and then a command the state does not allow, or one a guard refuses: nothing changes
        const roll = rng();
        if (roll < 0.08) {
          const type = pick(rng, ALL_COMMANDS.filter((t) => !allowed.includes(t)));
          expect(decide(a, state, spec.sampleCommand(type, metaAt(clock))), `${where}: ${type}`).toStrictEqual({ ok: false, state: state.value, allowed });
          illegal += 1;
          continue;
        }
        if (roll < 0.16) {
          const body = guardFailure(rng, state, clock);
          if (body !== null) {
            expect(decide(a, state, { ...body, meta: metaAt(clock) }), `${where}: ${body.type}`).toStrictEqual({ ok: false, state: state.value, allowed });
            guarded += 1;
            continue;
          }
        }

        // deactivation ends a sequence; make it rarer so that walks reach the transfer states
        const candidates = allowed.filter((t) => t !== 'DeactivateCommand' || rng() < 0.1);
        let built: { body: CommandBody; at: number } | null = null;
        for (let tries = 0; built === null && tries < 20; tries++) built = randomCommand(rng, pick(rng, candidates.length ? candidates : allowed), state, clock, tag);
        if (built === null) throw new Error(`${where}: no command could be built in ${state.value}`);
        clock = built.at;
        const meta = metaAt(clock, pick(rng, [DUTY, actorOf(pick(rng, POOL))]));
        const d = decide(a, state, { ...built.body, meta });
        if (!d.ok) throw new Error(`${where}: ${built.body.type} rejected in ${d.state}: ${JSON.stringify(built.body)}`);
        expect(d.events[0]?.type, where).toBe(SCENE_EVENT_FOR[built.body.type]);
        expect(violations(built.body.type, state, d.state), where).toEqual([]);
        visitedEdges.add(edgeOf(state.value, built.body.type, d.state.value));
        state = d.state;
        visitedStates.add(state.value);
        stored.push(...(JSON.parse(JSON.stringify(toStored(d, meta))) as ReplayableEvent[]));

        expect(replay(a, stored), where).toStrictEqual(state);
      }
    }
    // the generator must actually explore the machine, or this test proves little
    expect([...visitedStates].sort()).toEqual([...SCENE_STATES].sort());
    expect([...visitedEdges].sort()).toEqual([...new Set(CASES.map((c) => edgeOf(c.from, c.command, c.to)))].sort());
    expect(illegal).toBeGreaterThan(0);
    expect(guarded).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. Purity
// ---------------------------------------------------------------------------------------------------

describe('command decide(): purity', () => {
  spec.purityTests();
});
