import type { Selectable } from 'kysely';

export interface RescueTeamTable {
  team_id: string;
  name: string;
  jurisdiction: string;
  specialty: string | null;
  status: 'available' | 'assigned' | 'resting' | 'out_of_service';
  incident_id: string | null;
}
export type RescueTeamRow = Selectable<RescueTeamTable>;
