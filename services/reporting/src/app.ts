import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { defaultCalendar, loadCalendarFile, type Calendar } from '@tthc/calendar';
import { createMongoProcedureStore } from '@tthc/catalog/storage';
import { AgencyDirectory, DEFAULT_RATING_SETTINGS, loadRatingSettings, loadRubrics, SAMPLE_AGENCY_DIRECTORY_PATH, SAMPLE_RUBRIC_PATH, type RatingSettings, type Rubric } from '@tthc/metrics';
import { CONSUMER_GROUPS, ratingLevel, topicsFor } from '@tthc/contracts';
import {
  connectMongo,
  consumerCheck,
  createKafkaRuntime,
  createServiceConsumer,
  kafkaTopicSettings,
  type ConsumerRunner,
  createAuditLog,
  createLogger,
  createMetrics,
  createServiceHttp,
  serveHttp,
  parseApiKeys,
  pingMongo,
  rateLimitPerKey,
  requireApiKey,
  type Logger,
  type RunningServer,
} from '@tthc/platform';
import type { ReportingConfig } from './config';
import { createMongoReadModel } from './data-access/read-model.mongo';
import { createMongoMetricsReadModel } from './data-access/metrics-read.mongo';
import { answeredPetitions, createMongoDelayCounterStore, everyStoredSubject, satisfactionSubjects, storedSubjects, type MongoDelayCounterStore, type RecountStep } from './data-access/delay-counters.mongo';
import { countSubjects, recoverPending, type CountedSubject } from './domain/count-subjects.use-case';
import { subjectStateHandler } from './entry-points/kafka/subject-state.consumer';
import { createMongoDutyReadModel } from './data-access/duty-periods.mongo';
import { createMongoSatisfactionReadModel } from './data-access/satisfaction-read.mongo';
import { createMongoSurveyStore } from './data-access/survey-results.mongo';
import type { MetricsReadModel } from './domain/metrics-read-model';
import { auditLogRouter } from './entry-points/http/audit-log.routes';
import { catalogRouter } from './entry-points/http/catalog.routes';
import { dutiesRouter } from './entry-points/http/duties.routes';
import { createDashboardRouter } from './entry-points/http/dashboard.route';
import { metricsRouter } from './entry-points/http/metrics.routes';
import { openApiDocument } from './entry-points/http/openapi';
import { readRouter } from './entry-points/http/read.routes';
import { reportsRouter } from './entry-points/http/reports.routes';
import { surveysRouter } from './entry-points/http/surveys.routes';

/** The rating settings, refusing a file that leaves a level of the rating event unnamed. */
export function ratingSettingsOf(file: string | undefined): RatingSettings {
  if (!file) return DEFAULT_RATING_SETTINGS;
  const settings = loadRatingSettings(file);
  const missing = ratingLevel.options.filter((l) => !settings.levels.some((s) => s.level === l));
  if (missing.length) throw new Error(`RATING_LEVELS_FILE ${file}: level ${missing.join(', ')} of vn.tthc.dossier.rated is not listed`);
  return settings;
}

/** Reporting's rate-limit buckets sit apart from intake's under the same Redis prefix. */
export function reportingRateLimitPrefix(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}:reporting`;
}

export interface ReportingDeps {
  logger?: Logger;
  /** "Now" for the running period and working days late; tests pin it. */
  clock?: { now(): Date };
  calendar?: Calendar;
  /**
   * Count every report from the stored subjects per request instead of the counters: only the
   * bench sets it, to measure both in one run; the counters are kept either way.
   */
  countPerRequest?: boolean;
  /**
   * Wraps the read model over the stored subjects: a test makes a real read fail part way
   * through (an export after its first rows) where the store cannot be made to fail on cue.
   */
  wrapReadModel?: (stored: MetricsReadModel) => MetricsReadModel;
}

export function createApp(config: ReportingConfig, deps: ReportingDeps = {}) {
  const logger = deps.logger ?? createLogger({ service: 'reporting', level: config.LOG_LEVEL });
  const metrics = createMetrics('reporting');
  const apiKeys = parseApiKeys(config.API_KEYS);
  const clock = deps.clock ?? { now: () => new Date() };
  const calendar = deps.calendar ?? (config.CALENDAR_FILE ? loadCalendarFile(config.CALENDAR_FILE) : defaultCalendar());
  const production = config.NODE_ENV === 'production';
  const directoryFile = config.AGENCY_DIRECTORY_FILE ?? (production ? null : SAMPLE_AGENCY_DIRECTORY_PATH);
  const rubricFile = config.PAR_RUBRIC_FILE ?? (production ? null : SAMPLE_RUBRIC_PATH);
  let conn: Connection | null = null;
  let metricsReadModel: MetricsReadModel | null = null;
  let server: RunningServer | null = null;
  let runner: ConsumerRunner | null = null;
  let recovery: NodeJS.Timeout | null = null;
  const topics = topicsFor(config.KAFKA_TOPIC_NAMESPACE);
  const { kafka, producer, ...kafkaRuntime } = createKafkaRuntime({ clientId: 'tthc-reporting', brokers: config.KAFKA_BROKERS, logger, ...kafkaTopicSettings(config) });
  // Few retries and no offline queue: a rate-limit check waiting on Redis would hold every
  // request, and the limiter lets requests through when Redis does not answer. The name tells
  // this instance's connection apart in CLIENT LIST.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectionName: `reporting:${config.REDIS_KEY_PREFIX}` });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));

  return {
    logger,
    async start() {
      if (config.usingDevKey) logger.warn('API_KEYS is not set: using the development key "dev-key" for every agency');
      if (!config.AGENCY_DIRECTORY_FILE) logger.warn({ file: directoryFile }, 'AGENCY_DIRECTORY_FILE is not set: agencies come from the sample directory (or none in production)');
      if (!config.PAR_RUBRIC_FILE) logger.warn({ file: rubricFile }, 'PAR_RUBRIC_FILE is not set: PAR criteria come from the sample rubric (or none in production)');
      // Read at start so a bad file fails the start with its path and field in the message.
      const directory = directoryFile ? AgencyDirectory.fromFile(directoryFile) : AgencyDirectory.empty();
      const rubrics: Rubric[] = rubricFile ? loadRubrics(rubricFile) : [];
      const ratingSettings = ratingSettingsOf(config.RATING_LEVELS_FILE);
      conn = await connectMongo(config.MONGO_URL, logger, { watchdogSeconds: config.MONGO_WATCHDOG_SECONDS, metrics });
      const connection = conn;
      await redis.connect();
      metricsReadModel = deps.wrapReadModel ? deps.wrapReadModel(createMongoMetricsReadModel(connection)) : createMongoMetricsReadModel(connection);
      const readModel = metricsReadModel;
      const counters = createMongoDelayCounterStore(connection);
      await counters.init();
      await fillCounters(counters, connection, calendar, logger, config.COUNTER_FILL_BATCH);
      const recover = async () => {
        // The store stamps claims with the machine's time, so the age is measured on it too, not
        // on the reports' clock (which tests pin).
        const subjects = await recoverPending(counters, new Date(Date.now() - config.COUNTER_RECOVERY_AFTER_SECONDS * 1000));
        if (subjects > 0) logger.warn({ subjects }, 'delay counters: applied the changes of subjects whose counting was interrupted between its claim and its counters');
      };
      await recover();
      recovery = setInterval(() => void recover().catch((err: Error) => logger.warn({ err: err.message }, 'delay counters: the recovery of interrupted counting failed; it is tried again')), config.COUNTER_RECOVERY_INTERVAL_SECONDS * 1000);
      recovery.unref();
      await kafkaRuntime.connect([topics.dossierState, topics.deadLetter]);
      // A store outage pauses counting instead of dead-lettering the snapshots it could not count.
      const consumer = createServiceConsumer(
        { kafka, producer, deadLetterTopic: topics.deadLetter, concurrency: config.KAFKA_CONSUMER_CONCURRENCY, partitionsConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY, fetchBytesPerPartition: config.KAFKA_FETCH_BYTES_PER_PARTITION, logger, metrics },
        {
          groupId: config.CONSUMER_GROUP ?? CONSUMER_GROUPS.reporting,
          topics: [topics.dossierState],
          waitFor: [() => pingMongo(connection), kafkaRuntime.check],
          ...subjectStateHandler({ load: (codes) => storedSubjects(connection, codes), store: counters, calendar, logger }),
        },
      );
      runner = consumer;
      await consumer.start();
      const auditLog = createAuditLog(connection);
      const surveys = createMongoSurveyStore(connection);
      await surveys.init();
      const satisfaction = { readModel: createMongoSatisfactionReadModel(connection), settings: ratingSettings };
      const http = createServiceHttp({
        service: 'reporting',
        logger,
        metrics,
        openApi: openApiDocument,
        readiness: {
          mongo: () => pingMongo(connection),
          kafka: kafkaRuntime.check,
          consumer: consumerCheck(consumer, 'counting paused until MongoDB and Kafka answer again'),
          redis: async () => {
            await redis.ping();
          },
        },
      });
      // The dashboard's static files load before the key check: the page asks for the key.
      http.use(createDashboardRouter());
      http.use(requireApiKey(apiKeys));
      // Reporting's buckets are its own: a portal posting a large batch to intake must not lose
      // its reads here.
      http.use(
        rateLimitPerKey({
          redis,
          prefix: reportingRateLimitPrefix(config.REDIS_KEY_PREFIX),
          settings: { perMinute: config.RATE_LIMIT_PER_MINUTE, burst: config.RATE_LIMIT_BURST },
          logger,
          metrics,
        }),
      );
      const reportContext = () => ({ readModel, ...(deps.countPerRequest ? {} : { counters }), calendar, directory, rubrics, satisfaction, now: clock.now() });
      http.use(metricsRouter(reportContext));
      http.use(reportsRouter(reportContext));
      http.use(surveysRouter({ store: surveys, auditLog, calendar, directory, targetPercent: config.SIPAS_TARGET_PERCENT, now: () => clock.now() }));
      http.use(catalogRouter({ procedures: createMongoProcedureStore(connection), readModel, directory }));
      const caseRules = { financialObligationPausesClock: config.RULE_FINANCIAL_OBLIGATION_PAUSES_CLOCK, apologyLeadWorkingDays: config.RULE_APOLOGY_LEAD_WORKING_DAYS };
      http.use(readRouter(createMongoReadModel(connection), directory, () => ({ calendar, now: clock.now(), rules: caseRules })));
      http.use(auditLogRouter(() => auditLog));
      http.use(dutiesRouter(() => createMongoDutyReadModel(connection), directory, () => clock.now()));
      server = await serveHttp(http, { service: 'reporting', logger, port: config.PORT, host: config.HOST });
      return server;
    },
    async stop() {
      if (recovery) clearInterval(recovery);
      await server?.close();
      await runner?.stop();
      await kafkaRuntime.disconnect();
      await conn?.close();
      // QUIT lets pending replies arrive; a client that never connected is simply dropped.
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

/**
 * The one-time fills count `COUNTER_FILL_BATCH` subjects per batch and this many batches at once:
 * two lanes let the store work on one batch's counter writes while this process derives the
 * next (figures in the README, "The first fill in two lanes").
 */
const FILL_LANES = 2;
const FILL_PROGRESS_EVERY = 100_000;

/** Counts the batches `FILL_LANES` at a time (the lanes race on revisions as two instances do), logging progress; the subjects counted. */
async function countInLanes(batches: AsyncIterable<CountedSubject[]>, count: (batch: CountedSubject[]) => Promise<unknown>, progress: (subjects: number) => void): Promise<number> {
  const inFlight = new Set<Promise<void>>();
  let subjects = 0;
  let reported = 0;
  let failed: unknown = null;
  for await (const batch of batches) {
    const lane: Promise<void> = count(batch).then(
      () => {
        inFlight.delete(lane);
        subjects += batch.length;
        if (subjects - reported >= FILL_PROGRESS_EVERY) progress((reported = subjects));
      },
      (err: unknown) => {
        inFlight.delete(lane);
        failed ??= err;
      },
    );
    inFlight.add(lane);
    if (inFlight.size >= FILL_LANES) await Promise.race(inFlight);
    if (failed !== null) break;
  }
  await Promise.all(inFlight);
  if (failed !== null) throw failed;
  return subjects;
}

/**
 * Counts every stored subject once, the first time the counters are used: subjects stored
 * before them, and those whose snapshots the topic no longer holds. Later starts skip it; the
 * consumer, reading the topic from its beginning on its first start, covers everything after.
 */
async function fillCounters(
  store: Omit<MongoDelayCounterStore, 'init'>,
  conn: Connection,
  calendar: Calendar,
  logger: Logger,
  batchSize: number,
): Promise<void> {
  if (await store.backfilled()) {
    // Counters kept before the province roll-up: it is summed from them once.
    if (!(await store.rolledUp())) {
      const started = Date.now();
      const documents = await store.rebuildRollUp(new Date());
      logger.info({ documents, ms: Date.now() - started }, 'province roll-up of the delay counters summed from the counters kept before it');
    }
    // Counters kept before a change of what a subject contributes: the subjects it changes are
    // counted once more at the revision already counted, which moves only what differs.
    const recountOnce = async (step: RecountStep, subjects: () => AsyncIterable<CountedSubject[]>, what: string) => {
      if (await store.recounted(step)) return;
      const started = Date.now();
      const counted = await countInLanes(
        subjects(),
        (batch) => countSubjects(batch, store, calendar, { recountSameRevision: true }),
        (n) => logger.info({ subjects: n, ms: Date.now() - started }, `${what}: subjects counted so far`),
      );
      await store.markRecounted(step, new Date());
      logger.info({ subjects: counted, ms: Date.now() - started }, `${what}: recounted`);
    };
    // The satisfaction counters: the rated subjects and the petitions naming dossiers.
    await recountOnce('satisfaction', () => satisfactionSubjects(conn, batchSize), 'satisfaction counters');
    // Petitions answered and awaiting publication, held open before: handled in their answer's month.
    await recountOnce('answered-petitions', () => answeredPetitions(conn, batchSize), 'answered petitions');
    return;
  }
  const started = Date.now();
  const subjects = await countInLanes(
    everyStoredSubject(conn, batchSize),
    (batch) => countSubjects(batch, store, calendar),
    (done) => logger.info({ subjects: done, ms: Date.now() - started }, 'delay counters: stored subjects counted so far'),
  );
  await store.markBackfilled(new Date());
  logger.info({ subjects, ms: Date.now() - started }, 'delay counters filled from the stored subjects');
}
