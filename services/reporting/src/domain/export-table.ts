import type { DelayCounts, GroupRow, SubScore } from '@tthc/metrics';
import type { DossierListItem, LateCasesReport } from './metrics-report.use-case';
import type { MonthlyFigures, MonthlyReport, ReportLevel } from './monthly-report.use-case';

export type Cell = string | number | null;

/** A report as a table with Vietnamese headers, for CSV and XLSX exports. */
export interface ExportTable {
  /** File name without extension, and the worksheet name. */
  name: string;
  columns: Array<{ key: string; header: string }>;
  rows: Array<Record<string, Cell>>;
}

const percent = (fraction: number) => Math.round(fraction * 10_000) / 100;

const COUNT_COLUMNS: Array<{ key: keyof DelayCounts; header: string }> = [
  { key: 'received', header: 'Tiếp nhận trong kỳ' },
  { key: 'toHandle', header: 'Cần xử lý' },
  { key: 'resolvedEarly', header: 'Đã giải quyết trước hạn' },
  { key: 'resolvedOnTime', header: 'Đã giải quyết đúng hạn' },
  { key: 'resolvedLate', header: 'Đã giải quyết trễ hạn' },
  { key: 'openWithinDeadline', header: 'Đang xử lý trong hạn' },
  { key: 'openOverdue', header: 'Đang xử lý quá hạn' },
  { key: 'atRisk', header: 'Có nguy cơ trễ hạn' },
  { key: 'lateRate', header: 'Tỷ lệ trễ hạn (%)' },
  { key: 'onTimeRate', header: 'Tỷ lệ đúng hạn (%)' },
  { key: 'petitionsOnTime', header: 'PAKN xử lý đúng hạn' },
  { key: 'petitionsLate', header: 'PAKN xử lý trễ hạn' },
  { key: 'petitionsOpenOverdue', header: 'PAKN đang xử lý quá hạn' },
  { key: 'apologies', header: 'Văn bản xin lỗi' },
];

function countCells(c: DelayCounts): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const col of COUNT_COLUMNS) out[col.key] = col.key === 'lateRate' || col.key === 'onTimeRate' ? percent(c[col.key]) : c[col.key];
  return out;
}

export function lateCasesTable(r: LateCasesReport): ExportTable {
  const row = (g: GroupRow): Record<string, Cell> => ({ agencyCode: g.agencyCode, agencyName: g.agencyName, level: g.level, procedureCode: g.procedureCode, ...countCells(g) });
  return {
    name: `tre-han-${r.period.key}-${r.groupBy}`,
    columns: [
      { key: 'agencyCode', header: 'Mã cơ quan' },
      { key: 'agencyName', header: 'Tên cơ quan' },
      { key: 'level', header: 'Cấp' },
      { key: 'procedureCode', header: 'Mã thủ tục' },
      ...COUNT_COLUMNS,
    ],
    rows: [...r.items.map(row), { agencyCode: 'Tổng cộng', agencyName: null, level: null, procedureCode: null, ...countCells(r.totals) }],
  };
}

export function subScoresTable(periodKey: string, items: readonly SubScore[]): ExportTable {
  return {
    name: `diem-thanh-phan-uoc-tinh-${periodKey}`,
    columns: [
      { key: 'id', header: 'Mã chỉ tiêu' },
      { key: 'nameVi', header: 'Tên chỉ tiêu' },
      { key: 'formula', header: 'Công thức (ước tính)' },
      { key: 'max', header: 'Điểm tối đa' },
      { key: 'score', header: 'Điểm ước tính' },
      { key: 'forecast', header: 'Điểm dự báo cuối kỳ' },
      { key: 'atRisk', header: 'Hồ sơ có nguy cơ trễ hạn' },
      { key: 'source', header: 'Nguồn dữ liệu' },
    ],
    rows: items.map((i) => ({ id: i.id, nameVi: i.nameVi, formula: i.formula, max: i.max, score: i.score, forecast: i.forecast.score, atRisk: i.forecast.atRiskCount, source: i.source ?? null })),
  };
}

/** A table whose rows come in batches, written out as they arrive: the open-case exports. */
export interface StreamedTable {
  name: string;
  columns: ExportTable['columns'];
  batches: AsyncIterable<Array<Record<string, Cell>>>;
}

export const DOSSIERS_TABLE_NAME = 'ho-so-qua-han-co-nguy-co';

export const DOSSIER_COLUMNS: ExportTable['columns'] = [
  { key: 'code', header: 'Mã hồ sơ' },
  { key: 'subject', header: 'Loại' },
  { key: 'agencyCode', header: 'Mã cơ quan' },
  { key: 'procedureCode', header: 'Mã thủ tục' },
  { key: 'statusCode', header: 'Trạng thái' },
  { key: 'dueAt', header: 'Hạn xử lý' },
  { key: 'workingDaysLate', header: 'Số ngày làm việc trễ' },
  { key: 'stepNo', header: 'Bước chịu trách nhiệm' },
  { key: 'stepName', header: 'Tên bước' },
  { key: 'stepAgencyCode', header: 'Cơ quan của bước' },
];

export function dossierRow(d: DossierListItem): Record<string, Cell> {
  return {
    code: d.code,
    subject: d.subject === 'petition' ? 'PAKN' : 'Hồ sơ TTHC',
    agencyCode: d.agencyCode,
    procedureCode: d.procedureCode,
    statusCode: d.statusCode,
    dueAt: d.dueAt,
    workingDaysLate: d.workingDaysLate,
    stepNo: d.responsibleStep?.stepNo ?? null,
    stepName: d.responsibleStep?.name ?? null,
    stepAgencyCode: d.responsibleStep?.agencyCode ?? null,
  };
}

// A spreadsheet evaluates a cell that starts with one of = + - @, and some skip a leading tab or
// carriage return before looking (OWASP's list of CSV injection starts).
const FORMULA_START = /^[=+\-@\t\r]/;

const csvCell = (v: Cell): string => {
  if (v === null) return '';
  const s = typeof v === 'string' && FORMULA_START.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * RFC 4180 CSV in UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly.
 * Text cells that start like a formula are prefixed with `'` so a spreadsheet never evaluates
 * them; numbers are written as they are.
 */
export function toCsv(t: ExportTable): string {
  return csvHead(t.columns) + csvLines(t.columns, t.rows);
}

/** The byte-order mark and the header line: what a CSV starts with. */
export function csvHead(columns: ExportTable['columns']): string {
  return `\uFEFF${columns.map((c) => csvCell(c.header)).join(',')}\r\n`;
}

/** The lines of these rows, each ended by CRLF, to follow {@link csvHead} or earlier lines. */
export function csvLines(columns: ExportTable['columns'], rows: ExportTable['rows']): string {
  let out = '';
  for (const row of rows) out += `${columns.map((c) => csvCell(row[c.key] ?? null)).join(',')}\r\n`;
  return out;
}

/** The portal's names of the government levels, as the monthly report's section headings. */
export const LEVEL_NAMES_VI: Record<ReportLevel, string> = {
  ministry: 'Cấp bộ, ngành',
  province: 'Cấp tỉnh',
  commune: 'Cấp xã',
  district: 'Cấp huyện (trước 01/7/2025)',
  unknown: 'Chưa xác định cấp',
};

const MONTHLY_COLUMNS: Array<{ key: keyof MonthlyFigures; header: string }> = [
  { key: 'received', header: 'Tiếp nhận trong kỳ' },
  { key: 'carriedOver', header: 'Kỳ trước chuyển sang' },
  { key: 'toHandle', header: 'Tổng số cần xử lý' },
  { key: 'resolvedEarly', header: 'Giải quyết trước hạn' },
  { key: 'resolvedOnTime', header: 'Giải quyết đúng hạn' },
  { key: 'resolvedLate', header: 'Giải quyết quá hạn' },
  { key: 'openWithinDeadline', header: 'Đang giải quyết trong hạn' },
  { key: 'openOverdue', header: 'Đang giải quyết quá hạn' },
  { key: 'lateRate', header: 'Tỷ lệ trễ hạn (%)' },
  { key: 'apologies', header: 'Văn bản xin lỗi' },
];

function monthlyCells(f: MonthlyFigures): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const col of MONTHLY_COLUMNS) out[col.key] = col.key === 'lateRate' ? percent(f.lateRate) : f[col.key];
  return out;
}

/**
 * The monthly report as one table: each agency under its level, a subtotal per level after
 * its agencies, then the grand total, the way the portal's monthly sheet reads.
 */
export function monthlyReportTable(r: MonthlyReport): ExportTable {
  const rows: Array<Record<string, Cell>> = [];
  for (const level of r.levels) {
    for (const a of r.agencies.filter((x) => x.level === level.level)) {
      rows.push({ agencyCode: a.agencyCode, agencyName: a.agencyName, level: LEVEL_NAMES_VI[a.level], ...monthlyCells(a) });
    }
    rows.push({ agencyCode: `Cộng ${LEVEL_NAMES_VI[level.level].toLowerCase()}`, agencyName: null, level: LEVEL_NAMES_VI[level.level], ...monthlyCells(level) });
  }
  rows.push({ agencyCode: 'Tổng cộng', agencyName: null, level: null, ...monthlyCells(r.totals) });
  return {
    name: `bao-cao-thang-${r.period.key}`,
    columns: [{ key: 'agencyCode', header: 'Mã cơ quan' }, { key: 'agencyName', header: 'Tên cơ quan' }, { key: 'level', header: 'Cấp' }, ...MONTHLY_COLUMNS],
    rows,
  };
}
