import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { requireEnv } from '@tthc/testkit';
import { LONG_READ_BATCH, subjectDocuments, subjectsFor, type SubjectDocument } from './subject.read-model';

describe('a period read in several replies, on the real MongoDB-wire server', () => {
  const base = new URL(requireEnv('MONGO_URL'));
  const dbName = `read-models-${randomBytes(4).toString('hex')}`;
  let conn: Connection;

  beforeAll(async () => {
    conn = await mongoose.createConnection(`mongodb://${base.host}/${dbName}`).asPromise();
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  test('when a year holds more subjects than one reply carries, then subjectsFor returns each of them once and none outside the window', async () => {
    const openSince = new Date('2026-01-01T00:00:00+07:00');
    const end = new Date('2027-01-01T00:00:00+07:00');
    const inWindow = 2 * LONG_READ_BATCH + 37;
    const day = 86_400_000;
    const docs: SubjectDocument[] = [];
    for (let i = 0; i < inWindow; i++) {
      const receivedAt = new Date(openSince.getTime() + (i % 300) * day);
      // Every third one closed within the year: still a candidate, counted as resolved.
      const closed = i % 3 === 0;
      docs.push({
        _id: `G01.${String(i).padStart(5, '0')}`,
        code: `G01.${String(i).padStart(5, '0')}`,
        phase: closed ? 'closed' : 'open',
        subject: i % 7 === 0 ? 'petition' : 'dossier',
        agencyCode: `A${i % 5}`,
        procedureCode: 'P1',
        // Older documents keep their instants as ISO strings; both must be read.
        receivedAt: i % 2 === 0 ? receivedAt : receivedAt.toISOString(),
        dueAt: new Date(receivedAt.getTime() + 10 * day),
        closedAt: closed ? new Date(receivedAt.getTime() + day) : null,
        endAt: closed ? new Date(receivedAt.getTime() + day) : null,
      });
    }
    docs.push(
      { _id: 'OUT.closed-last-year', code: 'OUT.closed-last-year', phase: 'closed', receivedAt: new Date('2025-03-01T00:00:00Z'), closedAt: new Date('2025-04-01T00:00:00Z'), endAt: new Date('2025-04-01T00:00:00Z') },
      { _id: 'OUT.received-next-year', code: 'OUT.received-next-year', phase: 'open', receivedAt: new Date('2027-02-01T00:00:00Z') },
    );
    await subjectDocuments(conn).insertMany(docs);

    const records = await subjectsFor(conn, { openSince, end });

    const codes = records.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.sort()).toEqual(docs.slice(0, inWindow).map((d) => d._id).sort());
    expect(records.filter((r) => r.endAt !== null)).toHaveLength(Math.ceil(inWindow / 3));
  });

  test('when a subject closed before the month but its handling ended in it, or the reverse, then the month reads it once; one closed and ended before is left out', async () => {
    const openSince = new Date('2026-11-01T00:00:00+07:00');
    const end = new Date('2026-12-01T00:00:00+07:00');
    const march = new Date('2026-03-02T02:00:00Z');
    const october = new Date('2026-10-20T02:00:00Z');
    const november = new Date('2026-11-10T02:00:00Z');
    const subject = (code: string, fields: Partial<SubjectDocument>): SubjectDocument => ({ _id: code, code, phase: 'closed', agencyCode: 'M1', procedureCode: 'P1', receivedAt: march, ...fields });
    const docs: SubjectDocument[] = [
      // A petition rejected in October, then answered in November: its handling ended this month.
      subject('M.answered-after-rejection', { subject: 'petition', closedAt: october, endAt: november }),
      // A dossier withdrawn in November while the citizen had been awaited since October.
      subject('M.withdrawn-while-awaited', { closedAt: november, endAt: october }),
      subject('M.both-this-month', { closedAt: november, endAt: november }),
      // Written by an earlier release: instants as ISO strings.
      subject('M.strings', { closedAt: october.toISOString(), endAt: november.toISOString() }),
      subject('M.awaiting-reception', { phase: 'awaiting-reception', receivedAt: null }),
      subject('M.open', { phase: 'open' }),
      subject('M.other-agency', { agencyCode: 'M2', closedAt: november, endAt: november }),
      subject('M.closed-before', { closedAt: october, endAt: october }),
      subject('M.received-after', { phase: 'open', receivedAt: new Date('2026-12-03T02:00:00Z') }),
    ];
    await subjectDocuments(conn).insertMany(docs);

    const codes = (await subjectsFor(conn, { openSince, end }, { agencyCode: 'M1' })).map((r) => r.code);

    expect(codes.sort()).toEqual(['M.answered-after-rejection', 'M.both-this-month', 'M.open', 'M.strings', 'M.withdrawn-while-awaited']);
  });
});
