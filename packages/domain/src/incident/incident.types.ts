import type { CommandMeta, IncidentCategory, Severity } from '../shared';

export const REPORT_CHANNELS = ['phone', 'informant', 'new_media', 'public', 'unit', 'sensor'] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];

export interface Location {
  description: string;
  lat?: number;
  lon?: number;
}

export interface IncidentContext {
  incidentId: string;
  title: string;
  description: string;
  category: IncidentCategory | null;
  severity: Severity | null;
  /** Level of the activated response (I–IV), null until a response is activated. */
  responseLevel: Severity | null;
  leadJurisdiction: string;
  supportingJurisdictions: string[];
  location: Location | null;
  source: ReportChannel | null;
  exercise: boolean;
  reportedAt: string | null;
  occurredAt: string | null;
  confirmedAt: string | null;
  responseActivatedAt: string | null;
  controlledAt: string | null;
  liftedAt: string | null;
  closedAt: string | null;
  dismissedReason: string | null;
  updatedAt: string | null;
}

interface Cmd<T extends string> {
  type: T;
  meta: CommandMeta;
}

export type ReportIncident = Cmd<'ReportIncident'> & {
  incidentId: string;
  title: string;
  description?: string;
  category?: IncidentCategory;
  severity?: Severity;
  leadJurisdiction: string;
  location?: Location;
  source?: ReportChannel;
  exercise?: boolean;
};
export type BeginVerification = Cmd<'BeginVerification'> & { note?: string };
export type ConfirmIncident = Cmd<'ConfirmIncident'> & { category?: IncidentCategory; severity?: Severity; note?: string };
export type DismissIncident = Cmd<'DismissIncident'> & { reason: string };
export type BeginInitialHandling = Cmd<'BeginInitialHandling'> & { measures: string };
export type ActivateResponse = Cmd<'ActivateResponse'> & {
  level: Severity;
  matters?: string;
  measures: string;
  expectedDuration?: string;
};
export type ChangeResponseLevel = Cmd<'ChangeResponseLevel'> & { level: Severity; reason: string };
export type ClassifyIncident = Cmd<'ClassifyIncident'> & { category: IncidentCategory; severity: Severity; reason?: string };
export type UpdateIncidentDetails = Cmd<'UpdateIncidentDetails'> & {
  title?: string;
  description?: string;
  location?: Location;
};
export type DeclareControlled = Cmd<'DeclareControlled'> & { summary?: string };
export type LiftResponse = Cmd<'LiftResponse'> & { reason?: string };
export type BeginRecovery = Cmd<'BeginRecovery'> & { plan?: string };
export type BeginReview = Cmd<'BeginReview'> & { note?: string };
export type CloseIncident = Cmd<'CloseIncident'> & { summary: string };

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
  | CloseIncident;

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
} as const satisfies Record<IncidentCommandType, string>;

export type IncidentEventType = (typeof INCIDENT_EVENT_FOR)[IncidentCommandType];
