import type { CommandTable } from './tables/command.table';
import type { EventTable } from './tables/event.table';
import type { IncidentTable } from './tables/incident.table';
import type { RelayCheckpointTable } from './tables/relay-checkpoint.table';
import type { StreamTable } from './tables/stream.table';

import type { DepotStockTable, DepotTable } from './tables/depot.table';
import type { RescueTeamTable } from './tables/rescue-team.table';
import type { ResourceRequestTable } from './tables/resource-request.table';
import type { DeadlineTable } from './tables/deadline.table';
import type { DutyShiftTable } from './tables/duty-shift.table';
import type { WatchEntryTable } from './tables/watch-entry.table';
import type { ReportItemTable } from './tables/report-item.table';
import type { InterviewTable } from './tables/interview.table';
import type { ContactTable } from './tables/contact.table';
import type { WarningIdentifierTable } from './tables/warning-identifier.table';

export interface Database {
  event: EventTable;
  stream: StreamTable;
  command: CommandTable;
  incident: IncidentTable;
  depot: DepotTable;
  depot_stock: DepotStockTable;
  rescue_team: RescueTeamTable;
  resource_request: ResourceRequestTable;
  relay_checkpoint: RelayCheckpointTable;
  deadline: DeadlineTable;
  duty_shift: DutyShiftTable;
  watch_entry: WatchEntryTable;
  report_item: ReportItemTable;
  interview: InterviewTable;
  contact: ContactTable;
  warning_identifier: WarningIdentifierTable;
}
