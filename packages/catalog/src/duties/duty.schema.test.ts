import { readFileSync } from 'node:fs';
import { defaultCalendar } from '@tthc/calendar';
import { CatalogValidationError } from '../catalog.errors';
import { SAMPLE_DUTIES_PATH, loadDutiesFile } from './duties-file.loader';
import { agenciesOfDuty, dutyInForce, dutyPeriodOf } from './duty-period';
import { checkDuties } from './duty.schema';

const sample = () => JSON.parse(readFileSync(SAMPLE_DUTIES_PATH, 'utf8')) as { duties: Array<Record<string, unknown>> } & Record<string, unknown>;

describe('duties file', () => {
  test('when the shipped sample is loaded, then it lists the leaders’ dialogue every 6 months for provinces and communes', () => {
    const file = loadDutiesFile(SAMPLE_DUTIES_PATH);
    expect(file.duties).toHaveLength(1);
    expect(file.duties[0]).toMatchObject({ id: 'leaders-dialogue', everyMonths: 6, appliesTo: { levels: ['province', 'commune'] }, warn: true, escalate: true });
    expect(file.duties[0]!.title.vi).toContain('đối thoại');
  });

  test('when fields are wrong, then every bad field is named', () => {
    const bad = sample();
    bad.duties = [
      { ...bad.duties[0], everyMonths: 5, appliesTo: {}, id: 'Leaders Dialogue' },
      { ...bad.duties[0], effectiveFrom: '2026-02-30', title: { vi: '', en: 'x' } },
    ];
    const checked = checkDuties(bad);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.issues.map((i) => i.field).sort()).toEqual(['duties[0].appliesTo', 'duties[0].everyMonths', 'duties[0].id', 'duties[1].effectiveFrom', 'duties[1].title.vi']);
  });

  test('when a duty id is listed twice, then the second is refused', () => {
    const twice = sample();
    twice.duties = [twice.duties[0]!, twice.duties[0]!];
    expect(checkDuties(twice)).toEqual({ ok: false, issues: [{ field: 'duties[1].id', message: 'duty leaders-dialogue is listed twice' }] });
  });

  test('when the file is missing or not JSON, then loading fails with a validation error naming the file', () => {
    expect(() => loadDutiesFile('/nonexistent/duties.json')).toThrow(CatalogValidationError);
  });
});

describe('duty periods', () => {
  const calendar = defaultCalendar();

  test('when a date falls in the first half-year, then the period is H1 and it is due at the local midnight starting 1 July', () => {
    const p = dutyPeriodOf(6, '2026-05-20', calendar);
    expect(p).toEqual({ id: '2026-H1', startDate: '2026-01-01', endDate: '2026-06-30', dueAt: new Date('2026-07-01T00:00:00+07:00') });
  });

  test('when the period is the last of the year, then it is due on 1 January of the next year', () => {
    expect(dutyPeriodOf(6, '2026-12-31', calendar)).toMatchObject({ id: '2026-H2', endDate: '2026-12-31', dueAt: new Date('2027-01-01T00:00:00+07:00') });
    expect(dutyPeriodOf(3, '2026-02-28', calendar)).toMatchObject({ id: '2026-Q1', endDate: '2026-03-31' });
    expect(dutyPeriodOf(1, '2028-02-10', calendar)).toMatchObject({ id: '2028-02', endDate: '2028-02-29' });
    expect(dutyPeriodOf(12, '2026-08-01', calendar)).toMatchObject({ id: '2026', startDate: '2026-01-01', endDate: '2026-12-31' });
  });

  test('when a duty names levels and agencies, then it applies to both; it is in force from its first day', () => {
    const directory = [
      { code: 'G01.000.000', level: 'province' },
      { code: 'G01.001.000', level: 'commune' },
      { code: 'G01.900.000', level: 'district' },
    ];
    expect(agenciesOfDuty({ appliesTo: { levels: ['commune'], agencies: ['B01.000.000'] } }, directory)).toEqual(['B01.000.000', 'G01.001.000']);
    expect(dutyInForce({ effectiveFrom: '2026-07-01' }, { endDate: '2026-06-30' })).toBe(false);
    expect(dutyInForce({ effectiveFrom: '2026-06-30' }, { endDate: '2026-06-30' })).toBe(true);
  });
});
