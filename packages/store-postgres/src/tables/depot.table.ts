import type { Selectable } from 'kysely';

export interface DepotTable {
  depot_id: string;
  name: string;
  jurisdiction: string;
  location: string | null;
}
export type DepotRow = Selectable<DepotTable>;

export interface DepotStockTable {
  depot_id: string;
  kind: string;
  quantity: number;
  returnable: boolean;
}
export type DepotStockRow = Selectable<DepotStockTable>;
