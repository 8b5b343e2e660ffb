import type { Actor } from '../shared';

/**
 * Registries (issue 23): what the rooms can draw on. Each entry is a stream of its own
 * (`<registry>:<id>`), kept by its own room; every change is an event, and the entry is the fold of
 * its events (applyRegistryEvent), so any view of it can be rebuilt from the event log.
 */
export const REGISTRIES = ['team', 'expert', 'shelter', 'depot'] as const;
export type Registry = (typeof REGISTRIES)[number];

export const TEAM_KINDS = ['fire', 'flood', 'mountain_rescue', 'medical', 'militia', 'volunteer'] as const;
type TeamKind = (typeof TEAM_KINDS)[number];

/** A team's readiness; `assigned` is reached only through a resource request's dispatch. */
export const READINESS = ['available', 'assigned', 'resting', 'out_of_service'] as const;
export type Readiness = (typeof READINESS)[number];

export const EXPERT_FIELDS = ['geology', 'hydrology', 'hazardous_chemicals', 'medicine', 'structures', 'meteorology', 'fire', 'other'] as const;
type ExpertField = (typeof EXPERT_FIELDS)[number];

/** Who owns a depot: the government, an enterprise holding an agreement reserve (协议储备), a social group. */
export const DEPOT_OWNERS = ['government', 'enterprise', 'social_group'] as const;
type DepotOwner = (typeof DEPOT_OWNERS)[number];

interface Position {
  lat: number;
  lon: number;
}

interface Certification {
  name: string;
  /** The last day it is valid (YYYY-MM-DD). */
  expiresOn: string;
}

interface EquipmentLine {
  item: string;
  quantity: number;
}

export interface StockLine {
  kind: string;
  quantity: number;
  unit: string;
  returnable: boolean;
  /** The last day a perishable kind is good (YYYY-MM-DD); null for what does not perish. */
  expiresOn: string | null;
}

/** One change of an entry, as its history shows it. */
export interface HistoryEntry {
  at: string;
  by: string;
  type: string;
  from?: string | undefined;
  to?: string | undefined;
  note?: string | undefined;
  incidentId?: string | undefined;
}

interface EntryBase {
  id: string;
  jurisdiction: string;
  name: string;
  history: HistoryEntry[];
}

type TeamFields = { kind: TeamKind; headcount: number; equipment: EquipmentLine[]; certifications: Certification[]; position: Position | null };
export type TeamEntry = EntryBase & TeamFields & { registry: 'team'; readiness: Readiness; incidentId: string | null };

type ExpertFields = { fields: ExpertField[]; phone: string; organisation: string };
interface Consultation {
  incidentId: string;
  /** The 会商 the expert joined, when it was one (its title). */
  consultation: string | null;
  at: string;
}
interface Advice {
  incidentId: string;
  advice: string;
  at: string;
  by: string;
}
export type ExpertEntry = EntryBase & ExpertFields & { registry: 'expert'; available: boolean; attachments: Consultation[]; advice: Advice[] };

type ShelterFields = { address: string; position: Position | null; capacity: number; facilities: string[]; manager: string; managerPhone: string };
interface OccupancyReport {
  at: string;
  occupancy: number;
  incidentId: string | null;
}
export type ShelterEntry = EntryBase & ShelterFields & { registry: 'shelter'; open: boolean; occupancy: number; overCapacity: boolean; occupancyReports: OccupancyReport[] };

type DepotFields = { ownerType: DepotOwner; ownerName: string; location: string | null; position: Position | null };
export type DepotEntry = EntryBase & DepotFields & { registry: 'depot'; stock: StockLine[] };

export type RegistryEntry = TeamEntry | ExpertEntry | ShelterEntry | DepotEntry;
export type EntryOf<R extends Registry> = Extract<RegistryEntry, { registry: R }>;

/** What registering an entry of each registry takes (its id, room and name, and its own fields). */
export type Registration = {
  team: { id: string; jurisdiction: string; name: string } & TeamFields;
  expert: { id: string; jurisdiction: string; name: string; available?: boolean | undefined } & ExpertFields;
  shelter: { id: string; jurisdiction: string; name: string } & ShelterFields;
  depot: { id: string; jurisdiction: string; name: string } & DepotFields;
};

/** The commands each registry takes after its entry is registered. */
export type RegistryCommand =
  | { registry: 'team'; type: 'UpdateTeam'; changes: Partial<TeamFields & { name: string }> }
  | { registry: 'team'; type: 'ChangeReadiness'; readiness: Exclude<Readiness, 'assigned'>; note?: string | undefined }
  | { registry: 'expert'; type: 'UpdateExpert'; changes: Partial<ExpertFields & { name: string }> }
  | { registry: 'expert'; type: 'ChangeExpertAvailability'; available: boolean; note?: string | undefined }
  | { registry: 'expert'; type: 'AttachExpert'; incidentId: string; consultation?: string | undefined }
  | { registry: 'expert'; type: 'RecordAdvice'; incidentId: string; advice: string }
  | { registry: 'shelter'; type: 'UpdateShelter'; changes: Partial<ShelterFields & { name: string }> }
  | { registry: 'shelter'; type: 'OpenShelter'; note?: string | undefined }
  | { registry: 'shelter'; type: 'CloseShelter'; note?: string | undefined }
  | { registry: 'shelter'; type: 'ReportOccupancy'; occupancy: number; incidentId?: string | undefined }
  | { registry: 'depot'; type: 'UpdateDepot'; changes: Partial<DepotFields & { name: string }> }
  | { registry: 'depot'; type: 'CountStock'; items: StockLine[] };

/** A registry event as the decider emits it and the log keeps it. */
export interface RegistryEvent {
  type: string;
  data: Record<string, unknown>;
}

/** What the fold needs of a stored event besides its type and data. */
export interface RegistryEventMeta {
  occurredAt: string;
  actor: Pick<Actor, 'userId'>;
}

export const registryStreamId = (registry: Registry, id: string): string => `${registry}:${id}`;
