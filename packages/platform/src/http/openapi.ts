import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem';

/**
 * Pieces every service's OpenAPI 3.1 document shares, so the three documents describe errors,
 * keys and the operational endpoints the same way, and query parameters come from the very zod
 * schemas the routes parse with (a parameter added to a route appears in its document).
 */

export type JsonSchema = Record<string, unknown>;

export const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details; errors[] names every bad field (pointer, or header in CloudEvents binary mode)',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'urn:tthc:problem:<code>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['detail'], properties: { pointer: { type: 'string' }, header: { type: 'string' }, detail: { type: 'string' } } },
    },
  },
};

/** A reference to a schema of the document's `components.schemas`. */
export function schemaRef(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** A response carrying problem details; the document must hold `components.schemas.Problem`. */
export function problemResponse(description: string): JsonSchema {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: schemaRef('Problem') } } };
}

/** The answers every keyed route may give besides its own. */
export function keyedErrorResponses(forbidden = 'The key does not cover the agencies asked for, or its role may not call this route'): Record<string, JsonSchema> {
  return {
    '401': problemResponse('Missing or unknown API key (Authorization: Bearer <key>)'),
    '403': problemResponse(forbidden),
    '429': problemResponse("Over the key's rate limit; retry after the Retry-After delay"),
  };
}

export function jsonResponse(description: string, schema: JsonSchema): JsonSchema {
  return { description, content: { 'application/json': { schema } } };
}

export const bearerSecurityScheme = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS; its role (portal, agency-manager, reform-office) and agencies decide what it may read and write.' },
} as const;

/**
 * What every keyed service's document starts with: OpenAPI 3.1, its title and description, this
 * instance as the server and the bearer key on every operation (operational paths opt out).
 */
export function keyedServiceDocument(service: string, description: string, schemas: Record<string, JsonSchema>) {
  return {
    openapi: '3.1.0' as const,
    info: { title: `TTHC ${service}`, version: '1.0.0', description },
    servers: [{ url: '/', description: `this ${service} instance` }],
    security: [{ bearer: [] }],
    components: { securitySchemes: bearerSecurityScheme, schemas },
  };
}

const readinessSchema: JsonSchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { enum: ['ready', 'degraded', 'not-ready'] },
    checks: { type: 'object', additionalProperties: { type: 'string' }, description: 'dependency → "ok" or "unavailable: <reason>"' },
    degraded: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** /healthz, /readyz, /metrics and /openapi.json, answered without a key by every service. */
export function operationalPaths(readiness: string): Record<string, JsonSchema> {
  const open = { security: [] };
  return {
    '/healthz': {
      get: {
        ...open,
        operationId: 'liveness',
        summary: 'Liveness',
        responses: { '200': jsonResponse('The process answers', { type: 'object', required: ['status'], properties: { status: { const: 'ok' }, service: { type: 'string' } } }) },
      },
    },
    '/readyz': {
      get: {
        ...open,
        operationId: 'readiness',
        summary: 'Readiness',
        description: readiness,
        responses: { '200': jsonResponse('Ready (or degraded but serving)', readinessSchema), '503': jsonResponse('A dependency does not answer', readinessSchema) },
      },
    },
    '/metrics': {
      get: {
        ...open,
        operationId: 'prometheusMetrics',
        summary: 'Prometheus metrics (text exposition format)',
        responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    '/openapi.json': {
      get: {
        ...open,
        operationId: 'openApiDocument',
        summary: 'This document',
        responses: { '200': jsonResponse('OpenAPI 3.1', { type: 'object' }) },
      },
    },
  };
}

/**
 * OpenAPI query parameters of a route's zod query schema, as the client writes them (strings):
 * the JSON Schema of the schema's input side, one parameter per property.
 */
export function queryParameters(schema: z.ZodObject, descriptions: Record<string, string> = {}): JsonSchema[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    // zod writes its own date-time regex beside the format; the format says the same, readably.
    const { pattern, ...rest } = property;
    const parameterSchema = rest['format'] === 'date-time' ? rest : { ...rest, ...(pattern === undefined ? {} : { pattern }) };
    const description = descriptions[name];
    return { name, in: 'query', required: required.has(name), schema: parameterSchema, ...(description ? { description } : {}) };
  });
}

/** A path parameter: every route's `:code` or `:id`. */
export function pathParameter(name: string, description: string, schema: JsonSchema = { type: 'string', minLength: 1 }): JsonSchema {
  return { name, in: 'path', required: true, description, schema };
}

/**
 * The JSON Schema of a zod schema, to embed in a document: its input side for what a client
 * sends (request bodies), its output side for what a service answers.
 */
export function zodJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}
