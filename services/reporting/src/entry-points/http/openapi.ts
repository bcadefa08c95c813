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
import { LEVEL_ORDER } from '../../domain/monthly-report.use-case';
import { auditLogQuery } from './audit-log.routes';
import { auditsQuery, proceduresQuery } from './catalog.routes';
import { XLSX_MIME } from './export.format';
import { PDF_MIME } from './pdf.format';
import { dossiersQuery, lateCasesQuery, subScoresQuery, trendQuery } from './metrics.routes';
import { dutiesQuery } from './duties.routes';
import { alertQuery } from './read.routes';
import { monthlyReportQuery } from './reports.routes';
import { surveyPaths, surveySchemas } from './surveys.openapi';

const instant = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema) => ({ anyOf: [schema, { type: 'null' }] });
const nullableString = { type: ['string', 'null'] };
const nullableInstant = nullable(instant);
const count = { type: 'integer', minimum: 0 };
const rate = { type: 'number', minimum: 0, maximum: 1, description: 'a fraction, four decimals' };
const RATES = ['lateRate', 'onTimeRate'] as const;
const REPORT_LEVELS = [...LEVEL_ORDER];

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

const openSubjectPage = paged('OpenSubject', 'One page of open subjects');
/** The open-subject list: a page, and the link to the next one. */
const dossierPage: JsonSchema = {
  ...openSubjectPage,
  required: [...(openSubjectPage['required'] as string[]), 'next'],
  properties: {
    ...(openSubjectPage['properties'] as Record<string, JsonSchema>),
    next: { type: ['string', 'null'], description: 'the request for the page after this one (same filters, with `cursor`); null on the last page' },
  },
};

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
  MonthlyFigures: {
    type: 'object',
    description: "One line of the monthly report in the one-stop portal's layout (dossiers), read off the same counts as the late-case API: carriedOver = toHandle − received; open figures are judged at the end of the month (now, for the running month)",
    required: ['received', 'carriedOver', 'toHandle', 'resolvedEarly', 'resolvedOnTime', 'resolvedLate', 'openWithinDeadline', 'openOverdue', 'lateRate', 'apologies'],
    properties: {
      received: count,
      carriedOver: count,
      toHandle: count,
      resolvedEarly: count,
      resolvedOnTime: count,
      resolvedLate: count,
      openWithinDeadline: count,
      openOverdue: count,
      lateRate: rate,
      apologies: count,
    },
  },
  MonthlyReport: {
    type: 'object',
    required: ['period', 'asOf', 'agencies', 'levels', 'totals'],
    additionalProperties: false,
    properties: {
      period: ref('Period'),
      asOf: instant,
      agencies: {
        type: 'array',
        description: 'one line per agency, province-level agencies first, then communes',
        items: { allOf: [ref('MonthlyFigures'), { type: 'object', required: ['agencyCode', 'agencyName', 'level'], properties: { agencyCode: { type: 'string' }, agencyName: nullableString, level: { enum: REPORT_LEVELS } } }] },
      },
      levels: {
        type: 'array',
        description: 'one line per government level',
        items: { allOf: [ref('MonthlyFigures'), { type: 'object', required: ['level'], properties: { level: { enum: REPORT_LEVELS } } }] },
      },
      totals: ref('MonthlyFigures'),
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
      source: { enum: ['ratings', 'proxy'], description: '766.satisfaction only: ratings when citizens rated dossiers of the period (inputs then count ratings, dislikes and petitions naming dossiers), proxy when it still falls back to petitions per dossier' },
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
  WorkingTime: {
    type: 'object',
    description: 'Working time by the calendar (working hours, weekends, holidays, Tết), never wall-clock time',
    required: ['workingMinutes', 'workingDays'],
    additionalProperties: false,
    properties: { workingMinutes: count, workingDays: { type: 'number', minimum: 0, description: 'of the calendar\'s day length, one decimal' } },
  },
  CaseDeadline: {
    type: 'object',
    description: 'One deadline the subject has run: the main one, the hand-over, a step, a petition window',
    required: ['key', 'kind', 'label', 'dueAt', 'version', 'status', 'answerableAgencyCode', 'legalBasis', 'warn', 'escalate', 'endAt', 'late', 'workingMinute'],
    additionalProperties: false,
    properties: {
      key: { type: 'string', examples: ['dossier', 'forwarding', 'step:2', 'petition:answer'] },
      kind: { type: 'string', examples: ['dossier', 'forwarding', 'step', 'petition-transfer', 'petition-reject', 'petition-supplement', 'petition-answer', 'petition-publish'] },
      label: nullableString,
      dueAt: instant,
      version: { type: 'integer', minimum: 1, description: 'increments each time this deadline moved' },
      status: { enum: ['open', 'paused', 'met', 'missed'] },
      answerableAgencyCode: { ...nullableString, description: 'the agency answerable for this deadline (the step\'s agency, the petition\'s holder)' },
      legalBasis: { type: 'string' },
      warn: { type: 'boolean', description: 'a warning is raised before it is due' },
      escalate: { type: 'boolean', description: 'escalated after it is due' },
      endAt: { ...nullableInstant, description: 'when its work ended, when known' },
      late: { ...ref('WorkingTime'), description: 'past dueAt: to endAt, or to now while open; zero when not late' },
      workingMinute: { type: 'integer', description: 'working minutes from timeline.origin to dueAt' },
    },
  },
  CasePause: {
    type: 'object',
    description: 'A span during which the clock stood still, awaiting the citizen (QĐ 766 methodology: supplement time is not counted)',
    required: ['kinds', 'startedAt', 'endedAt', 'endedBy', 'workingMinutes', 'givenBack', 'fromWorkingMinute', 'toWorkingMinute'],
    additionalProperties: false,
    properties: {
      kinds: { type: 'array', items: { enum: ['supplement', 'financial-obligation'] } },
      startedAt: instant,
      endedAt: { ...nullableInstant, description: 'null while still awaited' },
      endedBy: { ...nullableString, description: 'the fact type that ended it' },
      workingMinutes: count,
      givenBack: { type: 'boolean', description: 'false when the dossier closed while waiting: the request time is its end and nothing is added to the due date' },
      fromWorkingMinute: { type: 'integer' },
      toWorkingMinute: { type: 'integer' },
    },
  },
  CaseFinding: {
    type: 'object',
    description: 'Something a reviewer must see: a rule breach or a flagged fact',
    required: ['code', 'vi', 'en', 'detail', 'at', 'factId', 'factType', 'origin'],
    additionalProperties: false,
    properties: {
      code: { type: 'string', examples: ['second-supplement-request', 'late-apology', 'second-apology', 'appointment-changed-without-apology', 'late-without-apology', 'step-late'] },
      vi: { type: 'string', description: 'in Vietnamese' },
      en: { type: 'string', description: 'in English' },
      detail: { type: 'string', description: 'the derivation\'s own wording, with the instants it compared' },
      at: nullableString,
      factId: { ...nullableString, description: 'the history entry that caused it' },
      factType: nullableString,
      origin: { enum: ['workflow', 'reporting'], description: 'stored by workflow with the state, or derived for this record' },
    },
  },
  CaseHistoryEntry: { allOf: [ref('HistoryEntry'), { type: 'object', required: ['workingMinute'], properties: { workingMinute: { type: 'integer', description: 'working minutes from timeline.origin; negative before it' } } }] },
  CaseRecord: {
    type: 'object',
    description: 'A dossier or petition as workflow derived it, without personal data: every deadline with its status and answerable agency, the pauses, the classification, working time late, the findings in Vietnamese and English, apologies, re-appointments, steps and the history placed in working time',
    required: [
      'code', 'subject', 'agencyCode', 'holderAgencyCode', 'procedureCode', 'status', 'statusCode', 'receivedAt', 'dueAt', 'appointmentAt', 'legalDueAt', 'overdue', 'overdueAt', 'atRisk', 'paused', 'closedAt', 'endAt',
      'classification', 'late', 'deadlines', 'pauses', 'pausedWorkingMinutes', 'supplementRequests', 'findings', 'apologies', 'reappointments', 'steps', 'transfers', 'concernsDossierCode', 'ratings', 'lateAgencies', 'timeline', 'history',
    ],
    additionalProperties: false,
    properties: {
      code: { type: 'string' },
      subject: { enum: ['dossier', 'petition'] },
      agencyCode: { ...nullableString, description: 'the receiving agency' },
      holderAgencyCode: { ...nullableString, description: 'the agency holding a petition after transfers; the receiving agency for a dossier' },
      procedureCode: nullableString,
      status: { type: 'string', description: 'awaiting-reception, open or closed' },
      statusCode: { type: ['integer', 'null'], description: 'portal status code 1–10 (dossiers)' },
      receivedAt: nullableString,
      dueAt: { ...nullableString, description: 'the main deadline: the appointment, or the petition answer' },
      appointmentAt: { ...nullableString, description: 'the latest lawful appointment (receipt or valid apology)' },
      legalDueAt: { ...nullableString, description: 'the legal maximum from the catalog' },
      overdue: { type: 'boolean' },
      overdueAt: nullableString,
      atRisk: { type: 'boolean' },
      paused: { type: 'boolean' },
      closedAt: nullableString,
      endAt: { ...nullableString, description: 'the portal end instant (NgayKetThucXuLy)' },
      classification: { enum: ['early', 'on-time', 'late', null], description: 'QĐ 766: on time when the end is at or before the due instant; early is its strict part' },
      late: { anyOf: [ref('WorkingTime'), { type: 'null' }], description: 'working time past the main due instant, to the end or to now while open' },
      deadlines: { type: 'array', items: ref('CaseDeadline') },
      pauses: { type: 'array', items: ref('CasePause') },
      pausedWorkingMinutes: { ...count, description: 'working minutes given back on top of the due instant, as workflow counted them' },
      supplementRequests: count,
      findings: { type: 'array', items: ref('CaseFinding') },
      apologies: {
        type: 'array',
        items: {
          type: 'object',
          required: ['issuedAt', 'newAppointmentAt', 'valid', 'flag', 'channels'],
          additionalProperties: false,
          properties: { issuedAt: { type: 'string' }, newAppointmentAt: { type: 'string' }, valid: { type: 'boolean' }, flag: { ...nullableString, description: 'why it did not move the due date: late-apology, second-apology, after-close, no-due-date' }, channels: { type: 'array', items: { type: 'string' } } },
        },
      },
      reappointments: {
        type: 'array',
        description: 'every move of the appointment; only one apology in time is lawful (Lai Châu QĐ 88/2025: "không quá một lần")',
        items: {
          type: 'object',
          required: ['at', 'from', 'to', 'by', 'lawful', 'factId'],
          additionalProperties: false,
          properties: { at: { type: 'string' }, from: nullableString, to: { type: 'string' }, by: { enum: ['apology', 'receipt'] }, lawful: { type: 'boolean' }, factId: nullableString },
        },
      },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          required: ['stepNo', 'agencyCode', 'name', 'assignedAt', 'allottedHours', 'dueAt', 'completedAt', 'timeliness', 'overdue'],
          additionalProperties: false,
          properties: {
            stepNo: { type: 'integer' },
            agencyCode: { type: 'string' },
            name: nullableString,
            assignedAt: { type: 'string' },
            allottedHours: { type: 'number' },
            dueAt: { type: 'string' },
            completedAt: nullableString,
            timeliness: { enum: ['early', 'on-time', 'late', null] },
            overdue: { type: 'boolean' },
          },
        },
      },
      transfers: {
        type: 'array',
        description: 'a petition\'s transfers out of competence',
        items: { type: 'object', required: ['at', 'fromAgencyCode', 'toAgencyCode', 'onTime'], additionalProperties: false, properties: { at: { type: 'string' }, fromAgencyCode: { type: 'string' }, toAgencyCode: { type: 'string' }, onTime: { type: 'boolean' } } },
      },
      concernsDossierCode: { ...nullableString, description: 'the dossier a petition complains about (concernsDossierCode of its reception); null for a dossier or an unlinked petition' },
      ratings: {
        type: 'array',
        description: 'citizens\' ratings of a dossier (vn.tthc.dossier.rated), oldest first; the latest one stands',
        items: { type: 'object', required: ['ratedAt', 'level', 'channel'], additionalProperties: false, properties: { ratedAt: { type: 'string' }, level: { type: 'string' }, channel: nullableString } },
      },
      lateAgencies: { type: 'array', items: { type: 'string' }, description: 'agencies a lateness is attributed to' },
      timeline: {
        type: 'object',
        description: 'how the working-minute positions were computed',
        required: ['origin', 'asOf', 'asOfWorkingMinute', 'calendarId', 'calendarVersion', 'dayLengthMinutes'],
        additionalProperties: false,
        properties: { origin: nullableString, asOf: instant, asOfWorkingMinute: { type: 'integer' }, calendarId: { type: 'string' }, calendarVersion: { type: 'string' }, dayLengthMinutes: { type: 'integer', minimum: 1 } },
      },
      history: { type: 'array', items: ref('CaseHistoryEntry') },
    },
  },
  Alert: {
    type: 'object',
    required: ['id', 'type', 'dossierCode', 'agencyCode', 'dueAt', 'raisedAt'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, type: { type: 'string' }, dossierCode: { type: 'string', description: 'the dossier or petition code' }, agencyCode: nullableString, dueAt: { type: 'string' }, raisedAt: { type: 'string' } },
  },
  Duty: {
    type: 'object',
    description: 'One period of a periodic duty of an agency (duties file), e.g. the leaders\' dialogue of 2026-H1.',
    required: ['code', 'dutyId', 'title', 'legalBasis', 'agencyCode', 'period', 'startDate', 'endDate', 'dueAt', 'status', 'fulfilment'],
    additionalProperties: false,
    properties: {
      code: { type: 'string', description: 'DUTY:<duty>:<agency>:<period>, the code its alerts carry as dossierCode' },
      dutyId: { type: 'string' },
      title: { type: 'object', required: ['vi', 'en'], additionalProperties: false, properties: { vi: { type: 'string' }, en: { type: 'string' } } },
      legalBasis: { type: 'string' },
      agencyCode: { type: 'string' },
      period: { type: 'string', description: '2026-H1, 2026-Q3, 2026-05 or 2026' },
      startDate: { type: 'string', format: 'date' },
      endDate: { type: 'string', format: 'date' },
      dueAt: { ...instant, description: 'the local midnight ending endDate on the calendar' },
      status: { enum: ['due', 'done', 'overdue'] },
      fulfilment: nullable({
        type: 'object',
        required: ['date', 'minutes', 'link'],
        additionalProperties: false,
        properties: { date: { type: 'string', format: 'date' }, minutes: nullableString, link: nullableString },
      }),
    },
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
  cursor: "where the previous page ended, as that answer's `next` link gives it (opaque); instead of page, which it reads on from the sort key rather than skipping the rows before",
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

/**
 * Reports read from the delay counters carry a weak ETag over the counters' version, the
 * request, the key and the current month; asked again with it in If-None-Match, they answer 304.
 */
const ifNoneMatch = { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag of an earlier answer to the same request: 304 while the counters, the key and the month are unchanged' };
const cachedReport = (parameters: JsonSchema[], responses: Record<string, JsonSchema>): [JsonSchema[], Record<string, JsonSchema>] => [
  [...parameters, ifNoneMatch],
  { ...responses, '304': { description: 'Not Modified: the copy whose ETag was sent is current (nothing counted since, same key, same month)', headers: { ETag: { schema: { type: 'string' } } } } },
];

const get = (operationId: string, summary: string, description: string, parameters: JsonSchema[], responses: Record<string, JsonSchema>) => ({
  get: { operationId, summary, description, parameters, responses },
});

/** OpenAPI 3.1 description of the reporting read API, served at /openapi.json without a key. */
export const openApiDocument = {
  ...keyedServiceDocument(
    'reporting',
    "The reform office's and managers' read API: late-case counts per agency, procedure or level and period, the trend, estimated index sub-scores, open and overdue dossiers and petitions, each dossier's and petition's case record, alerts, the procedure catalog, calendar change audits and the configuration audit log. Every read is limited to the key's agencies. Metrics, sub-scores, audits and every CSV/XLSX export need an agency-manager or reform-office key; portal keys read only their own dossiers and alerts. The dashboard (/, Vietnamese with an English switch) is served by the same process.",
    { ...schemas, ...surveySchemas },
  ),
  paths: {
    '/v1/metrics/late-cases': get(
      'getLateCases',
      'Late cases per agency, procedure or level',
      'Counts of the period grouped by agency (default), procedure or government level, sorted and paged; totals over every row the key may see. Exports hold every row.',
      ...cachedReport(params(lateCasesQuery), { '200': { description: 'The counts', content: exportContent(ref('LateCasesReport')) }, '400': invalidQuery, ...metricsErrors }),
    ),
    '/v1/reports/monthly': get(
      'getMonthlyReport',
      'The monthly report per agency and level',
      "One month in the one-stop portal's layout, per agency and per government level with a total: received in the month, carried over, resolved early / on time / late, open within the deadline / overdue at the month's end, late rate and apologies. The figures are the late-case API's for the same month and agencies. XLSX, CSV and PDF (A4 landscape, fonts embedded) hold the agencies under their level with a subtotal per level and the total, with Vietnamese headings.",
      ...cachedReport(queryParameters(monthlyReportQuery, { ...PARAMETER_HELP, period: 'the month, YYYY-MM (required)', format: 'json (default), csv, xlsx or pdf; the Accept header may ask for text/csv, XLSX or application/pdf too' }), { '200': { description: 'The report', content: { ...exportContent(ref('MonthlyReport')), [PDF_MIME]: { schema: { type: 'string', contentEncoding: 'binary' } } } }, '400': invalidQuery, ...metricsErrors }),
    ),
    '/v1/metrics/trend': get(
      'getTrend',
      'Monthly trend',
      'The last `months` months up to the current one, oldest first.',
      ...cachedReport(params(trendQuery), { '200': jsonResponse('One item per month', { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: ref('TrendItem') } } }), '400': invalidQuery, ...metricsErrors }),
    ),
    '/v1/index/subscores': get(
      'getSubScores',
      'Estimated index sub-scores',
      'Sub-scores of the real-time service index (QĐ 766/QĐ-TTg) estimated from the delay counts, with a forecast if every at-risk case goes late and the points each procedure could still save. The satisfaction sub-score (766.satisfaction) uses citizens\' ratings and petitions naming dossiers when anyone rated a dossier of the period, and says in `source` when it still falls back to the proxy.',
      ...cachedReport(params(subScoresQuery), { '200': { description: 'The estimate', content: exportContent(ref('SubScoreReport')) }, '400': invalidQuery, ...metricsErrors }),
    ),
    '/v1/dossiers': get(
      'listOpenSubjects',
      'Open dossiers and petitions',
      'Open subjects of the key\'s agencies, filtered by overdue or at risk (warned, or due before the period ends with its clock running: not paused for a supplement, not a petition answered and awaiting publication). JSON for every role; CSV and XLSX exports (up to 10 000 rows, x-export-truncated says when cut) for agency-manager and reform-office keys.',
      params(dossiersQuery),
      { '200': { description: 'One page', content: exportContent(dossierPage) }, '400': invalidQuery, ...keyedErrorResponses('An export asked with a portal key, or ?agency= shares no agency with the key') },
    ),
    '/v1/dossiers/{code}': get(
      'getDossier',
      'One dossier\'s case record',
      'The record workflow derived for the dossier — deadlines with their status and answerable agency, pauses, classification, working time late, findings in Vietnamese and English, apologies, re-appointments, steps — and its history placed in working time, without personal data. A petition code is answered too, as before petitions had their own route.',
      [pathParameter('code', 'dossier or petition code, 1–64 characters', { type: 'string', minLength: 1, maxLength: 64 })],
      { '200': jsonResponse('The case record', ref('CaseRecord')), '400': problemResponse('Invalid code, or a query parameter given (this route takes none)'), '404': notFound('dossier'), ...keyedErrorResponses() },
    ),
    '/v1/petitions/{code}': get(
      'getPetition',
      'One petition\'s case record',
      'The same record for a petition (phản ánh, kiến nghị): its transfer, rejection, supplement, answer and publication deadlines, the holder answerable for each, classification, working time late and findings. A dossier code is not found here.',
      [pathParameter('code', 'petition code, 1–64 characters', { type: 'string', minLength: 1, maxLength: 64 })],
      { '200': jsonResponse('The case record', ref('CaseRecord')), '400': problemResponse('Invalid code, or a query parameter given (this route takes none)'), '404': notFound('petition'), ...keyedErrorResponses() },
    ),
    '/v1/alerts': get(
      'listAlerts',
      'Alerts raised',
      'Warnings, overdue and escalation alerts of the key\'s agencies, newest first.',
      params(alertQuery),
      { '200': jsonResponse('The alerts', { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: ref('Alert') } } }), '400': invalidQuery, ...keyedErrorResponses() },
    ),
    '/v1/duties': get(
      'listDuties',
      'Periodic duties',
      'The periods of the periodic duties of the key\'s agencies (e.g. the leaders\' dialogue every 6 months), the earliest due first: due (not done, not yet due), done (vn.tthc.duty.fulfilled received) or overdue (not done, past due).',
      params(dutiesQuery),
      { '200': jsonResponse('The duty periods', { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: ref('Duty') } } }), '400': invalidQuery, ...keyedErrorResponses('?agency= shares no agency with the key') },
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
    ...surveyPaths,
    ...operationalPaths('Ready when MongoDB and Redis answer.'),
  },
};
