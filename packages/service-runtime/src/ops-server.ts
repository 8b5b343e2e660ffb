import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { MetricsRegistry } from './metrics';
import { readiness, type ReadinessProbe } from './readiness';

/** What a service answers to its operators: Prometheus' scrape and the supervisor's health checks. */
export interface OpsEndpoints {
  metrics: MetricsRegistry;
  /** What `/health/ready` checks (the database, the bus); ready when all answer ok. */
  probes: readonly ReadinessProbe[];
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * Answers `GET /metrics`, `GET /health/live` and `GET /health/ready` and returns true, or returns
 * false for any other request (the caller's own routes). The gateway mounts it on its HTTP server;
 * startOpsServer serves it alone.
 */
export function handleOpsRequest(endpoints: OpsEndpoints, request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method !== 'GET') return false;
  const path = new URL(request.url ?? '/', 'http://ops').pathname;
  switch (path) {
    case '/metrics':
      endpoints.metrics.exposition().then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
        (error: unknown) => json(response, 500, { error: { code: 'internal', message: `metrics could not be collected: ${error instanceof Error ? error.message : String(error)}` } }),
      );
      return true;
    case '/health/live':
      json(response, 200, { status: 'ok' });
      return true;
    case '/health/ready':
      void readiness(endpoints.probes).then((answer) => json(response, answer.status === 'ok' ? 200 : 503, answer));
      return true;
    default:
      return false;
  }
}

export interface RunningOpsServer {
  /** e.g. `http://127.0.0.1:9464` */
  url: string;
  close(): Promise<void>;
}

/**
 * A small HTTP server for a service that has none of its own (the relay, the timers): `/metrics`,
 * `/health/live`, `/health/ready`, and a 404 for anything else.
 */
export async function startOpsServer(endpoints: OpsEndpoints, listen: { host: string; port: number }): Promise<RunningOpsServer> {
  const server: Server = createServer((request, response) => {
    if (!handleOpsRequest(endpoints, request, response)) json(response, 404, { error: { code: 'not_found', message: 'this port serves GET /metrics, /health/live and /health/ready' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the ops server is not listening on a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
