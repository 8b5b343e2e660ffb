import { sceneAggregate, correctionAggregate, incidentAggregate, reportAggregate, requestAggregate, supervisionAggregate, warningAggregate, STREAM_TYPES, type AggregateDefinition, type StreamType } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { COMMAND_PAYLOAD_SCHEMAS } from './payloads';

const AGGREGATES: Record<StreamType, AggregateDefinition> = {
  incident: incidentAggregate,
  scene: sceneAggregate,
  resourceRequest: requestAggregate,
  report: reportAggregate,
  correction: correctionAggregate,
  supervision: supervisionAggregate,
  warning: warningAggregate,
};

// The payload types are tied to the domain's at compile time (payloads.ts); this checks the same at
// run time from the other side: every command a machine maps to an event has a schema, and no other.
describe('command payload schemas', () => {
  it.each(STREAM_TYPES)('%s: one schema per command of its machine', (type) => {
    expect(Object.keys(COMMAND_PAYLOAD_SCHEMAS[type]).sort()).toEqual(Object.keys(AGGREGATES[type].eventFor).sort());
  });

  it('cover the 80 commands (issue 21: four last-mile commands of the warning)', () => {
    expect(STREAM_TYPES.reduce((n, type) => n + Object.keys(COMMAND_PAYLOAD_SCHEMAS[type]).length, 0)).toBe(80);
  });
});
