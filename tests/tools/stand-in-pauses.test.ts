/**
 * The reporting bench prints, beside each timed figure, what the MongoDB stand-in's collector did
 * in that window (scripts/lib/stand-in-pauses.mjs), read from the GC log infra.sh has the JVM
 * write. A misread log would blame or clear the stand-in wrongly, so the reader is checked on the
 * JVM's own line shapes. Pure: the module is an ES module, run in a child process on a log
 * written here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

// Lines as JDK 17 writes them with -Xlog:gc:file=…:time,uptime, the offset without a colon.
const LOG = [
  '[2026-12-04T16:07:40.999+0000][0.033s] Using G1',
  '[2026-12-04T16:10:00.000+0000][140.000s] GC(10) Pause Young (Normal) (G1 Evacuation Pause) 2587M->2163M(13344M) 854.643ms',
  '[2026-12-04T16:10:05.000+0000][145.000s] GC(11) Pause Young (Concurrent Start) (G1 Evacuation Pause) 2600M->2200M(13344M) 70.500ms',
  '[2026-12-04T16:10:05.000+0000][145.000s] GC(12) Concurrent Mark Cycle',
  '[2026-12-04T16:10:20.000+0000][160.000s] GC(12) Pause Remark 12007M->11975M(16384M) 6.965ms',
  '[2026-12-04T16:10:25.000+0000][165.000s] GC(12) Pause Cleanup 11567M->11567M(16384M) 0.758ms',
  '[2026-12-04T16:10:25.000+0000][165.000s] GC(12) Concurrent Mark Cycle 20000.000ms',
  '[2026-12-04T16:10:40.000+0000][180.000s] GC(13) Pause Young (Mixed) (G1 Evacuation Pause) 12375M->11319M(16384M) 340.292ms',
  '[2026-12-04T16:11:00.000+0000][200.000s] GC(14) Pause Full (G1 Compaction Pause) 15000M->11000M(16384M) 13080.292ms',
  '[2026-12-04T16:12:00.000+0000][260.000s] GC(15) Concurrent Mark Cycle',
  '',
].join('\n');

const at = (hms: string) => Date.parse(`2026-12-04T${hms}Z`);

function run(expression: string): unknown {
  const dir = mkdtempSync(path.join(tmpdir(), 'stand-in-pauses-'));
  mkdirSync(path.join(dir, '.data/test'), { recursive: true });
  writeFileSync(path.join(dir, '.data/test/mongo-gc.log'), LOG);
  const script = `import(${JSON.stringify(path.join(ROOT, 'scripts/lib/stand-in-pauses.mjs'))}).then((m) => {
    const root = ${JSON.stringify(dir)};
    process.stdout.write(JSON.stringify(${expression}));
  });`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout);
}

describe('the stand-in collector reader', () => {
  it('when the log holds pauses of every kind and a marking cycle, then each pause is read with its end and length, and the cycle with its span', () => {
    const read = run(`m.readCollector(root + '/.data/test/mongo-gc.log')`) as { pauses: Array<{ endedAt: number; ms: number; kind: string }>; marking: Array<{ from: number; to: number | null }> };
    expect(read.pauses.map((p) => p.kind)).toEqual(['Pause Young (Normal)', 'Pause Young (Concurrent Start)', 'Pause Remark', 'Pause Cleanup', 'Pause Young (Mixed)', 'Pause Full']);
    expect(read.pauses[0]).toEqual({ endedAt: at('16:10:00.000'), ms: 854.643, kind: 'Pause Young (Normal)' });
    expect(read.pauses[5]?.ms).toBe(13080.292);
    expect(read.marking).toEqual([
      { from: at('16:10:05.000'), to: at('16:10:25.000') },
      { from: at('16:12:00.000'), to: null },
    ]);
  });

  it('when a window is asked, then only the pauses in it count and the marking share is the overlap', () => {
    // 16:10:15–16:10:45: the remark, the cleanup and the mixed pause; marking 16:10:15–25 of 30 s.
    const w = run(`m.standInPauses(root, 'test').window(${at('16:10:15.000')}, ${at('16:10:45.000')})`) as { count: number; sumMs: number; over100: number; longest: { ms: number; kind: string }; markingShare: number };
    expect(w.count).toBe(3);
    expect(w.sumMs).toBeCloseTo(6.965 + 0.758 + 340.292, 3);
    expect(w.over100).toBe(1);
    expect(w.longest).toMatchObject({ ms: 340.292, kind: 'Pause Young (Mixed)' });
    expect(w.markingShare).toBeCloseTo(10 / 30, 5);
  });

  it('when a pause began before a window and ended inside it, then it counts; when a cycle is still running, then it marks to the window end', () => {
    const w = run(`m.standInPauses(root, 'test').window(${at('16:10:59.000')}, ${at('16:12:30.000')})`) as { count: number; longest: { kind: string }; markingShare: number };
    expect(w.count).toBe(1);
    expect(w.longest.kind).toBe('Pause Full');
    expect(w.markingShare).toBeCloseTo(30 / 91, 5);
  });

  it('when a window is described, then the line names the pauses and the marking share; with no pause it says so', () => {
    const lines = run(`[
      m.describePauses(m.standInPauses(root, 'test').window(${at('16:10:15.000')}, ${at('16:10:45.000')})),
      m.describePauses(m.standInPauses(root, 'test').window(${at('16:11:10.000')}, ${at('16:11:20.000')})),
    ]`) as string[];
    expect(lines).toEqual([
      '3 pauses, 348 ms in all, 1 of 100 ms or more, longest 340 ms (Pause Young (Mixed)); marking 33 % of the time',
      'no pause; marking 0 % of the time',
    ]);
  });

  it('when the profile has no GC log (a MongoDB the project did not start), then there is no reader', () => {
    expect(run(`m.standInPauses(root, 'dev')`)).toBeNull();
  });
});
