import type { GradingFigures } from '../rules/plan-rules';
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
  /**
   * A room above the lead that the linkage rules prompt to take the lead (II and I: the province);
   * null when none is. Cleared when the lead reaches it or it declines. (Absent in snapshots written
   * before issue 16: read it as null.)
   */
  leadPrompt: LeadPrompt | null;
  /** A reclassification the grading rules suggest from the scene's figures, until the room confirms or dismisses it. */
  suggestedSeverity: SuggestedSeverity | null;
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

export interface LeadPrompt {
  jurisdiction: string;
  severity: Severity;
  /** The linkage rule that prompts it. */
  rule: string;
  at: string;
}

/** Figures a suggestion rests on: those the grading rules read (dead, injured, direct economic loss in yuan). */
export type SuggestionFigures = { [F in keyof GradingFigures]?: number };

export interface SuggestedSeverity {
  severity: Severity;
  /** The grading rule the figures reach, and its source clause (依据). */
  rule: string;
  source: string;
  figures: SuggestionFigures;
  /** The scene report the figures come from. */
  reportId?: string;
  at: string;
}

/**
 * What the linkage rules say for the incident's severity, resolved against the jurisdiction tree by
 * the engine (the machine knows no tree): the rooms above the lead that follow it and the one
 * prompted to take the lead. Only on commands that set or change the severity, and on RaiseLead.
 */
export interface SeverityLinkage {
  /** The linkage rule applied; null when no rule covers the severity. */
  rule: string | null;
  link: string[];
  promptLead: string | null;
}

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
  /** Filled in by the engine from the linkage rules when a severity is given. */
  linkage?: SeverityLinkage;
  location?: Location;
  source?: ReportChannel;
  exercise?: boolean;
};
type BeginVerification = Cmd<'BeginVerification'> & { note?: string };
/** `linkage` (engine-filled) on the commands that set or change the severity. */
type ConfirmIncident = Cmd<'ConfirmIncident'> & { category?: IncidentCategory; subtype?: IncidentSubtype; severity?: Severity; note?: string; linkage?: SeverityLinkage };
type DismissIncident = Cmd<'DismissIncident'> & { reason: string };
type BeginInitialHandling = Cmd<'BeginInitialHandling'> & { measures: string };
type ActivateResponse = Cmd<'ActivateResponse'> & {
  level: Severity;
  matters?: string;
  measures: string;
  expectedDuration?: string;
};
type ChangeResponseLevel = Cmd<'ChangeResponseLevel'> & { level: Severity; reason: string };
type ClassifyIncident = Cmd<'ClassifyIncident'> & { category: IncidentCategory; subtype?: IncidentSubtype; severity: Severity; reason?: string; linkage?: SeverityLinkage };
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
/**
 * The upper level takes unified leadership (Emergency Response Law §17). `to` is the room above the
 * lead that takes it, the parent unless the sender names one further up; the engine fills it in
 * when left out, and the upper level of `to` and the linkage for the new lead from the tree.
 */
type RaiseLead = Cmd<'RaiseLead'> & { reason: string; to?: string; upperJurisdiction?: string | null; linkage?: SeverityLinkage };
type HandBackLead = Cmd<'HandBackLead'> & { reason: string };
/** The room prompted to take the lead says why it does not. */
type DeclineLead = Cmd<'DeclineLead'> & { reason: string };
/** Sent by the engine only, when a scene report's figures reach a grading threshold above the severity. */
type SuggestSeverity = Cmd<'SuggestSeverity'> & { severity: Severity; rule: string; source: string; figures: SuggestionFigures; reportId?: string };
type ConfirmSuggestedSeverity = Cmd<'ConfirmSuggestedSeverity'> & { linkage?: SeverityLinkage };
type DismissSuggestedSeverity = Cmd<'DismissSuggestedSeverity'> & { reason: string };
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
  | DeclineLead
  | AddSupportingJurisdiction
  | RemoveSupportingJurisdiction
  | SuggestSeverity
  | ConfirmSuggestedSeverity
  | DismissSuggestedSeverity;

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
  DeclineLead: 'LeadDeclined',
  AddSupportingJurisdiction: 'SupportingJurisdictionAdded',
  RemoveSupportingJurisdiction: 'SupportingJurisdictionRemoved',
  SuggestSeverity: 'SeveritySuggested',
  ConfirmSuggestedSeverity: 'SuggestedSeverityConfirmed',
  DismissSuggestedSeverity: 'SuggestedSeverityDismissed',
} as const satisfies Record<IncidentCommandType, string>;

export type IncidentEventType = (typeof INCIDENT_EVENT_FOR)[IncidentCommandType];
