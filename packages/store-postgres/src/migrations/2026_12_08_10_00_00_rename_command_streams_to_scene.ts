import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import { chainBreakOf, contentOf, eventHash, type ChainRow } from '../hash-chain';

/**
 * The on-scene command aggregate is now called `scene` (issue 15): its streams were `command:<incident>`
 * of type `command`, a name that collided with the commands of the command path. Rows written before
 * are renamed to `scene:<incident>` of type `scene` wherever a stream id or type is kept:
 *
 * - `event` and `stream`: id and type. Both are covered by the hash chain, so each renamed stream's
 *   chain is recomputed; but first it is verified as stored, link by link and at its head, and one
 *   that does not verify stops the migration (naming the stream and version) with nothing changed:
 *   a rename must never re-hash, and so bless, a row someone changed. Log positions (tx_id, seq) do
 *   not change, so the relay publishes nothing again and consoles resume where they were.
 * - `command`: the stream id, the scope part of the key (`u/<user>/command:X/<id>` →
 *   `u/<user>/scene:X/<id>`), and the stored answer's streamId and streamType (text replaced in place:
 *   the answer is `json` and a retry gets it back byte for byte). The fingerprint covered the stream
 *   type and the request, which the row does not keep, so it cannot be recomputed: it is cleared, and a
 *   retry of a command handled before the upgrade gets its first answer as rows from before
 *   fingerprints do (another command under the same id gets that answer too, not a conflict).
 * - `deadline`: stream id and type.
 * Read models (incident, resource_request, report_item) hold incident and request ids only.
 *
 * `muster verify`'s heads digest covers stream ids and last hashes, so it changes here: compare an
 * anchored digest before migrating, and anchor the new one after.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // withTables gives the untyped migration handle the tables' types; it changes nothing at run time.
  await renameStreams(db.withTables<Pick<Database, keyof Database>>(), 'command', 'scene');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Back to the old names, verified and re-hashed alike; the cleared fingerprints stay cleared.
  await renameStreams(db.withTables<Pick<Database, keyof Database>>(), 'scene', 'command');
}

/** Thrown when a stream to rename fails verification (or cannot be renamed): the migration stops. */
class StreamRenameRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamRenameRefused';
  }
}

const PAGE = 2_000;

async function renameStreams(db: Kysely<Database>, from: string, to: string): Promise<void> {
  const { rows: ids } = await sql<{ stream_id: string }>`
    select stream_id from stream where stream_type = ${from}
    union select distinct stream_id from event where stream_type = ${from}
    order by stream_id`.execute(db);
  if (ids.length === 0) return;
  const renames = ids.map(({ stream_id: oldId }) => {
    if (!oldId.startsWith(`${from}:`)) throw new StreamRenameRefused(`stream ${oldId} of type ${from} is not named ${from}:<incident>; not renamed`);
    return { oldId, newId: `${to}:${oldId.slice(from.length + 1)}` };
  });
  const newIds = renames.map((r) => r.newId);
  const taken = await sql<{ stream_id: string }>`
    select stream_id from stream where stream_id = any(${newIds}::text[])
    union select stream_id from event where stream_id = any(${newIds}::text[]) limit 1`.execute(db);
  if (taken.rows[0]) throw new StreamRenameRefused(`stream ${taken.rows[0].stream_id} exists already; ${from} streams not renamed`);

  // Each stream is verified as stored before it is rewritten. The migration runs in one transaction
  // (Kysely's migrator, on PostgreSQL), so a stream that fails leaves every stream as it was.
  for (const { oldId, newId } of renames) {
    const events: { eventId: string; prevHash: string | null; hash: string }[] = [];
    let prev: string | null = null;
    let next: string | null = null;
    let version = 0;
    for await (const row of eventsOf(db, oldId)) {
      const reason = chainBreakOf(row, version + 1, prev);
      if (reason) throw new StreamRenameRefused(`stream ${oldId} fails its hash chain at version ${version + 1} (${reason}): not renamed to ${newId}`);
      version = row.version;
      prev = row.hash;
      // The same content under the new id and type, chained on the new hashes.
      const hash = eventHash({ ...contentOf(row), streamId: newId, streamType: to }, next);
      events.push({ eventId: row.event_id, prevHash: next, hash });
      next = hash;
    }
    const head = await db.selectFrom('stream').select(['version', 'last_hash']).where('stream_id', '=', oldId).executeTakeFirst();
    if (!head || head.version !== version || head.last_hash !== prev) {
      throw new StreamRenameRefused(`stream ${oldId} fails its hash chain at version ${head?.version ?? version} (head): not renamed to ${newId}`);
    }
    for (let i = 0; i < events.length; i += PAGE) {
      const page = events.slice(i, i + PAGE);
      await sql`
        update event e set stream_id = ${newId}, stream_type = ${to}, prev_hash = v.prev_hash, hash = v.hash
        from unnest(${page.map((p) => p.eventId)}::uuid[], ${page.map((p) => p.prevHash)}::text[], ${page.map((p) => p.hash)}::text[]) as v(event_id, prev_hash, hash)
        where e.event_id = v.event_id`.execute(db);
    }
    await db.updateTable('stream').set({ stream_id: newId, stream_type: to, last_hash: next }).where('stream_id', '=', oldId).execute();
  }

  const oldIds = renames.map((r) => r.oldId);
  // Answers and fingerprints of the commands handled on the renamed streams. The answer is the text
  // JSON.stringify wrote (no spaces); a member it does not match is caught just below.
  await sql`
    update command c
    set stream_id = r.new_id,
        result = replace(
          replace(c.result::text, '"streamId":' || to_json(r.old_id)::text, '"streamId":' || to_json(r.new_id)::text),
          '"streamType":' || to_json(${from}::text)::text, '"streamType":' || to_json(${to}::text)::text
        )::json,
        fingerprint = null
    from unnest(${oldIds}::text[], ${newIds}::text[]) as r(old_id, new_id)
    where c.stream_id = r.old_id`.execute(db);
  const stale = await sql<{ command_key: string }>`
    select c.command_key from command c
    where c.stream_id = any(${newIds}::text[])
      and (c.result->>'streamId' is distinct from c.stream_id or c.result->>'streamType' is distinct from ${to})
    limit 1`.execute(db);
  if (stale.rows[0]) throw new StreamRenameRefused(`the stored answer of command ${stale.rows[0].command_key} does not name its stream as written; not renamed`);
  // Keys scoped to a renamed stream: `<u|sys>/<sender>/<stream id>/<command id>[.<n>]`.
  await sql`
    update command c
    set command_key = split_part(c.command_key, '/', 1) || '/' || split_part(c.command_key, '/', 2) || '/' || r.new_id || '/'
        || substr(c.command_key, length(split_part(c.command_key, '/', 1)) + length(split_part(c.command_key, '/', 2)) + length(r.old_id) + 4)
    from unnest(${oldIds}::text[], ${newIds}::text[]) as r(old_id, new_id)
    where split_part(c.command_key, '/', 3) = r.old_id`.execute(db);
  await sql`
    update deadline d set stream_id = r.new_id, stream_type = ${to}
    from unnest(${oldIds}::text[], ${newIds}::text[]) as r(old_id, new_id)
    where d.stream_id = r.old_id`.execute(db);
}

/** The events of one stream in version order, a page at a time. */
async function* eventsOf(db: Kysely<Database>, streamId: string): AsyncGenerator<ChainRow> {
  let after = 0;
  for (;;) {
    const rows: ChainRow[] = await db
      .selectFrom('event')
      .select(['stream_id', 'stream_type', 'version', 'event_id', 'type', 'data', 'meta', 'jurisdiction', 'incident_id', 'rooms', 'exercise', 'recorded_at', 'prev_hash', 'hash'])
      .where('stream_id', '=', streamId)
      .where('version', '>', after)
      .orderBy('version')
      .limit(PAGE)
      .execute();
    for (const row of rows) yield row;
    const last = rows[rows.length - 1];
    if (!last || rows.length < PAGE) return;
    after = last.version;
  }
}
