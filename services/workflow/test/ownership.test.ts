import { createHash, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import type { Producer } from 'kafkajs';
import { COLLECTIONS, topicsFor } from '@tthc/contracts';
import { createLogger } from '@tthc/platform';
import { dossierCode, requireEnv, uniqueName, waitFor, withDatabase } from '@tthc/testkit';
import { createApp as createIntake } from '../../intake/src/app';
import { loadConfig as intakeConfig } from '../../intake/src/config';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { collectTopic, probeKafka, probeProducer, type CollectedMessage } from './support/kafka-probe';

// Portal A receives for G01.001.000, portal B for G02.001.000; the reform office reads everything.
const KEY_A = 'portal-key-agency-a';
const KEY_B = 'portal-key-agency-b';
const KEY_REFORM = 'reform-office-key-all';
const AGENCY_A = 'G01.001.000';
const AGENCY_B = 'G02.001.000';
const API_KEYS = `${KEY_A}:${AGENCY_A};${KEY_B}:${AGENCY_B};${KEY_REFORM}:*`;
const keyIdOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

const namespace = uniqueName('wf-owner');
const brokers = requireEnv('KAFKA_BROKERS');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const topics = topicsFor(namespace);
const logLines: string[] = [];
const common = { NODE_ENV: 'test', KAFKA_BROKERS: brokers, KAFKA_TOPIC_NAMESPACE: namespace, REDIS_URL: requireEnv('REDIS_URL'), PORT: '0', API_KEYS };
const workflow = createApp(
  loadConfig({
    ...common,
    MONGO_URL: mongoUrl,
    QUEUE_PREFIX: namespace,
    CONSUMER_GROUP: `${namespace}-workflow`,
    // Facts waiting for a reception must still be there when the reception comes.
    UNKNOWN_DOSSIER_GRACE_SECONDS: '3600',
    UNKNOWN_SWEEP_SECONDS: '3600',
    CALENDAR_POLL_SECONDS: '3600',
  }),
  {
    logger: createLogger({
      service: 'workflow',
      level: 'warn',
      destination: new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    }),
  },
);
const intake = createIntake(intakeConfig({ ...common, LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: namespace }));
const kafka = probeKafka(brokers);
let intakeUrl = '';
let workflowUrl = '';
let mongo: Connection;
let producer: Producer;
let deadLetters: Awaited<ReturnType<typeof collectTopic>>;
let inbound: Awaited<ReturnType<typeof collectTopic>>;

type StoredDoc = Record<string, unknown> & { revision: number; phase: string; state: Record<string, unknown>; history: Array<Record<string, unknown> & { id: string; auth?: { id: string; scope: string } }> };
const stored = async (code: string) => ((await mongo.collection(COLLECTIONS.dossiers).findOne({ _id: code } as never)) as StoredDoc | null) ?? undefined;
const snapshot = (doc: StoredDoc) => ({ revision: doc.revision, phase: doc.phase, history: doc.history, state: doc.state });
const letterFor = (id: string) => deadLetters.messages.find((m) => String(m.value.data?.value).includes(`"id":"${id}"`));
const letteredEvent = (m: CollectedMessage) => JSON.parse(String(m.value.data?.value)) as Record<string, unknown>;

async function post(key: string, event: unknown) {
  const res = await fetch(`${intakeUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${key}` }, body: JSON.stringify(event) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { results?: Array<{ status: string }>; errors?: Array<{ pointer: string }> } };
}

const envelope = (type: string, time: string, data: Record<string, unknown>, env: { id?: string; source?: string } = {}) => ({
  specversion: '1.0',
  id: env.id ?? randomUUID(),
  source: env.source ?? 'urn:portal:workflow-ownership-test',
  type,
  time,
  data,
});
const received = (code: string, agencyCode: string, receivedAt = '2026-11-23T09:00:00+07:00') =>
  envelope('vn.tthc.dossier.received', receivedAt, { dossierCode: code, procedureCode: '1.001612', agencyCode, receivedAt, appointmentAt: '2026-12-04T17:00:00+07:00' });
const resolved = (code: string, agencyCode: string, resolvedAt = '2026-11-25T10:00:00+07:00') => envelope('vn.tthc.dossier.resolved', resolvedAt, { dossierCode: code, agencyCode, resolvedAt });
const petitionFact = (type: string, code: string, agencyCode: string, occurredAt: string, extra: Record<string, unknown> = {}) =>
  envelope(type, occurredAt, { petitionCode: code, agencyCode, occurredAt, ...extra });

beforeAll(async () => {
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
  workflowUrl = (await workflow.start()).url;
  intakeUrl = (await intake.start()).url;
  producer = probeProducer(kafka);
  await producer.connect();
  deadLetters = await collectTopic(kafka, topics.deadLetter);
  inbound = await collectTopic(kafka, topics.dossierEvents);
});

afterAll(async () => {
  await deadLetters?.stop();
  await inbound?.stop();
  await producer?.disconnect();
  await intake.stop();
  await workflow.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe('only the owner of a dossier or petition changes it', () => {
  test("when A posts `resolved` for B's dossier naming A's own agency and forging B's stamp, then workflow dead-letters it as not-owner and B's dossier is unchanged", async () => {
    // Not a TT 04/2025 code, so intake cannot tell whose dossier it is.
    const code = uniqueName('HS-B');
    expect((await post(KEY_B, received(code, AGENCY_B))).status).toBe(202);
    const before = await waitFor("B's dossier", () => stored(code));

    const attack = { ...resolved(code, AGENCY_A), authtype: 'system', authid: keyIdOf(KEY_B), authclaims: '*' };
    const answer = await post(KEY_A, attack);
    expect(answer.status).toBe(202);
    expect(answer.body.results?.[0]?.status).toBe('accepted');

    const letter = await waitFor('the dead letter of the attack', () => letterFor(attack.id), { timeoutMs: 30_000 });
    expect(letter.value.data).toMatchObject({ originalTopic: topics.dossierEvents, errorCode: 'not-owner', reason: expect.stringContaining(`received by ${AGENCY_B}`) });
    expect(letteredEvent(letter)).toMatchObject({ authtype: 'api_key', authid: keyIdOf(KEY_A), authclaims: AGENCY_A });
    const after = await stored(code);
    expect(snapshot(after!)).toEqual(snapshot(before));
    expect(after?.phase).toBe('open');
    expect(logLines.join('')).toContain('fact refused: the sending key does not speak for this subject');
    expect(logLines.join('')).not.toContain(KEY_A);
  });

  test("when A posts a second back-dated `received` for B's code with A's agency, then it is dead-lettered as foreign-reception and B keeps the dossier unchanged", async () => {
    const code = uniqueName('HS-B');
    expect((await post(KEY_B, received(code, AGENCY_B))).status).toBe(202);
    const before = await waitFor("B's dossier", () => stored(code));

    const takeover = received(code, AGENCY_A, '2026-11-20T08:00:00+07:00');
    expect((await post(KEY_A, takeover)).status).toBe(202);
    const letter = await waitFor('the dead letter of the take-over', () => letterFor(takeover.id), { timeoutMs: 30_000 });
    expect(letter.value.data).toMatchObject({ errorCode: 'foreign-reception' });
    const after = await stored(code);
    expect(snapshot(after!)).toEqual(snapshot(before));
    expect(after?.agencyCode).toBe(AGENCY_B);
  });

  test("when A pre-posts `resolved` for a code B will use, then B's reception opens the dossier without A's fact, which is dead-lettered with A's stamp", async () => {
    const code = uniqueName('HS-B');
    const squat = resolved(code, AGENCY_A);
    expect((await post(KEY_A, squat)).status).toBe(202);
    await waitFor("A's fact waiting for a reception", async () => (await stored(code))?.history.some((f) => f.id === squat.id));

    const reception = received(code, AGENCY_B);
    expect((await post(KEY_B, reception)).status).toBe(202);
    const doc = await waitFor("B's reception", async () => ((await stored(code))?.history.some((f) => f.id === reception.id) ? stored(code) : undefined));
    expect(doc.phase).toBe('open');
    expect(doc.agencyCode).toBe(AGENCY_B);
    expect(doc.history.map((f) => f.id)).toEqual([reception.id]);
    expect(doc.history[0]?.auth).toEqual({ id: keyIdOf(KEY_B), scope: AGENCY_B });

    const letter = await waitFor("the dead letter of A's fact", () => letterFor(squat.id));
    // A stored fact has no Kafka position left; its value replays with the sender it had.
    expect(letter.value.data).toMatchObject({ errorCode: 'not-owner', partition: -1, key: code });
    expect(letteredEvent(letter)).toMatchObject({ id: squat.id, authtype: 'api_key', authid: keyIdOf(KEY_A), authclaims: AGENCY_A });
    const metrics = await (await fetch(`${workflowUrl}/metrics`)).text();
    expect(metrics).toMatch(/workflow_sender_refusals_total\{[^}]*error_code="not-owner"[^}]*action="evicted"[^}]*\} [1-9]/);
  });

  test("when A posts a reception under a TT 04/2025 code of B, then intake answers 403 naming /data/dossierCode, and workflow refuses the same stamped event as foreign-code", async () => {
    const code = dossierCode(AGENCY_B, '261123');
    const squat = received(code, AGENCY_A);
    const answer = await post(KEY_A, squat);
    expect(answer.status).toBe(403);
    expect(answer.body.errors).toEqual([{ pointer: '/data/dossierCode', detail: expect.stringContaining(AGENCY_B) }]);

    // The same event on the topic as intake would have stamped it (a replay, another producer).
    const stamped = { ...squat, authtype: 'api_key', authid: keyIdOf(KEY_A), authclaims: AGENCY_A };
    await producer.send({ topic: topics.dossierEvents, messages: [{ key: code, value: JSON.stringify(stamped) }] });
    const letter = await waitFor('the dead letter of the squat', () => letterFor(squat.id), { timeoutMs: 30_000 });
    expect(letter.value.data).toMatchObject({ errorCode: 'foreign-code', reason: expect.stringContaining(AGENCY_B) });
    expect(await stored(code)).toBeUndefined();

    // B's own reception under that code is B's to make.
    const own = received(code, AGENCY_B);
    expect((await post(KEY_B, own)).status).toBe(202);
    expect((await waitFor("B's dossier", () => stored(code))).agencyCode).toBe(AGENCY_B);
  });

  test("when A posts with B's source and next id first, then B's real event with that source and id is accepted, published and applied, and A's is dead-lettered", async () => {
    const code = uniqueName('HS-B');
    const source = 'urn:portal:agency-b';
    expect((await post(KEY_B, received(code, AGENCY_B))).status).toBe(202);
    await waitFor("B's dossier", () => stored(code));

    const id = uniqueName('b-next');
    const fromA = envelope('vn.tthc.dossier.processing-started', '2026-11-24T09:00:00+07:00', { dossierCode: code, agencyCode: AGENCY_A, occurredAt: '2026-11-24T09:00:00+07:00' }, { id, source });
    const fromB = envelope('vn.tthc.dossier.processing-started', '2026-11-24T10:00:00+07:00', { dossierCode: code, agencyCode: AGENCY_B, occurredAt: '2026-11-24T10:00:00+07:00' }, { id, source });
    expect((await post(KEY_A, fromA)).body.results?.[0]?.status).toBe('accepted');
    expect((await post(KEY_B, fromB)).body.results?.[0]?.status).toBe('accepted');

    const onTopic = await waitFor('both events on the topic', () => {
      const mine = inbound.messages.filter((m) => m.value['id'] === id);
      return mine.length === 2 ? mine : undefined;
    });
    expect(onTopic.map((m) => m.value['authid']).sort()).toEqual([keyIdOf(KEY_A), keyIdOf(KEY_B)].sort());
    const doc = await waitFor("B's event applied", async () => ((await stored(code))?.history.some((f) => f.id === id) ? stored(code) : undefined), { timeoutMs: 30_000 });
    expect(doc.history.find((f) => f.id === id)?.auth?.id).toBe(keyIdOf(KEY_B));
    expect(doc.history.find((f) => f.id === id)?.['occurredAt']).toBe('2026-11-24T10:00:00+07:00');
    const letter = await waitFor("the dead letter of A's copy", () => deadLetters.messages.find((m) => m.key === code && letteredEvent(m)['authid'] === keyIdOf(KEY_A)));
    expect(letter.value.data).toMatchObject({ errorCode: 'not-owner' });
  });

  test('when A transfers its petition to B, then the transfer applies, a later fact from A is dead-lettered and one from B applies', async () => {
    const code = uniqueName('PAKN');
    expect((await post(KEY_A, petitionFact('vn.tthc.petition.received', code, AGENCY_A, '2026-11-23T09:00:00+07:00', { title: 'Đường hỏng' }))).status).toBe(202);
    const transfer = petitionFact('vn.tthc.petition.transferred', code, AGENCY_A, '2026-11-24T09:00:00+07:00', { toAgencyCode: AGENCY_B });
    expect((await post(KEY_A, transfer)).status).toBe(202);
    const moved = await waitFor('the transfer applied', async () => ((await stored(code))?.history.some((f) => f.id === transfer.id) ? stored(code) : undefined), { timeoutMs: 30_000 });
    expect(moved.state['holderAgencyCode']).toBe(AGENCY_B);

    const fromA = petitionFact('vn.tthc.petition.answered', code, AGENCY_A, '2026-11-25T09:00:00+07:00');
    expect((await post(KEY_A, fromA)).status).toBe(202);
    const letter = await waitFor("the dead letter of A's answer", () => letterFor(fromA.id), { timeoutMs: 30_000 });
    expect(letter.value.data).toMatchObject({ errorCode: 'not-owner', reason: expect.stringContaining(`held by ${AGENCY_B}`) });

    const fromB = petitionFact('vn.tthc.petition.answered', code, AGENCY_B, '2026-11-25T10:00:00+07:00');
    expect((await post(KEY_B, fromB)).status).toBe(202);
    const answered = await waitFor("B's answer applied", async () => ((await stored(code))?.history.some((f) => f.id === fromB.id) ? stored(code) : undefined), { timeoutMs: 30_000 });
    expect(answered.history.map((f) => f.id)).not.toContain(fromA.id);
    expect(answered.history.map((f) => f.auth?.id)).toEqual([keyIdOf(KEY_A), keyIdOf(KEY_A), keyIdOf(KEY_B)]);
  });
});
