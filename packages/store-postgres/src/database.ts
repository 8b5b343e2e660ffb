import type { CommandTable } from './tables/command.table';
import type { EventTable } from './tables/event.table';
import type { IncidentTable } from './tables/incident.table';
import type { RelayCheckpointTable } from './tables/relay-checkpoint.table';
import type { StreamTable } from './tables/stream.table';

import type { DepotStockTable, DepotTable } from './tables/depot.table';
import type { RescueTeamTable } from './tables/rescue-team.table';
import type { ResourceRequestTable } from './tables/resource-request.table';

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
}
