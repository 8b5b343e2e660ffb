import { assign, emit, setup } from 'xstate';
import type { AggregateDefinition } from '../aggregate';
import type { CommandMeta, EmittedEvent } from '../shared';

/**
 * Corrections of an incident's record (issue 7): the record is never edited or deleted. A correction
 * is a new event on the incident's correction stream, `correction:<incidentId>`, that strikes an
 * earlier entry (it should not have been recorded) or amends it (what it should have said); the
 * timeline shows both, the corrected entry marked.
 */
type CorrectionKind = 'strike' | 'amend';

interface CorrectEntry {
  type: 'CorrectEntry';
  meta: CommandMeta;
  /** The event corrected; the engine's caller checks that it belongs to the incident. */
  eventId: string;
  kind: CorrectionKind;
  reason: string;
  /** For `amend`: the fields as they should have been recorded. */
  amendedData?: Record<string, unknown>;
  /** Set by the engine when the stream is opened. */
  incidentId?: string;
}
export type CorrectionCommand = CorrectEntry;

/** A type, not an interface: a machine's context is also a plain record (PersistedState), which only type literals are assignable to. */
export type CorrectionContext = {
  incidentId: string;
  /** Every correction so far, oldest first. */
  corrections: { eventId: string; kind: CorrectionKind; reason: string; by: string; at: string }[];
};

export const CORRECTION_EVENT_FOR = { CorrectEntry: 'EntryCorrected' } as const satisfies Record<CorrectionCommand['type'], string>;
export const CORRECTION_STATES = ['none', 'open'] as const;

/** The correction stream of an incident. */
export function correctionStreamId(incidentId: string): string {
  return `correction:${incidentId}`;
}

export const correctionMachine = setup({
  types: { context: {} as CorrectionContext, events: {} as CorrectionCommand, emitted: {} as EmittedEvent },
  guards: {
    // An amendment says what the entry should have said; a strike says nothing more than why.
    consistent: ({ event }) => (event.kind === 'amend') === (event.amendedData !== undefined),
  },
  actions: {
    // The event carries the whole command (incidentId included, on the first one), so replay rebuilds the same state.
    record: emit(({ event }) => {
      const { type: _type, meta: _meta, ...data } = event;
      return { type: CORRECTION_EVENT_FOR[event.type], data };
    }),
    add: assign(({ context, event }) => ({
      incidentId: event.incidentId ?? context.incidentId,
      corrections: [...context.corrections, { eventId: event.eventId, kind: event.kind, reason: event.reason, by: event.meta.actor.userId, at: event.meta.now }],
    })),
  },
}).createMachine({
  id: 'correction',
  context: { incidentId: '', corrections: [] },
  initial: 'none',
  states: {
    none: { on: { CorrectEntry: { guard: 'consistent', target: 'open', actions: ['add', 'record'] } } },
    open: { on: { CorrectEntry: { guard: 'consistent', actions: ['add', 'record'] } } },
  },
});

export const correctionAggregate: AggregateDefinition<typeof correctionMachine> = {
  streamType: 'correction',
  machine: correctionMachine,
  eventFor: CORRECTION_EVENT_FOR,
};
