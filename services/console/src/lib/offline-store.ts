import type { BoardCard, ConsoleConfig, DirectoryPerson, IncidentRecord, Jurisdiction, TimelineEntry } from '@muster/client';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { QueuedCommand } from './offline-queue';

/**
 * What the phone keeps on the device (IndexedDB), so that it works with no network and after a
 * reload or a restart of the browser: the last known state of each incident the user opened (record
 * and timeline, with when the server last confirmed it), the command queue, and what the console
 * needs before it can show anything (its configuration and the jurisdictions). The service worker
 * keeps only the shell; no API answer is cached anywhere else.
 */

/** An incident as the server last showed it to this user. */
export interface IncidentSnapshot {
  record: IncidentRecord;
  timeline: TimelineEntry[];
  /** When the server last confirmed it (the answer's arrival). */
  confirmedAt: string;
}

interface KeptValues {
  config: ConsoleConfig;
  jurisdictions: Jurisdiction[];
  /** Per room: its people (GET /people), for the pickers (offer command to someone by name). */
  people: DirectoryPerson[];
  /** Per user: the room board's cards as the server last gave them, and when. */
  board: { cards: BoardCard[]; at: string };
  /** Per user: the last answer of the server to him, of any kind. */
  confirmed: string;
}

interface OfflineSchema extends DBSchema {
  snapshots: { key: string; value: IncidentSnapshot };
  queue: { key: number; value: QueuedCommand; indexes: { byUser: string } };
  kept: { key: string; value: KeptValues[keyof KeptValues] };
}

const DB_NAME = 'muster-offline';

let opened: Promise<IDBPDatabase<OfflineSchema>> | null = null;

function db(): Promise<IDBPDatabase<OfflineSchema>> {
  opened ??= openDB<OfflineSchema>(DB_NAME, 1, {
    upgrade(database) {
      database.createObjectStore('snapshots');
      database.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true }).createIndex('byUser', 'userId');
      database.createObjectStore('kept');
    },
  });
  return opened;
}

const snapshotKey = (userId: string, incidentId: string) => `${userId}\u0000${incidentId}`;

export async function saveSnapshot(userId: string, incidentId: string, snapshot: IncidentSnapshot): Promise<void> {
  await (await db()).put('snapshots', snapshot, snapshotKey(userId, incidentId));
}

export async function loadSnapshot(userId: string, incidentId: string): Promise<IncidentSnapshot | undefined> {
  return (await db()).get('snapshots', snapshotKey(userId, incidentId));
}

/** The user's queue in its order: queued and refused commands alike. */
export async function queueOf(userId: string): Promise<QueuedCommand[]> {
  const items = await (await db()).getAllFromIndex('queue', 'byUser', userId);
  return items.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/** Adds a command at the end of the queue (a new `seq`), or rewrites one already in it. */
export async function putQueued(command: QueuedCommand): Promise<QueuedCommand> {
  const { seq, ...rest } = command;
  const database = await db();
  const key = seq === undefined ? await database.add('queue', rest as QueuedCommand) : await database.put('queue', command);
  return { ...command, seq: key };
}

export async function removeQueued(seq: number): Promise<void> {
  await (await db()).delete('queue', seq);
}

/** Keeps a value, for everyone or for one owner (a user, a room). */
export async function keep<K extends keyof KeptValues>(key: K, value: KeptValues[K], owner?: string): Promise<void> {
  await (await db()).put('kept', value, owner ? `${key}\u0000${owner}` : key);
}

export async function kept<K extends keyof KeptValues>(key: K, owner?: string): Promise<KeptValues[K] | undefined> {
  return (await (await db()).get('kept', owner ? `${key}\u0000${owner}` : key)) as KeptValues[K] | undefined;
}
