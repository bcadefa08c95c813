import mongoose, { type Connection } from 'mongoose';
import { defaultCalendar } from '@tthc/calendar';
import { COLLECTIONS, JOB_NAMES, delayCountsComputedV1, topicsFor, type DelayCountsComputedV1 } from '@tthc/contracts';
import { AgencyDirectory, SAMPLE_AGENCY_DIRECTORY_PATH } from '@tthc/metrics';
import { createKafkaRuntime, createLogger, createMetrics } from '@tthc/platform';
import { ControllableClock, requireEnv, uniqueName, waitFor, withDatabase } from '@tthc/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { createApp as createSla } from '../../services/sla/src/app';
import { loadConfig as slaConfig } from '../../services/sla/src/config';
import { createKafkaDelayCountsPublisher } from '../../services/sla/src/data-access/delay-counts.publisher.kafka';
import { createDelayCountsRepository } from '../../services/sla/src/data-access/delay-counts.repository';
import { createDelayCountsJob } from '../../services/sla/src/entry-points/jobs/delay-counts.job';
import { collectTopic } from './support/stack';

const namespace = uniqueName('e2e-counts');
const topics = topicsFor(namespace);
const brokers = requireEnv('KAFKA_BROKERS');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const logger = createLogger({ service: 'metrics-e2e', level: 'silent' });
const jobMetrics = createMetrics('sla-delay-counts-e2e');
const clock = new ControllableClock('2026-02-11T12:00:00+07:00');
const sla = createSla(
  slaConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PORT: '0',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_NAMESPACE: namespace,
    MONGO_URL: mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    QUEUE_PREFIX: namespace,
    CONSUMER_GROUP: `${namespace}-sla`,
  }),
  // The app runs its own delay-counts job too; on the same clock both count February.
  { clock },
);
const kafkaRuntime = createKafkaRuntime({ clientId: `${namespace}-counts`, brokers: brokers.split(','), logger });
let mongo: Connection;
let job: ReturnType<typeof createDelayCountsJob>;
let probe: Awaited<ReturnType<typeof collectTopic>>;

const dossier = (f: Record<string, unknown>) => ({ agencyCode: 'G01.001.000', procedureCode: 'P1', subject: 'dossier', phase: 'open', overdue: false, atRisk: false, state: { apologies: [], steps: [], lateAgencies: [] }, ...f });
const at = (iso: string) => new Date(iso);

const counted = (): DelayCountsComputedV1[] =>
  probe.messages.map((m) => m.value as { type?: string; data?: unknown }).filter((v) => v?.type === 'vn.tthc.delay-counts.computed').map((v) => delayCountsComputedV1.parse(v.data));

beforeAll(async () => {
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
  await mongo.collection(COLLECTIONS.dossiers).insertMany([
    dossier({ _id: 'A', code: 'A', receivedAt: at('2026-01-20T09:00:00+07:00'), dueAt: at('2026-02-05T17:00:00+07:00'), overdue: true }),
    dossier({ _id: 'C', code: 'C', phase: 'closed', receivedAt: at('2026-02-02T09:00:00+07:00'), dueAt: at('2026-02-12T17:00:00+07:00'), endAt: at('2026-02-11T10:00:00+07:00'), closedAt: at('2026-02-11T10:00:00+07:00'), timeliness: 'early' }),
    dossier({ _id: 'M', code: 'M', receivedAt: at('2026-02-09T09:00:00+07:00'), dueAt: at('2026-02-20T17:00:00+07:00') }),
    dossier({ _id: 'Q', code: 'Q', agencyCode: 'G01.102.000', procedureCode: 'P2', receivedAt: at('2026-02-10T09:00:00+07:00'), dueAt: at('2026-02-10T17:00:00+07:00'), overdue: true }),
  ] as never[]);
  await sla.start();
  await kafkaRuntime.connect([topics.delayCounts]);
  probe = await collectTopic(new Kafka({ clientId: `${namespace}-probe`, brokers: brokers.split(','), logLevel: logLevel.NOTHING }), topics.delayCounts);
  job = createDelayCountsJob({
    queue: sla.maintenance,
    store: createDelayCountsRepository(mongo),
    publisher: createKafkaDelayCountsPublisher(kafkaRuntime.producer, topics.delayCounts),
    calendar: defaultCalendar(),
    directory: AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH),
    clock,
    logger,
    metrics: jobMetrics,
    everySeconds: 1,
    quarterYearEverySeconds: 3_600,
  });
  // The wiring app.ts is to get: the maintenance worker dispatches the job by name.
  sla.maintenanceHandlers[JOB_NAMES.publishDelayCounts] = job.handle;
  await job.start();
});

afterAll(async () => {
  await job?.stop();
  await probe?.stop();
  await sla.stop();
  await kafkaRuntime.disconnect();
  await mongo.dropDatabase().catch(() => undefined);
  await mongo.close();
});

describe('SLA delay counts on the real Kafka topic', () => {
  test('when the scheduler fires, then counts of the running month, quarter and year are stored and published per agency and procedure', async () => {
    const feb = await waitFor('February counts of G01.001.000 on Kafka', () => counted().find((c) => c.periodKey === '2026-02' && c.agencyCode === 'G01.001.000'), { timeoutMs: 20_000 });
    expect(feb).toMatchObject({ periodKind: 'month', periodStart: '2026-02-01T00:00:00+07:00', periodEnd: '2026-03-01T00:00:00+07:00', asOf: '2026-02-11T12:00:00+07:00', final: false, procedureCode: 'P1', agencyLevel: 'province' });
    // A overdue, C early, M due before the month ends: at risk.
    expect(feb.counts).toMatchObject({ received: 2, toHandle: 3, resolvedEarly: 1, openOverdue: 1, openWithinDeadline: 1, atRisk: 1, lateRate: 0.3333 });
    // One run's records land on several partitions; the probe may read this one a moment later.
    const commune = await waitFor('Q1 counts of G01.102.000 on Kafka', () => counted().find((c) => c.periodKey === '2026-Q1' && c.agencyCode === 'G01.102.000'), { timeoutMs: 20_000 });
    expect(commune).toMatchObject({ agencyLevel: 'commune', procedureCode: 'P2', counts: expect.objectContaining({ openOverdue: 1, lateRate: 1 }) });

    const stored = await mongo.collection(COLLECTIONS.delayCounts).findOne({ _id: '2026-02|G01.001.000|P1' } as never);
    expect(stored).toMatchObject({ periodKey: '2026-02', counts: expect.objectContaining({ toHandle: 3 }) });
  });

  test('when the job has run several times, then each period × agency × procedure is stored once, and the quarter and year wait for their interval', async () => {
    // An operator sees what a run read and how long it took. Within the hour after the quarter
    // and year were counted, a run counts February alone: two rows, from the subjects not closed
    // before 1 February (all four here). Set once a run has published.
    const valueOf = async (name: string) => (await jobMetrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    await waitFor('a month-only run', async () => (await valueOf('sla_delay_counts_rows'))[0]?.value === 2, { timeoutMs: 20_000 });
    expect((await valueOf('sla_delay_counts_subjects'))[0]?.value).toBe(4);
    const runs = (await valueOf('sla_delay_counts_duration_seconds')).find((v) => v.metricName === 'sla_delay_counts_duration_seconds_count');
    expect(runs?.value).toBeGreaterThanOrEqual(1);
    const ids = (await mongo.collection(COLLECTIONS.delayCounts).find({}).toArray()).map((d) => String(d._id)).sort();
    expect(ids).toEqual(['2026-02|G01.001.000|P1', '2026-02|G01.102.000|P2', '2026-Q1|G01.001.000|P1', '2026-Q1|G01.102.000|P2', '2026|G01.001.000|P1', '2026|G01.102.000|P2']);
    // On Kafka, February's rows keep coming while the year's wait.
    const published = (key: string) => counted().filter((c) => c.periodKey === key && c.agencyCode === 'G01.001.000').length;
    await waitFor('February published at least twice more than 2026', () => published('2026-02') >= published('2026') + 2, { timeoutMs: 20_000 });
    expect(published('2026')).toBeGreaterThanOrEqual(1);
  });

  test('when the month closes, then the close job publishes February as final and schedules the next close', async () => {
    const close = await sla.maintenance.getJob('delay-counts-close-2026-02');
    expect(close?.data).toEqual({ reason: 'period-close:2026-02' });
    // The boundary is reached: local midnight of 1 March.
    clock.set('2026-03-01T00:00:02+07:00');
    await close!.promote();
    const final = await waitFor('final February counts', () => counted().find((c) => c.periodKey === '2026-02' && c.agencyCode === 'G01.001.000' && c.final), { timeoutMs: 20_000 });
    // Judged at February's end: M (due 20/2) is now overdue too.
    expect(final).toMatchObject({ asOf: '2026-03-01T00:00:00+07:00', counts: expect.objectContaining({ toHandle: 3, openOverdue: 2, atRisk: 0 }) });
    const next = await waitFor('the March close job', () => sla.maintenance.getJob('delay-counts-close-2026-03'));
    expect(next.data).toEqual({ reason: 'period-close:2026-03' });
  });
});
