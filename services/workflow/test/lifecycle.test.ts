import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { Producer } from 'kafkajs';
import { DEFAULT_CALENDAR_PATH, loadCalendar, loadCalendarFile } from '@tthc/calendar';
import { SAMPLE_CATALOG_PATH, computeLegalDue, loadCatalogFile } from '@tthc/catalog';
import { importCatalog } from '@tthc/catalog/storage';
import { COLLECTIONS, JOB_NAMES, QUEUES, topicsFor } from '@tthc/contracts';
import { Redis } from 'ioredis';
import { dossierCode, loseRedisKeys, requireEnv, uniqueName, waitFor, withDatabase } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { main as calendarApply } from '../src/cli/calendar-apply.cli';
import { cloudEvent, collectTopic, probeKafka, probeProducer } from './support/kafka-probe';

const ADMIN_KEY = 'admin-key-all';
const AGENCY_KEY = 'agency-key-g01';
const AGENCY = 'G01.001.000';
const namespace = uniqueName('wf');
const brokers = requireEnv('KAFKA_BROKERS');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const topics = topicsFor(namespace);
const app = createApp(
  loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_NAMESPACE: namespace,
    MONGO_URL: mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    QUEUE_PREFIX: namespace,
    CONSUMER_GROUP: `${namespace}-workflow`,
    PORT: '0',
    API_KEYS: `${ADMIN_KEY}:*;${AGENCY_KEY}:${AGENCY}`,
    UNKNOWN_DOSSIER_GRACE_SECONDS: '1',
    UNKNOWN_SWEEP_SECONDS: '1',
    // The reload route is used instead of waiting for a poll.
    CALENDAR_POLL_SECONDS: '3600',
  }),
);
const kafka = probeKafka(brokers);
const catalog = loadCatalogFile(SAMPLE_CATALOG_PATH);
let url: string;
let mongo: Connection;
let producer: Producer;
let states: Awaited<ReturnType<typeof collectTopic>>;
let deadLetters: Awaited<ReturnType<typeof collectTopic>>;

type StoredDoc = Record<string, unknown> & { state: Record<string, unknown>; history: Array<Record<string, unknown>>; findings: Array<{ code: string }> };

const stored = async (code: string) => ((await mongo.collection(COLLECTIONS.dossiers).findOne({ _id: code } as never)) as StoredDoc | null) ?? undefined;
const send = async (code: string, ...events: Array<ReturnType<typeof cloudEvent>>) => {
  await producer.send({ topic: topics.dossierEvents, messages: events.map((e) => ({ key: code, value: JSON.stringify(e) })) });
};
const received = (code: string, receivedAt: string, procedureCode: string, appointmentAt?: string) =>
  cloudEvent('vn.tthc.dossier.received', { dossierCode: code, procedureCode, agencyCode: AGENCY, receivedAt, ...(appointmentAt ? { appointmentAt } : {}) }, receivedAt);
const fact = (type: string, code: string, occurredAt: string, extra: Record<string, unknown> = {}) =>
  cloudEvent(type, { dossierCode: code, agencyCode: AGENCY, occurredAt, ...extra }, occurredAt);
const lettersOf = (code: string) => deadLetters.messages.filter((m) => m.key === code);
const snapshotsOf = (code: string) => states.messages.filter((m) => m.key === code).map((m) => m.value.data as Record<string, unknown>);

beforeAll(async () => {
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
  await importCatalog(mongo, catalog);
  url = (await app.start()).url;
  producer = probeProducer(kafka);
  await producer.connect();
  states = await collectTopic(kafka, topics.dossierState);
  deadLetters = await collectTopic(kafka, topics.deadLetter);
});

afterAll(async () => {
  await states?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  await app.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe('workflow lifecycle on real Kafka, MongoDB and Redis', () => {
  test('when a reception has no appointment, then the due instant is the catalog legal due on the calendar and the look-up stays in the fact', async () => {
    const code = dossierCode(AGENCY, '261120');
    const receivedAt = '2026-11-20T09:00:00+07:00';
    await send(code, received(code, receivedAt, '1.001612'));

    const doc = await waitFor('the dossier to be stored', () => stored(code));
    const legal = computeLegalDue(catalog.entry('1.001612'), receivedAt, loadCalendarFile(DEFAULT_CALENDAR_PATH));
    expect(Date.parse(String(doc.state.dueAt))).toBe(Date.parse(legal.dueAt));
    expect((doc.dueAt as Date).toISOString()).toBe(new Date(legal.dueAt).toISOString());
    expect(doc.history[0]).toMatchObject({ lookup: { procedure: { catalogId: catalog.catalogId, catalogVersion: catalog.version, procedure: { code: '1.001612' } } } });
    const snapshot = await waitFor('its snapshot', () => snapshotsOf(code)[0]);
    expect(snapshot).toMatchObject({ subject: 'dossier', phase: 'open', paused: false, endAt: null, timeliness: null });
    expect(snapshot.deadlines).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'dossier', status: 'open' })]));
  });

  test('when the appointment is later than the legal due, then both are stored and a finding names the difference', async () => {
    const code = dossierCode(AGENCY, '261120');
    const receivedAt = '2026-11-20T09:00:00+07:00';
    const appointmentAt = '2026-12-04T17:00:00+07:00';
    await send(code, received(code, receivedAt, '1.001612', appointmentAt));

    const doc = await waitFor('the dossier to be stored', () => stored(code));
    const legal = computeLegalDue(catalog.entry('1.001612'), receivedAt, loadCalendarFile(DEFAULT_CALENDAR_PATH));
    expect(Date.parse(String(doc.state.appointmentAt))).toBe(Date.parse(appointmentAt));
    expect(Date.parse(String(doc.state.legalDueAt))).toBe(Date.parse(legal.dueAt));
    expect(doc.findings.map((f) => f.code)).toContain('appointment-later-than-legal-maximum');
  });

  test('when a fact comes after the dossier was returned, then it is dead-lettered with the reason, not stored, and later facts still apply', async () => {
    const code = dossierCode(AGENCY, '261120');
    await send(code, received(code, '2026-11-20T09:00:00+07:00', '1.001612'), fact('vn.tthc.dossier.returned', code, '2026-11-23T10:00:00+07:00'));
    await waitFor('the return to be stored', async () => (await stored(code))?.history.length === 2);
    const impossible = fact('vn.tthc.dossier.processing-started', code, '2026-11-24T10:00:00+07:00');
    await send(code, impossible);

    const letter = await waitFor('the dead letter', () => lettersOf(code).find((m) => String(m.value.data?.value).includes(impossible.id)));
    expect(letter.value.data).toMatchObject({ originalTopic: topics.dossierEvents, errorCode: 'impossible-transition', reason: expect.stringContaining('after the final') });
    const other = dossierCode(AGENCY, '261120');
    await send(other, received(other, '2026-11-20T09:30:00+07:00', '1.001612'));
    await waitFor('a later dossier to be stored', () => stored(other));
    expect((await stored(code))?.history.map((h) => h.id)).not.toContain(impossible.id);
  });

  test('when facts name a dossier that is never received, then after the grace period each is dead-lettered and a later reception starts clean', async () => {
    const code = dossierCode(AGENCY, '261120');
    const orphans = [fact('vn.tthc.dossier.processing-started', code, '2026-11-20T10:00:00+07:00'), fact('vn.tthc.dossier.step-completed', code, '2026-11-20T11:00:00+07:00', { stepNo: 1 })];
    await send(code, ...orphans);

    const letters = await waitFor('both facts on the dead-letter topic', () => (lettersOf(code).length >= 2 ? lettersOf(code) : undefined));
    for (const orphan of orphans) {
      const letter = letters.find((m) => JSON.parse(String(m.value.data?.value)).id === orphan.id);
      expect(letter?.value.data).toMatchObject({ errorCode: 'unknown-subject', originalTopic: topics.dossierEvents, reason: expect.stringContaining('grace period of 1 s') });
    }
    await waitFor('the unknown dossier to be removed', async () => (await stored(code)) === undefined);

    await send(code, received(code, '2026-11-21T09:00:00+07:00', '1.001612'));
    const fresh = await waitFor('the reception to be stored', () => stored(code));
    expect(fresh.history.map((h) => h.type)).toEqual(['vn.tthc.dossier.received']);
    expect(fresh.revision).toBe(1);
  });

  test('when Redis loses the sweep\'s schedule, then it is scheduled again and facts of a dossier never received are still dead-lettered', async () => {
    const redis = new Redis(requireEnv('REDIS_URL'), { lazyConnect: true });
    try {
      await redis.connect();
      expect(await loseRedisKeys(redis, `${namespace}:`)).toBeGreaterThan(0);
      const code = dossierCode(AGENCY, '261122');
      const orphan = fact('vn.tthc.dossier.processing-started', code, '2026-11-22T10:00:00+07:00');
      await send(code, orphan);
      const [letter] = await waitFor('the fact on the dead-letter topic', () => (lettersOf(code).length >= 1 ? lettersOf(code) : undefined));
      expect(letter?.value.data).toMatchObject({ errorCode: 'unknown-subject', originalTopic: topics.dossierEvents });
      expect(await redis.exists(`${namespace}:${QUEUES.workflowMaintenance}:repeat:${JOB_NAMES.expireUnknownDossiers}`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  test('when a petition is received, then it is stored and published as a petition with its deadlines', async () => {
    const code = `PAKN-${uniqueName('p')}`;
    const submitted = cloudEvent('vn.tthc.petition.received', { petitionCode: code, agencyCode: AGENCY, occurredAt: '2026-11-20T09:00:00+07:00', title: 'Đường hỏng' }, '2026-11-20T09:00:00+07:00');
    await producer.send({ topic: topics.dossierEvents, messages: [{ key: code, value: JSON.stringify(submitted) }] });

    const doc = await waitFor('the petition to be stored', () => stored(code));
    expect(doc).toMatchObject({ subject: 'petition', agencyCode: AGENCY, phase: 'open' });
    const snapshot = await waitFor('its snapshot', () => snapshotsOf(code)[0]);
    expect(snapshot.subject).toBe('petition');
    expect((snapshot.deadlines as Array<{ kind: string }>).map((d) => d.kind)).toEqual(expect.arrayContaining([expect.stringMatching(/^petition-/)]));
  });

  test('when a petition event names a dossier code, then it is dead-lettered and the dossier is unchanged', async () => {
    const code = dossierCode(AGENCY, '261120');
    await send(code, received(code, '2026-11-20T09:00:00+07:00', '1.001612'));
    const before = await waitFor('the dossier to be stored', () => stored(code));
    const wrong = cloudEvent('vn.tthc.petition.answered', { petitionCode: code, agencyCode: AGENCY, occurredAt: '2026-11-21T09:00:00+07:00' }, '2026-11-21T09:00:00+07:00');
    await producer.send({ topic: topics.dossierEvents, messages: [{ key: code, value: JSON.stringify(wrong) }] });

    const letter = await waitFor('the dead letter', () => lettersOf(code).find((m) => String(m.value.data?.value).includes(wrong.id)));
    expect(letter.value.data).toMatchObject({ errorCode: 'impossible-transition', reason: expect.stringContaining('dossier') });
    expect((await stored(code))?.revision).toBe(before.revision);
  });

  test('when an SLA alert names a dossier, then it is applied to that dossier', async () => {
    const code = dossierCode(AGENCY, '261120');
    await send(code, received(code, '2026-11-20T09:00:00+07:00', '1.001612'));
    const doc = await waitFor('the dossier to be stored', () => stored(code));
    const alert = cloudEvent('vn.tthc.dossier.overdue', {
      alertId: `overdue:${code}:v${String(doc.deadlineVersion)}`,
      dossierCode: code,
      agencyCode: AGENCY,
      procedureCode: '1.001612',
      dueAt: String(doc.state.dueAt),
      deadlineVersion: doc.deadlineVersion,
      raisedAt: new Date(Date.parse(String(doc.state.dueAt)) + 1000).toISOString(),
      reason: 'test',
    });
    await producer.send({ topic: topics.alerts, messages: [{ key: code, value: JSON.stringify(alert) }] });
    const flagged = await waitFor('the overdue flag', async () => ((await stored(code))?.overdue === true ? stored(code) : undefined));
    expect(flagged?.history.map((h) => h.type)).toEqual(['vn.tthc.dossier.received', 'vn.tthc.dossier.overdue']);
    // Recording the alert moved no deadline: the snapshot says so, and sla need not write its copy.
    const second = await waitFor('the second snapshot', () => snapshotsOf(code).find((s) => s.revision === 2));
    const stamps = (s: Record<string, unknown>) => (s.deadlines as Array<{ key: string; changedAt?: number }>).map((d) => [d.key, d.changedAt]);
    expect(stamps(second)).toEqual(stamps(snapshotsOf(code).find((s) => s.revision === 1) ?? {}).map(([key]) => [key, 1]));
  });

  test('when a calendar version adds 24/11/2026 as a day off, then the open dossier across it moves, is audited and republished, and the closed one stays', async () => {
    const open = dossierCode(AGENCY, '261120');
    const closed = dossierCode(AGENCY, '261120');
    await send(open, received(open, '2026-11-20T09:00:00+07:00', '0.000101'));
    await send(closed, received(closed, '2026-11-20T09:00:00+07:00', '0.000101'), cloudEvent('vn.tthc.dossier.resolved', { dossierCode: closed, agencyCode: AGENCY, resolvedAt: '2026-11-25T10:00:00+07:00' }, '2026-11-25T10:00:00+07:00'));
    const before = await waitFor('the open dossier', () => stored(open));
    const closedBefore = await waitFor('the closed dossier', async () => ((await stored(closed))?.phase === 'closed' ? stored(closed) : undefined));

    const file = JSON.parse(readFileSync(DEFAULT_CALENDAR_PATH, 'utf8')) as { years: Record<string, { daysOff: Array<Record<string, string>> }> };
    file.years['2026']!.daysOff.push({ date: '2026-11-24', kind: 'holiday', reason: 'Ngày Văn hóa Việt Nam (test)' });
    const next = loadCalendar(file);
    const path = join(tmpdir(), `${namespace}-calendar.json`);
    writeFileSync(path, JSON.stringify(file));
    const out: string[] = [];
    expect(await calendarApply([path], { stdout: (l) => out.push(l), stderr: (l) => out.push(l), env: { MONGO_URL: mongoUrl } })).toBe(0);
    expect(out.join('\n')).toContain(next.version);

    const res = await fetch(`${url}/v1/admin/calendar/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const audit = (await mongo.collection(COLLECTIONS.calendarAudits).findOne({ toVersion: next.version })) as unknown as Record<string, unknown> & { affected: Array<Record<string, unknown>> };
    expect(audit).toMatchObject({ calendarId: 'vn-civil-service', fromVersion: loadCalendarFile(DEFAULT_CALENDAR_PATH).version, toVersion: next.version });
    const entry = audit.affected.find((a) => a.code === open);
    const newDue = computeLegalDue(catalog.entry('0.000101'), '2026-11-20T09:00:00+07:00', next).dueAt;
    expect(entry).toMatchObject({ subject: 'dossier', agencyCode: AGENCY, oldDueAt: before.state.dueAt, deadlineKeys: expect.arrayContaining(['dossier']) });
    expect(Date.parse(String(entry?.newDueAt))).toBe(Date.parse(newDue));
    expect(Date.parse(newDue)).toBeGreaterThan(Date.parse(String(before.state.dueAt)));
    expect(audit.affected.map((a) => a.code)).not.toContain(closed);
    expect(audit.unchangedOpenCount).toEqual(expect.any(Number));

    const moved = await waitFor('the moved snapshot', () => snapshotsOf(open).find((s) => Date.parse(String(s.dueAt)) === Date.parse(newDue)));
    expect(moved.deadlineVersion).toBeGreaterThan(before.deadlineVersion as number);
    // The moved deadline is stamped with the revision that moved it.
    expect((moved.deadlines as Array<{ key: string; changedAt?: number }>).find((d) => d.key === 'dossier')?.changedAt).toBe(moved.revision);
    const closedAfter = await stored(closed);
    expect(closedAfter?.revision).toBe(closedBefore.revision);
    expect(closedAfter?.state).toEqual(closedBefore.state);

    // A fact that still arrives for the closed dossier is derived with the calendar it closed under.
    await send(closed, fact('vn.tthc.dossier.returned', closed, '2026-11-26T10:00:00+07:00'));
    const returned = await waitFor('the return of the closed dossier', async () => ((await stored(closed))?.history.length === 3 ? stored(closed) : undefined));
    expect(returned.state.dueAt).toBe(closedBefore.state.dueAt);
    expect(returned.state.timeliness).toBe(closedBefore.state.timeliness);

    // A second reload finds nothing new to apply.
    const again = (await (await fetch(`${url}/v1/admin/calendar/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { applied: unknown[] };
    expect(again.applied).toEqual([]);
  });

  test('when the reload is called without a key for every agency, then it answers problem+json 401 or 403', async () => {
    const none = await fetch(`${url}/v1/admin/calendar/reload`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const agency = await fetch(`${url}/v1/admin/calendar/reload`, { method: 'POST', headers: { authorization: `Bearer ${AGENCY_KEY}` } });
    expect(agency.status).toBe(403);
    expect(agency.headers.get('content-type')).toContain('application/problem+json');
  });

  test('when calendar:apply gets an invalid file, then it exits 2 naming the field and stores nothing', async () => {
    const path = join(tmpdir(), `${namespace}-bad-calendar.json`);
    writeFileSync(path, JSON.stringify({ id: 'vn-civil-service', timezone: 'Asia/Ho_Chi_Minh', weekendDays: [6, 7], workingHours: [['08:00', '12:00'], ['11:00', '17:00']], years: {} }));
    const err: string[] = [];
    const before = await mongo.collection(COLLECTIONS.calendars).countDocuments();
    expect(await calendarApply([path], { stdout: () => undefined, stderr: (l) => err.push(l), env: { MONGO_URL: mongoUrl } })).toBe(2);
    expect(err.join('\n')).toContain('workingHours');
    expect(await mongo.collection(COLLECTIONS.calendars).countDocuments()).toBe(before);
  });
});

