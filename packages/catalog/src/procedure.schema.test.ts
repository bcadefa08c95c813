import { readFileSync } from 'node:fs';

import { SAMPLE_CATALOG_PATH, loadSampleCatalog } from './catalog-file.loader';
import { CatalogValidationError } from './catalog.errors';
import { checkCatalog, processingHours, validateCatalog, type CatalogValidation } from './procedure.schema';

const sampleJson = (): Record<string, unknown> & { procedures: Record<string, unknown>[] } =>
  JSON.parse(readFileSync(SAMPLE_CATALOG_PATH, 'utf8')) as Record<string, unknown> & { procedures: Record<string, unknown>[] };

const minimal = (overrides: Record<string, unknown> = {}) => ({
  code: '1.001193',
  name: 'Đăng ký khai sinh',
  field: 'Hộ tịch',
  level: 'commune',
  processingTime: { amount: 0, unit: 'working-day' },
  cutoff: '15:00',
  legalBasis: ['Luật Hộ tịch 60/2014/QH13'],
  ...overrides,
});

const catalogOf = (...procedures: unknown[]) => ({ catalogId: 'test', version: '1', effectiveFrom: '2025-07-01', procedures });

function errorsOf(result: CatalogValidation): string[] {
  if (result.ok) throw new Error('expected the catalog to be invalid');
  return result.errors.map((issue) => `${issue.field}: ${issue.message}`);
}

describe('the shipped sample catalog', () => {
  test('when the sample is validated, then it is valid, labelled sample, and only the sample label is warned about', () => {
    const result = validateCatalog(sampleJson());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.catalog.label).toBe('sample');
    expect(result.catalog.description).toMatch(/illustrative/);
    expect(result.catalog.procedures).toHaveLength(10);
    expect(result.warnings.map((warning) => warning.field)).toEqual(['label']);
  });

  test('when the sample is loaded, then it has every unit, a cut-off procedure and step tables within the processing time', () => {
    const catalog = loadSampleCatalog();
    const units = new Set(catalog.list().map((procedure) => procedure.processingTime.unit));
    expect([...units].sort()).toEqual(['calendar-day', 'working-day', 'working-hour']);
    expect(catalog.get('2.000815')).toMatchObject({ processingTime: { amount: 0, unit: 'working-day' }, cutoff: '15:00' });
    for (const procedure of catalog.list()) {
      const total = (procedure.steps ?? []).reduce((sum, step) => sum + step.allottedWorkingHours, 0);
      const capacity = processingHours(procedure.processingTime);
      if (capacity !== undefined) expect(total).toBeLessThanOrEqual(capacity);
      expect(procedure.legalBasis.length).toBeGreaterThan(0);
      expect(procedure.effectiveFrom).toBe('2025-07-01');
    }
    expect(catalog.get('0.000102')?.steps?.reduce((sum, step) => sum + step.allottedWorkingHours, 0)).toBe(116);
  });
});

describe('validation errors name the field', () => {
  test.each<[string, (json: ReturnType<typeof sampleJson>) => void, string]>([
    ['an unknown unit', (json) => ((json.procedures[3] as { processingTime: { unit: string } }).processingTime.unit = 'ngày'), 'procedures[3].processingTime.unit: must be one of working-day, working-hour, calendar-day'],
    ['a negative amount', (json) => ((json.procedures[0] as { processingTime: { amount: number } }).processingTime.amount = -1), 'procedures[0].processingTime.amount: must be >= 0'],
    ['an amount given as text', (json) => ((json.procedures[1] as { processingTime: { amount: unknown } }).processingTime.amount = '3 ngày'), 'procedures[1].processingTime.amount: expected number, got the text "3 ngày"'],
    ['a missing name', (json) => delete json.procedures[2]?.name, 'procedures[2].name: is required'],
    ['an empty legal basis', (json) => (json.procedures[0] = { ...json.procedures[0], legalBasis: [] }), 'procedures[0].legalBasis: must name at least one instrument (document number)'],
    ['a district level', (json) => (json.procedures[0] = { ...json.procedures[0], level: 'district' }), 'procedures[0].level: must be one of province, commune, ministry (there is no district level since 01/7/2025)'],
    ['a cut-off that is not HH:MM', (json) => (json.procedures[0] = { ...json.procedures[0], cutoff: '15h' }), 'procedures[0].cutoff: must be HH:MM, e.g. 15:00'],
    ['an impossible effective date', (json) => (json.procedures[0] = { ...json.procedures[0], effectiveFrom: '2026-02-30' }), 'procedures[0].effectiveFrom: must be a date YYYY-MM-DD, e.g. 2025-07-01'],
    ['a code with a space', (json) => (json.procedures[0] = { ...json.procedures[0], code: '1.001 193' }), 'procedures[0].code: must be a procedure code such as 1.001193 or 2.000815 (letters, digits, . _ -; no spaces)'],
    ['a misspelt field', (json) => (json.procedures[4] = { ...json.procedures[4], cutOff: '15:00' }), 'procedures[4].cutOff: unknown field'],
    ['a step without hours', (json) => delete (json.procedures[4] as { steps: Record<string, unknown>[] }).steps[1]?.allottedWorkingHours, 'procedures[4].steps[1].allottedWorkingHours: is required'],
    ['a step without an agency', (json) => delete (json.procedures[4] as { steps: Record<string, unknown>[] }).steps[0]?.agencyRole, 'procedures[4].steps[0].agencyRole: a step needs agencyRole or agencyCode'],
    ['fractional calendar days', (json) => ((json.procedures[9] as { processingTime: { amount: number } }).processingTime.amount = 1.5), 'procedures[9].processingTime.amount: calendar days must be a whole number'],
    ['a version with @', (json) => (json.version = '2026@1'), 'version: must be 1–64 letters, digits or . _ : + - (no spaces, no @)'],
    ['no catalogId', (json) => delete json.catalogId, 'catalogId: is required'],
  ])('when a file has %s, then the error names the field', (_what, spoil, expected) => {
    const json = sampleJson();
    spoil(json);
    expect(errorsOf(validateCatalog(json))).toContain(expected);
  });

  test('when two procedures share a code, then the duplicate is rejected with both positions', () => {
    const json = catalogOf(minimal(), minimal({ name: 'Đăng ký khai sinh (bản sao)' }), minimal({ code: '1.000894' }));
    expect(errorsOf(validateCatalog(json))).toEqual(['procedures[1].code: duplicate code "1.001193" (also procedures[0])']);
  });

  test('when a file has several problems, then every one is reported, duplicates included', () => {
    const json = catalogOf(minimal(), minimal({ processingTime: { amount: 1, unit: 'day' } }));
    expect(errorsOf(validateCatalog(json))).toEqual([
      'procedures[1].processingTime.unit: must be one of working-day, working-hour, calendar-day',
      'procedures[1].code: duplicate code "1.001193" (also procedures[0])',
    ]);
  });

  test('when two steps share an order, then the duplicate order is rejected', () => {
    const steps = [
      { order: 1, name: 'Tiếp nhận', agencyRole: 'Một cửa', allottedWorkingHours: 4 },
      { order: 1, name: 'Thẩm định', agencyRole: 'Sở Xây dựng', allottedWorkingHours: 4 },
    ];
    const json = catalogOf(minimal({ processingTime: { amount: 2, unit: 'working-day' }, cutoff: undefined, steps }));
    expect(errorsOf(validateCatalog(json))).toEqual(['procedures[0].steps[1].order: duplicate order 1 (also steps[0])']);
  });

  test('when the root is not an object, then the error names the root', () => {
    expect(errorsOf(validateCatalog([]))).toEqual(['(root): expected object, got an array']);
  });

  test('when checkCatalog meets a bad file, then it throws a CatalogValidationError with every issue', () => {
    const json = catalogOf(minimal({ level: 'district' }));
    expect(() => checkCatalog(json)).toThrow(CatalogValidationError);
    try {
      checkCatalog(json);
    } catch (error) {
      expect((error as CatalogValidationError).field).toBe('procedures[0].level');
      expect((error as CatalogValidationError).status).toBe(400);
      expect((error as Error).message).toMatch(/^procedures\[0\]\.level: /);
    }
  });
});

describe('warnings and normalisation', () => {
  test('when the steps allot more hours than the processing time, then it is a warning, not an error', () => {
    const steps = [
      { order: 1, name: 'Tiếp nhận', agencyRole: 'Một cửa', allottedWorkingHours: 4 },
      { order: 2, name: 'Thẩm định', agencyRole: 'Sở XD', allottedWorkingHours: 24 },
    ];
    const result = validateCatalog(catalogOf(minimal({ processingTime: { amount: 3, unit: 'working-day' }, cutoff: undefined, steps })));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings).toEqual([
      {
        field: 'procedures[0].steps',
        message: 'the steps allot 28 working hours, more than the processing time of 3 working-day (24 working hours)',
      },
    ]);
  });

  test('when steps fit working hours exactly or the unit is calendar days, then there is no step warning', () => {
    const steps = [{ order: 1, name: 'Phản hồi', agencyCode: '000.00.12.H12', allottedWorkingHours: 2 }];
    const hours = validateCatalog(catalogOf(minimal({ processingTime: { amount: 2, unit: 'working-hour' }, cutoff: undefined, steps })));
    const days = validateCatalog(catalogOf(minimal({ processingTime: { amount: 1, unit: 'calendar-day' }, steps: [{ ...steps[0], allottedWorkingHours: 100 }] })));
    expect(hours.ok && hours.warnings).toEqual([]);
    expect(days.ok && days.warnings).toEqual([]);
  });

  test('when a same-day procedure lists steps, then up to one working day (8 hours) is accepted', () => {
    const steps = [{ order: 1, name: 'Chứng thực', agencyRole: 'Một cửa', allottedWorkingHours: 8 }];
    const result = validateCatalog(catalogOf(minimal({ steps })));
    expect(result.ok && result.warnings).toEqual([]);
  });

  test('when no effectiveFrom is given anywhere, then a warning says the procedures take effect at import', () => {
    const result = validateCatalog({ catalogId: 'test', version: '1', procedures: [minimal()] });
    expect(result.ok && result.warnings.map((warning) => warning.field)).toEqual(['effectiveFrom']);
  });

  test('when text arrives decomposed and padded, then it is stored composed (NFC) and trimmed; steps are sorted by order', () => {
    const steps = [
      { order: 2, name: 'Trả kết quả', agencyRole: 'Một cửa', allottedWorkingHours: 2 },
      { order: 1, name: 'Tiếp nhận', agencyRole: 'Một cửa', allottedWorkingHours: 2 },
    ];
    const decomposed = 'Hộ tịch'.normalize('NFD');
    const { catalog } = checkCatalog(catalogOf(minimal({ field: ` ${decomposed} `, steps, processingTime: { amount: 1, unit: 'working-day' } })));
    expect(catalog.procedures[0]?.field).toBe('Hộ tịch'.normalize('NFC'));
    expect(catalog.procedures[0]?.steps?.map((step) => step.order)).toEqual([1, 2]);
  });

  test('when a procedure has its own effectiveFrom, then it wins over the catalog default', () => {
    const { catalog } = checkCatalog(catalogOf(minimal(), minimal({ code: '1.000894', effectiveFrom: '2026-01-01' })));
    expect(catalog.procedures.map((procedure) => procedure.effectiveFrom)).toEqual(['2025-07-01', '2026-01-01']);
  });
});
