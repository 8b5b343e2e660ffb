import type { CommandMeta } from '../shared';

export const PRIORITIES = ['urgent', 'routine', 'low'] as const;
type Priority = (typeof PRIORITIES)[number];

/** One line of an ICS 213RR resource request. */
export interface RequestedItem {
  kind: string;
  quantity: number;
  priority: Priority;
  deliverTo: string;
}

export interface ItemQuantity {
  kind: string;
  quantity: number;
}

interface Dispatch {
  depotId: string;
  orderNumber: string;
  items: ItemQuantity[];
  teams: string[];
  dispatchedAt: string;
  dispatchedBy: string;
  /**
   * The room that dispatched (the dispatcher's jurisdiction): stock and teams come from its own depots.
   * Absent in dispatches recorded before rooms were checked.
   */
  room?: string;
}

/** A type, not an interface: a machine's context is also a plain record (PersistedState), which only type literals are assignable to. */
export type RequestContext = {
  requestId: string;
  incidentId: string;
  items: RequestedItem[];
  justification: string;
  requestedBy: string;
  requestedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  rejectionReason: string | null;
  dispatch: Dispatch | null;
  eta: string | null;
  enRouteAt: string | null;
  arrivedAt: string | null;
  releasedAt: string | null;
  returned: ItemQuantity[];
  cancelledReason: string | null;
  updatedAt: string | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

type SubmitResourceRequest = Cmd<'SubmitResourceRequest'> & {
  requestId: string;
  incidentId: string;
  items: RequestedItem[];
  justification?: string;
};
type ApproveResourceRequest = Cmd<'ApproveResourceRequest'> & { note?: string };
type RejectResourceRequest = Cmd<'RejectResourceRequest'> & { reason: string };
type DispatchResources = Cmd<'DispatchResources'> & {
  depotId: string;
  orderNumber: string;
  /** What leaves the depot; defaults to every requested item in full. */
  items?: ItemQuantity[];
  teams?: string[];
};
type MarkEnRoute = Cmd<'MarkEnRoute'> & { eta?: string };
type ConfirmArrival = Cmd<'ConfirmArrival'> & { note?: string };
type ReleaseResources = Cmd<'ReleaseResources'> & {
  /** Returnable items going back to the depot; the depot's returnable flag decides what may return. */
  returned?: ItemQuantity[];
  note?: string;
};
type CancelResourceRequest = Cmd<'CancelResourceRequest'> & { reason: string };

export type RequestCommand =
  | SubmitResourceRequest
  | ApproveResourceRequest
  | RejectResourceRequest
  | DispatchResources
  | MarkEnRoute
  | ConfirmArrival
  | ReleaseResources
  | CancelResourceRequest;
export type RequestCommandType = RequestCommand['type'];

export const REQUEST_STATES = ['none', 'submitted', 'approved', 'rejected', 'dispatched', 'enRoute', 'arrived', 'released', 'cancelled'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const REQUEST_EVENT_FOR = {
  SubmitResourceRequest: 'ResourceRequestSubmitted',
  ApproveResourceRequest: 'ResourceRequestApproved',
  RejectResourceRequest: 'ResourceRequestRejected',
  DispatchResources: 'ResourcesDispatched',
  MarkEnRoute: 'ResourcesEnRoute',
  ConfirmArrival: 'ResourcesArrived',
  ReleaseResources: 'ResourcesReleased',
  CancelResourceRequest: 'ResourceRequestCancelled',
} as const satisfies Record<RequestCommandType, string>;
