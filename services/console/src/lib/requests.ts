/**
 * A resource request (ICS 213RR) as the room reads it. The api's view is the request machine's
 * context, typed loosely in the contract; this reads it once, field by field, so that a view never
 * guesses at a shape and never falls back to printing an id.
 */

interface RequestItem {
  kind: string;
  quantity: number;
  priority: string | null;
  deliverTo: string | null;
}

interface RequestDispatch {
  depotId: string;
  orderNumber: string;
  items: { kind: string; quantity: number }[];
  teams: string[];
  dispatchedAt: string | null;
  dispatchedBy: string | null;
  /** The room that dispatched (from its own depots). */
  room: string | null;
}

export interface RequestRecord {
  requestId: string;
  state: string;
  items: RequestItem[];
  justification: string;
  requestedBy: string | null;
  requestedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  rejectionReason: string | null;
  dispatch: RequestDispatch | null;
  eta: string | null;
  enRouteAt: string | null;
  arrivedAt: string | null;
  releasedAt: string | null;
  returned: { kind: string; quantity: number }[];
  cancelledReason: string | null;
}

type Loose = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

function quantities(v: unknown): { kind: string; quantity: number }[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).flatMap((i) => (typeof i['kind'] === 'string' && typeof i['quantity'] === 'number' ? [{ kind: i['kind'], quantity: i['quantity'] }] : []));
}

function dispatchOf(v: unknown): RequestDispatch | null {
  if (!isObject(v) || typeof v['depotId'] !== 'string') return null;
  return {
    depotId: v['depotId'],
    orderNumber: str(v['orderNumber']) ?? '',
    items: quantities(v['items']),
    teams: Array.isArray(v['teams']) ? v['teams'].filter((t): t is string => typeof t === 'string') : [],
    dispatchedAt: str(v['dispatchedAt']),
    dispatchedBy: str(v['dispatchedBy']),
    room: str(v['room']),
  };
}

/** The request view of the api, read into the fields the room sees. */
export function readRequest(view: Loose & { requestId: string; state: string }): RequestRecord {
  const items = Array.isArray(view['items']) ? view['items'].filter(isObject) : [];
  return {
    requestId: view.requestId,
    state: view.state,
    items: items.flatMap((i) =>
      typeof i['kind'] === 'string' && typeof i['quantity'] === 'number' ? [{ kind: i['kind'], quantity: i['quantity'], priority: str(i['priority']), deliverTo: str(i['deliverTo']) }] : [],
    ),
    justification: str(view['justification']) ?? '',
    requestedBy: str(view['requestedBy']),
    requestedAt: str(view['requestedAt']),
    decidedBy: str(view['decidedBy']),
    decidedAt: str(view['decidedAt']),
    rejectionReason: str(view['rejectionReason']),
    dispatch: dispatchOf(view['dispatch']),
    eta: str(view['eta']),
    enRouteAt: str(view['enRouteAt']),
    arrivedAt: str(view['arrivedAt']),
    releasedAt: str(view['releasedAt']),
    returned: quantities(view['returned']),
    cancelledReason: str(view['cancelledReason']),
  };
}

/**
 * Names the console knows for user ids, beyond the directory: the people of the command structure
 * (the scene names its commander and deputies) and anyone a timeline entry names with an id and a
 * name (the commander appointed, a transfer's incoming commander).
 */
export function namesFromRecord(scene: { commander: { userId: string; name: string } | null; deputies: readonly { userId: string; name: string }[] }, entries: readonly { data: Loose }[]): Map<string, string> {
  const names = new Map<string, string>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4) return;
    if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
    if (!isObject(v)) return;
    const userId = v['userId'];
    const name = v['name'];
    if (typeof userId === 'string' && typeof name === 'string' && name.trim() !== '') names.set(userId, name);
    for (const value of Object.values(v)) visit(value, depth + 1);
  };
  for (const entry of entries) visit(entry.data, 0);
  // The scene is the latest word on who is in command: it wins over older entries.
  for (const person of [...(scene.commander ? [scene.commander] : []), ...scene.deputies]) names.set(person.userId, person.name);
  return names;
}

/** The room a user acted for on a stream (who asked, decided or dispatched), from the timeline. */
export function roomOfActor(entries: readonly { streamId: string; actor: string; actorJurisdiction: string }[], streamId: string, userId: string): string | null {
  return entries.find((e) => e.streamId === streamId && e.actor === userId)?.actorJurisdiction ?? null;
}

/** The notes a request's steps carried (kept on its events, not in its state): approval, arrival, release. */
export function stepNotes(entries: readonly { streamId: string; type: string; data: Loose }[], streamId: string): { approved: string | null; arrived: string | null; released: string | null } {
  const noteOf = (type: string) => str(entries.find((e) => e.streamId === streamId && e.type === type)?.data['note']);
  return { approved: noteOf('ResourceRequestApproved'), arrived: noteOf('ResourcesArrived'), released: noteOf('ResourcesReleased') };
}

/**
 * What a release may give back: the dispatched quantities of each kind, for the returned-quantity
 * inputs; empty inputs (and zeros) are left out of the payload, which the api reads as "nothing back".
 */
export function returnedPayload(dispatched: readonly { kind: string; quantity: number }[], typed: Readonly<Record<string, unknown>> | undefined): { kind: string; quantity: unknown }[] {
  if (!typed) return [];
  return dispatched.flatMap((item, index) => {
    const value = typed[String(index)];
    return value === undefined || value === 0 ? [] : [{ kind: item.kind, quantity: value }];
  });
}
