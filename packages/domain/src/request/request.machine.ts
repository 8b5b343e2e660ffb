import { assign, emit, setup } from 'xstate';
import { OVER_TAG, type AggregateDefinition } from '../aggregate';
import type { EmittedEvent } from '../shared';
import { REQUEST_EVENT_FOR, type ItemQuantity, type RequestCommand, type RequestCommandType, type RequestContext } from './request.types';

function as<T extends RequestCommandType>(event: RequestCommand, type: T): Extract<RequestCommand, { type: T }> {
  if (event.type !== type) throw new Error(`request machine: expected ${type}, got ${event.type}`);
  return event as Extract<RequestCommand, { type: T }>;
}

/** What a dispatch takes from the depot: the listed items, or every requested item in full. */
export function dispatchedItems(context: RequestContext, command: { items?: ItemQuantity[] }): ItemQuantity[] {
  return command.items ?? context.items.map(({ kind, quantity }) => ({ kind, quantity }));
}

const emptyContext: RequestContext = {
  requestId: '',
  incidentId: '',
  items: [],
  justification: '',
  requestedBy: '',
  requestedAt: null,
  decidedBy: null,
  decidedAt: null,
  rejectionReason: null,
  dispatch: null,
  eta: null,
  enRouteAt: null,
  arrivedAt: null,
  releasedAt: null,
  returned: [],
  cancelledReason: null,
  updatedAt: null,
};

/** Returned quantities never exceed what was dispatched, kind by kind. */
function returnsFit(context: RequestContext, returned: ItemQuantity[] | undefined): boolean {
  if (!returned) return true;
  const sent = new Map<string, number>();
  for (const item of context.dispatch?.items ?? []) sent.set(item.kind, (sent.get(item.kind) ?? 0) + item.quantity);
  const back = new Map<string, number>();
  for (const item of returned) back.set(item.kind, (back.get(item.kind) ?? 0) + item.quantity);
  return [...back].every(([kind, quantity]) => quantity <= (sent.get(kind) ?? 0));
}

export const requestMachine = setup({
  types: { context: {} as RequestContext, events: {} as RequestCommand, emitted: {} as EmittedEvent },
  guards: {
    returnsFit: ({ context, event }) => event.type === 'ReleaseResources' && returnsFit(context, event.returned),
  },
  actions: {
    record: emit(({ context, event }) => {
      const { type: _type, meta: _meta, ...data } = event;
      // A dispatch records exactly what left the depot, so its stock effect can be derived from the event.
      if (event.type === 'DispatchResources') return { type: REQUEST_EVENT_FOR[event.type], data: { ...data, items: dispatchedItems(context, event) } };
      return { type: REQUEST_EVENT_FOR[event.type], data };
    }),
    touch: assign({ updatedAt: ({ event }) => event.meta.now }),
    submit: assign(({ event }) => {
      const c = as(event, 'SubmitResourceRequest');
      return {
        requestId: c.requestId,
        incidentId: c.incidentId,
        items: c.items,
        justification: c.justification ?? '',
        requestedBy: c.meta.actor.userId,
        requestedAt: c.meta.occurredAt,
      };
    }),
    approve: assign({ decidedBy: ({ event }) => event.meta.actor.userId, decidedAt: ({ event }) => event.meta.now }),
    reject: assign({
      decidedBy: ({ event }) => event.meta.actor.userId,
      decidedAt: ({ event }) => event.meta.now,
      rejectionReason: ({ event }) => as(event, 'RejectResourceRequest').reason,
    }),
    dispatch: assign({
      dispatch: ({ context, event }) => {
        const c = as(event, 'DispatchResources');
        return {
          depotId: c.depotId,
          orderNumber: c.orderNumber,
          items: dispatchedItems(context, c),
          teams: c.teams ?? [],
          dispatchedAt: c.meta.occurredAt,
          dispatchedBy: c.meta.actor.userId,
          room: c.meta.actor.jurisdiction,
        };
      },
    }),
    enRoute: assign({ enRouteAt: ({ event }) => event.meta.occurredAt, eta: ({ event }) => as(event, 'MarkEnRoute').eta ?? null }),
    arrive: assign({ arrivedAt: ({ event }) => event.meta.occurredAt }),
    release: assign({ releasedAt: ({ event }) => event.meta.occurredAt, returned: ({ event }) => as(event, 'ReleaseResources').returned ?? [] }),
    cancel: assign({ cancelledReason: ({ event }) => as(event, 'CancelResourceRequest').reason }),
  },
}).createMachine({
  id: 'resourceRequest',
  initial: 'none',
  context: emptyContext,
  states: {
    none: { on: { SubmitResourceRequest: { target: 'submitted', actions: ['submit', 'touch', 'record'] } } },
    submitted: {
      on: {
        ApproveResourceRequest: { target: 'approved', actions: ['approve', 'touch', 'record'] },
        RejectResourceRequest: { target: 'rejected', actions: ['reject', 'touch', 'record'] },
        CancelResourceRequest: { target: 'cancelled', actions: ['cancel', 'touch', 'record'] },
      },
    },
    approved: {
      on: {
        DispatchResources: { target: 'dispatched', actions: ['dispatch', 'touch', 'record'] },
        CancelResourceRequest: { target: 'cancelled', actions: ['cancel', 'touch', 'record'] },
      },
    },
    rejected: { type: 'final', tags: [OVER_TAG] },
    dispatched: {
      on: {
        MarkEnRoute: { target: 'enRoute', actions: ['enRoute', 'touch', 'record'] },
        ConfirmArrival: { target: 'arrived', actions: ['arrive', 'touch', 'record'] },
      },
    },
    enRoute: { on: { ConfirmArrival: { target: 'arrived', actions: ['arrive', 'touch', 'record'] } } },
    arrived: { on: { ReleaseResources: { guard: 'returnsFit', target: 'released', actions: ['release', 'touch', 'record'] } } },
    released: { type: 'final', tags: [OVER_TAG] },
    cancelled: { type: 'final', tags: [OVER_TAG] },
  },
});

export const requestAggregate: AggregateDefinition<typeof requestMachine> = {
  streamType: 'resourceRequest',
  machine: requestMachine,
  eventFor: REQUEST_EVENT_FOR,
};
