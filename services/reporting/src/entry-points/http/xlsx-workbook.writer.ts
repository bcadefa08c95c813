import * as zlib from 'node:zlib';
import { once } from 'node:events';
import type { ExportTable, StreamedTable } from '../../domain/export-table';

/**
 * One worksheet as an Office Open XML workbook (.xlsx): the header row bold and frozen, strings
 * in the shared-string table, numbers as numbers, null as an empty cell.
 *
 * Written directly rather than through a spreadsheet library's object model: exceljs took about
 * 135 µs a row for a 10 000-row export (over a second), most of a request that the reform office's
 * goal holds to 300 ms; this writes the same sheet in a few milliseconds. Anything richer than a
 * table (formulas, merged cells, several sheets) is not needed by the exports.
 */
export function xlsxWorkbook(t: ExportTable): Buffer {
  const strings = new SharedStrings();
  const sheet = deflated(Buffer.from(sheetHead(t.columns, strings) + sheetRows(t.columns, t.rows, 2, strings) + SHEET_TAIL, 'utf8'));
  return zip(t.name, sheet, strings);
}

/**
 * The same workbook from rows that come in batches: each batch is turned into sheet XML and
 * handed to a deflate stream (zlib's thread pool) before the next is read, so neither the rows
 * nor the whole sheet's XML of a long export are held at once.
 */
export async function xlsxWorkbookOf(t: StreamedTable): Promise<Buffer> {
  const strings = new SharedStrings();
  const deflate = zlib.createDeflateRaw({ level: DEFLATE_LEVEL });
  const packed: Buffer[] = [];
  deflate.on('data', (b: Buffer) => packed.push(b));
  let crc = 0;
  let size = 0;
  const put = async (xml: string) => {
    const raw = Buffer.from(xml, 'utf8');
    crc = crc32(raw, crc);
    size += raw.length;
    if (!deflate.write(raw)) await once(deflate, 'drain');
  };
  try {
    await put(sheetHead(t.columns, strings));
    let next = 2;
    for await (const rows of t.batches) {
      await put(sheetRows(t.columns, rows, next, strings));
      next += rows.length;
    }
    await put(SHEET_TAIL);
    const ended = once(deflate, 'end');
    deflate.end();
    await ended;
  } finally {
    deflate.destroy();
  }
  return zip(t.name, { packed: Buffer.concat(packed), crc, size }, strings);
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';

const CONTENT_TYPES =
  `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
  '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
  '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
  '</Types>';

const ROOT_RELS =
  `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
  `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>` +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
  '</Relationships>';

const CORE_PROPERTIES =
  `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
  '<dc:creator>tthc-reporting</dc:creator></cp:coreProperties>';

const WORKBOOK_RELS =
  `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
  `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
  `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/>` +
  `<Relationship Id="rId3" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>` +
  '</Relationships>';

// Style 0 is the default; style 1 (font 1) is the bold header.
const STYLES =
  `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">` +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

// Sheet names: at most 31 characters, none of : \ / ? * [ ].
const sheetName = (name: string) => name.replace(/[:\\/?*[\]]/g, '-').slice(0, 31) || 'Sheet1';

const workbookXml = (name: string) =>
  `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="${escapeXml(sheetName(name))}" sheetId="1" r:id="rId1"/></sheets></workbook>`;

// XML 1.0 cannot carry most control characters (nor lone surrogates); such a character is
// shown as U+FFFD rather than making the whole file unreadable.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

// Most cells (codes, names, dates) need neither: one test spares them both replacements.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPING = /[&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

function escapeXml(s: string): string {
  if (!NEEDS_ESCAPING.test(s)) return s;
  return s.replace(NOT_XML, '\uFFFD').replace(/[&<>"]/g, (c) => ESCAPES[c] as string);
}

/** A1-style column letters of a 0-based column index. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

// Spaces a reader would fold or trim unless told to keep them: at either end, several in a row,
// tabs and line breaks. Most cells have none, and leave the attribute out.
const FOLDED_SPACE = /^\s|\s$|\s\s|[\t\n\r]/;

/**
 * The workbook's strings, each written once and referred to by its index from the cells. Most
 * cells of an export repeat a few values (the kind, agency and procedure codes, the step), and
 * the sheet itself is then ASCII: smaller than with inline strings, and encoded without the
 * two-byte path a single Vietnamese letter sends a whole string down. A column whose values are
 * mostly new (a dossier code, a due instant) gains nothing from the table and pays a lookup per
 * cell: after its first {@link SharedStrings.TRIAL} strings, such a column is written inline.
 */
class SharedStrings {
  static readonly TRIAL = 256;
  private readonly indexes = new Map<string, number>();
  private readonly xml: string[] = [];
  private uses = 0;
  /** Per column: string cells offered to the table, and how many of them were new. */
  private readonly offered: number[] = [];
  private readonly added: number[] = [];

  /** Whether this column's strings still go to the table (decided by the rows before, so the same table is always written alike). */
  shares(column: number): boolean {
    const offered = this.offered[column] ?? 0;
    return offered < SharedStrings.TRIAL || (this.added[column] ?? 0) * 4 < offered * 3;
  }

  indexOf(value: string, column: number): number {
    this.uses += 1;
    this.offered[column] = (this.offered[column] ?? 0) + 1;
    let index = this.indexes.get(value);
    if (index === undefined) {
      this.added[column] = (this.added[column] ?? 0) + 1;
      index = this.xml.length;
      this.indexes.set(value, index);
      this.xml.push(`<si>${textXml(value)}</si>`);
    }
    return index;
  }

  toXml(): string {
    return `${XML_HEAD}<sst xmlns="${MAIN_NS}" count="${this.uses}" uniqueCount="${this.xml.length}">${this.xml.join('')}</sst>`;
  }
}

const textXml = (value: string) => `<t${FOLDED_SPACE.test(value) ? ' xml:space="preserve"' : ''}>${escapeXml(value)}</t>`;

function cellXml(ref: string, value: string | number | null | undefined, style: string, strings: SharedStrings, column: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${ref}"${style}><v>${value}</v></c>` : '';
  if (!strings.shares(column)) return `<c r="${ref}"${style} t="inlineStr"><is>${textXml(value)}</is></c>`;
  return `<c r="${ref}"${style} t="s"><v>${strings.indexOf(value, column)}</v></c>`;
}

const columnLetters = new WeakMap<ExportTable['columns'], string[]>();
const lettersOf = (columns: ExportTable['columns']) => {
  let letters = columnLetters.get(columns);
  if (!letters) columnLetters.set(columns, (letters = columns.map((_, i) => columnName(i))));
  return letters;
};

/** The sheet up to and with its header row. */
function sheetHead(columns: ExportTable['columns'], strings: SharedStrings): string {
  const letters = lettersOf(columns);
  const widths = columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${Math.min(60, Math.max(12, c.header.length + 2))}" customWidth="1"/>`).join('');
  let xml =
    `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' +
    `<cols>${widths}</cols><sheetData><row r="1">`;
  columns.forEach((c, i) => (xml += cellXml(`${letters[i]}1`, c.header, ' s="1"', strings, i)));
  return `${xml}</row>`;
}

/** These rows as sheet rows, numbered from `first`. */
function sheetRows(columns: ExportTable['columns'], rows: ExportTable['rows'], first: number, strings: SharedStrings): string {
  const letters = lettersOf(columns);
  // Joined once: appended piece by piece, a batch's 10 000 cells made a rope that had to be
  // flattened again before it could be encoded.
  const xml: string[] = [];
  rows.forEach((row, r) => {
    const n = r + first;
    let line = `<row r="${n}">`;
    columns.forEach((c, i) => (line += cellXml(`${letters[i]}${n}`, row[c.key], '', strings, i)));
    xml.push(`${line}</row>`);
  });
  return xml.join('');
}

const SHEET_TAIL = '</sheetData></worksheet>';

// ---- ZIP (deflate, no ZIP64: an export is far below 4 GB) ---------------------------------------

// Node's own (zlib's, from 20.15 and 22.2) is about twenty times faster than the table below on
// the 10 MB sheet of a 10 000-row export; the table serves older runtimes.
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 by table, for runtimes without zlib's (engines allow Node 20.10); exported for its test. */
export function crc32ByTable(data: Buffer, previous = 0): number {
  let crc = previous ^ -1;
  for (let i = 0; i < data.length; i++) crc = (CRC_TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

const crc32: (data: Buffer, previous: number) => number = (zlib as { crc32?: (data: Buffer, previous: number) => number }).crc32 ?? crc32ByTable;

// 1980-01-01 00:00 in MS-DOS form: every export of the same table is byte for byte the same.
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1;

// The fastest level: a sheet of codes and dates still shrinks about tenfold, in a third of the
// default level's time.
const DEFLATE_LEVEL = 1;

/** A file's content deflated, with what the archive records of the raw bytes. */
interface Deflated {
  packed: Buffer;
  crc: number;
  size: number;
}

const deflated = (raw: Buffer): Deflated => ({ packed: zlib.deflateRawSync(raw, { level: DEFLATE_LEVEL }), crc: crc32(raw, 0), size: raw.length });

// The parts every workbook shares, deflated once.
let fixedParts: Record<'types' | 'rels' | 'core' | 'workbookRels' | 'styles', Deflated> | undefined;

/** The workbook's package around its one sheet and the strings its cells refer to. */
function zip(name: string, sheet: Deflated, strings: SharedStrings): Buffer {
  const fixed = (fixedParts ??= {
    types: deflated(Buffer.from(CONTENT_TYPES, 'utf8')),
    rels: deflated(Buffer.from(ROOT_RELS, 'utf8')),
    core: deflated(Buffer.from(CORE_PROPERTIES, 'utf8')),
    workbookRels: deflated(Buffer.from(WORKBOOK_RELS, 'utf8')),
    styles: deflated(Buffer.from(STYLES, 'utf8')),
  });
  const files: Array<[string, Deflated]> = [
    ['[Content_Types].xml', fixed.types],
    ['_rels/.rels', fixed.rels],
    ['docProps/core.xml', fixed.core],
    ['xl/workbook.xml', deflated(Buffer.from(workbookXml(name), 'utf8'))],
    ['xl/_rels/workbook.xml.rels', fixed.workbookRels],
    ['xl/styles.xml', fixed.styles],
    // The strings before the sheet that refers to them: a reader that streams the archive
    // (ExcelJS's WorkbookReader) can then resolve each cell as it reads it. With the sheet
    // first it handed out bare indexes ({ sharedString: 3 }) instead of the text.
    ['xl/sharedStrings.xml', deflated(Buffer.from(strings.toXml(), 'utf8'))],
    ['xl/worksheets/sheet1.xml', sheet],
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [fileName, { packed, crc, size }] of files) {
    const nameBytes = Buffer.from(fileName, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
