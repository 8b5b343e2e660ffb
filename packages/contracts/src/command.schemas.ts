import { PRIORITIES } from '@muster/domain';
import { z } from 'zod';
import { IdSchema, UserIdSchema, IsoTimeSchema, JurisdictionCodeSchema, LocationSchema } from './incident.schemas';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const count = z.int().min(0).max(10_000_000);

const PersonSchema = z.strictObject({
  userId: UserIdSchema,
  name: text(100),
  unit: z.string().max(200).optional(),
  rank: z.string().max(100).optional(),
  phone: z.string().max(50).optional(),
});

export const BriefingSchema = z.strictObject({
  situation: text(10_000),
  objectives: text(10_000),
  actions: text(10_000),
  organisation: text(10_000),
  resources: text(10_000),
  hazards: text(10_000),
  // The rest of the ICS 201 briefing (ref §2.3, issue 20); optional, so briefings given before them still parse.
  facilities: text(10_000).optional(),
  communications: text(10_000).optional(),
  constraints: text(10_000).optional(),
  incidentPotential: text(10_000).optional(),
  delegationOfAuthority: text(10_000).optional(),
});

/** Payloads of the on-scene command commands (现场指挥), by command type. */
export const SCENE_COMMAND_SCHEMAS = {
  AssumeProvisionalCommand: z.strictObject({ commander: PersonSchema }),
  AppointCommander: z.strictObject({ commander: PersonSchema, deputies: z.array(PersonSchema).max(20).optional() }),
  AppointDeputy: z.strictObject({ deputy: PersonSchema }),
  RemoveDeputy: z.strictObject({ userId: UserIdSchema }),
  OfferTransfer: z.strictObject({
    offerId: IdSchema,
    to: PersonSchema,
    expiresAt: IsoTimeSchema.optional(),
    effectiveAt: IsoTimeSchema.optional(),
    briefing: BriefingSchema.optional(),
  }),
  RecordTransferBriefing: z.strictObject({ offerId: IdSchema, briefing: BriefingSchema }),
  AcceptTransfer: z.strictObject({ offerId: IdSchema, effectiveAt: IsoTimeSchema.optional() }),
  DeclineTransfer: z.strictObject({ offerId: IdSchema, reason: z.string().max(2000).optional() }),
  WithdrawTransfer: z.strictObject({ offerId: IdSchema, reason: z.string().max(2000).optional() }),
  ExpireTransfer: z.strictObject({ offerId: IdSchema }),
  MakeTransferEffective: z.strictObject({ offerId: IdSchema.optional() }),
  JoinUnifiedCommand: z.strictObject({ agency: text(100), representative: PersonSchema }),
  LeaveUnifiedCommand: z.strictObject({ agency: text(100) }),
  EstablishCommandPost: z.strictObject({ location: LocationSchema }),
  PostSceneReport: z.strictObject({
    reportId: IdSchema,
    dead: count.optional(),
    injured: count.optional(),
    missing: count.optional(),
    trapped: count.optional(),
    evacuated: count.optional(),
    sheltered: count.optional(),
    resourcesOnScene: z.string().max(5000).optional(),
    objectives: z.string().max(5000).optional(),
    needs: z.string().max(5000).optional(),
  }),
  DeactivateCommand: z.strictObject({ reason: z.string().max(2000).optional() }),
} as const;
type SceneCommandName = keyof typeof SCENE_COMMAND_SCHEMAS;
const SCENE_COMMAND_NAMES = Object.keys(SCENE_COMMAND_SCHEMAS) as SceneCommandName[];

const ItemQuantitySchema = z.strictObject({ kind: text(100), quantity: z.int().min(1).max(1_000_000) });
export const RequestedItemSchema = z.strictObject({
  kind: text(100),
  quantity: z.int().min(1).max(1_000_000),
  priority: z.enum(PRIORITIES),
  deliverTo: text(500),
});

/** Payloads of the resource request commands (ICS 213RR), by command type. */
export const REQUEST_COMMAND_SCHEMAS = {
  SubmitResourceRequest: z.strictObject({
    incidentId: IdSchema,
    items: z.array(RequestedItemSchema).min(1).max(100),
    justification: z.string().max(5000).optional(),
  }),
  ApproveResourceRequest: z.strictObject({ note: z.string().max(2000).optional() }),
  RejectResourceRequest: z.strictObject({ reason: text(2000) }),
  DispatchResources: z.strictObject({
    depotId: IdSchema,
    orderNumber: text(100),
    items: z.array(ItemQuantitySchema).max(100).optional(),
    teams: z.array(IdSchema).max(50).optional(),
  }),
  MarkEnRoute: z.strictObject({ eta: IsoTimeSchema.optional() }),
  ConfirmArrival: z.strictObject({ note: z.string().max(2000).optional() }),
  ReleaseResources: z.strictObject({ returned: z.array(ItemQuantitySchema).max(100).optional(), note: z.string().max(2000).optional() }),
  CancelResourceRequest: z.strictObject({ reason: text(2000) }),
} as const;
type RequestCommandName = keyof typeof REQUEST_COMMAND_SCHEMAS;
const REQUEST_COMMAND_NAMES = Object.keys(REQUEST_COMMAND_SCHEMAS) as RequestCommandName[];

const CommandRequestSchema = (names: readonly [string, ...string[]]) =>
  z.strictObject({
    type: z.enum(names),
    data: z.record(z.string(), z.unknown()).optional(),
    commandId: IdSchema.optional(),
    expectedVersion: z.int().min(0).optional(),
    occurredAt: IsoTimeSchema.optional(),
  });

export const OnSceneCommandRequestSchema = CommandRequestSchema(SCENE_COMMAND_NAMES as [string, ...string[]]).meta({ id: 'OnSceneCommandRequest' });
export const ResourceRequestCommandSchema = CommandRequestSchema(REQUEST_COMMAND_NAMES as [string, ...string[]]).meta({ id: 'ResourceRequestCommand' });
export const CreateResourceRequestSchema = z
  .strictObject({
    requestId: IdSchema.optional(),
    commandId: IdSchema.optional(),
    occurredAt: IsoTimeSchema.optional(),
    data: REQUEST_COMMAND_SCHEMAS.SubmitResourceRequest.omit({ incidentId: true }),
  })
  .meta({ id: 'CreateResourceRequest' });

/** Reference data: a material depot and its stock. */
export const DepotSchema = z.strictObject({
  depotId: IdSchema,
  name: text(200),
  jurisdiction: JurisdictionCodeSchema,
  location: z.string().max(500).optional(),
});
const StockLineSchema = z.strictObject({
  kind: text(100),
  quantity: z.int().min(0).max(100_000_000),
  returnable: z.boolean().optional(),
});
export const SetStockSchema = z.strictObject({ items: z.array(StockLineSchema).min(1).max(500) });
export const TeamSchema = z.strictObject({
  teamId: IdSchema,
  name: text(200),
  jurisdiction: JurisdictionCodeSchema,
  specialty: z.string().max(200).optional(),
});
export const TeamStatusSchema = z.strictObject({ status: z.enum(['available', 'out_of_service']) });
