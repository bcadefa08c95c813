import mongoose, { type Connection } from 'mongoose';
import type { Producer } from 'kafkajs';
import { topicsFor } from '@tthc/contracts';
import { dossierCode, requireEnv, uniqueName, waitFor, withDatabase } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createSubjectRepository, type SubjectStore } from '../src/data-access/subject.repository';
import type { StoredSubject } from '../src/domain/apply-fact.use-case';
import { cloudEvent, collectTopic, probeKafka, probeProducer } from './support/kafka-probe';

// The consumer applies many subjects at once and the repository turns their reads and writes
// into one query and one bulk write. These tests hold the batched path to the answers one
// subject at a time would give: compare-and-set per document, every revision published once.
const AGENCY = 'G01.001.000';
const namespace = uniqueName('wf-batch');
const brokers = requireEnv('KAFKA_BROKERS');
const topics = topicsFor(namespace);
const kafka = probeKafka(brokers);
let app: ReturnType<typeof createApp>;
let mongo: Connection;
let repo: SubjectStore;
let producer: Producer;
let states: Awaited<ReturnType<typeof collectTopic>>;
let deadLetters: Awaited<ReturnType<typeof collectTopic>>;

function subject(code: string, revision: number, marker: string): StoredSubject {
  return {
    code,
    subject: 'dossier',
    revision,
    history: [],
    state: { phase: 'open', agencyCode: marker, deadlines: [], findings: [] } as unknown as StoredSubject['state'],
    versionBumps: [],
    firstStoredAt: '2026-11-23T02:00:00.000Z',
  };
}

beforeAll(async () => {
  mongo = await mongoose.createConnection(withDatabase(requireEnv('MONGO_URL'), namespace)).asPromise();
  repo = createSubjectRepository(mongo);
  await repo.init();
  app = createApp(
    loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_NAMESPACE: namespace,
      MONGO_URL: withDatabase(requireEnv('MONGO_URL'), namespace),
      REDIS_URL: requireEnv('REDIS_URL'),
      QUEUE_PREFIX: namespace,
      CONSUMER_GROUP: `${namespace}-workflow`,
      PORT: '0',
      API_KEYS: 'batch-test-key:*',
      UNKNOWN_SWEEP_SECONDS: '3600',
      CALENDAR_POLL_SECONDS: '3600',
    }),
  );
  await app.start();
  producer = probeProducer(kafka);
  await producer.connect();
  states = await collectTopic(kafka, topics.dossierState);
  deadLetters = await collectTopic(kafka, topics.deadLetter);
});

afterAll(async () => {
  await states?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  await app?.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe('the subject repository, called by many lanes at once', () => {
  test('when two writers replace the same revision in one batch, then exactly one wins and the stored document is the winner', async () => {
    const code = dossierCode(AGENCY, '261123');
    expect(await repo.insert(subject(code, 1, 'first'))).toBe(true);
    const outcomes = await Promise.all([repo.replace(subject(code, 2, 'writer-a'), 1), repo.replace(subject(code, 2, 'writer-b'), 1)]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const stored = await repo.find(code);
    expect(stored).toMatchObject({ revision: 2, state: { agencyCode: outcomes[0] ? 'writer-a' : 'writer-b' } });
  });

  test('when the same subject is inserted twice in one batch, then one insert stores it and the other is told it exists', async () => {
    const code = dossierCode(AGENCY, '261123');
    const outcomes = await Promise.all([repo.insert(subject(code, 1, 'one')), repo.insert(subject(code, 1, 'two'))]);
    expect(outcomes.sort()).toEqual([false, true]);
  });

  test('when many subjects are read and written together, then each caller gets its own subject, or null, and its own answer', async () => {
    const codes = Array.from({ length: 50 }, () => dossierCode(AGENCY, '261124'));
    expect(await Promise.all(codes.map((c) => repo.insert(subject(c, 1, c))))).toEqual(codes.map(() => true));
    const unknown = dossierCode(AGENCY, '261124');
    const found = await Promise.all([...codes, unknown].map((c) => repo.find(c)));
    expect(found.map((s) => s?.state.agencyCode ?? null)).toEqual([...codes, null]);
    // Every other subject moved on in between: half the writes meet a stale revision.
    await Promise.all(codes.filter((_, i) => i % 2 === 0).map((c) => repo.replace(subject(c, 2, 'elsewhere'), 1)));
    const answers = await Promise.all(codes.map((c) => repo.replace(subject(c, 2, 'mine'), 1)));
    expect(answers).toEqual(codes.map((_, i) => i % 2 === 1));
  });
});

describe('the subject repository, writing what changed', () => {
  const fact = (id: string, at: string) => ({ key: `portal\n${id}`, id, source: 'portal', type: 'vn.tthc.dossier.step-assigned', time: at, occurredAt: at, data: { n: id } }) as unknown as StoredSubject['history'][number];

  test('when facts are added at the end, then only they are sent, and the stored history is the whole history', async () => {
    const code = dossierCode(AGENCY, '261126');
    await repo.insert({ ...subject(code, 1, 'a'), history: [fact('f1', '2026-11-26T01:00:00Z')] });
    const read = (await repo.find(code))!;
    const next = { ...subject(code, 2, 'b'), history: [...read.history, fact('f2', '2026-11-26T02:00:00Z'), fact('f3', '2026-11-26T03:00:00Z')] };
    // The stored history is changed behind the writer's back at the same revision: a write that
    // appends keeps that change, one that sends the whole history would overwrite it.
    await mongo.collection('dossiers').updateOne({ _id: code } as never, { $set: { 'history.0.data': { n: 'kept' } } });
    expect(await repo.replace(next, 1, read)).toBe(true);
    const stored = (await repo.find(code))!;
    expect(stored.history.map((f) => [f.id, (f.data as unknown as { n: string }).n])).toEqual([['f1', 'kept'], ['f2', 'f2'], ['f3', 'f3']]);
    expect(stored).toMatchObject({ revision: 2, state: { agencyCode: 'b' } });
    expect(await mongo.collection('dossiers').findOne({ _id: code } as never)).toMatchObject({ agencyCode: 'b', hasReception: false, revision: 2 });
  });

  test('when other fields are unchanged, then only the changed ones are set, and a field the document was stored without is written', async () => {
    const code = dossierCode(AGENCY, '261126');
    await repo.insert({ ...subject(code, 1, 'a'), history: [fact('f1', '2026-11-26T01:00:00Z')] });
    // As written by an earlier release: without a field this one stores.
    await mongo.collection('dossiers').updateOne({ _id: code } as never, { $unset: { concernsDossierCode: '' } });
    const read = (await repo.find(code))!;
    // A field the write leaves as read, changed behind its back: a write of every field would undo it.
    await mongo.collection('dossiers').updateOne({ _id: code } as never, { $set: { channel: 'behind-the-back' } });
    expect(await repo.replace({ ...subject(code, 2, 'a'), history: [...read.history, fact('f2', '2026-11-26T02:00:00Z')] }, 1, read)).toBe(true);
    const raw = await mongo.collection('dossiers').findOne({ _id: code } as never);
    expect(raw).toMatchObject({ revision: 2, agencyCode: 'a', channel: 'behind-the-back', concernsDossierCode: null });
    expect((raw!['history'] as Array<{ id: string }>).map((f) => f.id)).toEqual(['f1', 'f2']);
  });

  test('when a fact is placed before stored ones, or the revision moved on, then the whole history is written, or nothing', async () => {
    const code = dossierCode(AGENCY, '261126');
    await repo.insert({ ...subject(code, 1, 'a'), history: [fact('f2', '2026-11-26T02:00:00Z')] });
    const read = (await repo.find(code))!;
    const earlier = { ...subject(code, 2, 'b'), history: [fact('f1', '2026-11-26T01:00:00Z'), ...read.history] };
    expect(await repo.replace(earlier, 1, read)).toBe(true);
    expect((await repo.find(code))!.history.map((f) => f.id)).toEqual(['f1', 'f2']);
    // A stale writer appending to revision 1 is refused: its facts are not pushed onto revision 2.
    expect(await repo.replace({ ...subject(code, 2, 'c'), history: [...read.history, fact('f3', '2026-11-26T03:00:00Z')] }, 1, read)).toBe(false);
    expect((await repo.find(code))!).toMatchObject({ revision: 2, state: { agencyCode: 'b' }, history: [{ id: 'f1' }, { id: 'f2' }] });
  });
});

describe('workflow applying a burst of facts for many subjects', () => {
  test('when receptions, later facts and redeliveries of 300 dossiers arrive in one burst, then each dossier holds every fact once, is written at its final revision and its snapshots never go backwards', async () => {
    const codes = Array.from({ length: 300 }, () => dossierCode(AGENCY, '261125'));
    const receptions = codes.map((code) => cloudEvent('vn.tthc.dossier.received', { dossierCode: code, procedureCode: '1.001612', agencyCode: AGENCY, receivedAt: '2026-11-25T09:00:00+07:00', appointmentAt: '2026-12-09T17:00:00+07:00' }, '2026-11-25T09:00:00+07:00'));
    const started = codes.map((code) => cloudEvent('vn.tthc.dossier.processing-started', { dossierCode: code, agencyCode: AGENCY, occurredAt: '2026-11-25T10:00:00+07:00' }, '2026-11-25T10:00:00+07:00'));
    // Interleaved so the same fetched batch holds each dossier's facts and the copies of its reception.
    const messages = codes.flatMap((code, i) => [receptions[i]!, started[i]!, receptions[i]!].map((e) => ({ key: code, value: JSON.stringify(e) })));
    await producer.send({ topic: topics.dossierEvents, acks: -1, messages });

    const docs = await waitFor('every dossier stored with both facts', async () => {
      const found = await mongo.collection('dossiers').find({ _id: { $in: codes } } as never).toArray();
      return found.length === codes.length && found.every((d) => (d['history'] as unknown[]).length === 2) ? found : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(new Set(docs.map((d) => d['revision']))).toEqual(new Set([2]));
    expect(new Set(docs.map((d) => d['statusCode']))).toEqual(new Set([4]));

    // A subject's facts fetched together are written once and its last state published once;
    // whatever was published, the last snapshot of every dossier is revision 2, and a subject's
    // snapshots never go backwards (Kafka keeps their order per key).
    await waitFor('revision 2 of every dossier published', () => codes.every((c) => states.messages.some((m) => m.key === c && (m.value.data as { revision: number }).revision === 2)), { timeoutMs: 30_000, intervalMs: 250 });
    for (const code of codes) {
      const revisions = states.messages.filter((m) => m.key === code).map((m) => (m.value.data as { revision: number }).revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(revisions[revisions.length - 1]).toBe(2);
    }
    expect(deadLetters.messages).toEqual([]);
  }, 120_000);
});
