import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMongoHeap, jvmSizeBytes, maxHeapOfCommandLine, smallStandInHeap } from './stand-in-heap';

const GIB = 2 ** 30;

describe('the MongoDB stand-in heap of a bench', () => {
  test('when the machine has room, then a bench gets 14 GB; when it is small, then 60 % of its memory', () => {
    expect(benchMongoHeap(23.5 * GIB)).toBe('14336m');
    expect(benchMongoHeap(64 * GIB)).toBe('14336m');
    expect(benchMongoHeap(8 * GIB)).toBe(`${Math.floor(8 * 1024 * 0.6)}m`);
  });

  test('when a JVM size is given with or without a unit, then its bytes are known; when it is not one, then undefined', () => {
    expect(jvmSizeBytes('1536m')).toBe(1536 * 2 ** 20);
    expect(jvmSizeBytes('14g')).toBe(14 * GIB);
    expect(jvmSizeBytes('14G')).toBe(14 * GIB);
    expect(jvmSizeBytes('4096')).toBe(4096);
    expect(jvmSizeBytes('lots')).toBeUndefined();
    expect(jvmSizeBytes('')).toBeUndefined();
  });

  test('when -Xmx is repeated on a command line, then the last one counts, as in the JVM', () => {
    expect(maxHeapOfCommandLine(['java', '-Xmx1g', '-Xmx6g', 'MongoLauncher'].join('\0'))).toBe('6g');
    expect(maxHeapOfCommandLine(['java', 'MongoLauncher'].join('\0'))).toBeUndefined();
  });

  describe('with a running process recorded in the pid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stand-in-heap-'));
    // A real process whose command line carries the stand-in's marks; `; :` keeps bash from
    // exec'ing sleep, which would replace the command line.
    const child = spawn('bash', ['-c', 'sleep 60; :', '-Xmx1536m', 'MongoLauncher'], { stdio: 'ignore' });
    beforeAll(() => writeFileSync(join(dir, 'mongo.pid'), `${child.pid}\n`));
    afterAll(() => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    test('when its heap is below what the bench wants, then the warning names both and the way out', () => {
      const warning = smallStandInHeap(dir, '14336m');
      expect(warning).toContain('1536m heap, less than the 14336m');
      expect(warning).toContain('MONGO_HEAP=14336m');
    });

    test('when its heap is at least what the bench wants, then no warning', () => {
      expect(smallStandInHeap(dir, '1536m')).toBeUndefined();
      expect(smallStandInHeap(dir, '1g')).toBeUndefined();
    });
  });

  test('when no stand-in was recorded or the pid is not one, then no warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stand-in-heap-'));
    try {
      expect(smallStandInHeap(dir, '14g')).toBeUndefined();
      writeFileSync(join(dir, 'mongo.pid'), `${process.pid}\n`);
      expect(smallStandInHeap(dir, '14g')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
