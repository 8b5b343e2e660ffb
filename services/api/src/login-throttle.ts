import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import { RateLimitedError, UnauthorizedError } from '@muster/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Limits on failed password logins (issue 14: 50 wrong passwords in 1.5 s, none slowed). Only
 * failures count, so a room whose staff all log in at shift change from one address is not locked
 * out; once a limit is reached every login it covers is answered 429 with `Retry-After`, the right
 * password included, until the window that began with the first failure ends.
 */
interface LoginLimits {
  /** Failed logins for one user name (existing or not) within the window. */
  maxPerUser: number;
  /** Failed logins from one client address (an IPv6 client by its /64), whatever the names tried. */
  maxPerAddress: number;
  /** Seconds from the first failure of a window to its end. */
  windowSeconds: number;
}

const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxPerUser: 5, maxPerAddress: 20, windowSeconds: 15 * 60 };

/** Limits as an option: an unset or undefined one takes its default. */
export type LoginLimitOptions = { [K in keyof LoginLimits]?: LoginLimits[K] | undefined };

export interface LoginThrottle {
  /**
   * Runs `authenticate` for `username` unless a limit is spent (then RateLimitedError and the
   * `Retry-After` header on `reply`); an UnauthorizedError from it counts as one failure for the name
   * and for the address.
   */
  attempt<T>(request: FastifyRequest, reply: FastifyReply, username: string, authenticate: () => Promise<T>): Promise<T>;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * The login limits on @fastify/rate-limit's store, in this process's memory: several api processes
 * behind one proxy each keep their own counts. The plugin's route option (`config.rateLimit`) counts
 * every request and takes one key per route; here two keys are read before and counted after the
 * password check, through `createRateLimit` (`{ increment: false }` reads without counting).
 */
export function registerLoginThrottle(app: FastifyInstance, options: LoginLimitOptions = {}): LoginThrottle {
  const limits = { ...DEFAULT_LOGIN_LIMITS, ...definedOnly(options) };
  // No route is limited by default (global: false); only the login uses the limiters below.
  void app.register(fastifyRateLimit, { global: false });
  const names = new WeakMap<FastifyRequest, string>();
  const timeWindow = limits.windowSeconds * 1000;
  let limiters: { address: Limiter; user: Limiter } | undefined;
  // The plugin adds createRateLimit when it loads (at ready), so the limiters are made at the first login.
  const limitersOf = () =>
    (limiters ??= {
      address: app.createRateLimit({ max: limits.maxPerAddress, timeWindow, keyGenerator: addressKey }),
      user: app.createRateLimit({ max: limits.maxPerUser, timeWindow, keyGenerator: (request) => userKey(names.get(request) ?? '') }),
    });
  const queue = new KeyedQueue();

  async function refuseWhenSpent(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { address, user } = limitersOf();
    const [byAddress, byUser] = await Promise.all([address(request, { increment: false }), user(request, { increment: false })]);
    const waits: number[] = [];
    const reasons: string[] = [];
    if (!byAddress.isAllowed && byAddress.remaining <= 0) {
      waits.push(byAddress.ttlInSeconds);
      reasons.push('from this address');
    }
    if (!byUser.isAllowed && byUser.remaining <= 0) {
      waits.push(byUser.ttlInSeconds);
      reasons.push('for this user name');
    }
    if (waits.length === 0) return;
    const retryAfter = Math.max(1, ...waits);
    reply.header('retry-after', String(retryAfter));
    throw new RateLimitedError(`too many failed logins ${reasons.join(' and ')}; try again in ${retryAfter} s`, retryAfter);
  }

  return {
    async attempt(request, reply, username, authenticate) {
      names.set(request, username);
      // Refused at once while locked out, without waiting behind other attempts.
      await refuseWhenSpent(request, reply);
      // Check, password, count: one step at a time per address and per name, so a burst of parallel
      // guesses cannot all pass the check before the first failure is counted. Always address first.
      return queue.run(addressKey(request), () =>
        queue.run(userKey(username), async () => {
          await refuseWhenSpent(request, reply);
          try {
            return await authenticate();
          } catch (error) {
            if (error instanceof UnauthorizedError) {
              const { address, user } = limitersOf();
              await Promise.all([address(request), user(request)]);
            }
            throw error;
          }
        }),
      );
    },
  };
}

function addressKey(request: FastifyRequest): string {
  return `address:${normalizeIP(request.ip)}`;
}

function userKey(username: string): string {
  return `user:${username}`;
}

function definedOnly(options: LoginLimitOptions): Partial<LoginLimits> {
  const out: Partial<LoginLimits> = {};
  for (const key of Object.keys(DEFAULT_LOGIN_LIMITS) as (keyof LoginLimits)[]) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Runs tasks of one key one after another, tasks of different keys side by side. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    // Tails never reject, so a failed task does not fail the ones queued behind it.
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      // The last in line removes the key, so the map holds only keys with work in flight.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
