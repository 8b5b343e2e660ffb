import type { ColumnType } from 'kysely';
export interface DepotTable {
  depot_id: string;
  name: string;
  jurisdiction: string;
  location: string | null;
}

export interface DepotStockTable {
  depot_id: string;
  kind: string;
  quantity: number;
  returnable: boolean;
  unit: ColumnType<string, string | undefined, string>;
  /** The last day a perishable kind is good; null for what does not perish. */
  expires_on: ColumnType<string | null, string | null | undefined, string | null>;
}
