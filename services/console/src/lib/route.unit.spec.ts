import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from './route';

describe('console routes in the URL hash', () => {
  it.each<[string, Route]>([
    ['', { view: 'board' }],
    ['#/', { view: 'board' }],
    ['#/incidents/inc-1', { view: 'incident', incidentId: 'inc-1' }],
    ['#/incidents/inc-1/scene', { view: 'commander', incidentId: 'inc-1' }],
    ['#/incidents/inc-1/review', { view: 'review', incidentId: 'inc-1' }],
    ['#/scores', { view: 'scores' }],
    ['#/interviews', { view: 'interviews' }],
    ['#/depots', { view: 'depots' }],
    ['#/duty', { view: 'duty' }],
    ['#/plans', { view: 'plans' }],
    ['#/plans/plan-1', { view: 'plan', planId: 'plan-1' }],
    ['#/drills', { view: 'drills' }],
    ['#/drills/dr-1', { view: 'drill', drillId: 'dr-1' }],
    ['#/warnings', { view: 'warnings' }],
    ['#/warnings/w-1', { view: 'warning', warningId: 'w-1' }],
    ['#/contacts', { view: 'contacts' }],
    ['#/ack/abc.def', { view: 'ack', token: 'abc.def' }],
    ['#/ack', { view: 'board' }],
    ['#/nowhere/else', { view: 'board' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('every route survives href → parse, including ids that need escaping', () => {
    const routes: Route[] = [
      { view: 'board' },
      { view: 'scores' },
      { view: 'incident', incidentId: 'a b/c' },
      { view: 'commander', incidentId: 'x' },
      { view: 'review', incidentId: '事件-1' },
      { view: 'interviews' },
      { view: 'depots' },
      { view: 'duty' },
      { view: 'plans' },
      { view: 'plan', planId: '预案 1/2' },
      { view: 'drills' },
      { view: 'drill', drillId: 'dr 1' },
      { view: 'warnings' },
      { view: 'warning', warningId: 'w 1/2' },
      { view: 'contacts' },
      { view: 'ack', token: 'a.b-c_d' },
    ];
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });
});
