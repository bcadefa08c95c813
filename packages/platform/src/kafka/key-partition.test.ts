import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { murmur2, partitionOfKey } from './key-partition';

const kafkajsPartition = (key: Buffer | string, count: number) => {
  const partitionMetadata = Array.from({ length: count }, (_, partitionId): PartitionMetadata => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata, message: { key, value: null } });
};

describe('key partitioning', () => {
  test("when keys are hashed, then murmur2 gives the Java client's values", () => {
    // From Kafka's own UtilsTest.testMurmur2.
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
  });

  test("when any text or byte key is placed among any partition count, then it gets kafkajs' default partition", () => {
    const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)));
    fc.assert(
      fc.property(key, fc.integer({ min: 1, max: 200 }), (k, count) => {
        expect(partitionOfKey(k, count)).toBe(kafkajsPartition(k, count));
      }),
      { numRuns: 5000 },
    );
  });

  test('when a dossier code is the key, then it lands where kafkajs put it before', () => {
    for (const code of ['G01.001.000-261123-0001', 'BENCH.0f3c2a91-7d2e', 'Hồ sơ 01/2026', '']) {
      for (const count of [1, 3, 6, 12]) expect(partitionOfKey(code, count)).toBe(kafkajsPartition(code, count));
    }
  });
});
