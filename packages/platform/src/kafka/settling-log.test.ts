import { logLevel } from 'kafkajs';
import { settlingLog } from './settling-log';

describe('kafkajs log lines while a cluster settles', () => {
  test('when a coordinator is loading, then the first line is a warning and repeats within a minute are debug, a minute later a warning again', () => {
    let now = 0;
    const level = settlingLog(() => now);
    const line = (message: string, error?: string) => level(logLevel.ERROR, message, error ? { error } : {});
    expect(line('Response GroupCoordinator(key: 10, version: 2)', "The coordinator is loading and hence can't process requests for this group")).toBe('warn');
    now = 30_000;
    expect(line('Crash: KafkaJSProtocolError: The coordinator is loading and hence can\'t process requests for this group')).toBe('debug');
    now = 61_000;
    expect(line('Response GroupCoordinator(key: 10, version: 2)', "The coordinator is loading and hence can't process requests for this group")).toBe('warn');
  });

  test('when kinds differ, then each gets its own warning; a consumer restart is a warning', () => {
    const level = settlingLog(() => 0);
    expect(level(logLevel.ERROR, 'Response Metadata', { error: 'There is no leader for this topic-partition as we are in the middle of a leadership election' })).toBe('warn');
    expect(level(logLevel.ERROR, 'Response ListOffsets', { error: 'This server does not host this topic-partition' })).toBe('warn');
    expect(level(logLevel.ERROR, 'Restarting the consumer in 300ms', { groupId: 'g' })).toBe('warn');
    expect(level(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', { error: 'Topic creation errors' })).toBe('warn');
  });

  test('when an error is not a settling one, or the line is info, then its level is left alone', () => {
    const level = settlingLog(() => 0);
    expect(level(logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Invalid topic', {})).toBeNull();
    expect(level(logLevel.ERROR, 'Connection error', { error: 'SASL authentication failed' })).toBeNull();
    expect(level(logLevel.INFO, 'coordinator is loading', {})).toBeNull();
  });
});
