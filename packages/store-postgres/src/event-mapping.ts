import type { EventEnvelope } from '@muster/contracts';
import type { EventRow } from './tables/event.table';

export function toEnvelope(row: Pick<EventRow, 'event_id' | 'stream_id' | 'stream_type' | 'version' | 'type' | 'data' | 'meta' | 'tx_id' | 'seq'>): EventEnvelope {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: row.version,
    position: `${row.tx_id}.${row.seq}`,
    type: row.type,
    data: row.data,
    meta: row.meta as EventEnvelope['meta'],
  };
}

export const EVENT_COLUMNS = ['event_id', 'stream_id', 'stream_type', 'version', 'type', 'data', 'meta', 'tx_id', 'seq'] as const;
