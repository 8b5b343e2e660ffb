import { sql, type Kysely } from 'kysely';

/**
 * Command ids scoped to their sender and stream (issue 14, finding 4). The command table was keyed by
 * the command id alone, globally: one county's id answered for another's command, and a county could
 * pre-claim the timers' `deadline-<id>`. Now the key is `command_key` (see commandKey in
 * @muster/engine): `u/<userId>/<streamId>/<commandId>` or `sys/<caller>/<streamId>/<commandId>`;
 * `command_id` keeps the id as the command carried it (as events' meta.commandId do), no longer unique.
 * `fingerprint` is what the command asked for; rows written before it have none and keep answering.
 *
 * Existing rows get the key the engine now derives for them, from the sender (and, for commands that
 * open a stream, the type) of their first event, so a retry of a command handled before the upgrade
 * still gets its first answer. Reaction rows
 * (`<id>.<n>`, written with the command that caused them) get `<key of that command>.<n>`. Rows whose
 * sender cannot be told (a command that stored no event) keep their bare id as key: it has no '/', so
 * no scoped key ever meets it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('command').addColumn('command_key', 'text').addColumn('fingerprint', 'text').execute();

  await sql`
    update command c
    set command_key = case
      -- The timers fired deadlines as this user, and only deadline commands (DeadlinePassed).
      when f.user_id = 'muster-timers' and c.command_id like 'deadline-%' then 'sys/timers/' || f.scope || '/' || c.command_id
      else 'u/' || f.user_id || '/' || f.scope || '/' || c.command_id
    end
    from (
      select distinct on (e.stream_id, e.meta->>'commandId')
        e.stream_id,
        e.meta->>'commandId' as command_id,
        e.meta->'actor'->>'userId' as user_id,
        -- Commands that only open a stream are scoped to its type (scopeOf in @muster/engine).
        case
          when e.version = 1 and e.type = 'IncidentReported' then 'new:incident'
          when e.version = 1 and e.type = 'ResourceRequestSubmitted' then 'new:resourceRequest'
          else e.stream_id
        end as scope
      from event e
      where e.meta->'actor'->>'userId' is not null
      order by e.stream_id, e.meta->>'commandId', e.version
    ) f
    where f.stream_id = c.stream_id and f.command_id = c.command_id`.execute(db);

  // Reactions: `<id>.<n>` on another stream than the command `<id>` that caused it.
  await sql`
    update command r
    set command_key = p.command_key || substring(r.command_id from '\\.[0-9]+$')
    from command p
    where r.command_id ~ '\\.[0-9]+$'
      and p.command_id = regexp_replace(r.command_id, '\\.[0-9]+$', '')
      and p.stream_id <> r.stream_id
      and p.command_key like '%/%'`.execute(db);

  await sql`update command set command_key = command_id where command_key is null`.execute(db);
  await sql`alter table command drop constraint command_pkey`.execute(db);
  await sql`alter table command alter column command_key set not null`.execute(db);
  await sql`alter table command add constraint command_pkey primary key (command_key)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Only possible while every command id is still unique: the old table could hold nothing else.
  await sql`alter table command drop constraint command_pkey`.execute(db);
  await sql`alter table command add constraint command_pkey primary key (command_id)`.execute(db);
  await db.schema.alterTable('command').dropColumn('command_key').dropColumn('fingerprint').execute();
}
