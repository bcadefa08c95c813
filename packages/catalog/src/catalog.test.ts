import { CalendarRegistry, EXAMPLE_PROFILES_PATH, defaultCalendar, readJsonFile } from '@tthc/calendar';

import { computeLegalDue } from './catalog';
import { loadCatalog, loadSampleCatalog } from './catalog-file.loader';
import { CatalogInputError, ProcedureNotFoundError } from './catalog.errors';

const calendar = defaultCalendar();
const catalog = loadSampleCatalog();

const CHUNG_THUC = '2.000815';
const HO_KINH_DOANH = '1.001612';
const GIAY_PHEP_XAY_DUNG = '0.000102';
const LIEN_THONG_2_GIO = '0.000105';
const KHIEU_NAI = '0.000106';

describe('Catalog.get and list', () => {
  test('when a code is asked, then the procedure is returned; an unknown code gives undefined', () => {
    expect(catalog.get(` ${HO_KINH_DOANH} `)?.name).toBe('Đăng ký thành lập hộ kinh doanh');
    expect(catalog.get('9.999999')).toBeUndefined();
    expect(catalog).toMatchObject({ catalogId: 'vn-sample', version: '2026.1', label: 'sample', isSample: true, size: 10 });
  });

  test('when the list is filtered by field (any case) and level, then only matching procedures come back', () => {
    expect(catalog.list({ field: 'hộ tịch' }).map((procedure) => procedure.code)).toEqual(['1.001193', '1.000894']);
    expect(catalog.list({ level: 'province' }).map((procedure) => procedure.code)).toEqual(['0.000101', '0.000103', LIEN_THONG_2_GIO, KHIEU_NAI]);
    expect(catalog.list({ field: 'Hộ tịch', level: 'province' })).toEqual([]);
    expect(catalog.list()).toHaveLength(10);
  });
});

describe('Catalog.legalDue', () => {
  test('when a 3-working-day procedure is received Fri 2026-02-13 14:00 before Tết, then it is due 2026-02-25T14:00:00+07:00', () => {
    expect(catalog.legalDue(HO_KINH_DOANH, '2026-02-13T14:00:00+07:00', calendar)).toEqual({
      procedureCode: HO_KINH_DOANH,
      catalogId: 'vn-sample',
      catalogVersion: '2026.1',
      receivedAt: '2026-02-13T14:00:00+07:00',
      dueAt: '2026-02-25T14:00:00+07:00',
      uncertain: false,
      calendarId: 'vn-civil-service',
      calendarVersion: calendar.version,
      amount: 3,
      unit: 'working-day',
      cutoff: null,
      legalBasis: ['Luật Doanh nghiệp 59/2020/QH14', 'Nghị định 01/2021/NĐ-CP'],
    });
  });

  test('when chứng thực is received at 15:30 on Mon 2026-03-02, then the 15:00 cut-off moves it to 2026-03-03T17:00:00+07:00', () => {
    const due = catalog.legalDue(CHUNG_THUC, '2026-03-02T15:30:00+07:00', calendar);
    expect(due).toMatchObject({ dueAt: '2026-03-03T17:00:00+07:00', amount: 0, unit: 'working-day', cutoff: '15:00' });
  });

  test('when chứng thực is received before the cut-off, then it is due at the end of the same day', () => {
    expect(catalog.legalDue(CHUNG_THUC, '2026-03-02T14:59:59+07:00', calendar).dueAt).toBe('2026-03-02T17:00:00+07:00');
  });

  test('when the same instant is given as a Date in UTC, then the answer is the same, printed in the calendar zone', () => {
    const due = catalog.legalDue(CHUNG_THUC, new Date('2026-03-02T08:30:00Z'), calendar);
    expect(due).toMatchObject({ receivedAt: '2026-03-02T15:30:00+07:00', dueAt: '2026-03-03T17:00:00+07:00' });
  });

  test('when a 2-working-hour response is received at 11:45, then the lunch break is skipped: due 14:45', () => {
    expect(catalog.legalDue(LIEN_THONG_2_GIO, '2026-03-02T11:45:00+07:00', calendar)).toMatchObject({
      dueAt: '2026-03-02T14:45:00+07:00',
      amount: 2,
      unit: 'working-hour',
    });
  });

  test('when a 30-calendar-day procedure is received, then calendar days are counted', () => {
    expect(catalog.legalDue(KHIEU_NAI, '2026-03-02T10:00:00+07:00', calendar).dueAt).toBe('2026-04-01T10:00:00+07:00');
  });

  test('when the answer reaches the provisional year 2027, then it is flagged uncertain', () => {
    expect(catalog.legalDue('0.000101', '2026-12-31T10:00:00+07:00', calendar)).toMatchObject({
      dueAt: '2027-01-15T10:00:00+07:00',
      uncertain: true,
    });
  });

  test("when the agency's calendar works other hours, then the due instant follows that calendar and records its id", () => {
    const registry = new CalendarRegistry();
    registry.loadProfiles(readJsonFile(EXAMPLE_PROFILES_PATH));
    const province = registry.forAgency('EXAMPLE.PROVINCE.ONE-STOP');
    const national = catalog.legalDue(HO_KINH_DOANH, '2026-03-02T12:00:00+07:00', calendar);
    const local = catalog.legalDue(HO_KINH_DOANH, '2026-03-02T12:00:00+07:00', province);
    expect(national).toMatchObject({ dueAt: '2026-03-05T12:00:00+07:00', calendarId: 'vn-civil-service' });
    expect(local).toMatchObject({ dueAt: '2026-03-05T11:30:00+07:00', calendarId: 'vn-province-0700' });
  });

  test('when the procedure is not in the catalog, then a 404 ProcedureNotFoundError names the code and version', () => {
    expect(() => catalog.legalDue('9.999999', '2026-03-02T10:00:00+07:00', calendar)).toThrow(ProcedureNotFoundError);
    expect(() => catalog.legalDue('9.999999', '2026-03-02T10:00:00+07:00', calendar)).toThrow(
      'procedure "9.999999" is not in the catalog vn-sample version 2026.1',
    );
  });

  test('when the duration changes in the file, then the due instant changes with it (nothing is hard-coded)', () => {
    const amended = loadCatalog({
      ...catalog.file,
      version: '2026.2',
      procedures: catalog.file.procedures.map((procedure) =>
        procedure.code === HO_KINH_DOANH ? { ...procedure, processingTime: { amount: 2, unit: 'working-day' } } : procedure,
      ),
    });
    expect(amended.legalDue(HO_KINH_DOANH, '2026-03-02T10:00:00+07:00', calendar)).toMatchObject({
      dueAt: '2026-03-04T10:00:00+07:00',
      catalogVersion: '2026.2',
    });
  });

  test('when computeLegalDue gets an entry (as read from the store), then it gives the same answer as the catalog', () => {
    const entry = { procedure: catalog.get(CHUNG_THUC)!, catalogId: 'vn-sample', catalogVersion: '2026.1' };
    expect(computeLegalDue(entry, '2026-03-02T15:30:00+07:00', calendar)).toEqual(catalog.legalDue(CHUNG_THUC, '2026-03-02T15:30:00+07:00', calendar));
  });
});

describe('Catalog.stepDeadlines', () => {
  test('when one start is given, then each step is due after its own hours, starting when the previous one is due', () => {
    const steps = catalog.stepDeadlines(GIAY_PHEP_XAY_DUNG, '2026-03-02T08:00:00+07:00', calendar);
    expect(steps.map(({ order, startAt, dueAt, startSource }) => ({ order, startAt, dueAt, startSource }))).toEqual([
      { order: 1, startAt: '2026-03-02T08:00:00+07:00', dueAt: '2026-03-02T12:00:00+07:00', startSource: 'given' },
      { order: 2, startAt: '2026-03-02T12:00:00+07:00', dueAt: '2026-03-16T12:00:00+07:00', startSource: 'previous-step-due' },
      { order: 3, startAt: '2026-03-16T12:00:00+07:00', dueAt: '2026-03-18T12:00:00+07:00', startSource: 'previous-step-due' },
      { order: 4, startAt: '2026-03-18T12:00:00+07:00', dueAt: '2026-03-19T17:00:00+07:00', startSource: 'previous-step-due' },
      { order: 5, startAt: '2026-03-19T17:00:00+07:00', dueAt: '2026-03-20T12:00:00+07:00', startSource: 'previous-step-due' },
    ]);
    expect(steps[0]).toMatchObject({
      name: 'Tiếp nhận, kiểm tra hồ sơ, chuyển xử lý',
      agencyRole: 'Bộ phận Một cửa',
      agencyCode: null,
      allottedWorkingHours: 4,
      uncertain: false,
      calendarId: 'vn-civil-service',
    });
  });

  test('when a step has its own start (a late hand-over), then its deadline counts from that start, not from the plan', () => {
    const starts = { 1: '2026-03-02T08:00:00+07:00', 2: '2026-03-03T09:00:00+07:00' };
    const steps = catalog.stepDeadlines(GIAY_PHEP_XAY_DUNG, starts, calendar);
    expect(steps[1]).toMatchObject({ startAt: '2026-03-03T09:00:00+07:00', dueAt: '2026-03-17T09:00:00+07:00', startSource: 'given' });
    expect(steps[2]).toMatchObject({ startAt: '2026-03-17T09:00:00+07:00', dueAt: '2026-03-19T09:00:00+07:00', startSource: 'previous-step-due' });
    const fromMap = catalog.stepDeadlines(GIAY_PHEP_XAY_DUNG, new Map(Object.entries(starts).map(([order, at]) => [Number(order), at])), calendar);
    expect(fromMap).toEqual(steps);
  });

  test('when the first step has no start, then a CatalogInputError says so', () => {
    expect(() => catalog.stepDeadlines(GIAY_PHEP_XAY_DUNG, { 2: '2026-03-03T09:00:00+07:00' }, calendar)).toThrow(CatalogInputError);
  });

  test('when a procedure has no internal steps, then there are no step deadlines', () => {
    expect(catalog.stepDeadlines(CHUNG_THUC, '2026-03-02T08:00:00+07:00', calendar)).toEqual([]);
  });
});
