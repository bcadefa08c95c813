import { DUTY_FULFILLED_V1, INBOUND_DOSSIER_EVENTS } from '@tthc/contracts';
import { bearerSecurityScheme, operationalPaths, problemResponse, problemSchema, schemaRef } from '@tthc/platform';
import { BODY_LIMIT_BYTES, MAX_BATCH } from './events.route';

const isoInstant = { type: 'string', format: 'date-time', description: 'ISO 8601 with offset' };
const code = { type: 'string', minLength: 1, maxLength: 64 };
const portalDate = {
  type: ['string', 'integer'],
  description: 'yyyyMMddHHmmss in the portal zone (PORTAL_TIME_ZONE, default Asia/Ho_Chi_Minh), or ISO 8601 with offset',
  examples: ['20261123090000', '2026-11-23T09:00:00+07:00'],
};
const portalCode = (min: number, max: number, description: string) => ({
  oneOf: [
    { type: 'integer', minimum: min, maximum: max },
    { type: 'string', pattern: '^[0-9]+$' },
  ],
  description,
});

/** OpenAPI 3.1 description of the intake API, served at /openapi.json. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'TTHC intake',
    version: '1.0.0',
    description: `One-stop portals push dossier and petition events as CloudEvents 1.0 (structured JSON) to /v1/events, or dossier records in the national-portal synchronisation shape to /v1/portal/dossiers. Bodies up to ${BODY_LIMIT_BYTES} bytes, batches up to ${MAX_BATCH} events. Events are accepted only after Kafka acknowledged them; a repeated (source, id) from the same key is answered "duplicate" and not published again (ids are remembered per key, so no key can make another key's events duplicates). Posting needs a key with role portal. Intake stamps each published event with the CloudEvents authcontext attributes authtype "api_key", authid (the key's id) and authclaims (the agencies it covers), replacing any the client sent; workflow applies a fact only when the key covers the dossier's or petition's owner. Each key is rate limited (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_BURST).`,
  },
  servers: [{ url: '/', description: 'this intake instance' }],
  components: {
    securitySchemes: bearerSecurityScheme,
    schemas: {
      DossierReceived: {
        type: 'object',
        required: ['dossierCode', 'procedureCode', 'agencyCode', 'receivedAt'],
        properties: {
          dossierCode: { ...code, description: 'TT 04/2025 code MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX or any portal code; a code of the TT 04/2025 shape must name an agency the key covers' },
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
      DutyFulfilled: {
        type: 'object',
        description: `${DUTY_FULFILLED_V1}: a periodic duty of the agency (duties file) was carried out on evidence.date; it closes the duty's period holding that date. The key must cover agencyCode.`,
        required: ['dutyId', 'agencyCode', 'evidence'],
        properties: {
          dutyId: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64, examples: ['leaders-dialogue'] },
          agencyCode: code,
          evidence: {
            type: 'object',
            required: ['date'],
            description: 'the minutes (minutes) or a link (link), at least one',
            properties: { date: { type: 'string', format: 'date' }, minutes: { type: 'string', maxLength: 200 }, link: { type: 'string', format: 'uri', maxLength: 2048 } },
          },
        },
      },
      CloudEvent: {
        type: 'object',
        required: ['specversion', 'id', 'source', 'type', 'time', 'data'],
        properties: {
          specversion: { const: '1.0' },
          id: { type: 'string' },
          source: { type: 'string' },
          type: { enum: [...Object.keys(INBOUND_DOSSIER_EVENTS), DUTY_FULFILLED_V1] },
          time: isoInstant,
          data: {
            type: 'object',
            description: 'Checked per type (packages/contracts/src/events); received and resolved are shown here, lifecycle and petition facts carry occurredAt.',
            anyOf: [schemaRef('DossierReceived'), schemaRef('DossierResolved'), schemaRef('DutyFulfilled'), { type: 'object' }],
          },
        },
      },
      PortalDossierRecord: {
        type: 'object',
        description:
          'A dossier record as national-portal synchronisation sends it. Status 1 publishes nothing; 2–10 (except 3) publish dossier.received at NgayTiepNhan plus the event of the status (4 processing-started, 5 supplement-requested, 6 financial-obligation-requested, 7 withdrawn, 8 suspended, 9 resolved, 10 returned, and resolved at NgayKetThucXuLy when sent); 3 publishes dossier.refused. Statuses 4–6 are dated by NgayCapNhat, 7–8 by NgayKetThucXuLy or NgayCapNhat, 9 by NgayKetThucXuLy. Other fields are ignored.',
        required: ['MaHoSo', 'TrangThaiHoSo'],
        properties: {
          MaHoSo: { ...code, description: 'dossier code' },
          MaTTHC: { ...code, description: 'procedure code; required for statuses 2 and 4–10' },
          TrangThaiHoSo: portalCode(1, 10, 'portal status code 1–10'),
          NgayTiepNhan: { ...portalDate, description: `reception instant; required for statuses 2 and 4–10. ${portalDate.description}` },
          NgayHenTra: { ...portalDate, description: `appointment (ngày hẹn trả). ${portalDate.description}` },
          NgayKetThucXuLy: { ...portalDate, description: `end of processing. ${portalDate.description}` },
          NgayCapNhat: { ...portalDate, description: `last update, dates statuses without their own date. ${portalDate.description}` },
          KenhThucHien: portalCode(1, 3, '1 trực tiếp (direct), 2 trực tuyến (online), 3 bưu chính (postal)'),
          MaDonVi: { ...code, description: 'agency code; must be owned by the API key (MaDonVi or DonViXuLy is required)' },
          DonViXuLy: { ...code, description: 'alias of MaDonVi' },
          ChuHoSo: { type: 'string', maxLength: 200, description: 'applicant name; personal data, never logged' },
          SoGiayTo: { type: 'string', maxLength: 32, description: 'applicant ID number; personal data, never logged' },
        },
      },
      Problem: problemSchema,
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/events': {
      post: {
        operationId: 'postEvents',
        summary: 'Submit one event or a batch',
        description:
          'CloudEvents HTTP binding in all three content modes: structured (application/cloudevents+json, or application/json without ce-* headers), batched (application/cloudevents-batch+json) and binary (ce-specversion, ce-id, ce-source, ce-type, ce-time and any extension as ce-* headers, percent-encoded; the body is the data and content-type its JSON media type). In binary mode an invalid attribute is reported with the header that carried it (errors[].header).',
        parameters: ['specversion', 'id', 'source', 'type', 'time', 'subject'].map((name) => ({
          name: `ce-${name}`,
          in: 'header',
          required: false,
          description: `Binary content mode: the ${name} attribute${name === 'specversion' ? ' (its presence selects binary mode)' : ''}.`,
          schema: { type: 'string' },
        })),
        requestBody: {
          required: true,
          content: {
            'application/cloudevents+json': { schema: schemaRef('CloudEvent') },
            'application/json': { schema: { oneOf: [schemaRef('CloudEvent'), { type: 'object', description: 'Binary mode: the event data, with the attributes in ce-* headers' }] } },
            'application/cloudevents-batch+json': { schema: { type: 'array', maxItems: MAX_BATCH, items: schemaRef('CloudEvent') } },
          },
        },
        responses: {
          '202': {
            description: 'Acknowledged by Kafka; one result per event',
            content: { 'application/json': { schema: { type: 'object', properties: { results: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, source: { type: 'string' }, status: { enum: ['accepted', 'duplicate'] } } } } } } } },
          },
          '400': problemResponse('Invalid event; every bad field is named'),
          '401': problemResponse('Missing or unknown API key'),
          '403': problemResponse('The key is not a portal key, does not own the agency of an event, or a TT 04/2025 dossier code names an agency it does not cover (/data/dossierCode)'),
          '413': problemResponse('Body larger than 1 MiB'),
          '415': problemResponse('Unsupported content type or charset (send UTF-8 JSON)'),
          '429': problemResponse('Over the key\'s rate limit; retry after the Retry-After delay'),
          '503': problemResponse('Kafka unreachable; retry after the Retry-After delay'),
        },
      },
    },
    '/v1/portal/dossiers': {
      post: {
        operationId: 'postPortalDossiers',
        summary: 'Submit dossier records in the national-portal synchronisation shape',
        description: 'Each record is mapped to the CloudEvents of /v1/events with source urn:portal-sync:<MaDonVi> and ids derived from (MaHoSo, event type, instant), so re-sending a record is answered "duplicate".',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { oneOf: [schemaRef('PortalDossierRecord'), { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: schemaRef('PortalDossierRecord') }] },
            },
          },
        },
        responses: {
          '202': {
            description: 'Acknowledged by Kafka; one result per record',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    results: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          index: { type: 'integer' },
                          dossierCode: { type: 'string' },
                          status: { enum: ['accepted', 'duplicate', 'ignored'] },
                          reason: { type: 'string', description: 'why an ignored record published nothing' },
                          events: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, status: { enum: ['accepted', 'duplicate'] } } } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          '400': problemResponse('Invalid record; every bad field is named by a JSON pointer such as /0/NgayHenTra'),
          '401': problemResponse('Missing or unknown API key'),
          '403': problemResponse('The key is not a portal key, does not own the MaDonVi of a record, or a TT 04/2025 MaHoSo names an agency it does not cover'),
          '413': problemResponse('Body larger than 1 MiB'),
          '415': problemResponse('Unsupported content type or charset (send UTF-8 JSON)'),
          '429': problemResponse('Over the key\'s rate limit; retry after the Retry-After delay'),
          '503': problemResponse('Kafka unreachable; retry after the Retry-After delay'),
        },
      },
    },
    ...operationalPaths('Ready when Kafka and Redis answer.'),
  },
} as const;
