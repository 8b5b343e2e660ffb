import type { CommandMeta, IncidentCategory, IncidentSubtype, Severity } from '../shared';

export const REPORT_CHANNELS = ['phone', 'informant', 'new_media', 'public', 'unit', 'sensor'] as const;
type ReportChannel = (typeof REPORT_CHANNELS)[number];

export interface Location {
  description: string;
  lat?: number;
  lon?: number;
}

/** A type, not an interface: a machine's context is also a plain record (PersistedState), which only type literals are assignable to. */
export type IncidentContext = {
  incidentId: string;
  title: string;
  description: string;
  category: IncidentCategory | null;
  /** A finer kind within the category (e.g. `road_traffic`, `fire`) where the rules tell them apart (补报 windows). */
  subtype: IncidentSubtype | null;
  severity: Severity | null;
  /** Level of the activated response (I–IV), null until a response is activated. */
  responseLevel: Severity | null;
  leadJurisdiction: string;
  /** The level above the lead (the city room for a county lead), from the jurisdiction tree. */
  upperJurisdiction: string | null;
  /** Rooms that follow the incident without leading or supporting it (the city from level III up). */
  linkedJurisdictions: string[];
  /** Jurisdictions taking part in a cross-boundary incident; they see it and act within their role. */
  supportingJurisdictions: string[];
  /** Leads the incident was raised from, most recent last, with the upper level each had. */
  raisedFrom: { jurisdiction: string; upper: string | null }[];
  location: Location | null;
  source: ReportChannel | null;
  exercise: boolean;
  reportedAt: string | null;
  /**
   * 接报: when the first room learned of the incident (the watch log's receipt, or the report itself).
   * Every reporting deadline runs from here.
   */
  receivedAt: string | null;
  occurredAt: string | null;
  confirmedAt: string | null;
  responseActivatedAt: string | null;
  controlledAt: string | null;
  liftedAt: string | null;
  closedAt: string | null;
  dismissedReason: string | null;
  updatedAt: string | null;
};

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

type ReportIncident = Cmd<'ReportIncident'> & {
  incidentId: string;
  title: string;
  description?: string;
  category?: IncidentCategory;
  subtype?: IncidentSubtype;
  severity?: Severity;
  /** When the room received the first report of it (watch log), if before this report. */
  receivedAt?: string;
  leadJurisdiction: string;
  /** Filled in by the engine from the jurisdiction tree, never by the caller. */
  upperJurisdiction?: string | null;
  location?: Location;
  source?: ReportChannel;
  exercise?: boolean;
};
type BeginVerification = Cmd<'BeginVerification'> & { note?: string };
type ConfirmIncident = Cmd<'ConfirmIncident'> & { category?: IncidentCategory; subtype?: IncidentSubtype; severity?: Severity; note?: string };
type DismissIncident = Cmd<'DismissIncident'> & { reason: string };
type BeginInitialHandling = Cmd<'BeginInitialHandling'> & { measures: string };
type ActivateResponse = Cmd<'ActivateResponse'> & {
  level: Severity;
  matters?: string;
  measures: string;
  expectedDuration?: string;
};
type ChangeResponseLevel = Cmd<'ChangeResponseLevel'> & { level: Severity; reason: string };
type ClassifyIncident = Cmd<'ClassifyIncident'> & { category: IncidentCategory; subtype?: IncidentSubtype; severity: Severity; reason?: string };
type UpdateIncidentDetails = Cmd<'UpdateIncidentDetails'> & {
  title?: string;
  description?: string;
  location?: Location;
};
type DeclareControlled = Cmd<'DeclareControlled'> & { summary?: string };
type LiftResponse = Cmd<'LiftResponse'> & { reason?: string };
type BeginRecovery = Cmd<'BeginRecovery'> & { plan?: string };
type BeginReview = Cmd<'BeginReview'> & { note?: string };
type CloseIncident = Cmd<'CloseIncident'> & { summary: string };
type LinkRoom = Cmd<'LinkRoom'> & { jurisdiction: string; reason?: string };
type UnlinkRoom = Cmd<'UnlinkRoom'> & { jurisdiction: string; reason?: string };
/** The upper level takes unified leadership (Emergency Response Law §17); `to` and its upper come from the tree. */
type RaiseLead = Cmd<'RaiseLead'> & { reason: string; to?: string | null; upperJurisdiction?: string | null };
type HandBackLead = Cmd<'HandBackLead'> & { reason: string };
type AddSupportingJurisdiction = Cmd<'AddSupportingJurisdiction'> & { jurisdiction: string; reason?: string };
type RemoveSupportingJurisdiction = Cmd<'RemoveSupportingJurisdiction'> & { jurisdiction: string; reason?: string };

export type IncidentCommand =
  | ReportIncident
  | BeginVerification
  | ConfirmIncident
  | DismissIncident
  | BeginInitialHandling
  | ActivateResponse
  | ChangeResponseLevel
  | ClassifyIncident
  | UpdateIncidentDetails
  | DeclareControlled
  | LiftResponse
  | BeginRecovery
  | BeginReview
  | CloseIncident
  | LinkRoom
  | UnlinkRoom
  | RaiseLead
  | HandBackLead
  | AddSupportingJurisdiction
  | RemoveSupportingJurisdiction;

export type IncidentCommandType = IncidentCommand['type'];

export const INCIDENT_STATES = [
  'none',
  'reported',
  'verifying',
  'dismissed',
  'confirmed',
  'initialHandling',
  'responseActive',
  'controlled',
  'responseLifted',
  'recovery',
  'underReview',
  'closed',
] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** Command type → the primary event it emits. Commands imperative, events past tense (DESIGN §7). */
export const INCIDENT_EVENT_FOR = {
  ReportIncident: 'IncidentReported',
  BeginVerification: 'VerificationStarted',
  ConfirmIncident: 'IncidentConfirmed',
  DismissIncident: 'IncidentDismissed',
  BeginInitialHandling: 'InitialHandlingStarted',
  ActivateResponse: 'ResponseActivated',
  ChangeResponseLevel: 'ResponseLevelChanged',
  ClassifyIncident: 'IncidentClassified',
  UpdateIncidentDetails: 'IncidentDetailsUpdated',
  DeclareControlled: 'IncidentControlled',
  LiftResponse: 'ResponseLifted',
  BeginRecovery: 'RecoveryStarted',
  BeginReview: 'ReviewStarted',
  CloseIncident: 'IncidentClosed',
  LinkRoom: 'RoomLinked',
  UnlinkRoom: 'RoomUnlinked',
  RaiseLead: 'LeadRaised',
  HandBackLead: 'LeadHandedBack',
  AddSupportingJurisdiction: 'SupportingJurisdictionAdded',
  RemoveSupportingJurisdiction: 'SupportingJurisdictionRemoved',
} as const satisfies Record<IncidentCommandType, string>;

export type IncidentEventType = (typeof INCIDENT_EVENT_FOR)[IncidentCommandType];
