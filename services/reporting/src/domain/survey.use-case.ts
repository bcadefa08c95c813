/**
 * Satisfaction surveys of the SIPAS kind (Chỉ số hài lòng về sự phục vụ hành chính): the reform
 * office imports each agency's result for a period as CSV, and reads the satisfied share per
 * agency beside the target (89 % by default, configuration: docs/legal-rules.md, ratings).
 *
 * The CSV has a header line naming its columns, in any order:
 * `agencyCode,period,respondents,satisfied` and optionally `survey` (the survey's name). The
 * share is satisfied / respondents. One result per agency and period: importing it again
 * replaces it. A file with any bad line stores nothing.
 */
import { CatalogValidationError, parseCsv } from '@tthc/catalog';
import type { Calendar } from '@tthc/calendar';
import { parsePeriod, type AgencyDirectory } from '@tthc/metrics';
import type { AgencyScope } from './agency-scope';

export const SURVEY_REQUIRED_COLUMNS = ['agencyCode', 'period', 'respondents', 'satisfied'] as const;
export const SURVEY_OPTIONAL_COLUMNS = ['survey'] as const;
const KNOWN_COLUMNS: ReadonlySet<string> = new Set([...SURVEY_REQUIRED_COLUMNS, ...SURVEY_OPTIONAL_COLUMNS]);
/** Rows one import may hold: a province's agencies over a few periods. */
export const MAX_SURVEY_ROWS = 5_000;

export interface SurveyResult {
  agencyCode: string;
  /** `2026`, `2026-Q2` or `2026-05`. */
  periodKey: string;
  respondents: number;
  satisfied: number;
  survey: string | null;
  importedAt: string;
  /** `key:<keyId>`, never the key. */
  importedBy: string;
}

export interface SurveyStore {
  /** Stores each result, replacing the one of the same agency and period. */
  save(results: readonly SurveyResult[]): Promise<void>;
  list(q: { periodKey: string; scope: AgencyScope }): Promise<SurveyResult[]>;
}

/** One bad line (1-based, the header is line 1) and the column at fault when one is. */
export interface LineIssue {
  line: number;
  column: string | null;
  detail: string;
}

export class SurveyCsvError extends Error {
  constructor(readonly issues: readonly LineIssue[]) {
    super(issues.map((i) => `line ${i.line}${i.column ? ` (${i.column})` : ''}: ${i.detail}`).join('; '));
  }
}

/** Lines naming agencies the importing key does not cover. */
export class SurveyScopeError extends Error {
  constructor(readonly offending: ReadonlyArray<{ line: number; agencyCode: string }>) {
    super(`the key does not cover agency ${[...new Set(offending.map((o) => o.agencyCode))].join(', ')}`);
  }
}

type ParsedRow = Pick<SurveyResult, 'agencyCode' | 'periodKey' | 'respondents' | 'satisfied' | 'survey'> & { line: number };

const AGENCY_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const WHOLE = /^\d{1,9}$/;

function headerOf(fields: readonly string[]): { columns: Map<string, number>; issues: LineIssue[] } {
  const columns = new Map<string, number>();
  const issues: LineIssue[] = [];
  fields.forEach((raw, i) => {
    const name = raw.trim();
    if (!KNOWN_COLUMNS.has(name)) issues.push({ line: 1, column: name || null, detail: `unknown column "${name}"; expected ${[...KNOWN_COLUMNS].join(', ')}` });
    else if (columns.has(name)) issues.push({ line: 1, column: name, detail: 'column given twice' });
    else columns.set(name, i);
  });
  for (const name of SURVEY_REQUIRED_COLUMNS) if (!columns.has(name)) issues.push({ line: 1, column: name, detail: 'required column missing' });
  return { columns, issues };
}

function rowOf(line: number, cell: (name: string) => string, calendar: Calendar, issues: LineIssue[]): ParsedRow | null {
  const before = issues.length;
  const bad = (column: string, detail: string) => issues.push({ line, column, detail });
  const agencyCode = cell('agencyCode');
  if (!AGENCY_CODE.test(agencyCode)) bad('agencyCode', 'must be an agency code (letters, digits, ".", "_", "-"; at most 64)');
  const periodKey = cell('period');
  try {
    parsePeriod(periodKey, calendar);
  } catch (err) {
    bad('period', err instanceof Error ? err.message : 'must be YYYY, YYYY-Qn or YYYY-MM');
  }
  const count = (column: string) => {
    const text = cell(column);
    if (!WHOLE.test(text)) {
      bad(column, 'must be a whole number');
      return 0;
    }
    return Number(text);
  };
  const respondents = count('respondents');
  const satisfied = count('satisfied');
  if (respondents === 0 && WHOLE.test(cell('respondents'))) bad('respondents', 'must be at least 1');
  if (satisfied > respondents) bad('satisfied', `must not exceed respondents (${respondents})`);
  const survey = cell('survey');
  if (survey.length > 200) bad('survey', 'must be at most 200 characters');
  if (issues.length > before) return null;
  return { line, agencyCode, periodKey, respondents, satisfied, survey: survey || null };
}

/** Reads the CSV; throws {@link SurveyCsvError} naming every bad line. */
export function parseSurveyCsv(text: string, calendar: Calendar): ParsedRow[] {
  let records;
  try {
    records = parseCsv(text).filter((r) => r.fields.some((f) => f.trim() !== ''));
  } catch (err) {
    if (!(err instanceof CatalogValidationError)) throw err;
    throw new SurveyCsvError(err.issues.map((i) => ({ line: Number(/\d+/.exec(i.field)?.[0] ?? 1), column: null, detail: i.message })));
  }
  const [header, ...lines] = records;
  if (!header) throw new SurveyCsvError([{ line: 1, column: null, detail: `the file is empty; the first line names the columns ${SURVEY_REQUIRED_COLUMNS.join(',')}` }]);
  const { columns, issues } = headerOf(header.fields);
  if (issues.length) throw new SurveyCsvError(issues);
  if (lines.length === 0) throw new SurveyCsvError([{ line: 2, column: null, detail: 'no result below the header' }]);
  if (lines.length > MAX_SURVEY_ROWS) throw new SurveyCsvError([{ line: lines[MAX_SURVEY_ROWS]!.line, column: null, detail: `at most ${MAX_SURVEY_ROWS} results per import` }]);
  const rows: ParsedRow[] = [];
  const seen = new Map<string, number>();
  for (const record of lines) {
    if (record.fields.length !== header.fields.length) {
      issues.push({ line: record.line, column: null, detail: `has ${record.fields.length} fields; the header has ${header.fields.length}` });
      continue;
    }
    const cell = (name: string) => {
      const i = columns.get(name);
      return i === undefined ? '' : (record.fields[i] ?? '').trim();
    };
    const row = rowOf(record.line, cell, calendar, issues);
    if (!row) continue;
    const key = `${row.periodKey}|${row.agencyCode}`;
    const first = seen.get(key);
    if (first !== undefined) issues.push({ line: record.line, column: null, detail: `repeats agency ${row.agencyCode} and period ${row.periodKey} of line ${first}` });
    else seen.set(key, record.line);
    rows.push(row);
  }
  if (issues.length) throw new SurveyCsvError(issues);
  return rows;
}

export interface Importer {
  /** `key:<keyId>`. */
  actor: string;
  canAccess(agencyCode: string): boolean;
}

/** Validates the whole file and the key's reach over every line, then stores every result. */
export async function importSurveys(text: string, by: Importer, deps: { store: SurveyStore; calendar: Calendar; now: Date }): Promise<SurveyResult[]> {
  const rows = parseSurveyCsv(text, deps.calendar);
  const offending = rows.filter((r) => !by.canAccess(r.agencyCode)).map((r) => ({ line: r.line, agencyCode: r.agencyCode }));
  if (offending.length) throw new SurveyScopeError(offending);
  const importedAt = deps.now.toISOString();
  const results = rows.map(({ line: _line, ...r }) => ({ ...r, importedAt, importedBy: by.actor }));
  await deps.store.save(results);
  return results;
}

export interface SurveyShareItem {
  agencyCode: string;
  agencyName: string | null;
  level: string;
  survey: string | null;
  respondents: number;
  satisfied: number;
  /** satisfied / respondents, percent with two decimals. */
  satisfactionPercent: number;
  meetsTarget: boolean;
  importedAt: string;
}

export interface SurveyShareReport {
  period: string;
  targetPercent: number;
  items: SurveyShareItem[];
  /** Over every agency listed: the respondents pooled. */
  totals: { agencies: number; respondents: number; satisfied: number; satisfactionPercent: number | null; meetsTarget: boolean | null; belowTarget: number };
}

const percent = (num: number, den: number) => Math.round((num / den) * 10_000) / 100;

/** The satisfied share per agency of one period beside the target, lowest share first. */
export async function surveyShares(
  q: { periodKey: string; scope: AgencyScope; visible: (agencyCode: string) => boolean },
  deps: { store: SurveyStore; directory: AgencyDirectory; targetPercent: number },
): Promise<SurveyShareReport> {
  const results = (await deps.store.list({ periodKey: q.periodKey, scope: q.scope })).filter((r) => q.visible(r.agencyCode));
  const items = results
    .map((r): SurveyShareItem => {
      const info = deps.directory.info(r.agencyCode);
      const satisfactionPercent = percent(r.satisfied, r.respondents);
      return {
        agencyCode: r.agencyCode,
        agencyName: info.name,
        level: info.level,
        survey: r.survey,
        respondents: r.respondents,
        satisfied: r.satisfied,
        satisfactionPercent,
        meetsTarget: satisfactionPercent >= deps.targetPercent,
        importedAt: r.importedAt,
      };
    })
    .sort((a, b) => a.satisfactionPercent - b.satisfactionPercent || a.agencyCode.localeCompare(b.agencyCode));
  const respondents = items.reduce((n, i) => n + i.respondents, 0);
  const satisfied = items.reduce((n, i) => n + i.satisfied, 0);
  const pooled = respondents === 0 ? null : percent(satisfied, respondents);
  return {
    period: q.periodKey,
    targetPercent: deps.targetPercent,
    items,
    totals: { agencies: items.length, respondents, satisfied, satisfactionPercent: pooled, meetsTarget: pooled === null ? null : pooled >= deps.targetPercent, belowTarget: items.filter((i) => !i.meetsTarget).length },
  };
}
