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

/**
 * ICS 201 briefing content, recorded before command changes hands (ref §2.3: history, priorities and
 * objectives, current plan, resource assignments, organisation, resources ordered/needed, facilities,
 * communications, constraints, incident potential, delegation of authority). The last five came with
 * issue 20: optional, so briefings recorded before it (and their events) still read.
 */
export interface Briefing {
  situation: string;
  objectives: string;
  actions: string;
  organisation: string;
  resources: string;
  hazards: string;
  /** Command post, staging areas, bases, shelters in use. */
  facilities?: string;
  /** Radio channels and talk groups, phone lines, who is reached how. */
  communications?: string;
  /** What limits the response: access, weather windows, legal or budget limits. */
  constraints?: string;
  /** How the incident may develop (secondary slides, dam failure, spread). */
  incidentPotential?: string;
  /** What the appointing authority delegates to the commander, and its limits (授权范围). */
  delegationOfAuthority?: string;
}

/** The briefing of the last transfer that took effect: what the successor took command under. */
interface BriefingOnRecord {
  offerId: string;
  /** Whom command passed to under it (the record stays when the room later appoints someone else). */
  to: Person;
  briefing: Briefing;
  /** When command changed hands under it. */
  effectiveAt: string;
}

export interface TransferOffer {
  offerId: string;
  to: Person;
  offeredBy: string;
  offeredAt: string;
  /** The offer lapses unless accepted by then. */
  expiresAt: string | null;
  /** The effective time the offer proposes (ICS: agreed with the briefing); the acceptance may name another. Absent when none was proposed. */
  effectiveAt?: string;
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
  /** The briefing of the transfer that gave the current commander command; absent before the first one (and in states kept before issue 20). */
  briefingOnRecord?: BriefingOnRecord;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

type AssumeProvisionalCommand = Cmd<'AssumeProvisionalCommand'> & { incidentId: string; commander: Person };
type AppointCommander = Cmd<'AppointCommander'> & { incidentId?: string; commander: Person; deputies?: Person[] };
type AppointDeputy = Cmd<'AppointDeputy'> & { deputy: Person };
type RemoveDeputy = Cmd<'RemoveDeputy'> & { userId: string };
/** An offer may carry its briefing and propose the effective time; its expiry, when given, lies ahead. */
type OfferTransfer = Cmd<'OfferTransfer'> & { offerId: string; to: Person; expiresAt?: string; effectiveAt?: string; briefing?: Briefing };
type RecordTransferBriefing = Cmd<'RecordTransferBriefing'> & { offerId: string; briefing: Briefing };
type AcceptTransfer = Cmd<'AcceptTransfer'> & { offerId: string; effectiveAt?: string };
type DeclineTransfer = Cmd<'DeclineTransfer'> & { offerId: string; reason?: string };
type WithdrawTransfer = Cmd<'WithdrawTransfer'> & { offerId: string; reason?: string };
type ExpireTransfer = Cmd<'ExpireTransfer'> & { offerId: string };
/** `offerId`: the transfer the firing is for (the timers name it); a firing for another transfer is refused. */
type MakeTransferEffective = Cmd<'MakeTransferEffective'> & { offerId?: string };
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
