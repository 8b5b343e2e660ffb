import { getShortestPaths, toDirectedGraph } from '@xstate/graph';
import { SCENE_STATES, sceneMachine, type Actor, type SceneContext, type OnSceneCommand } from '@muster/domain';
import type { Clock } from '@muster/engine';
import { authHeader } from '@muster/testkit';
import type { FastifyInstance } from 'fastify';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { apiTest } from './test-fixtures';

/**
 * Model-based test of the on-scene command machine: @xstate/graph walks the machine itself to find a
 * path to every (abstracted) state, then every transition out of each; each path is replayed through
 * the HTTP API against real PostgreSQL, and the server must agree with the model at every step.
 */

type Snapshot = SnapshotFrom<typeof sceneMachine>;

const LEAD = '441203';
const BASE = Date.parse('2026-07-01T08:00:00.000Z');
const room: Actor = { userId: 'do-dinghu', roles: ['duty_officer'], jurisdiction: LEAD };
const responder = (userId: string): Actor => ({ userId, roles: ['responder'], jurisdiction: LEAD });
const person = (userId: string) => ({ userId, name: `Officer ${userId}`, unit: 'Dinghu fire brigade' });
const minutes = (iso: string | null, n: number) => new Date((iso ? Date.parse(iso) : BASE) + n * 60_000).toISOString();
const briefing = {
  situation: 'Embankment breach at Shakeng, water rising 10 cm/h',
  objectives: 'Evacuate lower village, close the breach',
  actions: 'Two villages evacuated by 09:00',
  organisation: 'Fire, police, health under unified command',
  resources: '3 pumps, 120 sandbag teams',
  hazards: 'Unstable bank, night work',
};

/** The commands worth trying in a state, each with the actor who is allowed to send it. */
function candidates(snapshot: Snapshot): OnSceneCommand[] {
  const c = snapshot.context as SceneContext;
  const now = minutes(c.updatedAt, 1);
  const meta = (actor: Actor, at = now) => ({ commandId: 'model', actor, now: at, occurredAt: at });
  const commander = c.commander ? responder(c.commander.userId) : responder('u-first');
  const out: OnSceneCommand[] = [
    { type: 'AssumeProvisionalCommand', incidentId: 'model', commander: person('u-first'), meta: meta(responder('u-first')) },
    { type: 'AppointCommander', commander: person('u-chief'), meta: meta(room) },
    { type: 'EstablishCommandPost', location: { description: 'Shakeng school yard', lat: 23.16, lon: 112.56 }, meta: meta(commander) },
    { type: 'PostSceneReport', reportId: `r-${c.reportCount + 1}`, injured: 3, evacuated: 420, needs: 'pumps', meta: meta(commander) },
    { type: 'DeactivateCommand', reason: 'response lifted', meta: meta(room) },
  ];
  if (c.deputies.length === 0) out.push({ type: 'AppointDeputy', deputy: person('u-deputy'), meta: meta(room) });
  else out.push({ type: 'RemoveDeputy', userId: 'u-deputy', meta: meta(room) });
  if (c.agencies.length === 0) out.push({ type: 'JoinUnifiedCommand', agency: 'police', representative: person('u-police'), meta: meta(commander) });
  else out.push({ type: 'LeaveUnifiedCommand', agency: 'police', meta: meta(commander) });
  if (c.offers.length < 2 && c.pendingTransfer === null) {
    const n = c.offers.length + 1;
    // The successor is never the commander in office: one fresh person per tenure and offer.
    const to = person(`u-next-${c.tenures.length}-${n}`);
    out.push({ type: 'OfferTransfer', offerId: `offer-${c.tenures.length}-${n}`, to, expiresAt: minutes(now, 30), meta: meta(commander) });
  }
  for (const offer of c.offers) {
    const incoming = responder(offer.to.userId);
    out.push({ type: 'RecordTransferBriefing', offerId: offer.offerId, briefing, meta: meta(commander) });
    out.push({ type: 'AcceptTransfer', offerId: offer.offerId, meta: meta(incoming) });
    out.push({ type: 'AcceptTransfer', offerId: offer.offerId, effectiveAt: minutes(now, 15), meta: meta(incoming) });
    out.push({ type: 'DeclineTransfer', offerId: offer.offerId, reason: 'not qualified', meta: meta(incoming) });
    out.push({ type: 'WithdrawTransfer', offerId: offer.offerId, meta: meta(room) });
    const expired = minutes(offer.expiresAt, 1);
    out.push({ type: 'ExpireTransfer', offerId: offer.offerId, meta: meta(room, Date.parse(expired) > Date.parse(now) ? expired : now) });
  }
  if (c.pendingTransfer) {
    const due = minutes(c.pendingTransfer.effectiveAt, 1);
    out.push({ type: 'MakeTransferEffective', meta: meta(responder(c.pendingTransfer.to.userId), due) });
  }
  return out;
}

/** States that differ only in names and times behave alike; counting what matters keeps the graph finite. */
function abstraction(snapshot: Snapshot): string {
  const c = snapshot.context as SceneContext;
  return JSON.stringify([
    snapshot.value,
    c.offers.length,
    c.offers.filter((o) => o.briefing).length,
    c.pendingTransfer !== null,
    c.deputies.length,
    c.agencies.length,
  ]);
}

/** A command named the way the graph sees it: its type, which offer it names and its timing. */
function eventKey(command: OnSceneCommand): string {
  const offer = 'offerId' in command ? `#${command.offerId}` : '';
  const timing = command.type === 'AcceptTransfer' ? (command.effectiveAt ? '@later' : '@now') : '';
  return `${command.type}${offer}${timing}`;
}

interface ModelStep {
  command: OnSceneCommand;
  expected: Snapshot;
}

function planPaths(): ModelStep[][] {
  // The graph is searched over abstract states; a path found there is a sequence of event keys,
  // made concrete again by replaying it from the start so every command fits the state it meets.
  let current: Snapshot;
  const toStates = getShortestPaths(sceneMachine, {
    events: (s) => candidates(s as Snapshot),
    serializeState: (s) => abstraction(s as Snapshot),
    serializeEvent: (e) => eventKey(e as OnSceneCommand),
  });
  const concretise = (keys: string[]): ModelStep[] => {
    current = initialTransition(sceneMachine)[0];
    const steps: ModelStep[] = [];
    for (const key of keys) {
      const command = candidates(current).find((e) => eventKey(e) === key && current.can(e));
      if (!command) throw new Error(`path ${keys.join(' → ')} cannot take ${key} in ${String(current.value)}`);
      current = transition(sceneMachine, current, command)[0];
      steps.push({ command, expected: current });
    }
    return steps;
  };
  const plans = new Map<string, ModelStep[]>();
  for (const path of toStates) {
    const keys = path.steps.slice(1).map((step) => eventKey(step.event as OnSceneCommand));
    const prefix = concretise(keys);
    const end = prefix.at(-1)?.expected ?? initialTransition(sceneMachine)[0];
    for (const command of candidates(end)) {
      // Only commands the machine accepts make an edge; the rejected ones are covered by unit tests.
      if (!end.can(command)) continue;
      // One path per machine edge and guard branch: the state, how many offers are open, the command
      // and its timing. Shortest paths come first, so each edge is reached by its shortest route.
      const c = end.context as SceneContext;
      const edge = `${String(end.value)}|${c.offers.length}|${command.type}${command.type === 'AcceptTransfer' ? (command.effectiveAt ? '@later' : '@now') : ''}`;
      const plan = [...prefix, { command, expected: transition(sceneMachine, end, command)[0] }];
      const known = plans.get(edge);
      if (!known || known.length > plan.length) plans.set(edge, plan);
    }
  }
  return [...plans.values()];
}

class ManualClock implements Clock {
  at = new Date(BASE);
  now(): Date {
    return this.at;
  }
}

let app: FastifyInstance;
const clock = new ManualClock();
apiTest.override('clock', { scope: 'file' }, clock);
apiTest.beforeAll(({ api }) => {
  app = api;
});

function headers(actor: Actor) {
  return authHeader(actor);
}

function withoutIncident(context: Record<string, unknown>) {
  const { incidentId: _incidentId, ...rest } = context;
  return rest;
}

describe('on-scene command machine, model-based through the HTTP API', () => {
  const plans = planPaths();

  it('plans paths that cover every state and every transition of the machine', () => {
    const reached = new Set(plans.flatMap((p) => p.map((s) => String(s.expected.value))));
    expect([...reached, 'none'].sort()).toEqual([...SCENE_STATES].sort());
    // Every edge of the machine's own graph (source state, command) is taken by some path.
    const graph = toDirectedGraph(sceneMachine);
    const edges = new Set<string>();
    const walk = (node: typeof graph) => {
      for (const edge of node.edges) edges.add(`${edge.source.key}:${edge.label.text}`);
      node.children.forEach(walk);
    };
    walk(graph);
    const taken = new Set<string>();
    for (const plan of plans) {
      let from = 'none';
      for (const step of plan) {
        taken.add(`${from}:${step.command.type}`);
        from = String(step.expected.value);
      }
    }
    expect([...edges].filter((e) => !taken.has(e))).toEqual([]);
    expect(edges.size).toBeGreaterThan(30);
  });

  it('replays every planned path through the API; the server agrees with the model at every step', async () => {
    let n = 0;
    for (const plan of plans) {
      n += 1;
      const incidentId = `model-${n}`;
      clock.at = new Date(BASE - 60_000);
      const created = await app.inject({ method: 'POST', url: '/incidents', headers: await headers(room), payload: { incidentId, data: { title: `model ${n}`, leadJurisdiction: LEAD } } });
      expect(created.statusCode, created.body).toBe(201);
      for (const [i, step] of plan.entries()) {
        const { type, meta, ...data } = step.command;
        if ('incidentId' in data) delete (data as { incidentId?: string }).incidentId;
        clock.at = new Date(meta.now);
        const response = await app.inject({
          method: 'POST',
          url: `/incidents/${incidentId}/command`,
          headers: await headers(meta.actor),
          payload: { type, data },
        });
        expect(response.statusCode, `path ${n} step ${i} ${type}: ${response.body}`).toBe(200);
        expect(response.json<{ state: string }>().state).toBe(step.expected.value);
      }
      const last = plan.at(-1);
      if (last === undefined) throw new Error(`path ${n} is empty`);
      const read = await app.inject({ method: 'GET', url: `/incidents/${incidentId}/command`, headers: await headers(room) });
      const body = read.json<Record<string, unknown> & { state: string; version: number }>();
      expect(body.state).toBe(last.expected.value);
      const { state: _state, version: _version, ...context } = body;
      expect(withoutIncident(context)).toEqual(withoutIncident(last.expected.context));
    }
    expect(n).toBe(plans.length);
  });
});
