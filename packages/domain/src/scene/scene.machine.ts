import { assign, emit, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import {
  SCENE_EVENT_FOR,
  type SceneContext,
  type OnSceneCommand,
  type OnSceneCommandType,
  type Person,
  type TransferOffer,
} from './scene.types';

function payload(command: OnSceneCommand): Record<string, unknown> {
  const { type: _type, meta: _meta, ...data } = command;
  return data;
}

function as<T extends OnSceneCommandType>(event: OnSceneCommand, type: T): Extract<OnSceneCommand, { type: T }> {
  if (event.type !== type) throw new Error(`command machine: expected ${type}, got ${event.type}`);
  return event as Extract<OnSceneCommand, { type: T }>;
}

function offerOf(context: SceneContext, event: OnSceneCommand): TransferOffer | undefined {
  const offerId = 'offerId' in event ? event.offerId : undefined;
  return context.offers.find((o) => o.offerId === offerId);
}

/**
 * When an accepted transfer takes effect: the time the acceptance names, else the one the offer
 * proposed; at once when neither names one or the time has already passed.
 */
function effectiveAt(context: SceneContext, event: OnSceneCommand): string {
  const c = as(event, 'AcceptTransfer');
  const agreed = c.effectiveAt ?? offerOf(context, event)?.effectiveAt;
  return agreed !== undefined && Date.parse(agreed) > Date.parse(c.meta.now) ? agreed : c.meta.now;
}

function isExpired(context: SceneContext, event: OnSceneCommand): boolean {
  const offer = offerOf(context, event);
  return offer?.expiresAt != null && Date.parse(event.meta.now) >= Date.parse(offer.expiresAt);
}

/** An offer can be accepted once it has a briefing and while it has not lapsed. */
function acceptable(context: SceneContext, event: OnSceneCommand): boolean {
  return event.type === 'AcceptTransfer' && offerOf(context, event)?.briefing != null && !isExpired(context, event);
}

/** An appointment names each deputy once, and never the commander as his own deputy. */
function appointmentValid(event: OnSceneCommand): boolean {
  if (event.type !== 'AppointCommander') return false;
  const ids = (event.deputies ?? []).map((d) => d.userId);
  return new Set(ids).size === ids.length && !ids.includes(event.commander.userId);
}

const emptyContext: SceneContext = {
  incidentId: '',
  commander: null,
  appointedBy: null,
  deputies: [],
  offers: [],
  pendingTransfer: null,
  agencies: [],
  commandPost: null,
  latestReport: null,
  reportCount: 0,
  tenures: [],
  deactivatedAt: null,
  updatedAt: null,
};

/** What a deadline row of a scene fires: the scene command, with its payload. */
interface TransferDeadline {
  key: string;
  dueAt: string;
  command: { type: 'ExpireTransfer'; data: { offerId: string } } | { type: 'MakeTransferEffective'; data: { offerId: string } };
}

/**
 * The deadline rows the timers should hold for a scene (issue 20): the expiry of each open offer that
 * has one, and the effective time of an accepted transfer. Read from the context alone, so the engine
 * keeps the rows equal to it after every event: withdrawing, declining or accepting an offer drops its
 * expiry, a hand-over or a deactivation drops everything. The machine still judges each firing.
 */
export function pendingTransferDeadlines(context: SceneContext): TransferDeadline[] {
  const expiries = context.offers.flatMap((o): TransferDeadline[] =>
    o.expiresAt === null ? [] : [{ key: `transfer/${o.offerId}/expiry`, dueAt: o.expiresAt, command: { type: 'ExpireTransfer', data: { offerId: o.offerId } } }],
  );
  const pending = context.pendingTransfer;
  const effective: TransferDeadline[] =
    pending === null
      ? []
      : [{ key: `transfer/${pending.offerId}/effective`, dueAt: pending.effectiveAt, command: { type: 'MakeTransferEffective', data: { offerId: pending.offerId } } }];
  return [...expiries, ...effective];
}

const withoutOffer = (offers: TransferOffer[], offerId: string) => offers.filter((o) => o.offerId !== offerId);
const samePerson = (a: Person | null, userId: string) => a !== null && a.userId === userId;

export const sceneMachine = setup({
  types: {
    context: {} as SceneContext,
    events: {} as OnSceneCommand,
    emitted: {} as EmittedEvent,
  },
  guards: {
    offerOpen: ({ context, event }) => offerOf(context, event) !== undefined,
    // A new offer needs an unused id and a successor who is not already the commander.
    // An expiry, when given, lies ahead: an offer that has lapsed before it is made offers nothing.
    offerValid: ({ context, event }) =>
      event.type === 'OfferTransfer' &&
      offerOf(context, event) === undefined &&
      !samePerson(context.commander, event.to.userId) &&
      (event.expiresAt === undefined || Date.parse(event.expiresAt) > Date.parse(event.meta.now)),
    lastOffer: ({ context, event }) => offerOf(context, event) !== undefined && context.offers.length === 1,
    briefedNow: ({ context, event }) => acceptable(context, event) && effectiveAt(context, event) === event.meta.now,
    briefedLater: ({ context, event }) => acceptable(context, event) && effectiveAt(context, event) !== event.meta.now,
    appointmentValid: ({ event }) => appointmentValid(event),
    offerExpired: ({ context, event }) => isExpired(context, event),
    lastOfferExpired: ({ context, event }) => context.offers.length === 1 && isExpired(context, event),
    // Due once its time has come; a firing that names a transfer must name the pending one (a stale
    // deadline row never hands command to anyone else).
    transferDue: ({ context, event }) =>
      event.type === 'MakeTransferEffective' &&
      context.pendingTransfer !== null &&
      (event.offerId === undefined || event.offerId === context.pendingTransfer.offerId) &&
      Date.parse(event.meta.now) >= Date.parse(context.pendingTransfer.effectiveAt),
    notDeputyYet: ({ context, event }) =>
      event.type === 'AppointDeputy' &&
      !context.deputies.some((d) => d.userId === event.deputy.userId) &&
      !samePerson(context.commander, event.deputy.userId),
    isDeputy: ({ context, event }) => event.type === 'RemoveDeputy' && context.deputies.some((d) => d.userId === event.userId),
    agencyAbsent: ({ context, event }) => event.type === 'JoinUnifiedCommand' && !context.agencies.some((a) => a.agency === event.agency),
    agencyPresent: ({ context, event }) => event.type === 'LeaveUnifiedCommand' && context.agencies.some((a) => a.agency === event.agency),
  },
  actions: {
    record: emit(({ event }) => ({ type: SCENE_EVENT_FOR[event.type], data: payload(event) })),
    // A transfer accepted for "now" takes effect in the same command: the effect is a derived event.
    recordImmediateEffect: emit(({ context, event }) => ({
      type: SCENE_EVENT_FOR.MakeTransferEffective,
      data: { offerId: 'offerId' in event ? event.offerId : null, commander: context.commander },
      derived: true,
    })),
    // A transfer that becomes effective later records who took command; replay ignores the extra fields.
    recordDueEffect: emit(({ context, event }) => ({
      type: SCENE_EVENT_FOR.MakeTransferEffective,
      data: { ...payload(event), commander: context.commander },
    })),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    assumeProvisional: assign(({ context, event }) => {
      const c = as(event, 'AssumeProvisionalCommand');
      return {
        incidentId: c.incidentId,
        commander: c.commander,
        appointedBy: null,
        tenures: [...context.tenures, { commander: c.commander, kind: 'provisional' as const, from: c.meta.occurredAt, appointedBy: null }],
      };
    }),
    appoint: assign(({ context, event }) => {
      const c = as(event, 'AppointCommander');
      return {
        incidentId: c.incidentId ?? context.incidentId,
        commander: c.commander,
        appointedBy: c.meta.actor.userId,
        deputies: c.deputies ?? context.deputies,
        tenures: [
          ...context.tenures,
          { commander: c.commander, kind: 'appointed' as const, from: c.meta.occurredAt, appointedBy: c.meta.actor.userId },
        ],
      };
    }),
    addDeputy: assign({ deputies: ({ context, event }) => [...context.deputies, as(event, 'AppointDeputy').deputy] }),
    removeDeputy: assign({
      deputies: ({ context, event }) => context.deputies.filter((d) => d.userId !== as(event, 'RemoveDeputy').userId),
    }),
    addOffer: assign({
      offers: ({ context, event }) => {
        const c = as(event, 'OfferTransfer');
        const offer: TransferOffer = {
          offerId: c.offerId,
          to: c.to,
          offeredBy: c.meta.actor.userId,
          offeredAt: c.meta.now,
          expiresAt: c.expiresAt ?? null,
          ...(c.effectiveAt === undefined ? {} : { effectiveAt: c.effectiveAt }),
          briefing: c.briefing ?? null,
          briefedAt: c.briefing === undefined ? null : c.meta.now,
        };
        return [...context.offers, offer];
      },
    }),
    brief: assign({
      offers: ({ context, event }) => {
        const c = as(event, 'RecordTransferBriefing');
        return context.offers.map((o) => (o.offerId === c.offerId ? { ...o, briefing: c.briefing, briefedAt: c.meta.now } : o));
      },
    }),
    dropOffer: assign({
      offers: ({ context, event }) => withoutOffer(context.offers, 'offerId' in event ? event.offerId : ''),
    }),
    acceptLater: assign(({ context, event }) => {
      const c = as(event, 'AcceptTransfer');
      const offer = offerOf(context, event);
      if (!offer?.briefing) return {};
      // Competing offers lapse once one is accepted: there is exactly one successor.
      return {
        offers: [],
        pendingTransfer: {
          offerId: offer.offerId,
          to: offer.to,
          offeredBy: offer.offeredBy,
          acceptedAt: c.meta.now,
          effectiveAt: effectiveAt(context, event),
          briefing: offer.briefing,
        },
      };
    }),
    handOver: assign(({ context, event }) => {
      const pending = context.pendingTransfer;
      const offer = offerOf(context, event);
      const successor = pending?.to ?? offer?.to;
      if (!successor) return {};
      // Whoever offered the command appointed the successor, whether it takes effect at once or later.
      const appointedBy = pending?.offeredBy ?? offer?.offeredBy ?? context.appointedBy;
      const from = pending?.effectiveAt ?? event.meta.now;
      const briefing = pending?.briefing ?? offer?.briefing ?? null;
      return {
        // The successor commands under the briefing he accepted: the ICS 201 export reads it from here.
        ...(briefing === null ? {} : { briefingOnRecord: { offerId: pending?.offerId ?? offer?.offerId ?? '', to: successor, briefing, effectiveAt: from } }),
        commander: successor,
        appointedBy,
        deputies: context.deputies.filter((d) => d.userId !== successor.userId),
        offers: [],
        pendingTransfer: null,
        tenures: [
          ...context.tenures,
          { commander: successor, kind: 'appointed' as const, from, appointedBy },
        ],
      };
    }),
    join: assign({
      agencies: ({ context, event }) => {
        const c = as(event, 'JoinUnifiedCommand');
        return [...context.agencies, { agency: c.agency, representative: c.representative, joinedAt: c.meta.occurredAt }];
      },
    }),
    leave: assign({
      agencies: ({ context, event }) => context.agencies.filter((a) => a.agency !== as(event, 'LeaveUnifiedCommand').agency),
    }),
    establishPost: assign({
      commandPost: ({ event }) => ({ ...as(event, 'EstablishCommandPost').location, since: event.meta.occurredAt }),
    }),
    report: assign(({ context, event }) => {
      const c = as(event, 'PostSceneReport');
      const previous = context.latestReport;
      // A report gives the figures it knows; the others carry over from the previous report, and a
      // figure no report has given stays unknown (null), never a reassuring 0.
      return {
        reportCount: context.reportCount + 1,
        latestReport: {
          reportId: c.reportId,
          reportedBy: c.meta.actor.userId,
          occurredAt: c.meta.occurredAt,
          recordedAt: c.meta.now,
          dead: c.dead ?? previous?.dead ?? null,
          injured: c.injured ?? previous?.injured ?? null,
          missing: c.missing ?? previous?.missing ?? null,
          trapped: c.trapped ?? previous?.trapped ?? null,
          evacuated: c.evacuated ?? previous?.evacuated ?? null,
          sheltered: c.sheltered ?? previous?.sheltered ?? null,
          resourcesOnScene: c.resourcesOnScene ?? previous?.resourcesOnScene ?? '',
          objectives: c.objectives ?? previous?.objectives ?? '',
          needs: c.needs ?? previous?.needs ?? '',
        },
      };
    }),
    deactivate: assign({ deactivatedAt: ({ event }) => event.meta.occurredAt, offers: [], pendingTransfer: null }),
  },
}).createMachine({
  id: 'onSceneCommand',
  initial: 'none',
  context: emptyContext,
  states: {
    none: {
      on: {
        AssumeProvisionalCommand: { target: 'provisional', actions: ['assumeProvisional', 'touch', 'record'] },
        AppointCommander: { guard: 'appointmentValid', target: 'commanded', actions: ['appoint', 'touch', 'record'] },
      },
    },
    provisional: {
      on: {
        AppointCommander: { guard: 'appointmentValid', target: 'commanded', actions: ['appoint', 'touch', 'record'] },
        PostSceneReport: { actions: ['report', 'touch', 'record'] },
        EstablishCommandPost: { actions: ['establishPost', 'touch', 'record'] },
        DeactivateCommand: { target: 'deactivated', actions: ['deactivate', 'touch', 'record'] },
      },
    },
    commanded: {
      on: {
        AppointDeputy: { guard: 'notDeputyYet', actions: ['addDeputy', 'touch', 'record'] },
        RemoveDeputy: { guard: 'isDeputy', actions: ['removeDeputy', 'touch', 'record'] },
        OfferTransfer: { guard: 'offerValid', target: 'transferPending', actions: ['addOffer', 'touch', 'record'] },
        JoinUnifiedCommand: { guard: 'agencyAbsent', actions: ['join', 'touch', 'record'] },
        LeaveUnifiedCommand: { guard: 'agencyPresent', actions: ['leave', 'touch', 'record'] },
        EstablishCommandPost: { actions: ['establishPost', 'touch', 'record'] },
        PostSceneReport: { actions: ['report', 'touch', 'record'] },
        DeactivateCommand: { target: 'deactivated', actions: ['deactivate', 'touch', 'record'] },
      },
    },
    transferPending: {
      on: {
        OfferTransfer: { guard: 'offerValid', actions: ['addOffer', 'touch', 'record'] },
        RecordTransferBriefing: { guard: 'offerOpen', actions: ['brief', 'touch', 'record'] },
        AcceptTransfer: [
          { guard: 'briefedNow', target: 'commanded', actions: ['touch', 'record', 'handOver', 'recordImmediateEffect'] },
          { guard: 'briefedLater', target: 'transferAccepted', actions: ['acceptLater', 'touch', 'record'] },
        ],
        DeclineTransfer: [
          { guard: 'lastOffer', target: 'commanded', actions: ['dropOffer', 'touch', 'record'] },
          { guard: 'offerOpen', actions: ['dropOffer', 'touch', 'record'] },
        ],
        WithdrawTransfer: [
          { guard: 'lastOffer', target: 'commanded', actions: ['dropOffer', 'touch', 'record'] },
          { guard: 'offerOpen', actions: ['dropOffer', 'touch', 'record'] },
        ],
        ExpireTransfer: [
          { guard: 'lastOfferExpired', target: 'commanded', actions: ['dropOffer', 'touch', 'record'] },
          { guard: 'offerExpired', actions: ['dropOffer', 'touch', 'record'] },
        ],
        AppointDeputy: { guard: 'notDeputyYet', actions: ['addDeputy', 'touch', 'record'] },
        RemoveDeputy: { guard: 'isDeputy', actions: ['removeDeputy', 'touch', 'record'] },
        JoinUnifiedCommand: { guard: 'agencyAbsent', actions: ['join', 'touch', 'record'] },
        LeaveUnifiedCommand: { guard: 'agencyPresent', actions: ['leave', 'touch', 'record'] },
        EstablishCommandPost: { actions: ['establishPost', 'touch', 'record'] },
        PostSceneReport: { actions: ['report', 'touch', 'record'] },
      },
    },
    transferAccepted: {
      on: {
        MakeTransferEffective: { guard: 'transferDue', target: 'commanded', actions: ['handOver', 'touch', 'recordDueEffect'] },
        AppointDeputy: { guard: 'notDeputyYet', actions: ['addDeputy', 'touch', 'record'] },
        RemoveDeputy: { guard: 'isDeputy', actions: ['removeDeputy', 'touch', 'record'] },
        JoinUnifiedCommand: { guard: 'agencyAbsent', actions: ['join', 'touch', 'record'] },
        LeaveUnifiedCommand: { guard: 'agencyPresent', actions: ['leave', 'touch', 'record'] },
        EstablishCommandPost: { actions: ['establishPost', 'touch', 'record'] },
        PostSceneReport: { actions: ['report', 'touch', 'record'] },
      },
    },
    deactivated: { type: 'final', tags: [OVER_TAG] },
  },
});

export const sceneAggregate: AggregateDefinition<typeof sceneMachine> = {
  streamType: 'scene',
  machine: sceneMachine,
  eventFor: SCENE_EVENT_FOR,
};
