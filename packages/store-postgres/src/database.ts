import type { CommandTable } from './tables/command.table';
import type { EventTable } from './tables/event.table';
import type { IncidentTable } from './tables/incident.table';
import type { StreamTable } from './tables/stream.table';

export interface Database {
  event: EventTable;
  stream: StreamTable;
  command: CommandTable;
  incident: IncidentTable;
}
