import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as createEventStore from './migrations/2026_11_30_10_00_00_create_event_store';
import * as createRelayCheckpoint from './migrations/2026_11_30_16_00_00_create_relay_checkpoint';
import * as createResources from './migrations/2026_11_30_17_00_00_create_resources';
import * as addRooms from './migrations/2026_11_30_18_00_00_add_rooms';
import * as createDeadline from './migrations/2026_12_01_09_00_00_create_deadline';
import * as createDutyWatch from './migrations/2026_12_01_09_10_00_create_duty_watch';
import * as createReportItem from './migrations/2026_12_01_09_20_00_create_report_item';
import * as addHashChain from './migrations/2026_12_02_10_00_00_add_hash_chain';
import * as indexCorrections from './migrations/2026_12_02_10_10_00_index_corrections';
import * as scopeCommandKeys from './migrations/2026_12_06_10_00_00_scope_command_keys';
import * as renameCommandStreamsToScene from './migrations/2026_12_08_10_00_00_rename_command_streams_to_scene';
import * as reportChain from './migrations/2026_12_09_10_00_00_report_chain';
import * as createInterview from './migrations/2026_12_16_13_00_00_create_interview';
import * as createHazardRecords from './migrations/2026_12_24_10_00_00_create_hazard_records';
import * as deadlineDrill from './migrations/2026_12_26_10_00_00_deadline_drill';
import * as notifyEvent from './migrations/2026_12_17_10_00_00_notify_event';
import * as createContact from './migrations/2026_12_20_10_00_00_create_contact';
import * as createWarningIdentifier from './migrations/2026_12_20_10_10_00_create_warning_identifier';
// Drills (issue 22)
import * as watchEntryExercise from './migrations/2026_12_21_10_00_00_watch_entry_exercise';
import * as createPlan from './migrations/2026_12_22_10_00_00_create_plan';
import * as createRegistries from './migrations/2026_12_23_10_00_00_create_registries';

/** Migrations are listed here rather than read from disk, so they run the same under tsx and bundled. */
const MIGRATIONS: Record<string, Migration> = {
  '2026_11_30_10_00_00_create_event_store': createEventStore,
  '2026_11_30_16_00_00_create_relay_checkpoint': createRelayCheckpoint,
  '2026_11_30_17_00_00_create_resources': createResources,
  '2026_11_30_18_00_00_add_rooms': addRooms,
  '2026_12_01_09_00_00_create_deadline': createDeadline,
  '2026_12_01_09_10_00_create_duty_watch': createDutyWatch,
  '2026_12_01_09_20_00_create_report_item': createReportItem,
  '2026_12_02_10_00_00_add_hash_chain': addHashChain,
  '2026_12_02_10_10_00_index_corrections': indexCorrections,
  '2026_12_06_10_00_00_scope_command_keys': scopeCommandKeys,
  '2026_12_08_10_00_00_rename_command_streams_to_scene': renameCommandStreamsToScene,
  '2026_12_09_10_00_00_report_chain': reportChain,
  '2026_12_16_13_00_00_create_interview': createInterview,
  '2026_12_17_10_00_00_notify_event': notifyEvent,
  '2026_12_20_10_00_00_create_contact': createContact,
  '2026_12_20_10_10_00_create_warning_identifier': createWarningIdentifier,
  '2026_12_21_10_00_00_watch_entry_exercise': watchEntryExercise,
  '2026_12_24_10_00_00_create_hazard_records': createHazardRecords,
  '2026_12_26_10_00_00_deadline_drill': deadlineDrill,
  '2026_12_22_10_00_00_create_plan': createPlan,
  '2026_12_23_10_00_00_create_registries': createRegistries,
};

export class MigrationFailed extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationFailed';
  }
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new MigrationFailed(`migration ${failed?.migrationName ?? '?'} failed`, { cause: result.error });
  }
  return result;
}

/**
 * Migrates up (or down) to the named migration and no further: for tests of a migration against rows
 * written by the schema before it, and for a staged upgrade.
 */
export async function migrateTo<DB>(db: Kysely<DB>, migrationName: string): Promise<MigrationResultSet> {
  if (!(migrationName in MIGRATIONS)) throw new MigrationFailed(`no migration ${migrationName}`);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result = await migrator.migrateTo(migrationName);
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new MigrationFailed(`migration ${failed?.migrationName ?? '?'} failed`, { cause: result.error });
  }
  return result;
}

/** Migrations this code has that the database has not run yet (none when it is current): `/health/ready` checks it. */
export async function pendingMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
