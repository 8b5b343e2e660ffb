import type { CommandMeta } from '../shared';
import type { Location } from '../incident/incident.types';

/** A person in the command structure. `userId` ties them to a login. */
export interface Person {
  userId: string;
  name: string;
  unit?: string;
  rank?: string;
  phone?: string;
}

/** ICS 201 briefing content, recorded before command changes hands. */
export interface Briefing {
  situation: string;
  objectives: string;
  actions: string;
  organisation: string;
  resources: string;
  hazards: string;
}

export interface TransferOffer {
  offerId: string;
  to: Person;
  offeredBy: string;
  offeredAt: string;
  /** The offer lapses unless accepted by then. */
  expiresAt: string | null;
  briefing: Briefing | null;
  briefedAt: string | null;
}

interface PendingTransfer {
  offerId: string;
  to: Person;
  /** Who offered the command (the outgoing commander or the appointing authority): the successor's appointedBy. */
  offeredBy: string;
  acceptedAt: string;
  effectiveAt: string;
  briefing: Briefing;
}

interface AgencyRepresentative {
  agency: string;
  representative: Person;
  joinedAt: string;
}

/** Figures from the scene; null until some report has given one (unknown is not zero). */
interface SceneFigures {
  dead: number | null;
  injured: number | null;
  missing: number | null;
  trapped: number | null;
  evacuated: number | null;
  sheltered: number | null;
}

interface SceneReport extends SceneFigures {
  reportId: string;
  reportedBy: string;
  occurredAt: string;
  recordedAt: string;
  resourcesOnScene: string;
  objectives: string;
  needs: string;
}

interface CommandTenure {
  commander: Person;
  kind: 'provisional' | 'appointed';
  from: string;
  appointedBy: string | null;
}

/** A type, not an interface: a machine's context is also a plain record (PersistedState), which only type literals are assignable to. */
export type SceneContext = {
  incidentId: string;
  commander: Person | null;
  /** Who appointed the current commander (null for provisional command). */
  appointedBy: string | null;
  deputies: Person[];
  offers: TransferOffer[];
  pendingTransfer: PendingTransfer | null;
  agencies: AgencyRepresentative[];
  commandPost: (Location & { since: string }) | null;
  latestReport: SceneReport | null;
  reportCount: number;
  tenures: CommandTenure[];
  deactivatedAt: string | null;
  updatedAt: string | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

type AssumeProvisionalCommand = Cmd<'AssumeProvisionalCommand'> & { incidentId: string; commander: Person };
type AppointCommander = Cmd<'AppointCommander'> & { incidentId?: string; commander: Person; deputies?: Person[] };
type AppointDeputy = Cmd<'AppointDeputy'> & { deputy: Person };
type RemoveDeputy = Cmd<'RemoveDeputy'> & { userId: string };
type OfferTransfer = Cmd<'OfferTransfer'> & { offerId: string; to: Person; expiresAt?: string };
type RecordTransferBriefing = Cmd<'RecordTransferBriefing'> & { offerId: string; briefing: Briefing };
type AcceptTransfer = Cmd<'AcceptTransfer'> & { offerId: string; effectiveAt?: string };
type DeclineTransfer = Cmd<'DeclineTransfer'> & { offerId: string; reason?: string };
type WithdrawTransfer = Cmd<'WithdrawTransfer'> & { offerId: string; reason?: string };
type ExpireTransfer = Cmd<'ExpireTransfer'> & { offerId: string };
type MakeTransferEffective = Cmd<'MakeTransferEffective'>;
type JoinUnifiedCommand = Cmd<'JoinUnifiedCommand'> & { agency: string; representative: Person };
type LeaveUnifiedCommand = Cmd<'LeaveUnifiedCommand'> & { agency: string };
type EstablishCommandPost = Cmd<'EstablishCommandPost'> & { location: Location };
/** A report gives the figures it knows; one it leaves out keeps the last known value (null until one is given). */
type PostSceneReport = Cmd<'PostSceneReport'> & { [F in keyof SceneFigures]?: number } & {
  reportId: string;
  resourcesOnScene?: string;
  objectives?: string;
  needs?: string;
};
type DeactivateCommand = Cmd<'DeactivateCommand'> & { reason?: string };

export type OnSceneCommand =
  | AssumeProvisionalCommand
  | AppointCommander
  | AppointDeputy
  | RemoveDeputy
  | OfferTransfer
  | RecordTransferBriefing
  | AcceptTransfer
  | DeclineTransfer
  | WithdrawTransfer
  | ExpireTransfer
  | MakeTransferEffective
  | JoinUnifiedCommand
  | LeaveUnifiedCommand
  | EstablishCommandPost
  | PostSceneReport
  | DeactivateCommand;

export type OnSceneCommandType = OnSceneCommand['type'];

export const SCENE_STATES = ['none', 'provisional', 'commanded', 'transferPending', 'transferAccepted', 'deactivated'] as const;
export type SceneState = (typeof SCENE_STATES)[number];

export const SCENE_EVENT_FOR = {
  AssumeProvisionalCommand: 'ProvisionalCommandAssumed',
  AppointCommander: 'CommanderAppointed',
  AppointDeputy: 'DeputyAppointed',
  RemoveDeputy: 'DeputyRemoved',
  OfferTransfer: 'TransferOffered',
  RecordTransferBriefing: 'TransferBriefingRecorded',
  AcceptTransfer: 'TransferAccepted',
  DeclineTransfer: 'TransferDeclined',
  WithdrawTransfer: 'TransferWithdrawn',
  ExpireTransfer: 'TransferExpired',
  MakeTransferEffective: 'TransferEffective',
  JoinUnifiedCommand: 'AgencyJoinedUnifiedCommand',
  LeaveUnifiedCommand: 'AgencyLeftUnifiedCommand',
  EstablishCommandPost: 'CommandPostEstablished',
  PostSceneReport: 'SceneReportPosted',
  DeactivateCommand: 'CommandDeactivated',
} as const satisfies Record<OnSceneCommandType, string>;
