import { describe, expect, it } from 'vitest';
import { initialState, isOver, type AggregateDefinition } from './aggregate';
import { sceneAggregate } from './scene/scene.machine';
import { SCENE_STATES } from './scene/scene.types';
import { CORRECTION_STATES, correctionAggregate } from './correction/correction.machine';
import { incidentAggregate } from './incident/incident.machine';
import { INCIDENT_STATES } from './incident/incident.types';
import { reportAggregate } from './report/report.machine';
import { REPORT_STATES } from './report/report.types';
import { requestAggregate } from './request/request.machine';
import { REQUEST_STATES } from './request/request.types';
import { supervisionAggregate } from './supervision/supervision.machine';
import { SUPERVISION_STATES } from './supervision/supervision.types';
import { warningAggregate } from './warning/warning.machine';
import { WARNING_STATES } from './warning/warning.types';
import { drillAggregate } from './drill/drill.machine';
import { DRILL_STATES } from './drill/drill.types';
import { isStreamOf, isStreamType, STREAM_TYPES, type StreamType } from './streams';

const STREAMS: Record<StreamType, { definition: AggregateDefinition; states: readonly string[]; over: readonly string[] }> = {
  incident: { definition: incidentAggregate, states: INCIDENT_STATES, over: ['dismissed', 'closed'] },
  scene: { definition: sceneAggregate, states: SCENE_STATES, over: ['deactivated'] },
  resourceRequest: { definition: requestAggregate, states: REQUEST_STATES, over: ['rejected', 'released', 'cancelled'] },
  // The report obligation is never over: the upper room still acknowledges the 终报.
  report: { definition: reportAggregate, states: REPORT_STATES, over: [] },
  correction: { definition: correctionAggregate, states: CORRECTION_STATES, over: [] },
  supervision: { definition: supervisionAggregate, states: SUPERVISION_STATES, over: ['closed'] },
  warning: { definition: warningAggregate, states: WARNING_STATES, over: ['lifted', 'expired'] },
  // A closed drill is not over: its corrective actions are still tracked to closure.
  drill: { definition: drillAggregate, states: DRILL_STATES, over: ['cancelled'] },
};

describe('stream types', () => {
  it('lists every stream type once, each named as its aggregate names its streams', () => {
    expect([...STREAM_TYPES].sort()).toEqual(Object.keys(STREAMS).sort());
    for (const type of STREAM_TYPES) expect(STREAMS[type].definition.streamType).toBe(type);
  });

  it('knows its stream types and nothing else', () => {
    for (const type of STREAM_TYPES) expect(isStreamType(type)).toBe(true);
    for (const other of ['', 'Incident', 'command', 'toString', '__proto__', 'incident ']) expect(isStreamType(other), other).toBe(false);
  });

  it('takes a stored stream as one of a type by its stream type alone', () => {
    const stored = { streamType: 'incident', state: initialState(incidentAggregate) };
    expect(isStreamOf(stored, 'incident')).toBe(true);
    expect(isStreamOf(stored, 'report')).toBe(false);
  });
});

describe('over', () => {
  it.each(STREAM_TYPES)('%s: the states tagged over are exactly its final states', (type) => {
    const { definition, states, over } = STREAMS[type];
    const nodes: Record<string, { type: string }> = definition.machine.root.states;
    const finals = Object.entries(nodes)
      .filter(([, node]) => node.type === 'final')
      .map(([name]) => name);
    expect([...over].sort()).toEqual(finals.sort());
    for (const value of states) expect(isOver(definition, { value }), `${type} ${value}`).toBe(over.includes(value));
  });

  it('a state the machine does not have is not over', () => {
    expect(isOver(incidentAggregate, { value: 'archived' })).toBe(false);
  });
});
