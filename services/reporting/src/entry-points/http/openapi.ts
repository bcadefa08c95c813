import type { z } from 'zod';
import { procedureSchema } from '@tthc/catalog';
import { COUNT_FIELDS } from '@tthc/metrics';
import {
  jsonResponse,
  keyedErrorResponses,
  keyedServiceDocument,
  operationalPaths,
  pathParameter,
  problemResponse,
  problemSchema,
  queryParameters,
  schemaRef as ref,
  zodJsonSchema,
  type JsonSchema,
} from '@tthc/platform';
import { SORTABLE } from '../../domain/metrics-report.use-case';
import { auditLogQuery } from './audit-log.routes';
import { auditsQuery, proceduresQuery } from './catalog.routes';
import { XLSX_MIME } from './export.format';
import { dossiersQuery, lateCasesQuery, subScoresQuery, trendQuery } from './metrics.routes';
import { alertQuery } from './read.routes';

const instant = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema) => ({ anyOf: [schema, { type: 'null' }] });
const nullableString = { type: ['string', 'null'] };
const nullableInstant = nullable(instant);
const count = { type: 'integer', minimum: 0 };
const rate = { type: 'number', minimum: 0, maximum: 1, description: 'a fraction, four decimals' };
const RATES = ['lateRate', 'onTimeRate'] as const;

const delayCounts: JsonSchema = {
  type: 'object',
  description: 'Counts of one period by the rules of QĐ 766/QĐ-TTg (received, carried over, resolved early / on time / late, open on time / overdue, at risk) and the petition counts',
  required: [...COUNT_FIELDS, ...RATES],
  properties: { ...Object.fromEntries(COUNT_FIELDS.map((f) => [f, count])), ...Object.fromEntries(RATES.map((f) => [f, rate])) },
};

const paged = (item: string, description: string): JsonSchema => ({
  type: 'object',
  description,
  required: ['items', 'page', 'pageSize', 'total'],
  additionalProperties: false,
  properties: { items: { type: 'array', items: ref(item) }, page: { type: 'integer', minimum: 1 }, pageSize: { type: 'integer', minimum: 1 }, total: { type: 'integer', minimum: 0, description: 'rows the key may see, over every page' } },
});

const schemas: Record<string, JsonSchema> = {
  Problem: problemSchema,
  Period: {
    type: 'object',
    required: ['key', 'kind', 'start', 'end', 'zone'],
    properties: { key: { type: 'string', examples: ['2026-11', '2026-Q4', '2026'] }, kind: { enum: ['month', 'quarter', 'year'] }, start: instant, end: instant, zone: { type: 'string', examples: ['Asia/Ho_Chi_Minh'] } },
  },
  DelayCounts: delayCounts,
  GroupRow: {
    allOf: [
      ref('DelayCounts'),
      {
        type: 'object',
        required: ['agencyCode', 'agencyName', 'level', 'procedureCode'],
        properties: { agencyCode: nullableString, agencyName: nullableString, level: { enum: ['ministry', 'province', 'commune', 'district', 'unknown', null] }, procedureCode: nullableString },
      },
    ],
  },
  LateCasesReport: {
    type: 'object',
    required: ['period', 'asOf', 'groupBy', 'items', 'totals', 'page', 'pageSize', 'total'],
    additionalProperties: false,
    properties: {
      period: ref('Period'),
      asOf: instant,
      groupBy: { enum: ['agency', 'procedure', 'level'] },
      items: { type: 'array', items: ref('GroupRow') },
      totals: ref('DelayCounts'),
      page: { type: 'integer' },
      pageSize: { type: ['integer', 'string'], description: 'a number, or "all" in exports' },
      total: { type: 'integer', minimum: 0 },
    },
  },
  TrendItem: {
    type: 'object',
    required: ['period', 'received', 'toHandle', 'late', 'lateRate', 'onTimeRate'],
    additionalProperties: false,
    properties: { period: { type: 'string' }, received: count, toHandle: count, late: count, lateRate: rate, onTimeRate: rate },
  },
  SubScore: {
    type: 'object',
    required: ['id', 'nameVi', 'nameEn', 'formula', 'max', 'score', 'inputs', 'forecast'],
    properties: {
      id: { type: 'string' },
      nameVi: { type: 'string' },
      nameEn: { type: 'string' },
      formula: { type: 'string' },
      max: { type: 'number' },
      score: { type: 'number' },
      inputs: { type: 'object', additionalProperties: { type: ['number', 'string', 'null'] } },
      forecast: { type: 'object', required: ['score', 'atRiskCount'], properties: { score: { type: 'number' }, atRiskCount: count } },
    },
  },
  SubScoreReport: {
    type: 'object',
    description: 'Estimated sub-scores of the real-time service index (QĐ 766) and the PAR criteria of the rubric; an estimate, not the official score',
    required: ['estimate', 'items', 'savable', 'rubric', 'period'],
    additionalProperties: false,
    properties: {
      estimate: { const: true },
      items: { type: 'array', items: ref('SubScore') },
      savable: { type: 'array', items: { type: 'object', required: ['agencyCode', 'procedureCode', 'points'], properties: { agencyCode: { type: 'string' }, procedureCode: { type: 'string' }, points: { type: 'number' } } } },
      rubric: nullable({ type: 'object', required: ['year', 'label'], properties: { year: { type: 'integer' }, label: { type: 'string' } } }),
      period: ref('Period'),
    },
  },
  OpenSubject: {
    type: 'object',
    required: ['code', 'subject', 'agencyCode', 'procedureCode', 'phase', 'statusCode', 'dueAt', 'atRisk', 'overdue', 'workingDaysLate', 'responsibleStep'],
    additionalProperties: false,
    properties: {
      code: { type: 'string' },
      subject: { enum: ['dossier', 'petition'] },
      agencyCode: nullableString,
      procedureCode: nullableString,
      phase: { type: 'string' },
      statusCode: { type: ['integer', 'null'], description: 'portal status code 1–10' },
      dueAt: nullableInstant,
      atRisk: { type: 'boolean' },
      overdue: { type: 'boolean' },
      workingDaysLate: { type: 'number', minimum: 0, description: 'working days from the due instant to now, one decimal' },
      responsibleStep: nullable({ type: 'object', required: ['stepNo', 'name', 'agencyCode'], properties: { stepNo: { type: 'integer' }, name: nullableString, agencyCode: nullableString } }),
    },
  },
  HistoryEntry: {
    type: 'object',
    required: ['id', 'source', 'type', 'time', 'occurredAt', 'data'],
    properties: { id: { type: 'string' }, source: { type: 'string' }, type: { type: 'string' }, time: { type: 'string' }, occurredAt: { type: 'string' }, data: { type: 'object', description: 'the fact, without personal data' } },
  },
  Dossier: {
    type: 'object',
    description: 'A dossier or petition as stored by workflow, without personal data',
    required: ['code', 'agencyCode', 'procedureCode', 'status', 'statusCode', 'receivedAt', 'dueAt', 'overdue', 'overdueAt', 'closedAt', 'history'],
    additionalProperties: false,
    properties: {
      code: { type: 'string' },
      agencyCode: nullableString,
      procedureCode: nullableString,
      status: { type: 'string' },
      statusCode: { type: ['integer', 'null'] },
      receivedAt: nullableString,
      dueAt: nullableString,
      overdue: { type: 'boolean' },
      overdueAt: nullableString,
      closedAt: nullableString,
      history: { type: 'array', items: ref('HistoryEntry') },
    },
  },
  Alert: {
    type: 'object',
    required: ['id', 'type', 'dossierCode', 'agencyCode', 'dueAt', 'raisedAt'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, type: { type: 'string' }, dossierCode: { type: 'string', description: 'the dossier or petition code' }, agencyCode: nullableString, dueAt: { type: 'string' }, raisedAt: { type: 'string' } },
  },
  Procedure: {
    type: 'object',
    required: ['key', 'procedure', 'catalogId', 'catalogVersion', 'catalogLabel', 'effectiveFrom', 'effectiveSince', 'current', 'importedAt', 'updatedAt'],
    additionalProperties: false,
    properties: {
      key: { type: 'string' },
      procedure: zodJsonSchema(procedureSchema, 'output'),
      catalogId: { type: 'string' },
      catalogVersion: { type: 'string' },
      catalogLabel: nullableString,
      effectiveFrom: nullableString,
      effectiveSince: instant,
      current: { type: 'boolean' },
      importedAt: instant,
      updatedAt: instant,
    },
  },
  CalendarAudit: {
    type: 'object',
    required: ['_id', 'calendarId', 'fromVersion', 'toVersion', 'appliedAt', 'affected', 'unchangedOpenCount'],
    properties: {
      _id: { type: 'string' },
      calendarId: { type: 'string' },
      fromVersion: nullableString,
      toVersion: { type: 'string' },
      appliedAt: { type: 'string' },
      affected: { type: 'array', items: { type: 'object' }, description: "open subjects whose due instants moved, of the key's agencies" },
      unchangedOpenCount: { type: ['integer', 'null'], description: 'shown only to a key reading every agency' },
    },
  },
  AuditEntry: {
    type: 'object',
    required: ['id', 'at', 'actor', 'role', 'action', 'target', 'agencyCode', 'details'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, at: instant, actor: { type: 'string' }, role: { type: 'string' }, action: { type: 'string' }, target: { type: ['string', 'null'] }, agencyCode: nullableString, details: { type: 'object' } },
  },
};

const PARAMETER_HELP: Record<string, string> = {
  agency: 'an agency code or a prefix such as G01.*, within the key\'s agencies (403 when they share none)',
  procedure: 'a procedure code',
  period: 'YYYY-MM, YYYY-Qn or YYYY; the current month by default',
  format: 'json (default), csv or xlsx; the Accept header may ask for text/csv or XLSX too',
  page: 'from 1',
  pageSize: '1–200, 50 by default',
  sort: `one of ${SORTABLE.join(', ')}`,
};
const params = (schema: z.ZodObject) => queryParameters(schema, PARAMETER_HELP);

const exportContent = (schema: JsonSchema) => ({
  'application/json': { schema },
  'text/csv': { schema: { type: 'string' } },
  [XLSX_MIME]: { schema: { type: 'string', contentEncoding: 'binary' } },
});
const invalidQuery = problemResponse('Invalid query; every bad parameter is named (errors[].pointer is /query/<name>)');
const metricsErrors = keyedErrorResponses('The role is not agency-manager or reform-office, or ?agency= shares no agency with the key');
const notFound = (what: string) => problemResponse(`No ${what} visible to this key (another agency's is reported as absent)`);

const get = (operationId: string, summary: string, description: string, parameters: JsonSchema[], responses: Record<string, JsonSchema>) => ({
  get: { operationId, summary, description, parameters, responses },
});

/** OpenAPI 3.1 description of the reporting read API, served at /openapi.json without a key. */
export const openApiDocument = {
  ...keyedServiceDocument(
    'reporting',
    "The reform office's and managers' read API: late-case counts per agency, procedure or level and period, the trend, estimated index sub-scores, open and overdue dossiers and petitions, one dossier's history, alerts, the procedure catalog, calendar change audits and the configuration audit log. Every read is limited to the key's agencies. Metrics, sub-scores, audits and every CSV/XLSX export need an agency-manager or reform-office key; portal keys read only their own dossiers and alerts. The dashboard (/, Vietnamese with an English switch) is served by the same process.",
    schemas,
  ),
  paths: {
    '/v1/metrics/late-cases': get(
      'getLateCases',
      'Late cases per agency, procedure or level',
      'Counts of the period grouped by agency (default), procedure or government level, sorted and paged; totals over every row the key may see. Exports hold every row.',
      params(lateCasesQuery),
      { '200': { description: 'The counts', content: exportContent(ref('LateCasesReport')) }, '400': invalidQuery, ...metricsErrors },
    ),
    '/v1/metrics/trend': get(
      'getTrend',
      'Monthly trend',
      'The last `months` months up to the current one, oldest first.',
      params(trendQuery),
      { '200': jsonResponse('One item per month', { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: ref('TrendItem') } } }), '400': invalidQuery, ...metricsErrors },
    ),
    '/v1/index/subscores': get(
      'getSubScores',
      'Estimated index sub-scores',
      'Sub-scores of the real-time service index (QĐ 766/QĐ-TTg) estimated from the delay counts, with a forecast if every at-risk case goes late and the points each procedure could still save.',
      params(subScoresQuery),
      { '200': { description: 'The estimate', content: exportContent(ref('SubScoreReport')) }, '400': invalidQuery, ...metricsErrors },
    ),
    '/v1/dossiers': get(
      'listOpenSubjects',
      'Open dossiers and petitions',
      'Open subjects of the key\'s agencies, filtered by overdue or at risk (due before the period ends, or warned). JSON for every role; CSV and XLSX exports (up to 10 000 rows, x-export-truncated says when cut) for agency-manager and reform-office keys.',
      params(dossiersQuery),
      { '200': { description: 'One page', content: exportContent(paged('OpenSubject', 'One page of open subjects')) }, '400': invalidQuery, ...keyedErrorResponses('An export asked with a portal key, or ?agency= shares no agency with the key') },
    ),
    '/v1/dossiers/{code}': get(
      'getDossier',
      'One dossier or petition',
      'Status, due instant, overdue flag and the history of facts, without personal data.',
      [pathParameter('code', 'dossier or petition code, 1–64 characters', { type: 'string', minLength: 1, maxLength: 64 })],
      { '200': jsonResponse('The dossier', ref('Dossier')), '400': problemResponse('Invalid code, or a query parameter given (this route takes none)'), '404': notFound('dossier'), ...keyedErrorResponses() },
    ),
    '/v1/alerts': get(
      'listAlerts',
      'Alerts raised',
      'Warnings, overdue and escalation alerts of the key\'s agencies, newest first.',
      params(alertQuery),
      { '200': jsonResponse('The alerts', { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: ref('Alert') } } }), '400': invalidQuery, ...keyedErrorResponses() },
    ),
    '/v1/procedures': get(
      'listProcedures',
      'Procedures in force',
      'The procedure catalog as imported (processing time, cut-off, steps, legal basis), the version in force today.',
      params(proceduresQuery),
      { '200': jsonResponse('The procedures', { type: 'object', required: ['items', 'total'], additionalProperties: false, properties: { items: { type: 'array', items: ref('Procedure') }, total: count } }), '400': invalidQuery, ...keyedErrorResponses() },
    ),
    '/v1/procedures/{code}': get(
      'getProcedure',
      'One procedure in force',
      'The version in force today.',
      [pathParameter('code', 'procedure code, e.g. 1.001612')],
      { '200': jsonResponse('The procedure', ref('Procedure')), '400': invalidQuery, '404': problemResponse('No procedure of that code in force'), ...keyedErrorResponses() },
    ),
    '/v1/calendar-audits': get(
      'listCalendarAudits',
      'Calendar change audits',
      'Each applied calendar version and the open subjects of the key\'s agencies whose due instants it moved.',
      params(auditsQuery),
      { '200': jsonResponse('One page', paged('CalendarAudit', 'One page of calendar audits')), '400': invalidQuery, ...metricsErrors },
    ),
    '/v1/audit-log': get(
      'listAuditLog',
      'Configuration audit log',
      'Who created or deleted subscriptions, acknowledged alerts, imported catalogs and applied calendars, newest first; reform-office keys only, entries of their agencies.',
      params(auditLogQuery),
      { '200': jsonResponse('One page', paged('AuditEntry', 'One page of audit entries')), '400': invalidQuery, ...keyedErrorResponses('The key is not a reform-office key') },
    ),
    ...operationalPaths('Ready when MongoDB and Redis answer.'),
  },
};
