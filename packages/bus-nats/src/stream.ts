import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { DEFAULT_SUBJECT_PREFIX, eventSubjects } from './subjects';

export interface EventStreamOptions {
  /** JetStream stream name, e.g. `MUSTER_EVENTS`; tests use one of their own. */
  name: string;
  subjectPrefix?: string;
  /**
   * How long JetStream remembers a `Nats-Msg-Id`. A relay that takes over re-publishes at most the
   * batch after the last saved checkpoint, seconds old, so two minutes absorbs every such duplicate.
   */
  duplicateWindowMs?: number;
  /**
   * How long events stay in the stream. Consoles further behind resume from PostgreSQL (DESIGN §3
   * guarantee 5), so JetStream only needs the recent past.
   */
  maxAgeMs?: number;
  /** Upper bound on disk; oldest events are dropped first (they are still in PostgreSQL). */
  maxBytes?: number;
  /** The largest event accepted; larger publishes are rejected rather than silently truncated. */
  maxMessageBytes?: number;
  replicas?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// err_code of "stream name already in use with a different configuration": lost a create race.
const STREAM_NAME_IN_USE = 10058;

/** Fields the stream is created with: only ones nats-server 2.9 understands (no metadata, first_seq…). */
export type EventStreamConfig = Pick<
  StreamConfig,
  | 'name'
  | 'subjects'
  | 'retention'
  | 'storage'
  | 'discard'
  | 'duplicate_window'
  | 'max_age'
  | 'max_bytes'
  | 'max_msg_size'
  | 'max_msgs'
  | 'max_msgs_per_subject'
  | 'max_consumers'
  | 'num_replicas'
  | 'allow_direct'
>;

/** The stream configuration for `options`. */
export function eventStreamConfig(options: EventStreamOptions): EventStreamConfig {
  return {
    name: options.name,
    subjects: [eventSubjects(options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX)],
    retention: 'limits',
    storage: 'file',
    discard: 'old',
    duplicate_window: nanos(options.duplicateWindowMs ?? 2 * 60 * 1000),
    max_age: nanos(options.maxAgeMs ?? 7 * DAY_MS),
    max_bytes: options.maxBytes ?? 1024 * 1024 * 1024,
    max_msg_size: options.maxMessageBytes ?? 1024 * 1024,
    max_msgs: -1,
    max_msgs_per_subject: -1,
    max_consumers: -1,
    num_replicas: options.replicas ?? 1,
    // Lets readers fetch single messages by sequence from any replica (2.9+).
    allow_direct: true,
  };
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/**
 * Creates the event stream, or brings an existing one to the configured subjects and limits. Safe
 * to call from every process at start: concurrent callers converge on the same configuration.
 */
export async function ensureEventStream(jsm: JetStreamManager, options: EventStreamOptions): Promise<StreamInfo> {
  const config = eventStreamConfig(options);
  let existing: StreamInfo | null = null;
  try {
    existing = await jsm.streams.info(config.name);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
  }
  if (!existing) {
    try {
      return await jsm.streams.add(config);
    } catch (error) {
      if (!isApiError(error, STREAM_NAME_IN_USE)) throw error;
    }
  } else if (existing.config.storage !== config.storage) {
    // Storage cannot be changed in place; losing durability silently would break guarantee 4.
    throw new Error(`stream ${config.name} uses ${existing.config.storage} storage; Muster needs ${config.storage}`);
  }
  return jsm.streams.update(config.name, {
    subjects: config.subjects,
    duplicate_window: config.duplicate_window,
    max_age: config.max_age,
    max_bytes: config.max_bytes,
    max_msg_size: config.max_msg_size,
    discard: config.discard,
    num_replicas: config.num_replicas,
  });
}
