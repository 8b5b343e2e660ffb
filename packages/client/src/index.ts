export { createHttpClient, MusterApiError } from './http';
export type { HttpClientOptions, MusterHttpClient, CreateIncidentRequest, IncidentCommandRequest, IncidentList, ListIncidentsQuery } from './http';
export { subscribe, MusterLiveError } from './live';
export type { SubscribeOptions, LiveFeed, LiveState, StateChange, WebSocketLike, WebSocketConstructor } from './live';
