import { sql, type Kysely } from 'kysely';

/**
 * Wakes the relay as soon as events commit (issue 18): one NOTIFY on the `muster_event` channel per
 * statement that inserts events. PostgreSQL delivers it only when the transaction commits and folds
 * the notifications of one transaction into one, so a batch of a group commit wakes listeners once;
 * a rolled-back transaction wakes no one. Listeners read the log themselves: the payload is empty.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create function muster_notify_event() returns trigger language plpgsql as $$
    begin
      perform pg_notify('muster_event', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger event_notify after insert on event for each statement execute function muster_notify_event()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger event_notify on event`.execute(db);
  await sql`drop function muster_notify_event()`.execute(db);
}
