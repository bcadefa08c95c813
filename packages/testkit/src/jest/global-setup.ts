import { resolveEndpoints } from '../infra/resolve-endpoints';
import { setInfraHandle } from './infra-handle';

/**
 * Jest globalSetup (root jest.config.js): runs once, in the parent process, before any worker.
 *
 * It only finds or starts Kafka, MongoDB and Redis and publishes their addresses; it creates no
 * topics, databases or queues, because each test file creates (and isolates) its own.
 */

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // Jest prints its first line without a newline before globalSetup runs.
  say('');
  say('[testkit] resolving test infrastructure (profile test)…');
  const endpoints = await resolveEndpoints({ profile: 'test', log: say });
  setInfraHandle(endpoints);

  // Workers are forked after globalSetup and inherit this environment.
  process.env.KAFKA_BROKERS = endpoints.kafkaBrokers;
  process.env.MONGO_URL = endpoints.mongoUrl;
  process.env.REDIS_URL = endpoints.redisUrl;
  say(
    `[testkit] infrastructure ready via ${endpoints.source} in ${((Date.now() - started) / 1000).toFixed(1)}s: ` +
      `KAFKA_BROKERS=${endpoints.kafkaBrokers} MONGO_URL=${endpoints.mongoUrl} REDIS_URL=${endpoints.redisUrl}`,
  );
}
