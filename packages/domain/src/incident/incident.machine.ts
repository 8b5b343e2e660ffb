import { assign, emit, setup } from 'xstate';
import type { AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import {
  INCIDENT_EVENT_FOR,
  type IncidentCommand,
  type IncidentCommandType,
  type IncidentContext,
} from './incident.types';

/** The payload of a command without its type and meta: what the primary event records. */
function payload(command: IncidentCommand): Record<string, unknown> {
  const { type: _type, meta: _meta, ...data } = command;
  return data;
}

function primaryEvent(command: IncidentCommand): EmittedEvent {
  return { type: INCIDENT_EVENT_FOR[command.type], data: payload(command) };
}

/** Narrows the machine's event to one command type; the machine only routes that type here. */
function as<T extends IncidentCommandType>(event: IncidentCommand, type: T): Extract<IncidentCommand, { type: T }> {
  if (event.type !== type) throw new Error(`incident machine: expected ${type}, got ${event.type}`);
  return event as Extract<IncidentCommand, { type: T }>;
}

const emptyContext: IncidentContext = {
  incidentId: '',
  title: '',
  description: '',
  category: null,
  severity: null,
  responseLevel: null,
  leadJurisdiction: '',
  supportingJurisdictions: [],
  location: null,
  source: null,
  exercise: false,
  reportedAt: null,
  occurredAt: null,
  confirmedAt: null,
  responseActivatedAt: null,
  controlledAt: null,
  liftedAt: null,
  closedAt: null,
  dismissedReason: null,
  updatedAt: null,
};

export const incidentMachine = setup({
  types: {
    context: {} as IncidentContext,
    events: {} as IncidentCommand,
    emitted: {} as EmittedEvent,
  },
  guards: {
    severityKnownOrGiven: ({ context, event }) =>
      event.type === 'ConfirmIncident' && (event.severity !== undefined || context.severity !== null),
    levelDiffers: ({ context, event }) =>
      event.type === 'ChangeResponseLevel' && event.level !== context.responseLevel,
  },
  actions: {
    record: emit(({ event }) => primaryEvent(event)),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    applyReport: assign(({ event }) => {
      const c = as(event, 'ReportIncident');
      return {
        incidentId: c.incidentId,
        title: c.title,
        description: c.description ?? '',
        category: c.category ?? null,
        severity: c.severity ?? null,
        leadJurisdiction: c.leadJurisdiction,
        location: c.location ?? null,
        source: c.source ?? null,
        exercise: c.exercise ?? false,
        reportedAt: c.meta.now,
        occurredAt: c.meta.occurredAt,
      };
    }),
    applyConfirm: assign(({ context, event }) => {
      const c = as(event, 'ConfirmIncident');
      return {
        category: c.category ?? context.category,
        severity: c.severity ?? context.severity,
        confirmedAt: c.meta.occurredAt,
      };
    }),
    applyDismiss: assign({ dismissedReason: ({ event }) => as(event, 'DismissIncident').reason }),
    applyActivate: assign(({ event }) => {
      const c = as(event, 'ActivateResponse');
      return { responseLevel: c.level, responseActivatedAt: c.meta.occurredAt };
    }),
    applyLevelChange: assign({ responseLevel: ({ event }) => as(event, 'ChangeResponseLevel').level }),
    applyClassify: assign(({ event }) => {
      const c = as(event, 'ClassifyIncident');
      return { category: c.category, severity: c.severity };
    }),
    applyDetails: assign(({ context, event }) => {
      const c = as(event, 'UpdateIncidentDetails');
      return {
        title: c.title ?? context.title,
        description: c.description ?? context.description,
        location: c.location ?? context.location,
      };
    }),
    applyControlled: assign({ controlledAt: ({ event }) => event.meta.occurredAt }),
    applyLifted: assign({ liftedAt: ({ event }) => event.meta.occurredAt }),
    applyClosed: assign({ closedAt: ({ event }) => event.meta.occurredAt }),
  },
}).createMachine({
  id: 'incident',
  initial: 'none',
  context: emptyContext,
  // Details can be corrected until the review starts; classification until the response is lifted,
  // after which severity is a matter of record for the review.
  states: {
    none: {
      on: { ReportIncident: { target: 'reported', actions: ['applyReport', 'touch', 'record'] } },
    },
    reported: {
      on: {
        BeginVerification: { target: 'verifying', actions: ['touch', 'record'] },
        DismissIncident: { target: 'dismissed', actions: ['applyDismiss', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record'] },
      },
    },
    verifying: {
      on: {
        ConfirmIncident: { target: 'confirmed', guard: 'severityKnownOrGiven', actions: ['applyConfirm', 'touch', 'record'] },
        DismissIncident: { target: 'dismissed', actions: ['applyDismiss', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record'] },
      },
    },
    dismissed: { type: 'final' },
    confirmed: {
      on: {
        BeginInitialHandling: { target: 'initialHandling', actions: ['touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record'] },
      },
    },
    initialHandling: {
      on: {
        ActivateResponse: { target: 'responseActive', actions: ['applyActivate', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record'] },
      },
    },
    responseActive: {
      on: {
        ChangeResponseLevel: { guard: 'levelDiffers', actions: ['applyLevelChange', 'touch', 'record'] },
        DeclareControlled: { target: 'controlled', actions: ['applyControlled', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record'] },
      },
    },
    controlled: {
      on: {
        LiftResponse: { target: 'responseLifted', actions: ['applyLifted', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record'] },
      },
    },
    responseLifted: {
      on: {
        BeginRecovery: { target: 'recovery', actions: ['touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
      },
    },
    recovery: {
      on: {
        BeginReview: { target: 'underReview', actions: ['touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
      },
    },
    underReview: {
      on: { CloseIncident: { target: 'closed', actions: ['applyClosed', 'touch', 'record'] } },
    },
    closed: { type: 'final' },
  },
});

export const incidentAggregate: AggregateDefinition<typeof incidentMachine> = {
  streamType: 'incident',
  machine: incidentMachine,
  eventFor: INCIDENT_EVENT_FOR,
};
