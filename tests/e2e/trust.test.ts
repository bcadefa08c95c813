import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { topicsFor } from '@tthc/contracts';
import { startProcessStack, startSmtpSink, waitFor, type ProcessStack, type SmtpSink } from '@tthc/testkit';
import { collectTopic } from './support/stack';
import { hours, lifecycleEvent } from './support/lifecycle-events';

/**
 * The trust issue's acceptance on the real stack: every service its own process, five keys of
 * three kinds, personal data seeded into every kind of record, and every log line of every
 * service read afterwards.
 */
const AGENCY_A = 'G01.001.000';
const AGENCY_B = 'G02.001.000';
const KEY = {
  portalA: 'trust-portal-key-agency-a-000001',
  portalB: 'trust-portal-key-agency-b-000002',
  managerA: 'trust-manager-key-agency-a-00003',
  reformG01: 'trust-reform-office-key-g01-00004',
  reformAll: 'trust-reform-office-key-all-00005',
};
const API_KEYS = [
  `${KEY.portalA}:${AGENCY_A}:portal`,
  `${KEY.portalB}:${AGENCY_B}:portal`,
  `${KEY.managerA}:${AGENCY_A}:agency-manager`,
  `${KEY.reformG01}:G01.*:reform-office`,
  `${KEY.reformAll}:*:reform-office`,
].join(';');

// Recognisable personal data: none of it may appear in a log line or a read response.
const PII = {
  name: 'Trần Thị Bí Mật',
  idNumber: '079187654321',
  phone: '0987654321',
  email: 'bi.mat.citizen@example.vn',
  portalName: 'Lê Văn Riêng Tư',
  portalId: '001203009999',
};
const SECRETS = [...Object.values(KEY), 'trust-ack-secret-0123456789abcdef-xyz'];

const hitsIn = (text: string) => [...Object.values(PII), ...SECRETS].filter((s) => text.includes(s));
const run = randomUUID().slice(0, 6).toUpperCase();
const code = (label: string) => `HS-${label}-${run}`;

describe('trust: one agency can never write, silence or read another agency’s data', () => {
  let stack: ProcessStack;
  let smtp: SmtpSink;
  let kafka: Kafka;
  let deadLetters: Awaited<ReturnType<typeof collectTopic>>;
  jest.setTimeout(180_000);

  beforeAll(async () => {
    smtp = await startSmtpSink();
    stack = await startProcessStack({
      // debug: the most a service ever writes, so the personal-data scan reads everything.
      env: { API_KEYS, LOG_LEVEL: 'debug', RATE_LIMIT_PER_MINUTE: '0' },
      serviceEnv: {
        // Facts waiting for their reception must still wait when it comes.
        workflow: { UNKNOWN_DOSSIER_GRACE_SECONDS: '3600' },
        sla: { SLA_LATE_ARRIVAL_SETTLE_SECONDS: '1', SLA_WARNING_LEAD: '1s' },
        notifier: { SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), ACK_SECRET: SECRETS.at(-1)!, URGENT_LEVEL: '0', DIGEST_ENABLED: 'false' },
      },
    });
    kafka = new Kafka({ clientId: `trust-${run}`, brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    deadLetters = await collectTopic(kafka, topicsFor(stack.namespace).deadLetter);
  });
  afterAll(async () => {
    await deadLetters?.stop();
    await stack?.stop();
    await smtp?.stop();
  });

  const call = async (service: 'intake' | 'reporting' | 'notifier', path: string, key: string | null, init: { method?: string; body?: unknown; contentType?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (key) headers['authorization'] = `Bearer ${key}`;
    if (init.body !== undefined) headers['content-type'] = init.contentType ?? (Array.isArray(init.body) ? 'application/cloudevents-batch+json' : 'application/cloudevents+json');
    const res = await fetch(`${stack.url(service)}${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
    const text = await res.text();
    // Tests read answers of many shapes; each assertion names what it expects.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // HTML or CSV
    }
    return { status: res.status, body, text, headers: res.headers };
  };
  const post = (key: string, body: unknown) => call('intake', '/v1/events', key, { body });
  const dossier = (c: string) => call('reporting', `/v1/dossiers/${encodeURIComponent(c)}`, KEY.reformAll);
  const stored = (c: string, facts: number) => waitFor(`${c} with ${facts} facts`, async () => {
    const d = await dossier(c);
    return d.status === 200 && d.body.history.length === facts && d.body;
  }, { timeoutMs: 30_000 });
  type DeadLetterEvent = { data: { value: string | null; errorCode: string } };
  const deadLetterOf = (eventId: string) =>
    waitFor(`the dead letter of ${eventId}`, () => deadLetters.messages.map((m) => m.value as DeadLetterEvent).find((v) => String(v?.data?.value ?? '').includes(eventId)), { timeoutMs: 30_000 });

  const t0 = new Date('2026-11-23T02:00:00Z');
  const received = (c: string, agency: string, n = 1, extra: Record<string, unknown> = {}) =>
    lifecycleEvent(c, n, 'vn.tthc.dossier.received', t0, { procedureCode: '1.001234', appointmentAt: '2026-12-04T10:00:00Z', applicant: { fullName: PII.name, idNumber: PII.idNumber, phone: PII.phone, email: PII.email }, ...extra }, agency);

  test('when A posts a resolution for B’s dossier, then it is dead-lettered, B’s dossier is unchanged and B’s own facts still apply', async () => {
    const c = code('CLOSE');
    expect((await post(KEY.portalB, received(c, AGENCY_B))).status).toBe(202);
    const before = await stored(c, 1);

    const forged = lifecycleEvent(c, 2, 'vn.tthc.dossier.resolved', hours(t0, 20), {}, AGENCY_A);
    expect((await post(KEY.portalA, forged)).status).toBe(202);
    expect((await deadLetterOf(forged.id)).data).toMatchObject({ errorCode: 'not-owner' });
    const after = await dossier(c);
    expect(after.body).toMatchObject({ status: before.status, closedAt: null, history: before.history });

    const own = lifecycleEvent(c, 3, 'vn.tthc.dossier.processing-started', hours(t0, 2), {}, AGENCY_B);
    expect((await post(KEY.portalB, own)).status).toBe(202);
    expect((await stored(c, 2)).history.map((h: { id: string }) => h.id)).toEqual([`${c}-1`, `${c}-3`]);
  });

  test('when A sends a second reception for B’s code, then B keeps the dossier', async () => {
    const c = code('TAKE');
    expect((await post(KEY.portalB, received(c, AGENCY_B))).status).toBe(202);
    await stored(c, 1);
    const takeover = received(c, AGENCY_A, 2);
    expect((await post(KEY.portalA, takeover)).status).toBe(202);
    expect((await deadLetterOf(takeover.id)).data).toMatchObject({ errorCode: 'foreign-reception' });
    expect((await dossier(c)).body).toMatchObject({ agencyCode: AGENCY_B, history: [{ id: `${c}-1` }] });
  });

  test('when A squats codes B will use, then B’s reception is accepted and A’s facts are evicted', async () => {
    // A TT 04/2025 code names its agency: refused at the door.
    const tt04 = `${AGENCY_B}-261130-${run}`;
    const atDoor = await post(KEY.portalA, received(tt04, AGENCY_A));
    expect(atDoor.status).toBe(403);
    expect(atDoor.body.errors).toEqual([expect.objectContaining({ pointer: '/data/dossierCode' })]);

    // Any other code: A's fact waits for a reception, then goes when B's arrives.
    const c = code('SQUAT');
    const early = lifecycleEvent(c, 9, 'vn.tthc.dossier.resolved', hours(t0, 30), {}, AGENCY_A);
    expect((await post(KEY.portalA, early)).status).toBe(202);
    expect((await post(KEY.portalB, received(c, AGENCY_B))).status).toBe(202);
    // The waiting fact is stored alone first; then the reception replaces it.
    await waitFor('B’s reception alone in the history', async () => {
      const d = await dossier(c);
      return d.status === 200 && d.body.history.map((h: { id: string }) => h.id).join() === `${c}-1`;
    }, { timeoutMs: 30_000 });
    expect((await deadLetterOf(early.id)).data).toMatchObject({ errorCode: 'not-owner' });
    expect((await dossier(c)).body).toMatchObject({ closedAt: null });
  });

  test('when A takes the id B uses next, then B’s event is still accepted and published', async () => {
    const c = code('IDS');
    const real = { ...received(c, AGENCY_B), source: 'urn:portal:agency-b', id: `b-next-${run}` };
    const claimAhead = await post(KEY.portalA, { ...received(code('A-OWN'), AGENCY_A), source: real.source, id: real.id });
    expect(claimAhead.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);
    const answer = await post(KEY.portalB, real);
    expect(answer.body.results).toEqual([{ id: real.id, source: real.source, status: 'accepted' }]);
    expect((await stored(c, 1)).agencyCode).toBe(AGENCY_B);
  });

  test('when keys call routes beyond their role or scope, then they get 403 and nothing changes', async () => {
    const sub = { name: 'Trưởng phòng', role: 'agency-manager', agencyCode: AGENCY_A, channel: { type: 'email', address: 'tp.a@example.vn' } };
    // A portal may not subscribe, nor post as a manager.
    expect((await call('notifier', '/v1/subscriptions', KEY.portalA, { body: sub, contentType: 'application/json' })).status).toBe(403);
    expect((await post(KEY.reformAll, received(code('ROLE'), AGENCY_A))).status).toBe(403);
    // The reform office subscribes for the whole country; managers and a G01 office never see it.
    const national = await call('notifier', '/v1/subscriptions', KEY.reformAll, { body: { ...sub, role: 'reform-office', agencyCode: '*' }, contentType: 'application/json' });
    expect(national.status).toBe(201);
    for (const key of [KEY.managerA, KEY.reformG01, KEY.portalA]) {
      expect((await call('notifier', `/v1/subscriptions/${national.body.id}`, key, { method: 'DELETE' })).status).toBeGreaterThanOrEqual(403);
    }
    expect((await call('notifier', `/v1/subscriptions/${national.body.id}`, KEY.reformAll)).status).toBe(200);
    // Metrics: a portal has none, a G01 office gets 403 for G02 and the manager for G01.002.
    expect((await call('reporting', '/v1/metrics/late-cases', KEY.portalA)).status).toBe(403);
    expect((await call('reporting', '/v1/metrics/late-cases?agency=G02.*', KEY.reformG01)).status).toBe(403);
    expect((await call('reporting', '/v1/metrics/late-cases?agency=G01.002.000', KEY.managerA)).status).toBe(403);
    // B's dossier is absent for A, even by its exact code; totals count only what A may see.
    const c = code('CLOSE');
    expect((await call('reporting', `/v1/dossiers/${c}`, KEY.portalA)).status).toBe(404);
    const listA = await call('reporting', '/v1/dossiers?pageSize=200', KEY.portalA);
    expect(listA.body.items.every((i: { agencyCode: string }) => i.agencyCode === AGENCY_A)).toBe(true);
    expect(listA.body.total).toBe(listA.body.items.length);
    // The audit log is the reform office's.
    expect((await call('reporting', '/v1/audit-log', KEY.managerA)).status).toBe(403);
  });

  test('when a webhook names loopback, then the subscription is refused', async () => {
    const res = await call('notifier', '/v1/subscriptions', KEY.managerA, { body: { name: 'Hook', role: 'agency-manager', agencyCode: AGENCY_A, channel: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } }, contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ pointer: '/channel/url' })]);
  });

  test('when an overdue e-mail’s link is fetched, then nothing is acknowledged until its form is posted, and the audit log says who', async () => {
    const sub = await call('notifier', '/v1/subscriptions', KEY.managerA, { body: { name: 'Trưởng phòng A', role: 'agency-manager', agencyCode: AGENCY_A, kinds: ['overdue'], channel: { type: 'email', address: 'manager.a@example.vn' } }, contentType: 'application/json' });
    expect(sub.status).toBe(201);
    const c = code('LATE');
    const soon = new Date(Date.now() + 3000).toISOString();
    expect((await post(KEY.portalA, received(c, AGENCY_A, 1, { receivedAt: new Date().toISOString(), appointmentAt: soon }))).status).toBe(202);

    const [mail] = await waitFor('the overdue e-mail', () => smtp.mailTo('manager.a@example.vn').length > 0 && smtp.mailTo('manager.a@example.vn'), { timeoutMs: 60_000 });
    const link = /https?:\/\/\S+\/v1\/alerts\/[^/\s]+\/ack\?token=[^\s"<]+/.exec(mail!.text)?.[0];
    expect(link).toBeDefined();
    const path = new URL(link!).pathname;
    const token = new URL(link!).searchParams.get('token')!;

    // A mail scanner fetching the link (twice) acknowledges nothing.
    for (let i = 0; i < 2; i++) {
      const page = await call('notifier', `${path}?token=${encodeURIComponent(token)}`, null);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
    }
    const audits = (action: string) => call('reporting', `/v1/audit-log?action=${action}`, KEY.reformAll);
    expect((await audits('alert.acknowledged')).body.items).toEqual([]);

    // A portal key of the same agency may not silence it either.
    expect((await call('notifier', path, KEY.portalA, { method: 'POST' })).status).toBe(403);

    const confirm = await call('notifier', path, null, { method: 'POST', body: `token=${encodeURIComponent(token)}`, contentType: 'application/x-www-form-urlencoded' });
    expect(confirm.status).toBe(200);
    const acked = await audits('alert.acknowledged');
    expect(acked.body.items).toEqual([expect.objectContaining({ actor: `link:${sub.body.id}`, agencyCode: AGENCY_A })]);
    expect((await audits('subscription.created')).body.items.length).toBeGreaterThanOrEqual(2);
  });

  test('when personal data is posted in every shape, then no read response and no log line of any service shows it or a key', async () => {
    const c = code('PII');
    const petition = `PAKN-${run}`;
    expect((await post(KEY.portalA, received(c, AGENCY_A))).status).toBe(202);
    expect((await post(KEY.portalA, lifecycleEvent(c, 2, 'vn.tthc.dossier.supplement-requested', hours(t0, 3), { reason: `Thiếu giấy tờ của ${PII.name}` }, AGENCY_A))).status).toBe(202);
    expect(
      (
        await post(KEY.portalA, lifecycleEvent(petition, 1, 'vn.tthc.petition.received', t0, { title: `Phản ánh của ${PII.name}`, petitioner: { fullName: PII.name, idNumber: PII.idNumber, phone: PII.phone, email: PII.email } }, AGENCY_A))
      ).status,
    ).toBe(202);
    const portal = await call('intake', '/v1/portal/dossiers', KEY.portalA, {
      body: [{ MaHoSo: `${AGENCY_A}-261123-${run}`, MaTTHC: '1.001234', MaDonVi: AGENCY_A, TrangThaiHoSo: 2, NgayTiepNhan: '20261123090000', NgayHenTra: '20261204170000', ChuHoSo: PII.portalName, SoGiayTo: PII.portalId }],
      contentType: 'application/json',
    });
    expect(portal.status).toBe(202);
    // Refused paths log too: a takeover carrying the applicant, and an invalid event carrying the petitioner.
    const takeover = received(c, AGENCY_B, 3);
    expect((await post(KEY.portalB, takeover)).status).toBe(202);
    await deadLetterOf(takeover.id);
    const invalid = await post(KEY.portalA, lifecycleEvent(petition, 2, 'vn.tthc.petition.received', t0, { petitioner: { fullName: PII.name, idNumber: 12345 } }, AGENCY_A));
    expect(invalid.status).toBe(400);
    expect(hitsIn(invalid.text)).toEqual([]);
    await stored(c, 2);
    await stored(petition, 1);
    await stored(`${AGENCY_A}-261123-${run}`, 1);

    const reads = [
      await call('reporting', `/v1/dossiers/${c}`, KEY.reformAll),
      await call('reporting', `/v1/dossiers/${petition}`, KEY.reformAll),
      await call('reporting', `/v1/dossiers/${AGENCY_A}-261123-${run}`, KEY.portalA),
      await call('reporting', '/v1/dossiers?pageSize=200', KEY.reformAll),
      await call('reporting', '/v1/dossiers?format=csv&pageSize=200', KEY.reformAll),
      await call('reporting', '/v1/alerts', KEY.reformAll),
      await call('notifier', '/v1/subscriptions', KEY.reformAll),
    ];
    for (const r of reads) expect(r.status).toBe(200);
    const hits = hitsIn;
    expect(reads.flatMap((r) => hits(r.text))).toEqual([]);

    const lines = stack.allLines();
    for (const name of ['intake', 'workflow', 'sla', 'reporting', 'notifier']) expect(lines.some((l) => l.startsWith(`[${name}]`))).toBe(true);
    const leaking = lines.filter((l) => hits(l).length > 0);
    expect(leaking).toEqual([]);
    expect(lines.length).toBeGreaterThan(40);
    console.log(`[trust] ${lines.length} log lines of 5 services scanned for ${Object.keys(PII).length} personal values and ${SECRETS.length} secrets: ${leaking.length} hits`);
  });
});
