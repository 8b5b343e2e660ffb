import { createHash, timingSafeEqual } from 'node:crypto';
import { NotFoundError, UnauthorizedError } from '@muster/contracts';
import type { MetricsRegistry } from '@muster/service-runtime/metrics';
import type { RouteContext } from './access';

/** The process's metrics as GET /metrics serves them. */
export interface ApiMetricsOptions {
  registry: MetricsRegistry;
  /**
   * MUSTER_METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>` (Prometheus'
   * `authorization` setting); unset, /metrics is open like /health, for a scraper on a trusted network.
   */
  token?: string | undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `GET /metrics`: Prometheus' scrape of this process. Not behind the users' tokens (a scraper is not
 * a user and holds no room), but behind the metrics token when one is configured.
 */
export function registerMetricsRoute({ serve }: RouteContext, metrics: ApiMetricsOptions | undefined): void {
  const expected = metrics?.token === undefined ? undefined : digest(`Bearer ${metrics.token}`);
  serve('prometheusMetrics', async (request, reply) => {
    if (!metrics) throw new NotFoundError('route', 'GET /metrics');
    // Compared as digests: equal lengths, and no timing that tells how much of the token was right.
    if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      throw new UnauthorizedError('GET /metrics wants the metrics token: Authorization: Bearer <MUSTER_METRICS_TOKEN>');
    }
    const { contentType, body } = await metrics.registry.exposition();
    return reply.type(contentType).send(body);
  });
}
