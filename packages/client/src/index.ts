export { createHttpClient, MusterApiError } from './http';
export type {
  HttpClientOptions,
  MusterHttpClient,
  CreateIncidentRequest,
  IncidentCommandRequest,
  IncidentList,
  ListIncidentsQuery,
  OnSceneCommandRequest,
  ResourceRequestCommand,
  SubmitResourceRequest,
  LoginAnswer,
  Me,
  Jurisdiction,
  ConsoleConfig,
  CommandView,
  ResourceRequestView,
  ReportsView,
  ReportItemView,
  ReportCommandRequest,
  TimelineEntry,
  TimelinePage,
  TimelineQuery,
  StateAtView,
  Metrics,
} from './http';
export { subscribe, MusterLiveError } from './live';
export type { SubscribeOptions, LiveFeed, LiveState, StateChange, WebSocketLike, WebSocketConstructor } from './live';
