import {
  ConflictError,
  ForbiddenError,
  IllegalTransitionError,
  MusterError,
  NotFoundError,
  ValidationError,
  type CommandResult,
} from '@muster/contracts';
import {
  sceneAggregate,
  incidentAggregate,
  replay,
  requestAggregate,
  type Actor,
  type AggregateDefinition,
  type SceneContext,
  type Person,
  type RequestContext,
  type StreamType,
} from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { AGGREGATES, sceneStreamId } from './aggregates';
import { createEngine, type CommandEnvelope, type Engine } from './engine';
import { InMemoryEventStore } from './in-memory-event-store';

// ---------------------------------------------------------------------------------------------------
// World
// ---------------------------------------------------------------------------------------------------

const actor = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });
const COUNTY_DUTY = actor('duty-441203', ['duty_officer'], '441203');
const CITY_DUTY = actor('duty-441200', ['duty_officer'], '441200');
const COMMANDER = actor('u-cmdr', ['responder'], '441203');
const DEPUTY = actor('u-dep', ['responder'], '441203');
const RESPONDER = actor('u-resp', ['responder'], '441203');
const SUCC_B = actor('u-b', ['responder'], '441203');
const SUCC_C = actor('u-c', ['responder'], '441203');
const person = (a: Actor, name: string): Person => ({ userId: a.userId, name });

const INC = 'inc-1';
const CMD = sceneStreamId(INC);
const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const iso = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

interface World {
  engine: Engine;
  store: InMemoryEventStore;
  at(minute: number): void;
  send(by: Actor, c: Cmd, options?: Partial<Pick<CommandEnvelope, 'commandId' | 'expectedVersion' | 'occurredAt'>>): Promise<CommandResult>;
}
interface Cmd {
  streamType: string;
  streamId: string;
  type: string;
  data: unknown;
}

function world(maxConflictRetries?: number): World {
  const store = new InMemoryEventStore();
  let now = T0;
  let n = 0;
  const engine = createEngine({
    store,
    clock: { now: () => new Date(now) },
    ids: { newId: () => `id-${++n}` },
    ...(maxConflictRetries === undefined ? {} : { maxConflictRetries }),
  });
  return {
    engine,
    store,
    at: (minute) => {
      now = T0 + minute * 60_000;
    },
    send: (by, c, options = {}) => engine.handle({ ...c, ...options, actor: by }),
  };
}

/** Engines sharing one store, as api processes share one database. */
function peers(w: World, count: number, maxConflictRetries?: number) {
  return Array.from({ length: count }, (_, p) => {
    let n = 0;
    return createEngine({
      store: w.store,
      clock: { now: () => new Date(T0) },
      ids: { newId: () => `peer-${p}-${++n}` },
      ...(maxConflictRetries === undefined ? {} : { maxConflictRetries }),
    });
  });
}

const incident = (type: string, data: unknown = {}, streamId = INC): Cmd => ({ streamType: 'incident', streamId, type, data });
const command = (type: string, data: unknown = {}, streamId = CMD): Cmd => ({ streamType: 'scene', streamId, type, data });
const request = (type: string, data: unknown = {}, streamId = 'rr-1'): Cmd => ({ streamType: 'resourceRequest', streamId, type, data });

const BRIEFING = {
  situation: 'landslide',
  objectives: 'recover the buried',
  actions: 'excavating',
  organisation: 'fire, police',
  resources: '2 excavators',
  hazards: 'further slides',
};
const ITEMS = [
  { kind: 'tent', quantity: 20, priority: 'urgent', deliverTo: 'Baishi school' },
  { kind: 'quilt', quantity: 100, priority: 'routine', deliverTo: 'Baishi school' },
];

async function reported(w: World, data: Record<string, unknown> = {}): Promise<void> {
  w.at(1);
  await w.send(COUNTY_DUTY, incident('ReportIncident', { title: 'Landslide on S358', leadJurisdiction: '441203', severity: 'IV', ...data }));
}
async function commanded(w: World): Promise<void> {
  await reported(w);
  w.at(2);
  await w.send(COUNTY_DUTY, command('AppointCommander', { commander: person(COMMANDER, 'Li Na'), deputies: [person(DEPUTY, 'Wang Fang')] }));
}
async function requested(w: World): Promise<void> {
  await commanded(w);
  w.at(3);
  await w.send(DEPUTY, request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }));
}
async function closeIncident(w: World): Promise<void> {
  const steps: [string, Record<string, unknown>][] = [
    ['BeginVerification', {}],
    ['ConfirmIncident', {}],
    ['BeginInitialHandling', { measures: 'road closed' }],
    ['ActivateResponse', { level: 'IV', measures: 'county plan' }],
    ['DeclareControlled', {}],
    ['LiftResponse', {}],
    ['BeginRecovery', {}],
    ['BeginReview', {}],
    ['CloseIncident', { summary: 'done' }],
  ];
  for (const [type, data] of steps) await w.send(COUNTY_DUTY, incident(type, data));
  expect((await w.engine.load('incident', INC)).state.value).toBe('closed');
}

async function rejection(p: Promise<unknown>): Promise<MusterError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof MusterError) return error;
    throw error;
  }
  throw new Error('expected the command to be refused');
}

const sceneContext = async (w: World): Promise<SceneContext> => (await w.engine.load('scene', CMD)).state.context;

const DEFINITIONS: Readonly<Record<string, AggregateDefinition>> = {
  incident: incidentAggregate,
  scene: sceneAggregate,
  resourceRequest: requestAggregate,
};

/** The stored snapshot of a stream equals the replay of its stored events through the same machine. */
async function expectReplayable(w: World, streamType: StreamType, streamId: string): Promise<void> {
  const definition = DEFINITIONS[streamType];
  if (definition === undefined) throw new Error(`no definition for ${streamType}`);
  const stream = await w.engine.load(streamType, streamId);
  const events = await w.store.readStream(streamId);
  expect(events.map((e) => e.version)).toEqual(Array.from({ length: stream.version }, (_, i) => i + 1));
  expect(replay(definition, events)).toStrictEqual(stream.state);
}

// ---------------------------------------------------------------------------------------------------
// The path of one command
// ---------------------------------------------------------------------------------------------------

describe('engine: handling a command', () => {
  it('opens an incident stream and answers with the committed events', async () => {
    const w = world();
    w.at(1);
    const result = await w.send(COUNTY_DUTY, incident('ReportIncident', { title: 'Flood', leadJurisdiction: '441203' }), { commandId: 'c-1' });
    expect(result).toStrictEqual({ streamId: INC, streamType: 'incident', version: 1, state: 'reported', events: [{ eventId: 'id-1', type: 'IncidentReported', version: 1 }] });
    const [event] = await w.store.readStream(INC);
    expect(event).toMatchObject({
      eventId: 'id-1',
      streamId: INC,
      streamType: 'incident',
      version: 1,
      type: 'IncidentReported',
      data: { title: 'Flood', leadJurisdiction: '441203', incidentId: INC },
      meta: { commandId: 'c-1', actor: COUNTY_DUTY, occurredAt: iso(1), recordedAt: iso(1), jurisdiction: '441203', exercise: false, incidentId: INC },
    });
    expect(event?.meta.derived).toBeUndefined();
  });

  it("takes recordedAt from the clock and occurredAt from the command, and keeps the incident's state in the snapshot", async () => {
    const w = world();
    await reported(w);
    w.at(10);
    await w.send(COUNTY_DUTY, incident('BeginVerification'), { occurredAt: iso(7) });
    const events = await w.store.readStream(INC);
    expect(events.at(-1)?.meta).toMatchObject({ occurredAt: iso(7), recordedAt: iso(10) });
    const stream = await w.engine.load('incident', INC);
    expect(stream).toMatchObject({ streamId: INC, streamType: 'incident', version: 2, state: { value: 'verifying' } });
    expect(stream.state.context['updatedAt']).toBe(iso(10));
  });

  it('files command and request events under the incident, its lead jurisdiction and its exercise flag', async () => {
    const w = world();
    await reported(w, { exercise: true });
    await w.send(COUNTY_DUTY, command('AppointCommander', { commander: person(COMMANDER, 'Li Na') }));
    await w.send(COMMANDER, request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }));
    for (const streamId of [CMD, 'rr-1']) {
      const [event] = await w.store.readStream(streamId);
      expect(event?.meta, streamId).toMatchObject({ jurisdiction: '441203', exercise: true, incidentId: INC });
    }
    // the engine gives creating commands their ids: the request knows its own id and incident
    expect((await w.engine.load('resourceRequest', 'rr-1')).state.context).toMatchObject({ requestId: 'rr-1', incidentId: INC, requestedBy: COMMANDER.userId });
    expect((await w.engine.load('scene', CMD)).state.context).toMatchObject({ incidentId: INC });
  });

  it('stores what replays: snapshots equal the replay of the stored events, derived events flagged in meta', async () => {
    const w = world();
    await requested(w);
    await w.send(COMMANDER, command('OfferTransfer', { offerId: 'o-1', to: person(SUCC_B, 'B') }));
    await w.send(COMMANDER, command('RecordTransferBriefing', { offerId: 'o-1', briefing: BRIEFING }));
    const accepted = await w.send(SUCC_B, command('AcceptTransfer', { offerId: 'o-1' }));
    expect(accepted.events.map((e) => e.type)).toEqual(['TransferAccepted', 'TransferEffective']);
    expect(accepted.version).toBe(5);
    const stored = await w.store.readStream(CMD);
    expect(stored.map((e) => e.meta.derived ?? false)).toEqual([false, false, false, false, true]);
    await w.send(COUNTY_DUTY, request('ApproveResourceRequest'));
    await w.send(CITY_DUTY, request('DispatchResources', { depotId: 'depot-dh', orderNumber: 'ZQ-1', items: [{ kind: 'tent', quantity: 15 }] }));
    await expectReplayable(w, 'incident', INC);
    await expectReplayable(w, 'scene', CMD);
    await expectReplayable(w, 'resourceRequest', 'rr-1');
  });

  it('versions are gap-free per stream and the global log keeps commit order', async () => {
    const w = world();
    await requested(w);
    await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1', dead: 1 }));
    expect(w.store.log.map((e) => `${e.streamId}@${e.version}`)).toEqual([`${INC}@1`, `${CMD}@1`, 'rr-1@1', `${CMD}@2`]);
    // a command sent without an id gets one from the ids port, distinct from its events' ids
    const ids = w.store.log.flatMap((e) => [e.eventId, e.meta.commandId]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

describe('engine: bad input never reaches the domain', () => {
  it.each([
    ['a payload that fails its schema', incident('ReportIncident', { title: '', leadJurisdiction: '441203' }, 'inc-9'), 'data.title'],
    ['an unknown field', incident('ReportIncident', { title: 'x', leadJurisdiction: '441203', colour: 'red' }, 'inc-9'), 'data'],
    ['an unknown command type', incident('ExplodeIncident'), 'type'],
    ['an unknown stream type', { streamType: 'evacuation', streamId: 'ev-1', type: 'OpenEvacuation', data: {} }, 'streamType'],
    ['a scene report with a negative count', command('PostSceneReport', { reportId: 'r-1', dead: -1 }), 'data.dead'],
  ] as const)('%s is a ValidationError and stores nothing', async (_name, c, path) => {
    const w = world();
    await commanded(w);
    const before = w.store.log.length;
    const error = await rejection(w.send(COUNTY_DUTY, c));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('validation');
    if (error instanceof ValidationError) expect(error.issues.map((i) => i.path).some((p) => p.startsWith(path))).toBe(true);
    expect(w.store.log.length).toBe(before);
  });
});

describe('engine: missing streams', () => {
  it('a non-creating command to a missing incident is NotFound', async () => {
    const w = world();
    const error = await rejection(w.send(COUNTY_DUTY, incident('BeginVerification', {}, 'inc-missing')));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('not_found');
    expect(error.details).toStrictEqual({ what: 'incident', id: 'inc-missing' });
  });

  it('appointing a commander for a missing incident is NotFound (incident)', async () => {
    const w = world();
    const error = await rejection(w.send(COUNTY_DUTY, command('AppointCommander', { commander: person(COMMANDER, 'Li Na') }, sceneStreamId('inc-missing'))));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.details).toStrictEqual({ what: 'incident', id: 'inc-missing' });
    expect(w.store.log).toEqual([]);
  });

  it('a resource request for a missing incident is NotFound (incident)', async () => {
    const w = world();
    await commanded(w);
    const error = await rejection(w.send(COMMANDER, request('SubmitResourceRequest', { incidentId: 'inc-missing', items: ITEMS })));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.details).toStrictEqual({ what: 'incident', id: 'inc-missing' });
  });

  it('a resource request naming a stream that is not an incident is NotFound (incident)', async () => {
    const w = world();
    await requested(w);
    const error = await rejection(w.send(COMMANDER, request('SubmitResourceRequest', { incidentId: 'rr-1', items: ITEMS }, 'rr-2')));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.details).toStrictEqual({ what: 'incident', id: 'rr-1' });
  });

  it('a command to a scene stream that was never opened is NotFound (command)', async () => {
    const w = world();
    await reported(w);
    const error = await rejection(w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1' })));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.details).toStrictEqual({ what: 'scene', id: CMD });
  });

  it('a stream of another type is not found under this type', async () => {
    const w = world();
    await requested(w);
    // the incident's own id is not a scene stream, and a request is not an incident
    expect((await rejection(w.send(COUNTY_DUTY, command('AppointDeputy', { deputy: person(RESPONDER, 'R') }, INC)))).details).toStrictEqual({
      what: 'scene',
      id: INC,
    });
    expect((await rejection(w.send(COUNTY_DUTY, incident('BeginVerification', {}, 'rr-1')))).code).toBe('not_found');
    expect(await w.engine.tryLoad('incident', 'rr-1')).toBeNull();
    expect((await rejection(w.engine.load('scene', INC))).code).toBe('not_found');
  });
});

describe('engine: a closed or dismissed incident closes its command and requests', () => {
  it.each([
    ['PostSceneReport by the deputy', DEPUTY, command('PostSceneReport', { reportId: 'r-9', dead: 1 })],
    ['AppointDeputy by the lead room', COUNTY_DUTY, command('AppointDeputy', { deputy: person(RESPONDER, 'R') })],
    ['DeactivateCommand by the lead room', COUNTY_DUTY, command('DeactivateCommand')],
    ['SubmitResourceRequest (a new request) by the commander', COMMANDER, request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }, 'rr-2')],
    ['ApproveResourceRequest by the lead room', COUNTY_DUTY, request('ApproveResourceRequest')],
    ['CancelResourceRequest by its requester', DEPUTY, request('CancelResourceRequest', { reason: 'late' })],
    // the incident state is checked before who is asking: a responder not in command also gets 409
    ['PostSceneReport by a responder not in command', RESPONDER, command('PostSceneReport', { reportId: 'r-9' })],
  ] as const)('closed: %s is an illegal transition naming the incident state', async (_name, by, c) => {
    const w = world();
    await requested(w);
    await closeIncident(w);
    const before = w.store.log.length;
    const error = await rejection(w.send(by, c));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error.code).toBe('illegal_transition');
    expect(error.details).toStrictEqual({ command: c.type, state: 'closed', allowed: [] });
    expect(error.message).toContain('while the incident is closed');
    expect(w.store.log.length).toBe(before);
  });

  it.each([
    ['AssumeProvisionalCommand (opening the scene stream)', RESPONDER, command('AssumeProvisionalCommand', { commander: person(RESPONDER, 'R') })],
    ['AppointCommander (opening the scene stream)', COUNTY_DUTY, command('AppointCommander', { commander: person(COMMANDER, 'Li Na') })],
  ] as const)('dismissed: %s is an illegal transition naming the incident state', async (_name, by, c) => {
    const w = world();
    await reported(w);
    await w.send(COUNTY_DUTY, incident('DismissIncident', { reason: 'false alarm' }));
    const error = await rejection(w.send(by, c));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error.details).toMatchObject({ command: c.type, state: 'dismissed' });
    expect(error.message).toContain('while the incident is dismissed');
    expect(await w.engine.tryLoad('scene', CMD)).toBeNull();
  });

  it('the same commands are accepted while the incident is still open (the refusal is the closure)', async () => {
    const w = world();
    await requested(w);
    await w.send(DEPUTY, command('PostSceneReport', { reportId: 'r-9', dead: 1 }));
    await w.send(COUNTY_DUTY, request('ApproveResourceRequest'));
    await w.send(COMMANDER, request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }, 'rr-2'));
    expect((await w.engine.load('resourceRequest', 'rr-1')).state.value).toBe('approved');
  });
});

describe('engine: illegal transitions of the aggregate itself', () => {
  it('carries the state and the allowed commands', async () => {
    const w = world();
    await commanded(w);
    const error = await rejection(w.send(COUNTY_DUTY, command('MakeTransferEffective')));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error.details).toStrictEqual({
      command: 'MakeTransferEffective',
      state: 'commanded',
      allowed: [
        'AppointDeputy',
        'DeactivateCommand',
        'EstablishCommandPost',
        'JoinUnifiedCommand',
        'LeaveUnifiedCommand',
        'OfferTransfer',
        'PostSceneReport',
        'RemoveDeputy',
      ],
    });
  });

  it('reporting an incident under an id already taken is a conflict that says nothing of the incident', async () => {
    const w = world();
    await reported(w);
    const error = await rejection(w.send(COUNTY_DUTY, incident('ReportIncident', { title: 'Again', leadJurisdiction: '441203' })));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(`incident id ${INC} is already in use; choose another`);
    expect(error.details).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------
// Idempotency and concurrency
// ---------------------------------------------------------------------------------------------------

describe('engine: idempotency by commandId', () => {
  it('a retried command returns the original result and stores nothing new', async () => {
    const w = world();
    await reported(w);
    const first = await w.send(COUNTY_DUTY, incident('BeginVerification', { note: 'calling back' }), { commandId: 'c-verify' });
    const log = w.store.log.length;
    // the state has moved on: sent afresh, the command would now be illegal
    const again = await w.send(COUNTY_DUTY, incident('BeginVerification', { note: 'calling back' }), { commandId: 'c-verify' });
    expect(again).toStrictEqual(first);
    expect(w.store.log.length).toBe(log);
    expect((await rejection(w.send(COUNTY_DUTY, incident('BeginVerification'), { commandId: 'c-other' }))).code).toBe('illegal_transition');
  });

  it('the same command id with a different payload is a conflict, never the first answer; nothing is stored', async () => {
    const w = world();
    await commanded(w);
    const first = await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1', dead: 1 }), { commandId: 'c-report' });
    const log = w.store.log.length;
    const error = await rejection(w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1', dead: 7 }), { commandId: 'c-report' }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe('command id c-report was already used for a different command; send a new command id');
    expect(JSON.stringify(error.details)).not.toContain(first.events[0]?.eventId ?? 'no event');
    // Another expectedVersion or occurredAt is another command too; the same one is still answered.
    expect((await rejection(w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1', dead: 1 }), { commandId: 'c-report', expectedVersion: 1 }))).code).toBe('conflict');
    expect((await rejection(w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1', dead: 1 }), { commandId: 'c-report', occurredAt: iso(1) }))).code).toBe('conflict');
    // Key order in the payload does not make another command.
    expect(await w.send(COMMANDER, command('PostSceneReport', { dead: 1, reportId: 'r-1' }), { commandId: 'c-report' })).toStrictEqual(first);
    expect(w.store.log.length).toBe(log);
    const ctx = await sceneContext(w);
    expect(ctx.latestReport?.dead).toBe(1);
    expect(ctx.reportCount).toBe(1);
  });

  it('without a commandId, two sends are two commands', async () => {
    const w = world();
    await commanded(w);
    const a = await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1' }));
    const b = await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1' }));
    expect([a.version, b.version]).toEqual([2, 3]);
    expect((await sceneContext(w)).reportCount).toBe(2);
  });

  it('the same command sent twice at once is stored once; both callers get the same answer', async () => {
    const w = world();
    await commanded(w);
    const c = command('PostSceneReport', { reportId: 'r-1', injured: 2 });
    const [a, b] = await Promise.all([w.send(DEPUTY, c, { commandId: 'c-twice' }), w.send(DEPUTY, c, { commandId: 'c-twice' })]);
    expect(a).toStrictEqual(b);
    expect((await w.store.readStream(CMD)).filter((e) => e.meta.commandId === 'c-twice')).toHaveLength(1);
    expect((await sceneContext(w)).reportCount).toBe(1);
  });

  it('a refused command leaves its id free: sent again by someone allowed, it runs', async () => {
    const w = world();
    await commanded(w);
    expect((await rejection(w.send(RESPONDER, command('PostSceneReport', { reportId: 'r-1' }), { commandId: 'c-r' }))).code).toBe('forbidden');
    const result = await w.send(DEPUTY, command('PostSceneReport', { reportId: 'r-1' }), { commandId: 'c-r' });
    expect(result.version).toBe(2);
  });
});

describe('engine: optimistic concurrency', () => {
  it('a stale expectedVersion is a ConflictError with both versions; the right one succeeds', async () => {
    const w = world();
    await commanded(w);
    const error = await rejection(w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1' }), { expectedVersion: 0 }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.details).toStrictEqual({ expectedVersion: 0, actualVersion: 1 });
    expect((await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1' }), { expectedVersion: 1 })).version).toBe(2);
  });

  it('concurrent writers without expectedVersion are retried: every command lands, versions gap-free', async () => {
    const w = world();
    await commanded(w);
    // Separate engines on one store race as separate api processes do.
    const others = peers(w, 4);
    const reports = Array.from({ length: 8 }, (_, i) =>
      (others[i % others.length] ?? w.engine).handle({ ...command('PostSceneReport', { reportId: `r-${i}`, injured: i }), actor: i % 2 ? COMMANDER : DEPUTY }),
    );
    const results = await Promise.all(reports);
    expect(results.map((r) => r.version).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await sceneContext(w)).reportCount).toBe(8);
    await expectReplayable(w, 'scene', CMD);
  });

  it('in one process, commands to one stream take turns: none conflicts even with no retries allowed', async () => {
    const w = world(0);
    await commanded(w);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => w.send(COMMANDER, command('PostSceneReport', { reportId: `r-${i}` }))));
    expect(results.map((r) => r.version)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('the race between processes is real: with no retries allowed, the losers get a ConflictError', async () => {
    const w = world(0);
    await commanded(w);
    const others = peers(w, 4, 0);
    const outcomes = await Promise.allSettled(
      others.map((engine, i) => engine.handle({ ...command('PostSceneReport', { reportId: `r-${i}` }), actor: COMMANDER })),
    );
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(failures.length).toBeGreaterThan(0);
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
    for (const f of failures) {
      expect(f).toBeInstanceOf(ConflictError);
      expect(f).toMatchObject({ code: 'conflict' });
    }
    expect((await w.engine.load('scene', CMD)).version).toBe(1 + outcomes.length - failures.length);
  });

  it('concurrent writers with expectedVersion are not retried: one wins, the other gets a ConflictError', async () => {
    const w = world();
    await commanded(w);
    const outcomes = await Promise.allSettled([
      w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-a' }), { expectedVersion: 1 }),
      w.send(DEPUTY, command('PostSceneReport', { reportId: 'r-b' }), { expectedVersion: 1 }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const loser = outcomes.find((o) => o.status === 'rejected');
    expect(loser?.status === 'rejected' ? loser.reason : null).toBeInstanceOf(ConflictError);
    expect((await w.engine.load('scene', CMD)).version).toBe(2);
  });

  it('two competing transfers accepted at the same moment: exactly one new commander; the loser gets a typed 409', async () => {
    const w = world();
    await commanded(w);
    w.at(5);
    await w.send(COMMANDER, command('OfferTransfer', { offerId: 'o-b', to: person(SUCC_B, 'B') }));
    await w.send(COUNTY_DUTY, command('OfferTransfer', { offerId: 'o-c', to: person(SUCC_C, 'C') }));
    await w.send(COMMANDER, command('RecordTransferBriefing', { offerId: 'o-b', briefing: BRIEFING }));
    await w.send(COUNTY_DUTY, command('RecordTransferBriefing', { offerId: 'o-c', briefing: BRIEFING }));
    const tenuresBefore = (await sceneContext(w)).tenures.length;

    const outcomes = await Promise.allSettled([
      w.send(SUCC_B, command('AcceptTransfer', { offerId: 'o-b' })),
      w.send(SUCC_C, command('AcceptTransfer', { offerId: 'o-c' })),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = outcomes[0]?.status === 'fulfilled' ? SUCC_B : SUCC_C;
    const loser = outcomes.find((o) => o.status === 'rejected');
    const reason: unknown = loser?.status === 'rejected' ? loser.reason : null;
    expect(reason).toBeInstanceOf(IllegalTransitionError);
    expect(reason).toMatchObject({ code: 'illegal_transition', details: { command: 'AcceptTransfer', state: 'commanded' } });

    const ctx = await sceneContext(w);
    expect(ctx.commander?.userId).toBe(winner.userId);
    expect(ctx.offers).toEqual([]);
    expect(ctx.tenures).toHaveLength(tenuresBefore + 1);
    expect((await w.store.readStream(CMD)).filter((e) => e.type === 'TransferAccepted')).toHaveLength(1);
  });

  it('a transfer accepted for later also beats a competing acceptance, which is refused as illegal in transferAccepted', async () => {
    const w = world();
    await commanded(w);
    w.at(5);
    await w.send(COMMANDER, command('OfferTransfer', { offerId: 'o-b', to: person(SUCC_B, 'B') }));
    await w.send(COUNTY_DUTY, command('OfferTransfer', { offerId: 'o-c', to: person(SUCC_C, 'C') }));
    await w.send(COMMANDER, command('RecordTransferBriefing', { offerId: 'o-b', briefing: BRIEFING }));
    await w.send(COUNTY_DUTY, command('RecordTransferBriefing', { offerId: 'o-c', briefing: BRIEFING }));
    await w.send(SUCC_B, command('AcceptTransfer', { offerId: 'o-b', effectiveAt: iso(30) }));
    const error = await rejection(w.send(SUCC_C, command('AcceptTransfer', { offerId: 'o-c' })));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error.details).toMatchObject({ state: 'transferAccepted' });
    // still, nobody else may accept an offer that is open for someone else
    const w2 = world();
    await commanded(w2);
    await w2.send(COMMANDER, command('OfferTransfer', { offerId: 'o-b', to: person(SUCC_B, 'B') }));
    expect(await rejection(w2.send(SUCC_C, command('AcceptTransfer', { offerId: 'o-b' })))).toBeInstanceOf(ForbiddenError);
  });
});

// ---------------------------------------------------------------------------------------------------
// Stock and team effects (what the engine hands the store)
// ---------------------------------------------------------------------------------------------------

describe('engine: the streams it keeps (stream cache)', () => {
  /** The store, counting the snapshot reads the engine makes. */
  function counted(w: World) {
    const loads: string[] = [];
    const load = w.store.loadStream.bind(w.store);
    w.store.loadStream = (streamId) => {
      loads.push(streamId);
      return load(streamId);
    };
    return loads;
  }

  it('a stream this engine wrote is not read again for its next command', async () => {
    const w = world();
    await commanded(w);
    const loads = counted(w);
    await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1' }));
    await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-2' }));
    // The incident (the parent, read for visibility) is read each time; the scene stream is not.
    expect(loads.filter((id) => id === CMD)).toEqual([]);
    expect((await w.engine.load('scene', CMD)).version).toBe(3);
    await expectReplayable(w, 'scene', CMD);
  });

  it('a copy another process made stale never lands: its refusal sends the engine to the stored stream', async () => {
    const w = world(0);
    await commanded(w);
    await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-1' }));
    const [other] = peers(w, 1, 0);
    await other?.handle({ ...command('PostSceneReport', { reportId: 'r-2', injured: 3 }), actor: DEPUTY });
    const loads = counted(w);
    // A stale copy (version 2) would refuse expectedVersion 3 and would lose the other process's report.
    const result = await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-3' }), { expectedVersion: 3 });
    expect(result.version).toBe(4);
    expect(loads.filter((id) => id === CMD)).toEqual([CMD]);
    expect((await sceneContext(w)).reportCount).toBe(3);
    await expectReplayable(w, 'scene', CMD);
  });

  it('a command after another process moved the stream keeps both changes, whether the copy or the write catches it', async () => {
    const w = world();
    await reported(w);
    await w.send(COUNTY_DUTY, incident('UpdateIncidentDetails', { description: 'first' }));
    // Another writer moves the incident on behind this engine's back (as the timers process would).
    const [other] = peers(w, 1);
    await other?.handle({ ...incident('UpdateIncidentDetails', { description: 'second' }), actor: COUNTY_DUTY });
    await w.send(COUNTY_DUTY, incident('UpdateIncidentDetails', { title: 'renamed' }));
    const stored = await w.engine.load('incident', INC);
    expect(stored.version).toBe(4);
    expect(stored.state.context.description).toBe('second');
    expect(stored.state.context.title).toBe('renamed');
  });

  it('a command to a kept stream asks the store nothing before its write; a retry of it still gets its first answer', async () => {
    const w = world();
    await reported(w);
    await w.send(COUNTY_DUTY, incident('UpdateIncidentDetails', { description: 'first' }));
    const peeks: string[] = [];
    const peek = w.store.peek.bind(w.store);
    w.store.peek = (key, streamId) => {
      peeks.push(streamId);
      return peek(key, streamId);
    };
    const loads = counted(w);
    const sent = { ...incident('UpdateIncidentDetails', { description: 'second' }), commandId: 'kept-1', actor: COUNTY_DUTY };
    const first = await w.engine.handle(sent);
    expect(peeks).toEqual([]);
    expect(loads).toEqual([]);
    // The retry is decided on the copy too; its write finds the key taken and answers what was stored.
    expect(await w.engine.handle(sent)).toStrictEqual(first);
    expect((await w.engine.load('incident', INC)).version).toBe(first.version);
    // The same key for another command is refused, never answered with the first result.
    await expect(w.engine.handle({ ...sent, data: { description: 'other' } })).rejects.toBeInstanceOf(ConflictError);
    expect((await w.engine.load('incident', INC)).version).toBe(first.version);
  });

  it('with checkKeptStreams (api workers), a kept copy is checked by a peek first: a stale one is never written from, a current one is not read again', async () => {
    const store = new InMemoryEventStore();
    let n = 0;
    const worker = createEngine({ store, checkKeptStreams: true, ids: { newId: () => `w-${++n}` } });
    const other = createEngine({ store, ids: { newId: () => `o-${++n}` } });
    await worker.handle({ ...incident('ReportIncident', { title: 'Landslide', leadJurisdiction: '441203' }), actor: COUNTY_DUTY });
    await worker.handle({ ...incident('UpdateIncidentDetails', { description: 'first' }), actor: COUNTY_DUTY });
    // The other worker moves the incident on: this one's copy (version 2) is stale now.
    await other.handle({ ...incident('UpdateIncidentDetails', { description: 'second' }), actor: COUNTY_DUTY });
    const calls: string[] = [];
    const [peek, load, append] = [store.peek.bind(store), store.loadStream.bind(store), store.append.bind(store)];
    store.peek = (key, streamId) => (calls.push(`peek ${streamId}`), peek(key, streamId));
    store.loadStream = (streamId) => (calls.push(`load ${streamId}`), load(streamId));
    store.append = (write) => (calls.push(`append ${write.streamId}@${write.expectedVersion}`), append(write));
    await worker.handle({ ...incident('UpdateIncidentDetails', { title: 'renamed' }), actor: COUNTY_DUTY });
    // Peeked, found stale, read once and written once: no write from the stale copy was tried.
    expect(calls).toEqual([`peek ${INC}`, `load ${INC}`, `append ${INC}@3`]);
    calls.length = 0;
    await worker.handle({ ...incident('UpdateIncidentDetails', { description: 'third' }), actor: COUNTY_DUTY });
    // The copy it wrote is the stored stream: peeked, not read.
    expect(calls).toEqual([`peek ${INC}`, `append ${INC}@4`]);
    const stored = await worker.load('incident', INC);
    expect(stored.version).toBe(5);
    expect(stored.state.context).toMatchObject({ title: 'renamed', description: 'third' });
  });

  it('with the cache off, every command reads its stream', async () => {
    const store = new InMemoryEventStore();
    const engine = createEngine({ store, streamCacheSize: 0 });
    await engine.handle({ ...incident('ReportIncident', { title: 'Landslide', leadJurisdiction: '441203' }), actor: COUNTY_DUTY });
    let loads = 0;
    const load = store.loadStream.bind(store);
    store.loadStream = (streamId) => {
      loads += 1;
      return load(streamId);
    };
    await engine.handle({ ...incident('UpdateIncidentDetails', { description: 'x' }), actor: COUNTY_DUTY });
    expect(loads).toBe(1);
  });
});

describe('resource request effects', () => {
  const effectsOf = AGGREGATES['resourceRequest']?.effectsOf;
  const dispatch = { depotId: 'depot-dh', orderNumber: 'ZQ-1', items: [{ kind: 'tent', quantity: 15 }], teams: ['team-1'], dispatchedAt: iso(1), dispatchedBy: 'u', room: '441203' };
  const context: RequestContext = {
    requestId: 'rr-1',
    incidentId: INC,
    items: [],
    justification: '',
    requestedBy: 'u',
    requestedAt: iso(0),
    decidedBy: 'u',
    decidedAt: iso(1),
    rejectionReason: null,
    dispatch,
    eta: null,
    enRouteAt: null,
    arrivedAt: null,
    releasedAt: null,
    returned: [],
    cancelledReason: null,
    updatedAt: iso(1),
  };

  it('a dispatch takes the dispatched items from its depot and assigns its teams, both of the dispatching room', () => {
    if (effectsOf === undefined) throw new Error('no resourceRequest registration');
    expect(effectsOf({ type: 'ResourcesDispatched', data: { depotId: 'depot-dh', orderNumber: 'ZQ-1', items: [{ kind: 'tent', quantity: 15 }] } }, context, null)).toStrictEqual([
      { kind: 'takeStock', depotId: 'depot-dh', items: [{ kind: 'tent', quantity: 15 }], room: '441203' },
      { kind: 'assignTeams', teamIds: ['team-1'], incidentId: INC, room: '441203' },
    ]);
  });

  it('a release returns what comes back and frees the teams; other events have no effect', () => {
    if (effectsOf === undefined) throw new Error('no resourceRequest registration');
    expect(effectsOf({ type: 'ResourcesReleased', data: { returned: [{ kind: 'tent', quantity: 4 }] } }, context, null)).toStrictEqual([
      { kind: 'returnStock', depotId: 'depot-dh', items: [{ kind: 'tent', quantity: 4 }] },
      { kind: 'releaseTeams', teamIds: ['team-1'] },
    ]);
    expect(effectsOf({ type: 'ResourcesReleased', data: {} }, { ...context, dispatch: { ...dispatch, teams: [] } }, null)).toStrictEqual([]);
    expect(effectsOf({ type: 'ResourcesArrived', data: {} }, context, null)).toStrictEqual([]);
  });

  it('the dispatch event the engine stores carries the resolved items the stock effect is computed from', async () => {
    const w = world();
    await requested(w);
    await w.send(COUNTY_DUTY, request('ApproveResourceRequest'));
    await w.send(COUNTY_DUTY, request('DispatchResources', { depotId: 'depot-dh', orderNumber: 'ZQ-1' }));
    const dispatched = (await w.store.readStream('rr-1')).find((e) => e.type === 'ResourcesDispatched');
    expect(dispatched?.data['items']).toStrictEqual([
      { kind: 'tent', quantity: 20 },
      { kind: 'quilt', quantity: 100 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Commands queued on a phone with no network (issue 20)
// ---------------------------------------------------------------------------------------------------

describe('engine: scene reports sent late from a phone that was offline', () => {
  it('a scene report whose occurredAt is older than the latest report is accepted, in order of arrival, keeping its occurredAt', async () => {
    const w = world();
    await commanded(w);
    // The deputy, online, reports at minute 30.
    w.at(30);
    await w.send(DEPUTY, command('PostSceneReport', { reportId: 'r-online', injured: 4 }), { occurredAt: iso(30) });
    // The commander's phone was offline from minute 10: its reports, made at 12 and 20, arrive at 40 in the order made.
    w.at(40);
    const first = await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-queued-1', trapped: 3 }), { commandId: 'phone-1', occurredAt: iso(12) });
    const second = await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-queued-2', injured: 6 }), { commandId: 'phone-2', occurredAt: iso(20) });
    expect(second.version).toBe(first.version + 1);
    const stored = w.store.log.filter((e) => e.type === 'SceneReportPosted').map((e) => [e.data['reportId'], e.meta.occurredAt, e.meta.recordedAt]);
    expect(stored).toStrictEqual([
      ['r-online', iso(30), iso(30)],
      ['r-queued-1', iso(12), iso(40)],
      ['r-queued-2', iso(20), iso(40)],
    ]);
    // The latest report is the last to arrive; figures it does not give carry over.
    const ctx = await sceneContext(w);
    expect(ctx.latestReport).toMatchObject({ reportId: 'r-queued-2', injured: 6, trapped: 3, occurredAt: iso(20), recordedAt: iso(40) });
    expect(ctx.reportCount).toBe(3);
    // The phone's retry of a report whose answer it lost is answered, not doubled.
    expect(await w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-queued-1', trapped: 3 }), { commandId: 'phone-1', occurredAt: iso(12) })).toStrictEqual(first);
    expect((await sceneContext(w)).reportCount).toBe(3);
  });

  it('a queued report may not claim to precede the command structure it is posted to', async () => {
    const w = world();
    await commanded(w);
    w.at(40);
    const error = await rejection(w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-too-early', injured: 1 }), { occurredAt: iso(0) }));
    expect(error.code).toBe('validation');
  });
});
