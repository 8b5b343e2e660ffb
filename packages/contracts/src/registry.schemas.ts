import { DEPOT_OWNERS, EXPERT_FIELDS, READINESS, REGISTRIES, TEAM_KINDS, type Registration, type Registry } from '@muster/domain';
import { z } from 'zod';
import { IdSchema, JurisdictionCodeSchema } from './incident.schemas';

// Registries of teams, experts, shelters and depots (issue 23): what each registration and command takes.

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const DaySchema = z.iso.date('must be a day YYYY-MM-DD');
const PositionSchema = z.strictObject({ lat: z.number().min(18).max(54), lon: z.number().min(73).max(136) });

const RegistrySchema = z.enum(REGISTRIES);
/** The CSV files of the registries: one per registry, and `stock` (one line per depot and kind). */
const CSV_FILES = [...REGISTRIES, 'stock'] as const;
const CsvFileSchema = z.enum(CSV_FILES);

const TeamFieldsSchema = z.strictObject({
  name: text(200),
  kind: z.enum(TEAM_KINDS),
  headcount: z.int().min(1).max(100_000),
  equipment: z.array(z.strictObject({ item: text(100), quantity: z.int().min(1).max(1_000_000) })).max(200),
  certifications: z.array(z.strictObject({ name: text(200), expiresOn: DaySchema })).max(200),
  position: PositionSchema.nullable(),
});
const ExpertFieldsSchema = z.strictObject({
  name: text(100),
  fields: z.array(z.enum(EXPERT_FIELDS)).min(1, 'name at least one field of expertise').max(20),
  phone: text(50),
  organisation: text(200),
});
const ShelterFieldsSchema = z.strictObject({
  name: text(200),
  address: text(500),
  position: PositionSchema.nullable(),
  capacity: z.int().min(1).max(1_000_000),
  facilities: z.array(text(100)).max(100),
  manager: text(100),
  managerPhone: text(50),
});
const DepotFieldsSchema = z.strictObject({
  name: text(200),
  ownerType: z.enum(DEPOT_OWNERS),
  ownerName: text(200),
  location: z.string().trim().max(500).nullable(),
  position: PositionSchema.nullable(),
});

export const StockLineSchema = z.strictObject({
  kind: text(100),
  quantity: z.int().min(0).max(100_000_000),
  unit: text(20),
  returnable: z.boolean(),
  expiresOn: DaySchema.nullable(),
});

const idAndRoom = { id: IdSchema, jurisdiction: JurisdictionCodeSchema };

/** The body that registers an entry of each registry. */
export const REGISTRATION_SCHEMAS = {
  team: TeamFieldsSchema.extend(idAndRoom),
  expert: ExpertFieldsSchema.extend({ ...idAndRoom, available: z.boolean().optional() }),
  shelter: ShelterFieldsSchema.extend(idAndRoom),
  depot: DepotFieldsSchema.extend(idAndRoom),
} as const satisfies { [R in Registry]: z.ZodType<Registration[R]> };

/** The commands of a registered entry, by registry and type (`data` of `{ type, data }`). */
export const REGISTRY_COMMAND_SCHEMAS = {
  team: {
    UpdateTeam: z.strictObject({ changes: TeamFieldsSchema.partial() }),
    ChangeReadiness: z.strictObject({ readiness: z.enum(READINESS).exclude(['assigned']), note: z.string().max(2000).optional() }),
  },
  expert: {
    UpdateExpert: z.strictObject({ changes: ExpertFieldsSchema.partial() }),
    ChangeExpertAvailability: z.strictObject({ available: z.boolean(), note: z.string().max(2000).optional() }),
    AttachExpert: z.strictObject({ incidentId: IdSchema, consultation: text(200).optional() }),
    RecordAdvice: z.strictObject({ incidentId: IdSchema, advice: text(10_000) }),
  },
  shelter: {
    UpdateShelter: z.strictObject({ changes: ShelterFieldsSchema.partial() }),
    OpenShelter: z.strictObject({ note: z.string().max(2000).optional() }),
    CloseShelter: z.strictObject({ note: z.string().max(2000).optional() }),
    ReportOccupancy: z.strictObject({ occupancy: z.int().min(0).max(1_000_000), incidentId: IdSchema.optional() }),
  },
  depot: {
    UpdateDepot: z.strictObject({ changes: DepotFieldsSchema.partial() }),
    CountStock: z.strictObject({ items: z.array(StockLineSchema).min(1).max(500) }),
  },
} as const;

/** `commandId`: the client's own id of the command; sent again (a retry), it records nothing twice. */
export const RegistryCommandRequestSchema = z.strictObject({ type: z.string().max(50), data: z.record(z.string(), z.unknown()).default({}), commandId: IdSchema.optional() });

/** A CSV import: the file's text (UTF-8, a BOM allowed); `dryRun` checks every row and stores nothing. */
export const RegistryImportSchema = z.strictObject({ file: CsvFileSchema, csv: z.string().min(1, 'the file is empty').max(20_000_000), dryRun: z.boolean().default(false) });


export const RegistryListQuerySchema = z.strictObject({ registry: RegistrySchema, jurisdiction: JurisdictionCodeSchema.optional() });
export const RegistryExportQuerySchema = z.strictObject({ file: CsvFileSchema, jurisdiction: JurisdictionCodeSchema.optional() });

/** A registration names its registry beside the entry's fields (each registry's schema then checks them). */
export const RegistrationRequestSchema = z.looseObject({ registry: RegistrySchema, jurisdiction: JurisdictionCodeSchema, commandId: IdSchema.optional() });

/** The availability view: what of a kind is available, where, and how far from a point or an incident. */
export const AvailabilityQuerySchema = z.strictObject({
  kind: z.string().trim().min(1).max(100).optional(),
  teamKind: z.enum(TEAM_KINDS).optional(),
  jurisdiction: JurisdictionCodeSchema.optional(),
  lat: z.coerce.number().min(18).max(54).optional(),
  lon: z.coerce.number().min(73).max(136).optional(),
  incidentId: IdSchema.optional(),
});

const HistorySchema = z.array(z.looseObject({ at: z.string(), by: z.string(), type: z.string() }));
export const RegistryEntryViewSchema = z
  .looseObject({ registry: RegistrySchema, id: z.string(), jurisdiction: z.string(), name: z.string(), version: z.int(), history: HistorySchema })
  .meta({ id: 'RegistryEntryView' });
export const RegistryEntryListSchema = z.object({ items: z.array(RegistryEntryViewSchema) });
export const ImportReportSchema = z.object({
  dryRun: z.boolean(),
  rows: z.int(),
  imported: z.int(),
  errors: z.array(z.object({ line: z.int(), field: z.string(), message: z.string() })),
});
export const AvailabilityViewSchema = z.object({
  origin: z.object({ lat: z.number(), lon: z.number() }).nullable(),
  stock: z.array(
    z.object({
      depotId: z.string(),
      depotName: z.string(),
      jurisdiction: z.string(),
      ownerType: z.string(),
      ownerName: z.string(),
      kind: z.string(),
      quantity: z.int(),
      unit: z.string(),
      expiresOn: z.string().nullable(),
      distanceKm: z.number().nullable(),
      band: z.string().nullable(),
    }),
  ),
  teams: z.array(
    z.object({
      teamId: z.string(),
      name: z.string(),
      jurisdiction: z.string(),
      kind: z.string(),
      headcount: z.int(),
      readiness: z.string(),
      distanceKm: z.number().nullable(),
      band: z.string().nullable(),
    }),
  ),
});
