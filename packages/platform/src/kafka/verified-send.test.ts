import type { Message, TopicMessages } from 'kafkajs';
import { inRequestsOfBytes } from './verified-send';

describe('inRequestsOfBytes', () => {
  const message = (key: string, bytes: number, partition = 0): Message => ({ key, value: 'v'.repeat(bytes - key.length), partition });
  const keysOf = (requests: TopicMessages[][]) => requests.map((r) => r.flatMap((t) => t.messages.map((m) => String(m.key))));

  test('when messages of one partition pass the limit together, then they go in consecutive requests under it, in order, none lost', () => {
    const messages = Array.from({ length: 10 }, (_, i) => message(`k${i}`, 300));
    const requests = inRequestsOfBytes([{ topic: 't', messages }], 1000);
    expect(requests.map((r) => r[0]!.messages.length)).toEqual([3, 3, 3, 1]);
    expect(requests.flatMap((r) => r[0]!.messages)).toEqual(messages);
  });

  test('when the same bytes are spread over partitions under the limit each, then they stay one request', () => {
    const messages = Array.from({ length: 10 }, (_, i) => message(`k${i}`, 300, i % 5));
    expect(inRequestsOfBytes([{ topic: 't', messages }], 1000)).toEqual([[{ topic: 't', messages }]]);
  });

  test("when values are buffers or null (tombstones, replayed letters), then their bytes count as a string's would", () => {
    const requests = inRequestsOfBytes([{ topic: 't', messages: [{ key: 'a', value: Buffer.alloc(599), partition: 0 }, { key: null, value: null, partition: 0 }, { key: Buffer.from('b'), value: 'v'.repeat(599), partition: 0 }] }], 1000);
    expect(requests.map((r) => r[0]!.messages.length)).toEqual([2, 1]);
  });

  test('when one message alone is over the limit, then it goes without the rest of its partition', () => {
    expect(keysOf(inRequestsOfBytes([{ topic: 't', messages: [message('a', 10), message('b', 5000), message('c', 10)] }], 1000))).toEqual([['a'], ['b'], ['c']]);
  });
});
