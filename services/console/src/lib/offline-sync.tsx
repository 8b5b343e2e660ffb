import { MusterApiError, type MusterHttpClient } from '@muster/client';
import type { CommandResult } from '@muster/contracts';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { newId } from './forms';
import { afterAccepted, asSceneReport, failureOf, nextToSend, outgoingOf, resent, type QueuedCommand, type QueuedResourceRequest, type QueuedSceneCommand } from './offline-queue';
import { keep, kept, putQueued, queueOf, removeQueued } from './offline-store';

/**
 * The phone's network state and command queue (issue 20). A command is sent at once when the
 * network is up and nothing waits before it; otherwise (or when the send does not reach the server)
 * it goes into the queue in IndexedDB, and the queue is sent in order, one command at a time, when
 * the network is back. Each keeps its client-generated command id, so a retry after a lost answer
 * returns the first answer instead of doubling. What the server refuses stays in the queue as
 * 未能提交 until the user discards it, edits and resends it, or sends its text as a scene report.
 */

type NetworkState = 'online' | 'offline' | 'sending';

/** A command as a form hands it over: the queue adds the ids, the moment and its owner. */
export type NewCommand =
  | Pick<QueuedSceneCommand, 'kind' | 'incidentId' | 'type' | 'data' | 'seenVersion'>
  | Pick<QueuedResourceRequest, 'kind' | 'incidentId' | 'type' | 'data'>;

export interface OfflineValue {
  network: NetworkState;
  /** The user's queue: commands waiting to be sent, and refused ones. */
  queue: QueuedCommand[];
  /** When the server last answered this user (read or command), from the device's memory. */
  lastConfirmedAt: string | null;
  /** Sends now when it can, else queues; resolves `queued: true` when the command waits in the queue. A refusal of a direct send rejects as before. */
  submit(command: NewCommand): Promise<{ queued: boolean }>;
  /** The server answered just now (a read of the incident, for instance). */
  confirmed(): void;
  discard(command: QueuedCommand): Promise<void>;
  resend(command: QueuedCommand, data: Record<string, unknown>): Promise<void>;
  sendAsReport(command: QueuedCommand, text: string): Promise<void>;
}

const OfflineContext = createContext<OfflineValue | null>(null);

const RETRY_MS = 3_000;

const newIds = () => ({ commandId: newId('cmd'), reportId: newId('sr'), requestId: newId('rr') });

async function sendOne(client: MusterHttpClient, command: QueuedCommand): Promise<CommandResult> {
  const outgoing = outgoingOf(command);
  switch (outgoing.method) {
    case 'sendOnSceneCommand':
      return client.sendOnSceneCommand(outgoing.incidentId, outgoing.body);
    case 'submitResourceRequest':
      return client.submitResourceRequest(outgoing.incidentId, outgoing.body);
    default: {
      const unreachable: never = outgoing;
      return unreachable;
    }
  }
}

/** A failed send as the queue judges it; an error that is not the api's is the network's. */
function failure(error: unknown) {
  if (error instanceof MusterApiError) return failureOf(error, new Date());
  return failureOf({ status: 0, code: 'unavailable', message: String(error) }, new Date());
}

/** Runs `task` alone among this origin's tabs (two tabs of the phone must not send the queue twice over). */
async function alone(task: () => Promise<void>): Promise<void> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (locks) await locks.request('muster-offline-queue', task);
  else await task();
}

export function OfflineProvider({ client, userId, children }: { client: MusterHttpClient; userId: string; children: ReactNode }) {
  const [queue, setQueue] = useState<QueuedCommand[]>([]);
  const [onLine, setOnLine] = useState(() => navigator.onLine);
  /** False once a send failed to reach the server; true again at its next answer. */
  const [reachable, setReachable] = useState(true);
  const [sending, setSending] = useState(false);
  const [lastConfirmedAt, setLastConfirmedAt] = useState<string | null>(null);
  const flushing = useRef(false);
  const retry = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refresh = useCallback(async () => setQueue(await queueOf(userId)), [userId]);

  const confirmed = useCallback(() => {
    const now = new Date().toISOString();
    setReachable(true);
    setLastConfirmedAt(now);
    void keep('confirmed', now, userId);
  }, [userId]);

  const flush = useCallback(async () => {
    if (flushing.current) return;
    flushing.current = true;
    clearTimeout(retry.current);
    let again = false;
    try {
      await alone(async () => {
        for (;;) {
          const items = await queueOf(userId);
          setQueue(items);
          const next = nextToSend(items);
          if (!next || next.seq === undefined) return;
          setSending(true);
          try {
            const result = await sendOne(client, next);
            await removeQueued(next.seq);
            for (const moved of afterAccepted(next, result, items)) await putQueued(moved);
            confirmed();
          } catch (error) {
            const judged = failure(error);
            if (judged.kind === 'later') {
              if (!(error instanceof MusterApiError) || error.status === 0) setReachable(false);
              again = true;
              return;
            }
            await putQueued({ ...next, status: 'refused', refusal: judged.refusal });
            confirmed();
          }
        }
      });
    } finally {
      flushing.current = false;
      setSending(false);
      await refresh();
      // Still waiting and the device says it is online: the server may be back any moment.
      if (again && navigator.onLine) retry.current = setTimeout(() => void flush(), RETRY_MS);
    }
  }, [client, userId, confirmed, refresh]);

  useEffect(() => {
    void kept('confirmed', userId).then((at) => setLastConfirmedAt((now) => now ?? at ?? null));
    void flush();
    const up = () => {
      setOnLine(true);
      void flush();
    };
    const down = () => setOnLine(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      clearTimeout(retry.current);
    };
  }, [userId, flush]);

  const enqueue = useCallback(
    async (command: QueuedCommand) => {
      await putQueued(command);
      await refresh();
      if (navigator.onLine) void flush();
    },
    [refresh, flush],
  );

  const submit = useCallback(
    async (input: NewCommand): Promise<{ queued: boolean }> => {
      const now = new Date().toISOString();
      const ids = newIds();
      const base = { userId, incidentId: input.incidentId, commandId: ids.commandId, occurredAt: now, queuedAt: now, status: 'queued' as const };
      const command: QueuedCommand = input.kind === 'request' ? { ...input, ...base, requestId: ids.requestId } : { ...input, ...base };
      const waiting = (await queueOf(userId)).some((c) => c.status === 'queued');
      // Nothing may overtake what waits: with a queue, or no network, the command joins the queue.
      if (!navigator.onLine || waiting || flushing.current) {
        await enqueue(command);
        return { queued: true };
      }
      try {
        await sendOne(client, command);
        confirmed();
        return { queued: false };
      } catch (error) {
        if (failure(error).kind === 'refused') throw error;
        if (!(error instanceof MusterApiError) || error.status === 0) setReachable(false);
        // Sent again later with the same command id: if this one did reach the server, it is not doubled.
        await enqueue(command);
        return { queued: true };
      }
    },
    [client, userId, confirmed, enqueue],
  );

  const value = useMemo<OfflineValue>(
    () => ({
      network: !onLine || !reachable ? 'offline' : sending || queue.some((c) => c.status === 'queued') ? 'sending' : 'online',
      queue,
      lastConfirmedAt,
      submit,
      confirmed,
      async discard(command) {
        if (command.seq !== undefined) await removeQueued(command.seq);
        await refresh();
      },
      async resend(command, data) {
        if (command.seq !== undefined) await removeQueued(command.seq);
        await enqueue(resent(command, data, newIds(), new Date()));
      },
      async sendAsReport(command, text) {
        if (command.seq !== undefined) await removeQueued(command.seq);
        await enqueue(asSceneReport(command, text, newIds(), new Date()));
      },
    }),
    [onLine, reachable, sending, queue, lastConfirmedAt, submit, confirmed, refresh, enqueue],
  );
  return <OfflineContext.Provider value={value}>{children}</OfflineContext.Provider>;
}

export function useOffline(): OfflineValue {
  const value = useContext(OfflineContext);
  if (!value) throw new Error('useOffline outside OfflineProvider');
  return value;
}
