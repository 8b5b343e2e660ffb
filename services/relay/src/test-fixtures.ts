/**
 * What the relay's integration specs share: writing a load through the engine, reading back the
 * committed log and what a JetStream stream holds, waiting for a condition. Each test gets its own
 * database and engine from @muster/testkit's `isolatedTest`. Test code only.
 */
import { decodeEvent } from '@muster/bus-nats';
import type { EventEnvelope } from '@muster/contracts';
import type { Engine } from '@muster/engine';
import type { Database } from '@muster/store-postgres';
import type { JetStreamManager } from '@nats-io/jetstream';
import { sql, type Kysely } from 'kysely';

const actor = { userId: 'duty-1', roles: ['duty_officer' as const], jurisdiction: '441203' };

/** Opens `incidents` incidents concurrently and sends each `updates` more commands: 1 + updates events each. */
export async function writeIncidents(engine: Engine, tag: string, incidents: number, updates: number): Promise<void> {
  await Promise.all(
    Array.from({ length: incidents }, async (_, i) => {
      const streamId = `${tag}-${i}`;
      await engine.handle({ streamType: 'incident', streamId, type: 'ReportIncident', data: { title: `${tag} ${i}`, leadJurisdiction: '441203' }, actor });
      for (let u = 0; u < updates; u++) {
        await engine.handle({ streamType: 'incident', streamId, type: 'UpdateIncidentDetails', data: { description: `update ${u}` }, actor });
      }
    }),
  );
}

/** Every committed event in global log order: what must reach the bus. */
export async function logEvents(db: Kysely<Database>): Promise<{ eventId: string; streamId: string; version: number; position: string }[]> {
  const { rows } = await sql<{ event_id: string; stream_id: string; version: number; tx_id: string; seq: string }>`
    select event_id, stream_id, version, tx_id::text, seq::text from event order by tx_id, seq`.execute(db);
  return rows.map((r) => ({ eventId: r.event_id, streamId: r.stream_id, version: r.version, position: `${r.tx_id}.${r.seq}` }));
}

/**
 * Everything a JetStream stream holds now, in stream order, read message by message by sequence (no
 * consumer in between, so this is exactly what the stream holds).
 */
export async function storedEvents(jsm: JetStreamManager, stream: string): Promise<EventEnvelope[]> {
  const info = await jsm.streams.info(stream);
  const out: EventEnvelope[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (!m) throw new Error(`stream has no message at ${seq}`);
    const decoded = decodeEvent(m.data);
    if (!decoded.ok) throw new Error(`stream holds a non-event at ${seq}: ${decoded.reason}`);
    out.push(decoded.event);
  }
  return out;
}

/** Polls `check` until it holds, failing with `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
