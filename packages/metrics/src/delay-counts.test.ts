import { defaultCalendar } from '@tthc/calendar';
import { AgencyDirectory } from './agency-directory';
import { countByAgencyAndProcedure, groupRows, totalOf } from './delay-counts';
import { parsePeriod } from './period';
import { SAMPLE_AGENCY_DIRECTORY_PATH } from './sample-files';
import { rec } from './test-support/records';

const cal = defaultCalendar();
const directory = AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH);
const at = (iso: string) => Date.parse(iso);

// Received on the Friday before Tết at 14:00: three working days end after the holiday.
const tetDue = cal.due({ from: '2026-02-13T14:00:00+07:00', amount: 3, unit: 'working-day' }).due.toISOString();

/** February 2026 (Tết 14–22/02), agency G01.001.000; hand-computed expectations below. */
const february = [
  // Carried over from January, still open, due 5/2: open overdue at the period's end.
  rec({ code: 'A', receivedAt: '2026-01-20T09:00:00+07:00', dueAt: '2026-02-05T17:00:00+07:00', state: { apologies: [{ issuedAt: '2026-02-04T10:00:00+07:00' }] } }),
  // Carried over, closed only in March: judged open (and overdue) at February's last instant.
  rec({ code: 'B', receivedAt: '2026-01-25T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00', phase: 'closed', endAt: '2026-03-03T09:00:00+07:00', timeliness: 'late' }),
  // Received and resolved a day before the due date: early.
  rec({ code: 'C', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-12T17:00:00+07:00', phase: 'closed', endAt: new Date('2026-02-11T10:00:00+07:00') }),
  // Across Tết, resolved on the due day before the due hour: on time.
  rec({ code: 'D', receivedAt: '2026-02-13T14:00:00+07:00', dueAt: tetDue, phase: 'closed', endAt: '2026-02-25T11:00:00+07:00' }),
  // Across Tết, resolved the day after: late.
  rec({ code: 'E', receivedAt: '2026-02-13T14:00:00+07:00', dueAt: tetDue, phase: 'closed', closedAt: '2026-02-26T09:00:00+07:00' }),
  // Settled in January: not part of February.
  rec({ code: 'F', receivedAt: '2026-01-05T09:00:00+07:00', dueAt: '2026-01-25T09:00:00+07:00', phase: 'closed', endAt: '2026-01-20T09:00:00+07:00' }),
  // Received during Tết (online), due in March: open within its deadline.
  rec({ code: 'G', receivedAt: '2026-02-20T09:00:00+07:00', dueAt: '2026-03-05T17:00:00+07:00' }),
  // Received in March.
  rec({ code: 'H', receivedAt: '2026-03-02T09:00:00+07:00', dueAt: '2026-03-12T17:00:00+07:00' }),
  // Petitions: one answered on time, one still open past its due date.
  rec({ code: 'I', subject: 'petition', procedureCode: null, receivedAt: '2026-02-03T09:00:00+07:00', dueAt: '2026-02-24T17:00:00+07:00', phase: 'closed', endAt: '2026-02-23T09:00:00+07:00', timeliness: 'on-time' }),
  rec({ code: 'J', subject: 'petition', procedureCode: null, receivedAt: '2026-02-04T09:00:00+07:00', dueAt: '2026-02-25T17:00:00+07:00' }),
  // Not received yet: never counted.
  rec({ code: 'K', phase: 'awaiting-reception' }),
];

describe('delay counts of a closed month (February 2026, with Tết)', () => {
  const rows = countByAgencyAndProcedure(february, parsePeriod('2026-02', cal), { calendar: cal, directory, now: at('2026-03-10T09:00:00+07:00') });
  const dossiers = rows.find((r) => r.procedureCode === 'P1')!;
  const petitions = rows.find((r) => r.procedureCode === 'PAKN')!;

  test('when three working days start on the Friday before Tết, then they end after the holiday', () => {
    expect(cal.formatInstant(tetDue)).toBe('2026-02-25T14:00:00+07:00');
  });

  test('when dossiers were received, resolved or carried over, then each lands in exactly one portal class', () => {
    expect(dossiers).toMatchObject({
      agencyCode: 'G01.001.000',
      received: 4, // C, D, E, G
      toHandle: 6, // + A, B carried over
      resolvedEarly: 1, // C
      resolvedOnTime: 1, // D
      resolvedLate: 1, // E
      openOverdue: 2, // A, B (B closes only in March)
      openWithinDeadline: 1, // G
      atRisk: 0,
      apologies: 1,
      lateRate: 0.5, // (1 + 2) / 6
      onTimeRate: 0.5,
    });
  });

  test('when petitions were handled or are overdue, then they are counted apart from dossiers', () => {
    expect(petitions).toMatchObject({ toHandle: 0, petitionsReceived: 2, petitionsToHandle: 2, petitionsOnTime: 1, petitionsLate: 0, petitionsOpenOverdue: 1 });
  });

  test('when petitions were answered and await publication, then they are handled in their answer month, on time or late, and at risk or overdue nowhere', () => {
    // Workflow keeps an answered petition open until it is published, with its answer instant as
    // its end and its timeliness settled; the portal counts "chờ công khai" as handled (vn-rules §2).
    const answered = [
      rec({ code: 'AL', subject: 'petition', procedureCode: null, receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-24T17:00:00+07:00', endAt: '2026-02-26T09:00:00+07:00', timeliness: 'late' }),
      rec({ code: 'AO', subject: 'petition', procedureCode: null, receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-24T17:00:00+07:00', endAt: '2026-02-20T09:00:00+07:00', timeliness: 'on-time' }),
      // Answered in March: open at February's end, past its due instant.
      rec({ code: 'AM', subject: 'petition', procedureCode: null, receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-24T17:00:00+07:00', endAt: '2026-03-02T09:00:00+07:00', timeliness: 'late' }),
    ];
    const count = (period: string) => countByAgencyAndProcedure(answered, parsePeriod(period, cal), { calendar: cal, directory, now: at('2026-03-10T09:00:00+07:00') }).find((r) => r.procedureCode === 'PAKN')!;
    expect(count('2026-02')).toMatchObject({ petitionsToHandle: 3, petitionsOnTime: 1, petitionsLate: 1, petitionsOpenOverdue: 1, petitionsOpenWithinDeadline: 0, petitionsAtRisk: 0 });
    expect(count('2026-03')).toMatchObject({ petitionsToHandle: 1, petitionsOnTime: 0, petitionsLate: 1, petitionsOpenOverdue: 0, petitionsOpenWithinDeadline: 0, petitionsAtRisk: 0 });
  });

  test('when the dossier closed in March is counted for March, then it is resolved late there', () => {
    const march = countByAgencyAndProcedure(february, parsePeriod('2026-03', cal), { calendar: cal, directory, now: at('2026-04-02T09:00:00+07:00') });
    const p1 = march.find((r) => r.procedureCode === 'P1')!;
    // A (still open, overdue), B (resolved late 3/3), G (open, due 5/3 → overdue by April), H (received 2/3, due 12/3 → overdue).
    expect(p1).toMatchObject({ received: 1, toHandle: 4, resolvedLate: 1, openOverdue: 3, openWithinDeadline: 0, lateRate: 1 });
  });
});

describe('delay counts of the running month', () => {
  const now = at('2026-02-11T12:00:00+07:00');
  const running = [
    ...february,
    rec({ code: 'M', receivedAt: '2026-02-09T09:00:00+07:00', dueAt: '2026-02-20T17:00:00+07:00' }),
    rec({ code: 'N', procedureCode: 'P2', receivedAt: '2026-02-10T09:00:00+07:00', dueAt: '2026-03-10T17:00:00+07:00', atRisk: true }),
    rec({ code: 'P', procedureCode: 'P2', receivedAt: '2026-02-10T09:00:00+07:00', dueAt: '2026-02-11T10:00:00+07:00', paused: true }),
  ];

  test('when the month is still running, then it is judged as of now and open dossiers due before its end are at risk', () => {
    const rows = countByAgencyAndProcedure(running, parsePeriod('2026-02', cal), { calendar: cal, directory, now });
    const total = totalOf(rows);
    // A, B overdue; C early; M (due 20/2) and N (flagged) at risk; P paused, so within its deadline.
    expect(total).toMatchObject({ received: 4, toHandle: 6, resolvedEarly: 1, openOverdue: 2, openWithinDeadline: 3, atRisk: 2, lateRate: 0.3333, onTimeRate: 0.6667 });
    expect(total).toMatchObject({ petitionsToHandle: 2, petitionsOpenWithinDeadline: 2, petitionsAtRisk: 2 });
  });

  test('when a key sees only some agencies, then the others are left out', () => {
    const rows = countByAgencyAndProcedure(running, parsePeriod('2026-02', cal), { calendar: cal, directory, now, agencyFilter: (a) => a.startsWith('G02.') });
    expect(rows).toEqual([]);
  });
});

describe('two-level government: historic district units', () => {
  const district = [
    rec({ code: 'Q', agencyCode: 'G01.901.000', receivedAt: '2025-06-10T09:00:00+07:00', dueAt: '2025-06-20T17:00:00+07:00', phase: 'closed', endAt: '2025-06-25T09:00:00+07:00' }),
    rec({ code: 'R', agencyCode: 'G01.901.000', receivedAt: '2025-06-28T09:00:00+07:00', dueAt: '2025-07-10T17:00:00+07:00', phase: 'closed', endAt: '2025-07-05T09:00:00+07:00' }),
    rec({ code: 'S', agencyCode: 'G01.101.000', receivedAt: '2025-07-02T09:00:00+07:00', dueAt: '2025-07-10T17:00:00+07:00' }),
  ];
  const opts = { calendar: cal, directory, now: at('2026-01-15T09:00:00+07:00') };

  test('when the period ends before July 2025, then the district unit appears as itself at district level', () => {
    const rows = countByAgencyAndProcedure(district, parsePeriod('2025-06', cal), opts);
    expect(groupRows(rows, 'level', directory)).toEqual([expect.objectContaining({ level: 'district', toHandle: 2, resolvedLate: 1, openWithinDeadline: 1 })]);
    expect(groupRows(rows, 'agency', directory)).toEqual([expect.objectContaining({ agencyCode: 'G01.901.000', agencyName: expect.stringContaining('Quận'), level: 'district' })]);
  });

  test('when the period reaches past 1 July 2025, then district dossiers count under the successor commune', () => {
    const july = groupRows(countByAgencyAndProcedure(district, parsePeriod('2025-07', cal), opts), 'agency', directory);
    expect(july).toEqual([expect.objectContaining({ agencyCode: 'G01.101.000', level: 'commune', toHandle: 2, resolvedEarly: 1, openOverdue: 1 })]);
    expect(directory.codesCountingAs('G01.101.000')).toEqual(['G01.101.000', 'G01.901.000']);
    const year = groupRows(countByAgencyAndProcedure(district, parsePeriod('2025', cal), opts), 'level', directory);
    expect(year).toEqual([expect.objectContaining({ level: 'commune', toHandle: 3, received: 3 })]);
  });
});
