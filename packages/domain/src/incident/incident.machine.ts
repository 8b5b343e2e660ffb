import { assign, emit, enqueueActions, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import { severityAtLeast, type EmittedEvent, type Severity } from '../shared';
import {
  INCIDENT_EVENT_FOR,
  type IncidentCommand,
  type IncidentCommandType,
  type IncidentContext,
  type LeadPrompt,
  type SeverityLinkage,
  type SuggestedSeverity,
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

/** The linkage the engine filled into a command, if the command carries one. */
function linkageOf(event: IncidentCommand): SeverityLinkage | undefined {
  switch (event.type) {
    case 'ReportIncident':
    case 'ConfirmIncident':
    case 'ClassifyIncident':
    case 'ConfirmSuggestedSeverity':
    case 'RaiseLead':
      return event.linkage;
    default:
      return undefined;
  }
}

/**
 * The rooms the linkage names that do not follow the incident yet: the linked rooms with them, and a
 * derived RoomLinked for each.
 */
function linkRooms(context: IncidentContext, linkage: SeverityLinkage, severity: Severity): { linkedJurisdictions: string[]; events: EmittedEvent[] } | null {
  const joining = linkage.link.filter(
    (j, i) =>
      linkage.link.indexOf(j) === i &&
      j !== context.leadJurisdiction &&
      !context.linkedJurisdictions.includes(j) &&
      !context.supportingJurisdictions.includes(j),
  );
  if (joining.length === 0) return null;
  return {
    linkedJurisdictions: [...context.linkedJurisdictions, ...joining],
    events: joining.map((jurisdiction) => ({ type: 'RoomLinked', data: { jurisdiction, reason: 'severity', severity }, derived: true })),
  };
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
  leadPrompt: null,
  suggestedSeverity: null,
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
  RaiseLead: { guard: 'hasUpper', actions: ['applyRaise', 'touch', 'record', 'linkAfterRaise'] },
  HandBackLead: { guard: 'wasRaised', actions: ['applyHandBack', 'touch', 'record'] },
  DeclineLead: { guard: 'isPrompted', actions: ['applyDeclineLead', 'touch', 'record'] },
} as const;

/**
 * Classification and the suggestions of the grading rules: until the response is lifted, after
 * which severity is a matter of record for the review.
 */
const grading = {
  ClassifyIncident: { actions: ['applyClassify', 'touch', 'record', 'settleSuggestion', 'linkBySeverity'] },
  SuggestSeverity: { guard: 'suggestionAdds', actions: ['applySuggestion', 'touch', 'record'] },
  ConfirmSuggestedSeverity: { guard: 'hasSuggestion', actions: ['recordSuggestionConfirmed', 'applySuggestionConfirmed', 'touch', 'linkBySeverity'] },
  DismissSuggestedSeverity: { guard: 'hasSuggestion', actions: ['recordSuggestionDismissed', 'applySuggestionDismissed', 'touch'] },
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
    isPrompted: ({ context }) => (context.leadPrompt ?? null) !== null,
    // A suggestion is made only above the severity in force and only once for the same severity.
    suggestionAdds: ({ context, event }) =>
      event.type === 'SuggestSeverity' &&
      (context.severity === null || !severityAtLeast(context.severity, event.severity)) &&
      context.suggestedSeverity?.severity !== event.severity,
    hasSuggestion: ({ context }) => (context.suggestedSeverity ?? null) !== null,
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
    // The rooms the linkage rules name for the severity follow the incident (市县联动), and the room
    // they name is prompted to take the lead; the engine resolves both from the tree. Lowering the
    // severity leaves the links until someone removes them, but withdraws a prompt it no longer makes.
    linkBySeverity: enqueueActions(({ context, event, enqueue }) => {
      const linkage = linkageOf(event);
      if (!linkage || context.severity === null) return;
      const severity = context.severity;
      const links = linkRooms(context, linkage, severity);
      if (links) {
        enqueue.assign({ linkedJurisdictions: links.linkedJurisdictions });
        for (const linked of links.events) enqueue.emit(linked);
      }
      const prompt = context.leadPrompt ?? null;
      if (linkage.promptLead === null) {
        if (prompt !== null) enqueue.assign({ leadPrompt: null });
      } else if (prompt?.jurisdiction !== linkage.promptLead && linkage.rule !== null) {
        const next: LeadPrompt = { jurisdiction: linkage.promptLead, severity, rule: linkage.rule, at: event.meta.occurredAt };
        enqueue.assign({ leadPrompt: next });
        enqueue.emit({ type: 'LeadPrompted', data: { jurisdiction: next.jurisdiction, severity, rule: next.rule }, derived: true });
      }
    }),
    // After a raise the rules of the new lead say who follows; a prompt stands only while its room is
    // still the one prompted above the new lead (reaching it, or passing it, answers the prompt).
    linkAfterRaise: enqueueActions(({ context, event, enqueue }) => {
      const linkage = linkageOf(event);
      const prompt = context.leadPrompt ?? null;
      if (prompt !== null && prompt.jurisdiction !== linkage?.promptLead) enqueue.assign({ leadPrompt: null });
      const links = linkage && context.severity !== null ? linkRooms(context, linkage, context.severity) : null;
      if (links) {
        enqueue.assign({ linkedJurisdictions: links.linkedJurisdictions });
        for (const linked of links.events) enqueue.emit(linked);
      }
    }),
    applyDeclineLead: assign({ leadPrompt: null }),
    applySuggestion: assign(({ event }) => {
      const c = as(event, 'SuggestSeverity');
      const suggestion: SuggestedSeverity = {
        severity: c.severity,
        rule: c.rule,
        source: c.source,
        figures: c.figures,
        ...(c.reportId === undefined ? {} : { reportId: c.reportId }),
        at: c.meta.occurredAt,
      };
      return { suggestedSeverity: suggestion };
    }),
    recordSuggestionConfirmed: emit(({ context, event }) => ({
      type: INCIDENT_EVENT_FOR.ConfirmSuggestedSeverity,
      data: { ...payload(event), previousSeverity: context.severity, severity: context.suggestedSeverity?.severity ?? null, rule: context.suggestedSeverity?.rule ?? null },
    })),
    applySuggestionConfirmed: assign(({ context }) => ({ severity: context.suggestedSeverity?.severity ?? context.severity, suggestedSeverity: null })),
    recordSuggestionDismissed: emit(({ context, event }) => ({
      type: INCIDENT_EVENT_FOR.DismissSuggestedSeverity,
      data: { ...payload(event), severity: context.suggestedSeverity?.severity ?? null },
    })),
    applySuggestionDismissed: assign({ suggestedSeverity: null }),
    // A severity set at or above a pending suggestion answers it.
    settleSuggestion: assign(({ context }) => {
      const suggested = context.suggestedSeverity ?? null;
      return suggested !== null && context.severity !== null && severityAtLeast(context.severity, suggested.severity) ? { suggestedSeverity: null } : {};
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
      on: { ReportIncident: { target: 'reported', actions: ['applyReport', 'touch', 'record', 'linkBySeverity'] } },
    },
    reported: {
      on: {
        ...linkage,
        BeginVerification: { target: 'verifying', actions: ['touch', 'record'] },
        DismissIncident: { target: 'dismissed', actions: ['applyDismiss', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ...grading,
      },
    },
    verifying: {
      on: {
        ...linkage,
        ConfirmIncident: { target: 'confirmed', guard: 'severityKnownOrGiven', actions: ['applyConfirm', 'touch', 'record', 'settleSuggestion', 'linkBySeverity'] },
        DismissIncident: { target: 'dismissed', actions: ['applyDismiss', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ...grading,
      },
    },
    dismissed: { type: 'final', tags: [OVER_TAG] },
    confirmed: {
      on: {
        ...linkage,
        BeginInitialHandling: { target: 'initialHandling', actions: ['touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ...grading,
      },
    },
    initialHandling: {
      on: {
        ...linkage,
        ActivateResponse: { target: 'responseActive', actions: ['applyActivate', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ...grading,
      },
    },
    responseActive: {
      on: {
        ...linkage,
        ChangeResponseLevel: { guard: 'levelDiffers', actions: ['applyLevelChange', 'touch', 'record'] },
        DeclareControlled: { target: 'controlled', actions: ['applyControlled', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ...grading,
      },
    },
    controlled: {
      on: {
        ...linkage,
        LiftResponse: { target: 'responseLifted', actions: ['applyLifted', 'touch', 'record'] },
        UpdateIncidentDetails: { actions: ['applyDetails', 'touch', 'record'] },
        ...grading,
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
