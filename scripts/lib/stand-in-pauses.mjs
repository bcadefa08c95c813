// The MongoDB stand-in is a JVM, and its collector stops every client at once, which a real
// mongod never does. A bench that times reads on it prints the pauses that fell in each timed
// window beside the figures, so that a slow p95 can be told apart from slow code. The pauses come
// from the GC log `infra/local/infra.sh` writes (`-Xlog:gc:...:time,uptime`); an instance not
// started by it (MONGO_URL given) has no log here, and nothing is printed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// [2026-12-04T13:12:01.123+0000][123.456s] GC(12) Pause Young (Mixed) (G1 Evacuation Pause) 9000M->8900M(16384M) 312.456ms
const PAUSE = /^\[([^\]]+)\]\[[^\]]*\] GC\(\d+\) (Pause [A-Za-z]+(?: \([A-Za-z ]+\))?) .*? ([\d.]+)ms$/;

// [...][...] GC(384) Concurrent Mark Cycle            (its start)
// [...][...] GC(384) Concurrent Mark Cycle 44058.446ms (its end)
const MARK = /^\[([^\]]+)\]\[[^\]]*\] GC\(\d+\) Concurrent Mark Cycle(?: ([\d.]+)ms)?$/;

// The JVM writes the offset without a colon (+0000), which Date.parse reads as well.
const instant = (decoration) => Date.parse(decoration.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

/**
 * What the log holds so far: the pauses (when each ended, epoch ms, how long it took and its
 * kind) and the concurrent marking cycles (from, to; `to` is null while one runs). Marking stops
 * no client, but on two cores it takes one of them from the clients for tens of seconds.
 */
export function readCollector(logFile) {
  const pauses = [];
  const marking = [];
  if (!existsSync(logFile)) return { pauses, marking };
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const m = PAUSE.exec(line);
    if (m) {
      const endedAt = instant(m[1]);
      if (Number.isFinite(endedAt)) pauses.push({ endedAt, ms: Number(m[3]), kind: m[2] });
      continue;
    }
    const c = MARK.exec(line);
    if (!c) continue;
    const at = instant(c[1]);
    if (c[2] === undefined) marking.push({ from: at, to: null });
    else {
      const open = marking.findLast((x) => x.to === null);
      if (open) open.to = at;
      else marking.push({ from: at - Number(c[2]), to: at });
    }
  }
  return { pauses, marking };
}

/**
 * A recorder of the stand-in's pauses for a profile's data directory: `window(from, to)` sums
 * those that ended between two instants (a pause overlapping a window's start is counted where
 * it ended, within its length). Returns null when the profile's stand-in writes no log here.
 */
export function standInPauses(root, profile) {
  const logFile = join(root, '.data', profile, 'mongo-gc.log');
  if (!existsSync(logFile)) return null;
  return {
    logFile,
    /** The running stand-in's JVM options (heap and collector), read from its command line. */
    jvmOptions() {
      try {
        const pid = readFileSync(join(root, '.data', profile, 'mongo.pid'), 'utf8').trim();
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.filter((a) => a.startsWith('-X') && !a.startsWith('-Xlog')).join(' ');
      } catch {
        return 'unknown';
      }
    },
    window(from, to) {
      const { pauses, marking } = readCollector(logFile);
      const inside = pauses.filter((p) => p.endedAt >= from && p.endedAt - p.ms <= to);
      const longest = inside.reduce((a, p) => (p.ms > (a?.ms ?? -1) ? p : a), null);
      const markingMs = marking.reduce((sum, c) => sum + Math.max(0, Math.min(c.to ?? to, to) - Math.max(c.from, from)), 0);
      return {
        count: inside.length,
        sumMs: inside.reduce((s, p) => s + p.ms, 0),
        longest,
        over100: inside.filter((p) => p.ms >= 100).length,
        markingShare: to > from ? markingMs / (to - from) : 0,
      };
    },
  };
}

/** One line for a window: "12 pauses, 640 ms in all, 3 of 100 ms or more, longest 312 ms (Pause Young (Mixed)); marking 40 % of the time". */
export function describePauses(w) {
  const paused = w.count === 0 ? 'no pause' : `${w.count} pauses, ${w.sumMs.toFixed(0)} ms in all, ${w.over100} of 100 ms or more, longest ${w.longest.ms.toFixed(0)} ms (${w.longest.kind})`;
  return `${paused}; marking ${Math.round(w.markingShare * 100)} % of the time`;
}
