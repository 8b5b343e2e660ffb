import {
  createHttpClient,
  subscribe,
  type ConsoleConfig,
  type Jurisdiction,
  type LiveState,
  type LoginAnswer,
  type MusterHttpClient,
} from '@muster/client';
import type { EventEnvelope } from '@muster/contracts';
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

/** Who is logged in, kept for the browser tab (sessionStorage): a reload keeps the session, a new tab asks again. */
export interface Session {
  token: string;
  expiresAt: string;
  user: LoginAnswer['user'];
}

const KEY = 'muster.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    return Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/** The api serves the console, so it is at the page's own origin. */
export function anonymousClient(): MusterHttpClient {
  return createHttpClient({ baseUrl: window.location.origin });
}

export interface AppContextValue {
  session: Session;
  client: MusterHttpClient;
  config: ConsoleConfig;
  jurisdictions: Map<string, Jurisdiction>;
  logout(): void;
  /** Is the user one of these roles? */
  hasRole(...roles: string[]): boolean;
}

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider({ value, children }: { value: AppContextValue; children: ReactNode }) {
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppProvider');
  return value;
}

function gatewayUrl(config: ConsoleConfig): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.hostname}:${config.gateway.port}${config.gateway.path}`;
}

/** The live feed as the header shows it: its state, and since when the gateway says it is held (null: it is not). */
export interface LiveConnection {
  state: LiveState;
  heldSince: string | null;
}

/**
 * A live subscription for as long as the component is mounted. It resumes by itself after a drop
 * (the client reconnects with its last position); the returned connection is what the header shows.
 */
export function useLiveFeed(target: { rooms?: string[]; incidents?: string[]; drills?: boolean }, onEvent: (event: EventEnvelope) => void): LiveConnection {
  const { config, session, logout } = useApp();
  const [state, setState] = useState<LiveState>('connecting');
  const [heldSince, setHeldSince] = useState<string | null>(null);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const endSession = useRef(logout);
  endSession.current = logout;
  const key = JSON.stringify(target);
  useEffect(() => {
    const feed = subscribe({
      url: gatewayUrl(config),
      ...target,
      token: () => session.token,
      WebSocket: window.WebSocket,
      heartbeatMs: 10_000,
      backoff: { initialMs: 250, maxMs: 5_000 },
      onEvent: (event) => handler.current(event),
      onStateChange: (change) => {
        setState(change.state);
        // The gateway closes a socket whose token expired (4401); this console's login is over.
        if (change.code === 4401 && Date.parse(session.expiresAt) <= Date.now()) endSession.current();
      },
      onFeedHeld: (since) => setHeldSince(since),
      onError: (error) => console.warn('live feed', error),
    });
    return () => void feed.close();
    // `key` stands for `target`: resubscribe only when what we follow changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, config, session.token, session.expiresAt]);
  return useMemo(() => ({ state, heldSince }), [state, heldSince]);
}

/** Calls `load` now and again whenever `bump` changes; keeps the last good value while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { value: T | null; error: Error | null; reload(): void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (v) => {
        if (live) {
          setValue(v);
          setError(null);
        }
      },
      (e: unknown) => {
        if (live) setError(e instanceof Error ? e : new Error(String(e)));
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return useMemo(() => ({ value, error, reload: () => setTick((n) => n + 1) }), [value, error]);
}

export function jurisdictionName(map: Map<string, Jurisdiction>, code: string | null | undefined, lang: string): string {
  if (!code) return '—';
  const j = map.get(code);
  if (!j) return code;
  return lang === 'en' ? (j.nameEn ?? j.name) : j.name;
}
