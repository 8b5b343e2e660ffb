import { assign, emit, enqueueActions, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import { severityAtLeast, type EmittedEvent } from '../shared';
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

/**
 * 接报 as a watch log states it, kept within what is possible: not before the incident happened, not
 * after the report that records it.
 */
function receiptOf(given: string | undefined, occurredAt: string, now: string): string {
  const at = given === undefined ? Date.parse(now) : Date.parse(given);
  return new Date(Math.min(Math.max(at, Date.parse(occurredAt)), Date.parse(now))).toISOString();
}

const emptyContext: IncidentContext = {
  incidentId: '',
  title: '',
  description: '',
  category: null,
  subtype: null,
  severity: null,
  responseLevel: null,
  leadJurisdiction: '',
  upperJurisdiction: null,
  linkedJurisdictions: [],
  supportingJurisdictions: [],
  raisedFrom: [],
  location: null,
  source: null,
  exercise: false,
  reportedAt: null,
  receivedAt: null,
  occurredAt: null,
  confirmedAt: null,
  responseActivatedAt: null,
  controlledAt: null,
  liftedAt: null,
  closedAt: null,
  dismissedReason: null,
  updatedAt: null,
};

/**
 * Linkage (市县联动) can change in every open state: from the report until the incident is over. Not
 * on the root: there it would apply before the incident exists (`none`) and, for xstate's `can()`, in
 * the final states too.
 */
const linkage = {
  LinkRoom: { guard: 'notYetFollowing', actions: ['applyLink', 'touch', 'record'] },
  UnlinkRoom: { guard: 'isLinked', actions: ['applyUnlink', 'touch', 'record'] },
  AddSupportingJurisdiction: { guard: 'notYetFollowing', actions: ['applySupport', 'touch', 'record'] },
  RemoveSupportingJurisdiction: { guard: 'isSupporting', actions: ['applyUnsupport', 'touch', 'record'] },
  RaiseLead: { guard: 'hasUpper', actions: ['applyRaise', 'touch', 'record', 'linkUpperOnSeverity'] },
  HandBackLead: { guard: 'wasRaised', actions: ['applyHandBack', 'touch', 'record'] },
} as const;

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
    notYetFollowing: ({ context, event }) =>
      (event.type === 'LinkRoom' || event.type === 'AddSupportingJurisdiction') &&
      event.jurisdiction !== context.leadJurisdiction &&
      !context.supportingJurisdictions.includes(event.jurisdiction) &&
      (event.type === 'AddSupportingJurisdiction' || !context.linkedJurisdictions.includes(event.jurisdiction)),
    isLinked: ({ context, event }) => event.type === 'UnlinkRoom' && context.linkedJurisdictions.includes(event.jurisdiction),
    isSupporting: ({ context, event }) =>
      event.type === 'RemoveSupportingJurisdiction' && context.supportingJurisdictions.includes(event.jurisdiction),
    hasUpper: ({ context, event }) => event.type === 'RaiseLead' && (event.to ?? context.upperJurisdiction) != null,
    wasRaised: ({ context }) => context.raisedFrom.length > 0,
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
        subtype: c.subtype ?? null,
        severity: c.severity ?? null,
        leadJurisdiction: c.leadJurisdiction,
        upperJurisdiction: c.upperJurisdiction ?? null,
        location: c.location ?? null,
        source: c.source ?? null,
        exercise: c.exercise ?? false,
        reportedAt: c.meta.now,
        receivedAt: receiptOf(c.receivedAt, c.meta.occurredAt, c.meta.now),
        occurredAt: c.meta.occurredAt,
      };
    }),
    applyConfirm: assign(({ context, event }) => {
      const c = as(event, 'ConfirmIncident');
      return {
        category: c.category ?? context.category,
        subtype: c.subtype ?? context.subtype,
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
    applyClassify: assign(({ context, event }) => {
      const c = as(event, 'ClassifyIncident');
      return { category: c.category, subtype: c.subtype ?? context.subtype, severity: c.severity };
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
    // From level III (较大) up the room above the lead follows the incident (市县联动); lowering the
    // severity again leaves the link until someone removes it.
    linkUpperOnSeverity: enqueueActions(({ context, enqueue }) => {
      const upper = context.upperJurisdiction;
      if (!upper || !context.severity || !severityAtLeast(context.severity, 'III')) return;
      if (upper === context.leadJurisdiction || context.linkedJurisdictions.includes(upper) || context.supportingJurisdictions.includes(upper)) return;
      enqueue.assign({ linkedJurisdictions: [...context.linkedJurisdictions, upper] });
      enqueue.emit({ type: 'RoomLinked', data: { jurisdiction: upper, reason: 'severity', severity: context.severity }, derived: true });
    }),
    applyLink: assign({ linkedJurisdictions: ({ context, event }) => [...context.linkedJurisdictions, as(event, 'LinkRoom').jurisdiction] }),
    applyUnlink: assign({
      linkedJurisdictions: ({ context, event }) => context.linkedJurisdictions.filter((j) => j !== as(event, 'UnlinkRoom').jurisdiction),
    }),
    applySupport: assign(({ context, event }) => {
      const j = as(event, 'AddSupportingJurisdiction').jurisdiction;
      return {
        supportingJurisdictions: [...context.supportingJurisdictions, j],
        linkedJurisdictions: context.linkedJurisdictions.filter((l) => l !== j),
      };
    }),
    applyUnsupport: assign({
      supportingJurisdictions: ({ context, event }) =>
        context.supportingJurisdictions.filter((j) => j !== as(event, 'RemoveSupportingJurisdiction').jurisdiction),
    }),
    // The upper level leads; the county that led stays on as a supporting jurisdiction.
    applyRaise: assign(({ context, event }) => {
      const c = as(event, 'RaiseLead');
      const to = c.to ?? context.upperJurisdiction ?? context.leadJurisdiction;
      return {
        raisedFrom: [...context.raisedFrom, { jurisdiction: context.leadJurisdiction, upper: context.upperJurisdiction }],
        leadJurisdiction: to,
        upperJurisdiction: c.upperJurisdiction ?? null,
        linkedJurisdictions: context.linkedJurisdictions.filter((j) => j !== to),
        supportingJurisdictions: [...context.supportingJurisdictions.filter((j) => j !== to && j !== context.leadJurisdiction), context.leadJurisdiction],
      };
    }),
    // Handing back returns the lead to the level it was raised from; the upper room keeps following.
    applyHandBack: assign(({ context }) => {
      const previous = context.raisedFrom[context.raisedFrom.length - 1];
      if (!previous) return {};
      return {
        raisedFrom: context.raisedFrom.slice(0, -1),
        leadJurisdiction: previous.jurisdiction,
        upperJurisdiction: previous.upper,
        supportingJurisdictions: context.supportingJurisdictions.filter((j) => j !== previous.jurisdiction),
        // The lead never follows itself: drop it from the linked rooms too (it may have been linked meanwhile).
        linkedJurisdictions: [
          ...context.linkedJurisdictions.filter((j) => j !== context.leadJurisdiction && j !== previous.jurisdiction),
          context.leadJurisdiction,
        ],
      };
    }),
  },
}).createMachine({
  id: 'incident',
  initial: 'none',
  context: emptyContext,
  // Details can be corrected until the review starts; classification until the response is lifted,
  // after which severity is a matter of record for the review.
  states: {
    none: {
      on: { ReportIncident: { target: 'reported', actions: ['applyReport', 'touch', 'record', 'linkUpperOnSeverity'] } },
    },
    reported: {
      on: {
        ...linkage,
        BeginVerification: { target: 'verifying', actions: ['touch', 'record'] },
        DismissIncident: { target: 'dismissed', actions: ['applyDismiss', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record', 'linkUpperOnSeverity'] },
      },
    },
    verifying: {
      on: {
        ...linkage,
        ConfirmIncident: { target: 'confirmed', guard: 'severityKnownOrGiven', actions: ['applyConfirm', 'touch', 'record', 'linkUpperOnSeverity'] },
        DismissIncident: { target: 'dismissed', actions: ['applyDismiss', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record', 'linkUpperOnSeverity'] },
      },
    },
    dismissed: { type: 'final', tags: [OVER_TAG] },
    confirmed: {
      on: {
        ...linkage,
        BeginInitialHandling: { target: 'initialHandling', actions: ['touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record', 'linkUpperOnSeverity'] },
      },
    },
    initialHandling: {
      on: {
        ...linkage,
        ActivateResponse: { target: 'responseActive', actions: ['applyActivate', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record', 'linkUpperOnSeverity'] },
      },
    },
    responseActive: {
      on: {
        ...linkage,
        ChangeResponseLevel: { guard: 'levelDiffers', actions: ['applyLevelChange', 'touch', 'record'] },
        DeclareControlled: { target: 'controlled', actions: ['applyControlled', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record', 'linkUpperOnSeverity'] },
      },
    },
    controlled: {
      on: {
        ...linkage,
        LiftResponse: { target: 'responseLifted', actions: ['applyLifted', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ClassifyIncident: { actions: ['applyClassify', 'touch', 'record', 'linkUpperOnSeverity'] },
      },
    },
    responseLifted: {
      on: {
        ...linkage,
        BeginRecovery: { target: 'recovery', actions: ['touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
      },
    },
    recovery: {
      on: {
        ...linkage,
        BeginReview: { target: 'underReview', actions: ['touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
      },
    },
    underReview: {
      on: { ...linkage, CloseIncident: { target: 'closed', actions: ['applyClosed', 'touch', 'record'] } },
    },
    closed: { type: 'final', tags: [OVER_TAG] },
  },
});

export const incidentAggregate: AggregateDefinition<typeof incidentMachine> = {
  streamType: 'incident',
  machine: incidentMachine,
  eventFor: INCIDENT_EVENT_FOR,
};
