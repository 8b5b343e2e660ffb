import { JurisdictionTree, ZHAOQING_JURISDICTIONS } from '@muster/domain';
import { createEngine } from '@muster/engine';
import { connect, GroupCommitEventStore, migrateToLatest } from '@muster/store-postgres';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createTokenVerifier, type TokenVerifier, type UserDirectory } from '@muster/identity';
import { buildApi, type ConsoleOptions } from './app';
import type { LoginLimitOptions } from './login-throttle';
import { ReportRulesEnvShape, RequestLimitsEnvShape } from './config';
import { loadReportRules } from './report-rules';
import { parseOrThrow } from '@muster/contracts';
import { z } from 'zod';

export interface ApiServerOptions {
  databaseUrl: string;
  host: string;
  port: number;
  logLevel: string;
  poolSize: number;
  /** Run migrations before listening (the default: `muster start` and the api both migrate on start). */
  migrate?: boolean;
  auth: ApiAuthOptions;
  /**
   * JSON file of the reporting rule table. When not given, MUSTER_REPORT_RULES_FILE is read, so
   * every way of starting the api (its own process, `muster start`) honours it.
   */
  reportRulesFile?: string | undefined;
  /** Body limits; unset, MUSTER_MAX_BODY_BYTES and MUSTER_MAX_JSON_DEPTH are read (defaults 256 KiB and 32). */
  limits?: { maxBodyBytes: number; maxJsonDepth: number } | undefined;
  /** Serve the web console (see ConsoleOptions in app.ts). */
  console?: ConsoleOptions | undefined;
}

export interface ApiAuthOptions {
  /** HS256 secret shared with whoever issues tokens (`muster token`, the login endpoint). */
  secret?: Uint8Array | undefined;
  /** An identity provider's JWKS; tokens it signs are accepted. */
  jwksUrl?: string | undefined;
  users?: UserDirectory | undefined;
  tokenTtlSeconds?: number | undefined;
  /** Failed-login limits (MUSTER_LOGIN_*); unset ones take buildApi's defaults. */
  loginLimits?: LoginLimitOptions | undefined;
}

/**
 * The token verifier of the api and of `muster start`'s gateway. Tokens naming a jurisdiction outside
 * `tree` (the served jurisdictions, Zhaoqing's by default as in buildApi) are refused with 401.
 */
export function verifierFor(auth: ApiAuthOptions, tree: JurisdictionTree = new JurisdictionTree(ZHAOQING_JURISDICTIONS)): TokenVerifier {
  const knownJurisdiction = (code: string) => tree.has(code);
  if (auth.jwksUrl) return createTokenVerifier({ jwksUrl: auth.jwksUrl, knownJurisdiction });
  if (auth.secret) return createTokenVerifier({ secret: auth.secret, knownJurisdiction });
  throw new Error('no way to verify tokens: set MUSTER_JWT_SECRET or MUSTER_JWKS_URL');
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Connects, migrates and listens: the api as one process or as part of `muster start`. */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApi> {
  const logger = pino({ level: options.logLevel, name: 'api' });
  const db = connect({ connectionString: options.databaseUrl, maxConnections: options.poolSize, applicationName: 'muster-api' });
  if (options.migrate ?? true) await migrateToLatest(db);
  const env = parseOrThrow(z.object({ ...ReportRulesEnvShape, ...RequestLimitsEnvShape }), process.env, ['env']);
  const rulesFile = options.reportRulesFile ?? env.MUSTER_REPORT_RULES_FILE;
  const limits = options.limits ?? { maxBodyBytes: env.MUSTER_MAX_BODY_BYTES, maxJsonDepth: env.MUSTER_MAX_JSON_DEPTH };
  // Commands of concurrent requests share transactions (group commit); each is acknowledged after its COMMIT.
  const engine = createEngine({ store: new GroupCommitEventStore(db), reportRules: await loadReportRules(rulesFile) });
  const { auth } = options;
  const login = auth.users && auth.secret ? { users: auth.users, secret: auth.secret, ttlSeconds: auth.tokenTtlSeconds ?? 12 * 3600 } : undefined;
  const app = buildApi({
    engine,
    db,
    logger,
    verifier: verifierFor(auth),
    bodyLimit: limits.maxBodyBytes,
    maxJsonDepth: limits.maxJsonDepth,
    ...(login ? { login } : {}),
    loginLimits: auth.loginLimits,
    ...(options.console ? { console: options.console } : {}),
  });
  const url = await app.listen({ host: options.host, port: options.port });
  return {
    app,
    url,
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}
