import type { CommandResult, CreateResourceRequestSchema, ErrorCode, FieldIssue } from '@muster/contracts';
import type { z } from 'zod';

/**
 * The commander's command queue (issue 20), as pure data: what a queued command holds, how it is
 * sent, which answers mean "try again later" and which are the server's refusal, and what a refused
 * command becomes when the commander edits it or sends its text as a scene report. The IndexedDB
 * store is `offline-store.ts`; the sending loop `offline-sync.tsx`.
 */

/** The server's refusal of a queued command, kept as it answered (shown in the console's language). */
interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
  issues?: FieldIssue[] | undefined;
  /** When the refusal came back. */
  at: string;
}

interface QueuedBase {
  /** The queue's order (IndexedDB key, given when the command is stored). */
  seq?: number | undefined;
  /** Whose queue: a phone shared by two logins sends each one's commands with his own token only. */
  userId: string;
  incidentId: string;
  /** Client-generated: the server's idempotency key, so a retry after a lost answer never doubles. */
  commandId: string;
  /** The moment the user acted (the event's occurredAt), distinct from the server's recordedAt. */
  occurredAt: string;
  /** When it went into the queue (for display; equal to occurredAt unless edited). */
  queuedAt: string;
  /** `queued` waits to be sent; `refused` waits for the user's choice (未能提交). */
  status: 'queued' | 'refused';
  refusal?: Refusal | undefined;
}

/** An on-scene command (scene report, transfer of command …) to POST /incidents/:id/command. */
export interface QueuedSceneCommand extends QueuedBase {
  kind: 'scene';
  type: string;
  data: Record<string, unknown>;
  /** The scene stream's version the user saw when he acted (null when he saw no command structure). */
  seenVersion: number | null;
}

/** A resource request (ICS 213RR) to POST /incidents/:id/resource-requests. */
export interface QueuedResourceRequest extends QueuedBase {
  kind: 'request';
  type: 'SubmitResourceRequest';
  /** Client-generated, so the request's stream is the same on every retry. */
  requestId: string;
  data: z.output<typeof CreateResourceRequestSchema>['data'];
}

export type QueuedCommand = QueuedSceneCommand | QueuedResourceRequest;

/**
 * Scene commands that act on the command structure the user saw: sent with the version he saw, so a
 * structure that moved on meanwhile (another commander appointed, the offer gone) is refused rather
 * than applied to a state he never saw. Scene reports do not conflict: they are accepted in order of
 * arrival, whatever their occurredAt.
 */
const STATE_DEPENDENT = new Set(['OfferTransfer', 'RecordTransferBriefing', 'AcceptTransfer', 'DeclineTransfer', 'WithdrawTransfer', 'AppointDeputy', 'RemoveDeputy']);

/** The HTTP call of a queued command: which client method, and its body. */
export type Outgoing =
  | { method: 'sendOnSceneCommand'; incidentId: string; body: { type: string; data: Record<string, unknown>; commandId: string; occurredAt: string; expectedVersion?: number } }
  | { method: 'submitResourceRequest'; incidentId: string; body: { requestId: string; commandId: string; occurredAt: string; data: QueuedResourceRequest['data'] } };

export function outgoingOf(command: QueuedCommand): Outgoing {
  switch (command.kind) {
    case 'scene': {
      const expected = STATE_DEPENDENT.has(command.type) && command.seenVersion !== null ? { expectedVersion: command.seenVersion } : {};
      return {
        method: 'sendOnSceneCommand',
        incidentId: command.incidentId,
        body: { type: command.type, data: command.data, commandId: command.commandId, occurredAt: command.occurredAt, ...expected },
      };
    }
    case 'request':
      return {
        method: 'submitResourceRequest',
        incidentId: command.incidentId,
        body: { requestId: command.requestId, commandId: command.commandId, occurredAt: command.occurredAt, data: command.data },
      };
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

/** What a failed send means for the queue. */
export type SendFailure = { kind: 'later' } | { kind: 'refused'; refusal: Refusal };

/**
 * `later`: the server was not reached or could not decide (no network, 5xx, 429, an expired login
 * that a new login fixes) — the command stays queued and is sent again. Any other answer is the
 * server's decision on this command: it is refused and waits for the user.
 */
export function failureOf(error: { status: number; code: ErrorCode; message: string; details?: Record<string, unknown> | undefined; issues?: FieldIssue[] | undefined }, now: Date): SendFailure {
  const retry = error.status === 0 || error.status >= 500 || error.status === 429 || error.status === 401 || error.code === 'unavailable' || error.code === 'rate_limited' || error.code === 'unauthorized';
  if (retry) return { kind: 'later' };
  return {
    kind: 'refused',
    refusal: { status: error.status, code: error.code, message: error.message, details: error.details, issues: error.issues, at: now.toISOString() },
  };
}

/**
 * After one of the user's own queued commands was accepted, the later ones of the same stream saw a
 * version that did not count it yet: their expected version moves on by the events it appended, so
 * the user's own commands never conflict with each other — only with what someone else did.
 */
export function afterAccepted(accepted: QueuedCommand, result: Pick<CommandResult, 'events'>, later: readonly QueuedCommand[]): QueuedCommand[] {
  if (accepted.kind !== 'scene') return [];
  return later.flatMap((c) =>
    c.kind === 'scene' && c.incidentId === accepted.incidentId && c.status === 'queued' && c.seenVersion !== null && (accepted.seq ?? 0) < (c.seq ?? 0)
      ? [{ ...c, seenVersion: c.seenVersion + result.events.length }]
      : [],
  );
}

/** The queue's next command to send: the oldest still queued (refused ones wait for the user). */
export function nextToSend(queue: readonly QueuedCommand[]): QueuedCommand | undefined {
  return [...queue].filter((c) => c.status === 'queued').sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))[0];
}

/** Ids for a command sent anew: a new command id (and new ids of what it creates). */
export interface NewIds {
  commandId: string;
  reportId: string;
  requestId: string;
}

/**
 * 修改后重发: the refused command with the user's edited payload, as a new command (new command id,
 * occurredAt now: the user decided again), queued at the end. Nothing of the refused one was stored.
 */
export function resent(command: QueuedCommand, data: Record<string, unknown>, ids: NewIds, now: Date): QueuedCommand {
  const base = { commandId: ids.commandId, occurredAt: now.toISOString(), queuedAt: now.toISOString(), status: 'queued' as const, refusal: undefined, seq: undefined };
  switch (command.kind) {
    case 'scene':
      return { ...command, ...base, data };
    case 'request':
      return { ...command, ...base, requestId: ids.requestId, data: data as QueuedResourceRequest['data'] };
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

/**
 * 改为现场报告: a refused command's text as a scene report, which does not conflict with anything
 * the room did meanwhile. It keeps the moment the user acted: the report says what he decided then.
 * A resource request's text goes to the report's needs, anything else to its objectives.
 */
export function asSceneReport(command: QueuedCommand, text: string, ids: NewIds, now: Date): QueuedSceneCommand {
  const field = command.kind === 'request' ? 'needs' : 'objectives';
  const data: Record<string, unknown> =
    command.kind === 'scene' && command.type === 'PostSceneReport' ? { ...command.data, reportId: ids.reportId } : { reportId: ids.reportId, [field]: text.slice(0, 5000) };
  return {
    kind: 'scene',
    type: 'PostSceneReport',
    data,
    seenVersion: null,
    userId: command.userId,
    incidentId: command.incidentId,
    commandId: ids.commandId,
    occurredAt: command.occurredAt,
    queuedAt: now.toISOString(),
    status: 'queued',
  };
}

/** The words a command is shown with (labels in the console's language, people by name). */
export interface CommandWords {
  t(key: 'dead' | 'injured' | 'missing' | 'trapped' | 'evacuated' | 'sheltered' | 'needs' | 'objectives' | 'justification' | 'resourcesOnScene'): string;
  /** The command's name (`cmd.` keys). */
  command(type: string): string;
  priority(value: string): string;
  /** A person of the command's payload, by name. */
  person(value: unknown): string;
}

const FIGURES = ['dead', 'injured', 'missing', 'trapped', 'evacuated', 'sheltered'] as const;
const TEXTS = ['resourcesOnScene', 'needs', 'objectives'] as const;

/** A queued command in words, never an id: what the user typed, as he would say it. */
export function commandText(command: QueuedCommand, words: CommandWords): string {
  const name = words.command(command.type);
  if (command.kind === 'request') {
    const items = command.data.items.map((i) => `${i.kind} ${i.quantity}（${words.priority(i.priority)}）`).join('、');
    return [`${name}：${items}`, command.data.justification ? `${words.t('justification')}：${command.data.justification}` : ''].filter(Boolean).join('；');
  }
  const data = command.data;
  switch (command.type) {
    case 'PostSceneReport': {
      const figures = FIGURES.filter((f) => typeof data[f] === 'number').map((f) => `${words.t(f)} ${String(data[f])}`);
      const texts = TEXTS.filter((f) => typeof data[f] === 'string' && data[f] !== '').map((f) => `${words.t(f)}：${String(data[f])}`);
      return [`${name}：${figures.join(' · ') || '—'}`, ...texts].join('；');
    }
    case 'OfferTransfer':
      return `${name} → ${words.person(data['to'])}`;
    default: {
      const reason = typeof data['reason'] === 'string' ? `：${data['reason']}` : '';
      return `${name}${reason}`;
    }
  }
}

/** Ids and people are not the user's to edit: the ids are the command's, a person is picked by name. */
const NOT_EDITABLE = new Set(['reportId', 'offerId', 'requestId', 'incidentId', 'userId', 'to']);

/** One input of 修改后重发: a text or number of the payload, by its dotted path (`items.0.quantity`). */
export interface EditableField {
  path: string;
  value: string;
  numeric: boolean;
}

/** The payload's texts and numbers the user may change before resending, in payload order. */
export function editableFields(data: unknown, prefix = ''): EditableField[] {
  if (Array.isArray(data)) return data.flatMap((item, n) => editableFields(item, `${prefix}${n}.`));
  if (data === null || typeof data !== 'object') return [];
  return Object.entries(data).flatMap(([key, value]): EditableField[] => {
    if (NOT_EDITABLE.has(key)) return [];
    const path = `${prefix}${key}`;
    if (typeof value === 'string') return [{ path, value, numeric: false }];
    if (typeof value === 'number') return [{ path, value: String(value), numeric: true }];
    return editableFields(value, `${path}.`);
  });
}

/**
 * The payload with the user's edits: a number field holds a whole number when it reads as one (else
 * the text, for the schema to name), and an emptied number field is left out (figures are optional).
 */
export function withEdits(data: Record<string, unknown>, fields: readonly EditableField[], edits: Readonly<Record<string, string>>): Record<string, unknown> {
  const copy = structuredClone(data);
  for (const field of fields) {
    const edited = edits[field.path];
    if (edited === undefined) continue;
    const path = field.path.split('.');
    let target: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
    const last = path[path.length - 1] ?? field.path;
    const trimmed = edited.trim();
    if (!field.numeric) target[last] = edited;
    else if (trimmed === '') delete target[last];
    else target[last] = /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  }
  return copy;
}
