import { normalizeIP } from '@fastify/rate-limit';
import { RateLimitedError } from '@muster/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Limits on the public tip-off form (issue 24): it takes no login, so, as the login does, it counts
 * per client address (an IPv6 client by its /64), on @fastify/rate-limit's store in this process's
 * memory; past the limit it answers 429 with `Retry-After` until the window ends. Every submission
 * counts, accepted or not: a flood of well-formed tip-offs is what it stops.
 */
interface TipOffLimits {
  maxPerAddress: number;
  windowSeconds: number;
}

export type TipOffLimitOptions = { [K in keyof TipOffLimits]?: TipOffLimits[K] | undefined };

const DEFAULT_TIP_OFF_LIMITS: TipOffLimits = { maxPerAddress: 10, windowSeconds: 60 * 60 };

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * The tip-off limiter; the rate-limit plugin itself is registered by the login throttle (registerLoginThrottle),
 * which every api has, and the limiter is made at the first submission, once the plugin has loaded.
 */
export function tipOffThrottle(app: FastifyInstance, options: TipOffLimitOptions = {}): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const limits: TipOffLimits = {
    maxPerAddress: options.maxPerAddress ?? DEFAULT_TIP_OFF_LIMITS.maxPerAddress,
    windowSeconds: options.windowSeconds ?? DEFAULT_TIP_OFF_LIMITS.windowSeconds,
  };
  let limiter: Limiter | undefined;
  return async (request, reply) => {
    limiter ??= app.createRateLimit({ max: limits.maxPerAddress, timeWindow: limits.windowSeconds * 1000, keyGenerator: (r) => `tip-off:${normalizeIP(r.ip)}` });
    const answer = await limiter(request);
    if (!answer.isAllowed && answer.isExceeded) {
      const retryAfter = Math.max(1, answer.ttlInSeconds);
      reply.header('retry-after', String(retryAfter));
      throw new RateLimitedError(`too many tip-offs from this address; try again in ${retryAfter} s`, retryAfter);
    }
  };
}
