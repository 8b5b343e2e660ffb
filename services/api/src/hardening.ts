import { findUnstorable, ValidationError } from '@muster/contracts';
import helmet from 'helmet';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

export interface HardeningOptions {
  /** Containers in a body may nest this deep; deeper is a 400 naming where (DEFAULT_MAX_JSON_DEPTH). */
  maxJsonDepth: number;
  /** The gateway's port when the api serves the console: its pages may open a WebSocket there. */
  gatewayPort?: number | undefined;
  /** Sees every route as it is registered (the fuzz test walks every write route with it). */
  onRoute?: ((route: RouteOptions) => void) | undefined;
}

/**
 * What every request passes before any route (issue 14, findings 8 and 10), registered by buildApi
 * before its own hooks and routes so that it covers all of them, the console's files and the 404s:
 * - security headers (helmet) on every answer, refusals and HTML forms included;
 * - bodies only as UTF-8 JSON: any other media type is a 415, and bytes that are not UTF-8 a 400
 *   rather than a silent U+FFFD;
 * - body, query string and path parameters checked once for what PostgreSQL cannot store as sent
 *   (NUL, lone surrogates, numbers out of range) and for nesting deeper than `maxJsonDepth`: a 400
 *   naming the field, before any handler or schema.
 */
export function registerHardening(app: FastifyInstance, options: HardeningOptions): void {
  const { onRoute } = options;
  if (onRoute) app.addHook('onRoute', onRoute);
  // helmet's middleware built once: @fastify/helmet built it anew for every request (its CSP parsed each
  // time), a tenth of the api's CPU per command on the bench. onRequest runs for every answer, 404s
  // and refusals of the body parser included.
  // The headers do not depend on the request: helmet runs once, and each answer gets what it set
  // (issue 18: its chain of fourteen middlewares per request was the api's largest fixed cost after the database).
  const headers = securityHeaderValues(options.gatewayPort);
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of headers) raw.setHeader(name, value);
    raw.removeHeader('x-powered-by');
    done();
  });
  acceptJsonOnly(app);
  app.addHook('preValidation', async (request) => refuseUnstorable(request, options.maxJsonDepth));
}

/** The headers helmet sets on every answer, in its order, taken from one run of its middleware. */
function securityHeaderValues(gatewayPort: number | undefined): [string, string | number | readonly string[]][] {
  const set: [string, string | number | readonly string[]][] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.push([name, value]);
      return recorder;
    },
    removeHeader() {},
  };
  let failed: unknown;
  helmet(securityHeaders(gatewayPort))(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    recorder as unknown as Parameters<ReturnType<typeof helmet>>[1],
    (error?: unknown) => {
      failed = error;
    },
  );
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(`helmet refused its options: ${String(failed)}`);
  return set;
}

/**
 * Helmet's headers with a Content-Security-Policy the built console works under: its scripts and
 * styles are files under /console/assets (no inline script), it talks to the api on its own origin
 * and to the gateway's WebSocket on another port of the same host, and ECharts draws on a canvas.
 * Inline styles stay allowed: the ICS forms carry a <style> element and the console's charts set
 * style attributes; scripts never are.
 */
function securityHeaders(gatewayPort: number | undefined) {
  const websocket = gatewayPort === undefined ? [] : [`ws://*:${gatewayPort}`, `wss://*:${gatewayPort}`];
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ...websocket],
        objectSrc: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The api is often reached over plain HTTP inside a command room's network: browsers ignore HSTS
    // there, and a policy for subdomains is the site operator's to set, not ours.
    strictTransportSecurity: { maxAge: 365 * 24 * 3600, includeSubDomains: false },
    frameguard: { action: 'deny' as const },
    referrerPolicy: { policy: 'no-referrer' as const },
  };
}

/**
 * Replaces Fastify's default parsers (JSON and text/plain) by one: application/json, decoded as
 * strict UTF-8, then parsed by Fastify's own JSON parser (secure-json-parse: `__proto__` and
 * `constructor` keys refused). JSON.parse itself is iterative, so depth is checked after it.
 */
function acceptJsonOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      // parseAs 'buffer' always hands a Buffer; the type also allows a string.
      text = typeof body === 'string' ? body : utf8.decode(body);
    } catch {
      done(new ValidationError([{ path: '', message: 'the body is not UTF-8 text' }], 'malformed'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}

async function refuseUnstorable(request: FastifyRequest, maxDepth: number): Promise<void> {
  const issue =
    findUnstorable(request.params, { maxDepth, prefix: ['params'] }) ??
    findUnstorable(request.query, { maxDepth, prefix: ['query'] }) ??
    findUnstorable(request.body, { maxDepth });
  if (issue) throw new ValidationError([issue], 'malformed');
}
