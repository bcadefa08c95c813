import { defaultCalendar } from '@tthc/calendar';
import { AgencyDirectory } from './agency-directory';
import { countByAgencyAndProcedure } from './delay-counts';
import { parsePeriod } from './period';
import { SAMPLE_AGENCY_DIRECTORY_PATH } from './sample-files';
import { countRatings, DEFAULT_RATING_SETTINGS, ratingSettingsFile, type PetitionLinkInput, type RatedDossierInput } from './satisfaction';
import { computeSubScores } from './subscores';
import { rec } from './test-support/records';

const cal = defaultCalendar();
const directory = AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH);
const february = parsePeriod('2026-02', cal);
const now = Date.parse('2026-02-11T12:00:00+07:00');
const opts = { directory, settings: DEFAULT_RATING_SETTINGS, now, visible: (a: string) => a.startsWith('G01.') };

// Running February: 5 dossiers to handle, A and B overdue (40 % late), M and N at risk.
const rows = countByAgencyAndProcedure(
  [
    rec({ code: 'A', receivedAt: '2026-01-20T09:00:00+07:00', dueAt: '2026-02-05T17:00:00+07:00' }),
    rec({ code: 'B', receivedAt: '2026-01-25T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00' }),
    rec({ code: 'C', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-12T17:00:00+07:00', phase: 'closed', endAt: '2026-02-11T10:00:00+07:00' }),
    rec({ code: 'M', receivedAt: '2026-02-09T09:00:00+07:00', dueAt: '2026-02-20T17:00:00+07:00' }),
    rec({ code: 'N', procedureCode: 'P2', receivedAt: '2026-02-10T09:00:00+07:00', dueAt: '2026-03-10T17:00:00+07:00', atRisk: true }),
  ],
  february,
  { calendar: cal, directory, now },
);

const rated = (code: string, ratings: Array<[string, string]>, agencyCode = 'G01.001.000'): RatedDossierInput => ({
  code,
  agencyCode,
  procedureCode: 'P1',
  ratings: ratings.map(([ratedAt, level]) => ({ ratedAt, level })),
});
const link = (code: string, receivedAt: string, agencyCode = 'G01.001.000'): PetitionLinkInput => ({ receivedAt, dossier: { code, agencyCode, procedureCode: 'P1' } });

describe('ratings and petition links of a period', () => {
  test('when a dossier is rated twice, then its latest rating of the period decides and it counts once', () => {
    const counts = countRatings([rated('C', [['2026-02-11T10:00:00+07:00', 'satisfied'], ['2026-02-11T11:00:00+07:00', 'dissatisfied']])], [], february, opts);
    expect(counts).toEqual({ ratings: 2, ratedDossiers: 1, dislikedDossiers: 1, petitionDossiers: 0, dossiersWithPetitionOrDislike: 1, ratedSatisfiedPercent: 0 });
  });

  test('when ratings and petitions fall outside the period or after now, then they are not counted', () => {
    const counts = countRatings(
      [rated('C', [['2026-01-31T23:00:00+07:00', 'dissatisfied']]), rated('D', [['2026-02-11T13:00:00+07:00', 'dissatisfied']])],
      [link('M', '2026-01-30T09:00:00+07:00')],
      february,
      opts,
    );
    expect(counts).toMatchObject({ ratings: 0, ratedDossiers: 0, petitionDossiers: 0 });
  });

  test('when a dossier has both a dislike and a petition, then it is one dossier with a petition or a dislike', () => {
    const counts = countRatings(
      [rated('C', [['2026-02-10T10:00:00+07:00', 'very-dissatisfied']]), rated('D', [['2026-02-10T10:00:00+07:00', 'very-satisfied']])],
      [link('C', '2026-02-10T11:00:00+07:00'), link('M', '2026-02-10T11:00:00+07:00'), link('M', '2026-02-10T12:00:00+07:00')],
      february,
      opts,
    );
    expect(counts).toEqual({ ratings: 2, ratedDossiers: 2, dislikedDossiers: 1, petitionDossiers: 2, dossiersWithPetitionOrDislike: 2, ratedSatisfiedPercent: 50 });
  });

  test('when a district unit’s dossier is rated, then it counts under its successor and another province’s never', () => {
    const successorOnly = { ...opts, visible: (a: string) => a === 'G01.101.000' };
    const counts = countRatings([rated('K', [['2026-02-10T10:00:00+07:00', 'dissatisfied']], 'G01.901.000'), rated('Z', [['2026-02-10T10:00:00+07:00', 'dissatisfied']], 'G02.001.000')], [], february, successorOnly);
    expect(counts).toMatchObject({ ratedDossiers: 1, dislikedDossiers: 1 });
  });

  test('when a settings file lists no dislike level, then it is refused', () => {
    const noDislike = { label: 'x', levels: DEFAULT_RATING_SETTINGS.levels.map((l) => ({ ...l, dislike: false })) };
    expect(ratingSettingsFile.safeParse(noDislike).success).toBe(false);
  });
});

describe('the satisfaction sub-score', () => {
  const item = (ratings: ReturnType<typeof countRatings> | null) => computeSubScores(rows, { directory, rubric: null, ratings }).items.find((i) => i.id === '766.satisfaction')!;

  test('when nobody rated, then it falls back to the proxy and says so', () => {
    expect(item(null)).toMatchObject({ source: 'proxy', nameEn: 'Satisfaction (proxy)' });
    expect(item(countRatings([], [link('M', '2026-02-10T11:00:00+07:00')], february, opts))).toMatchObject({ source: 'proxy' });
  });

  test('when one of 5 dossiers to handle is disliked and 40 % are late, then the score is 6 × (100 − 40 − 20) % / 90 %', () => {
    const ratings = countRatings([rated('C', [['2026-02-11T10:00:00+07:00', 'dissatisfied']]), rated('M', [['2026-02-11T10:00:00+07:00', 'satisfied']])], [], february, opts);
    expect(item(ratings)).toMatchObject({
      source: 'ratings',
      score: 2.67,
      inputs: { latePercent: 40, petitionOrDislikePercent: 20, toHandle: 5, ratings: 2, ratedDossiers: 2, dislikedDossiers: 1, dossiersWithPetitionOrDislike: 1, ratedSatisfiedPercent: 50 },
      // Both at-risk dossiers late: 100 − 80 − 20 leaves nothing.
      forecast: { score: 0, atRiskCount: 2 },
    });
  });

  test('when every dossier to handle drew a petition or a dislike, then the score is 0, never negative', () => {
    const ratings = countRatings(
      ['A', 'B', 'C', 'M', 'N'].map((c) => rated(c, [['2026-02-10T10:00:00+07:00', 'dissatisfied']])),
      [],
      february,
      opts,
    );
    expect(item(ratings)).toMatchObject({ source: 'ratings', score: 0, inputs: { petitionOrDislikePercent: 100 } });
  });
});
