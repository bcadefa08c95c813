import { BODY_LIMIT_BYTES, MAX_BATCH } from './events.route';

const isoInstant = { type: 'string', format: 'date-time', description: 'ISO 8601 with offset' };
const code = { type: 'string', minLength: 1, maxLength: 64 };

/** OpenAPI 3.1 description of the intake API, served at /openapi.json. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'TTHC intake',
    version: '1.0.0',
    description: `One-stop portals push dossier events as CloudEvents 1.0 (structured JSON). Bodies up to ${BODY_LIMIT_BYTES} bytes, batches up to ${MAX_BATCH} events. Events are accepted only after Kafka acknowledged them; a repeated (source, id) is answered "duplicate" and not published again.`,
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      DossierReceived: {
        type: 'object',
        required: ['dossierCode', 'procedureCode', 'agencyCode', 'receivedAt', 'appointmentAt'],
        properties: {
          dossierCode: { ...code, description: 'TT 04/2025 code MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX or any portal code' },
          procedureCode: code,
          agencyCode: code,
          receivedAt: isoInstant,
          appointmentAt: { ...isoInstant, description: 'ngày hẹn trả on the receipt' },
          channel: { enum: ['direct', 'online', 'postal'] },
          applicant: { type: 'object', description: 'personal data; never logged' },
        },
      },
      DossierResolved: {
        type: 'object',
        required: ['dossierCode', 'agencyCode', 'resolvedAt'],
        properties: { dossierCode: code, agencyCode: code, resolvedAt: isoInstant },
      },
      CloudEvent: {
        type: 'object',
        required: ['specversion', 'id', 'source', 'type', 'time', 'data'],
        properties: {
          specversion: { const: '1.0' },
          id: { type: 'string' },
          source: { type: 'string' },
          type: { enum: ['vn.tthc.dossier.received', 'vn.tthc.dossier.resolved'] },
          time: isoInstant,
          data: { oneOf: [{ $ref: '#/components/schemas/DossierReceived' }, { $ref: '#/components/schemas/DossierResolved' }] },
        },
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, detail: { type: 'string' } } } },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/events': {
      post: {
        summary: 'Submit one event or a batch',
        requestBody: {
          required: true,
          content: {
            'application/cloudevents+json': { schema: { $ref: '#/components/schemas/CloudEvent' } },
            'application/json': { schema: { $ref: '#/components/schemas/CloudEvent' } },
            'application/cloudevents-batch+json': { schema: { type: 'array', maxItems: MAX_BATCH, items: { $ref: '#/components/schemas/CloudEvent' } } },
          },
        },
        responses: {
          '202': {
            description: 'Acknowledged by Kafka; one result per event',
            content: { 'application/json': { schema: { type: 'object', properties: { results: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, source: { type: 'string' }, status: { enum: ['accepted', 'duplicate'] } } } } } } } },
          },
          '400': { description: 'Invalid event; every bad field is named', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
          '401': { description: 'Missing or unknown API key' },
          '403': { description: 'The key does not own the agency of an event' },
          '413': { description: 'Body larger than 1 MiB' },
          '415': { description: 'Unsupported content type' },
          '503': { description: 'Kafka unreachable; retry after the Retry-After delay' },
        },
      },
    },
    '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'alive' } } } },
    '/readyz': { get: { summary: 'Readiness (Kafka and Redis reachable)', security: [], responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { '200': { description: 'metrics' } } } },
  },
} as const;
