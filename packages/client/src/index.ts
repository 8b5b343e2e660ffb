export { createHttpClient, MusterApiError } from './http';
export type {
  MusterHttpClient,
  LoginAnswer,
  Jurisdiction,
  ConsoleConfig,
  SceneView,
  ResourceRequestView,
  ReportsView,
  ReportItemView,
  ReportScores,
  DirectoryPerson,
  WatchEntry,
  TimelineEntry,
  StateAtView,
  SupervisionItem,
  Interview,
  IncidentRecord,
  BoardCard,
  WarningView,
  Contact,
  WarningRecipient,
  PublicAckView,
} from './http';
export { subscribe } from './live';
export type { LiveFeed, LiveState, StateChange } from './live';
