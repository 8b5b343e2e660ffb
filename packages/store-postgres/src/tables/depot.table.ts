

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
}
