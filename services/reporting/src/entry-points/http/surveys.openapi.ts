import { jsonResponse, keyedErrorResponses, problemResponse, queryParameters, schemaRef as ref, type JsonSchema } from '@tthc/platform';
import { SURVEY_OPTIONAL_COLUMNS, SURVEY_REQUIRED_COLUMNS } from '../../domain/survey.use-case';
import { surveyShareQuery } from './surveys.routes';

const count = { type: 'integer', minimum: 0 };
const percent = { type: 'number', minimum: 0, maximum: 100 };

export const surveySchemas: Record<string, JsonSchema> = {
  SurveyShareReport: {
    type: 'object',
    description: 'The satisfied share of SIPAS-style survey results per agency for one period, lowest first, beside the target (SIPAS_TARGET_PERCENT, 89 % by default)',
    required: ['period', 'targetPercent', 'items', 'totals'],
    additionalProperties: false,
    properties: {
      period: { type: 'string', examples: ['2026', '2026-Q2'] },
      targetPercent: percent,
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['agencyCode', 'agencyName', 'level', 'survey', 'respondents', 'satisfied', 'satisfactionPercent', 'meetsTarget', 'importedAt'],
          additionalProperties: false,
          properties: {
            agencyCode: { type: 'string' },
            agencyName: { type: ['string', 'null'] },
            level: { type: 'string' },
            survey: { type: ['string', 'null'] },
            respondents: { type: 'integer', minimum: 1 },
            satisfied: count,
            satisfactionPercent: { ...percent, description: 'satisfied / respondents, two decimals' },
            meetsTarget: { type: 'boolean' },
            importedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
      totals: {
        type: 'object',
        description: 'every agency listed, respondents pooled',
        required: ['agencies', 'respondents', 'satisfied', 'satisfactionPercent', 'meetsTarget', 'belowTarget'],
        additionalProperties: false,
        properties: { agencies: count, respondents: count, satisfied: count, satisfactionPercent: { type: ['number', 'null'] }, meetsTarget: { type: ['boolean', 'null'] }, belowTarget: count },
      },
    },
  },
};

const columns = `${SURVEY_REQUIRED_COLUMNS.join(',')} (required) and ${SURVEY_OPTIONAL_COLUMNS.join(',')} (optional)`;

export const surveyPaths = {
  '/v1/surveys/import': {
    post: {
      operationId: 'importSurveys',
      summary: 'Import survey results (CSV)',
      description: `SIPAS-style satisfaction survey results, one line per agency and period (YYYY, YYYY-Qn or YYYY-MM), under a header naming the columns ${columns}. Reform-office keys only, and every line's agency must be one of the key's. The whole file is checked first: one bad line or one agency beyond the key and nothing is stored. A result replaces the one of the same agency and period.`,
      requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' }, example: 'agencyCode,period,respondents,satisfied,survey\nG01.001.000,2026,420,385,SIPAS 2026\n' } } },
      responses: {
        '201': jsonResponse('Stored', { type: 'object', required: ['imported', 'agencies', 'periods'], additionalProperties: false, properties: { imported: count, agencies: { type: 'array', items: { type: 'string' } }, periods: { type: 'array', items: { type: 'string' } } } }),
        '400': problemResponse('A bad line; errors[].pointer is /lines/<line>/<column> and each detail names the line (the header is line 1)'),
        '415': problemResponse('The body is not text/csv'),
        ...keyedErrorResponses('The key is not a reform-office key, or a line names an agency beyond it (errors[] name the lines)'),
      },
    },
  },
  '/v1/surveys/satisfaction': {
    get: {
      operationId: 'getSurveySatisfaction',
      summary: 'Survey satisfaction per agency beside the target',
      description: 'The satisfied share of the imported survey results of one period for the key\'s agencies, each against the target.',
      parameters: queryParameters(surveyShareQuery, { period: 'the survey period: YYYY, YYYY-Qn or YYYY-MM (required)', agency: 'an agency code or a prefix such as G01.*, within the key\'s agencies' }),
      responses: { '200': jsonResponse('The shares', ref('SurveyShareReport')), '400': problemResponse('Invalid query'), ...keyedErrorResponses('The role is not agency-manager or reform-office, or ?agency= shares no agency with the key') },
    },
  },
};
