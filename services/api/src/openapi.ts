import { catalogRoutes, CommandOptionsSchema, ErrorBodySchema, type RouteSpec } from '@muster/contracts';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });

/** A command route's body: one variant per command `type`, each with its own typed `data`. */
function commandBody(commands: Readonly<Record<string, z.ZodType>>): z.ZodType {
  const variants = Object.entries(commands).map(([type, data]) =>
    CommandOptionsSchema.extend({ type: z.literal(type), data: data.safeParse({}).success ? data.optional() : data }).meta({ id: `${type}Command` }),
  );
  const [first, ...rest] = variants;
  if (!first) throw new Error('a command route takes at least one command');
  return z.discriminatedUnion('type', [first, ...rest]);
}

function pathParams(path: string): z.ZodObject | undefined {
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');
  return names.length ? z.object(Object.fromEntries(names.map((n) => [n, z.string()]))) : undefined;
}

function successOf(spec: RouteSpec): ZodOpenApiResponsesObject {
  if (spec.status === 302) return { '302': { description: 'redirect' } };
  const answer = spec.answer ?? z.unknown();
  switch (spec.contentType) {
    case undefined:
      return { [spec.status]: { description: spec.summary, ...json(answer) } };
    case 'text/csv':
    case 'text/html':
    case 'text/plain':
    case 'application/xml':
    case 'application/atom+xml':
      return { [spec.status]: { description: spec.summary, content: { [`${spec.contentType}; charset=utf-8`]: { schema: answer } } } };
    case 'text/csv+json':
      return { [spec.status]: { description: spec.summary, content: { 'application/json': { schema: answer }, 'text/csv; charset=utf-8': { schema: z.string() } } } };
    default: {
      const unknown: never = spec.contentType;
      throw new Error(`unknown content type ${String(unknown)}`);
    }
  }
}

function operationOf(spec: RouteSpec & { id: string; errors: number[] }): ZodOpenApiOperationObject {
  const path = pathParams(spec.path);
  const body = spec.commands ? commandBody(spec.commands) : spec.body;
  return {
    operationId: spec.id,
    summary: spec.summary,
    ...(spec.access.kind === 'public' ? { security: [] } : {}),
    ...(path || spec.query ? { requestParams: { ...(path ? { path } : {}), ...(spec.query ? { query: spec.query } : {}) } } : {}),
    ...(body ? { requestBody: json(body) } : {}),
    responses: {
      ...successOf(spec),
      ...Object.fromEntries(spec.errors.map((status) => [String(status), { description: 'refused', ...json(ErrorBodySchema) }])),
      ...(spec.unavailable ? { '503': { description: 'not ready: the reasons', ...json(spec.unavailable) } } : {}),
    },
  };
}

/** OpenAPI's `{param}` for Fastify's `:param`; the static files' wildcard as one documented path. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{file}');
}

/** The OpenAPI 3.1 document, generated from the route catalog: every route the api serves. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of catalogRoutes()) {
    const key = openApiPath(route.path);
    const operation = operationOf(route);
    if (route.path.endsWith('/*')) operation.requestParams = { path: z.object({ file: z.string() }) };
    paths[key] = { ...paths[key], [route.method.toLowerCase()]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Muster API', version: '0.1.0', description: 'Incident command engine for city and county command rooms' },
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  });
}
