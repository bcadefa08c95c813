import { toCsv, type ExportTable } from './export-table';

describe('CSV export', () => {
  test('when cells hold commas, quotes, line breaks or formula starts, then they are quoted and neutralised', () => {
    const table: ExportTable = {
      name: 't',
      columns: [
        { key: 'a', header: 'Tên, cơ quan' },
        { key: 'b', header: 'Ghi chú' },
      ],
      rows: [
        { a: 'Sở "Tư pháp"', b: '=HYPERLINK("x")' },
        { a: 'dòng 1\ndòng 2', b: -3 },
        { a: null, b: 0.5 },
      ],
    };
    const csv = toCsv(table);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual(['"Tên, cơ quan",Ghi chú', '"Sở ""Tư pháp""","\'=HYPERLINK(""x"")"', '"dòng 1\ndòng 2",-3', ',0.5', '']);
  });

  test('when a text cell starts with a formula start, a tab or a carriage return, then it is prefixed with a quote; a negative number is not', () => {
    const starts = ['+1+2', '-2+3', '@SUM(A1)', '\t=1+2', '\r=1+2', '=1'];
    const table: ExportTable = { name: 't', columns: [{ key: 'a', header: 'a' }], rows: [...starts.map((a) => ({ a })), { a: -4 }, { a: 'a=1' }] };
    const lines = toCsv(table).slice(1).split('\r\n');
    expect(lines.slice(1, -1)).toEqual(["'+1+2", "'-2+3", "'@SUM(A1)", "'\t=1+2", '"\'\r=1+2"', "'=1", '-4', 'a=1']);
  });
});
