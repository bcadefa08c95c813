import { defaultCalendar } from '@tthc/calendar';
import { AgencyDirectory } from './agency-directory';
import { countByAgencyAndProcedure } from './delay-counts';
import { parsePeriod } from './period';
import { loadRubrics, parseRubric } from './rubric';
import { SAMPLE_AGENCY_DIRECTORY_PATH, SAMPLE_RUBRIC_PATH } from './sample-files';
import { computeSubScores } from './subscores';
import { rec } from './test-support/records';

const cal = defaultCalendar();
const directory = AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH);
const now = Date.parse('2026-02-11T12:00:00+07:00');

/** Running February: 5 dossiers to handle, 2 overdue, 2 at risk (one per procedure), 2 petitions at risk. */
const records = [
  rec({ code: 'A', receivedAt: '2026-01-20T09:00:00+07:00', dueAt: '2026-02-05T17:00:00+07:00' }),
  rec({ code: 'B', receivedAt: '2026-01-25T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00', state: { apologies: [{ issuedAt: '2026-02-09T09:00:00+07:00' }] } }),
  rec({ code: 'C', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-12T17:00:00+07:00', phase: 'closed', endAt: '2026-02-11T10:00:00+07:00' }),
  rec({ code: 'M', receivedAt: '2026-02-09T09:00:00+07:00', dueAt: '2026-02-20T17:00:00+07:00' }),
  rec({ code: 'N', procedureCode: 'P2', receivedAt: '2026-02-10T09:00:00+07:00', dueAt: '2026-03-10T17:00:00+07:00', atRisk: true }),
  rec({ code: 'I', subject: 'petition', procedureCode: null, receivedAt: '2026-02-03T09:00:00+07:00', dueAt: '2026-02-24T17:00:00+07:00' }),
  rec({ code: 'J', subject: 'petition', procedureCode: null, receivedAt: '2026-02-04T09:00:00+07:00', dueAt: '2026-02-25T17:00:00+07:00' }),
];
const rows = countByAgencyAndProcedure(records, parsePeriod('2026-02', cal), { calendar: cal, directory, now });

describe('estimated sub-scores with forecast', () => {
  const report = computeSubScores(rows, { directory, rubric: null });
  const item = (id: string) => report.items.find((i) => i.id === id)!;

  test('when 3 of 5 dossiers are on time, then progress is 20 × 3/5 and drops to 20 × 1/5 if both at-risk ones go late', () => {
    expect(report.estimate).toBe(true);
    expect(item('766.progress')).toMatchObject({ max: 20, score: 12, inputs: { onTime: 3, toHandle: 5, received: 3 }, forecast: { score: 4, atRiskCount: 2 } });
    expect(item('766.progress').formula).toContain('20 ×');
  });

  test('when both petitions are still within deadline, then PAKN scores 6 now and 0 in the forecast', () => {
    expect(item('766.pakn-on-time')).toMatchObject({ max: 6, score: 6, forecast: { score: 0, atRiskCount: 2 } });
  });

  test('when 40 % is late and petitions are 40 % of dossiers, then satisfaction proxy is 6 × 20 % / 90 %', () => {
    expect(item('766.satisfaction')).toMatchObject({ score: 1.33, inputs: { latePercent: 40, petitionPercent: 40 }, forecast: { score: 0 } });
  });

  test('when the forecast drop is shared by at-risk subjects, then each procedure saves its part', () => {
    // progress 8 split 4/4, satisfaction 1.33 split 0.67/0.67, PAKN 6 to the petitions row.
    expect(report.savable).toEqual([
      { agencyCode: 'G01.001.000', procedureCode: 'PAKN', points: 6 },
      { agencyCode: 'G01.001.000', procedureCode: 'P1', points: 4.67 },
      { agencyCode: 'G01.001.000', procedureCode: 'P2', points: 4.67 },
    ]);
    expect(report.rubric).toBeNull();
  });

  test('when nothing was received, then every 766 sub-score is at its maximum', () => {
    const empty = computeSubScores([], { directory, rubric: null });
    expect(empty.items.map((i) => i.score)).toEqual([20, 6, 6]);
    expect(empty.savable).toEqual([]);
  });
});

describe('PAR Index rubric', () => {
  test('when a rubric gives points by threshold, then the highest threshold reached counts and the forecast follows', () => {
    const rubric = parseRubric({
      year: 2026,
      label: 'test',
      criteria: [
        { id: 'on-time', nameVi: 'Đúng hạn', nameEn: 'On time', metric: 'onTimeRate', level: 'province', thresholds: [{ min: 40, points: 1 }, { min: 60, points: 2 }], max: 2 },
        { id: 'apologies', nameVi: 'Xin lỗi', nameEn: 'Apologies', metric: 'apologyRate', thresholds: [{ min: 50, points: 0.5 }], max: 0.5 },
      ],
    });
    const report = computeSubScores(rows, { directory, rubric });
    // on time 60 % now (2 points), 20 % in the forecast (0); 1 apology for 2 late = 50 %, then 1 for 4 = 25 %.
    expect(report.items.find((i) => i.id === 'par.on-time')).toMatchObject({ score: 2, forecast: { score: 0, atRiskCount: 2 }, inputs: { value: 60 } });
    expect(report.items.find((i) => i.id === 'par.apologies')).toMatchObject({ score: 0.5, forecast: { score: 0 }, inputs: { value: 50 } });
    expect(report.rubric).toEqual({ year: 2026, label: 'test' });
  });

  test('when the shipped sample rubric is loaded, then it is labelled sample', () => {
    const [sample] = loadRubrics(SAMPLE_RUBRIC_PATH);
    expect(sample!.label).toMatch(/^sample/);
    expect(sample!.criteria.length).toBeGreaterThan(0);
  });

  test('when a rubric is malformed, then the error names the field', () => {
    expect(() => parseRubric({ year: 2026, label: 'x', criteria: [{ id: 'Bad Id', nameVi: 'a', nameEn: 'a', metric: 'onTimeRate', thresholds: [], max: 1 }] })).toThrow(/criteria\.0\.id/);
  });
});
