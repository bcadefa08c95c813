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
});
