import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

// The benches hold 1 000 000 open deadlines, or 200 000 events' subjects with their histories, in
// the local MongoDB stand-in's heap. With infra.sh's default (1536m) a fresh-clone `npm run bench`
// ran it out of memory in the raw bulk-upsert ceiling after the 200 000-event pass; 14 GB carried
// every phase with room to spare on a 23.5 GiB machine. A smaller machine gets 60 % of its memory,
// which leaves the rest to Kafka, Redis and the services.
const BENCH_HEAP_CEILING_BYTES = 14 * GIB;
const BENCH_HEAP_SHARE_OF_RAM = 0.6;
// Below this a bench warns that its 1 000 000-deadline phases may not fit: they were measured with
// 14 GB, and 1.5 GB already ran out after the 200 000-event pass.
const BENCH_HEAP_FLOOR_BYTES = 6 * GIB;

/** The `-Xmx` a bench gives a stand-in it starts itself, as a JVM size string (for example `14336m`). */
export function benchMongoHeap(totalBytes: number = totalmem()): string {
  const bytes = Math.min(BENCH_HEAP_CEILING_BYTES, totalBytes * BENCH_HEAP_SHARE_OF_RAM);
  return `${Math.floor(bytes / MIB)}m`;
}

/** Bytes of a JVM size (`1536m`, `14g`, `512k`, `1073741824`); undefined when it is not one. */
export function jvmSizeBytes(size: string): number | undefined {
  const match = /^(\d+)([kmgt]?)$/i.exec(size.trim());
  if (!match?.[1]) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const scale = unit === 'k' ? 2 ** 10 : unit === 'm' ? MIB : unit === 'g' ? GIB : unit === 't' ? 2 ** 40 : 1;
  return Number(match[1]) * scale;
}

/** The `-Xmx` of a running process's command line (NUL-separated, as in /proc/<pid>/cmdline). */
export function maxHeapOfCommandLine(cmdline: string): string | undefined {
  let last: string | undefined;
  for (const arg of cmdline.split('\0')) {
    if (arg.startsWith('-Xmx')) last = arg.slice('-Xmx'.length);
  }
  return last;
}

/**
 * Why the profile's running stand-in is too small for a bench, or undefined when it is large enough
 * or cannot be inspected (not started by infra.sh, no /proc).
 */
export function smallStandInHeap(dataDir: string, wanted: string): string | undefined {
  let cmdline: string;
  try {
    const pid = readFileSync(join(dataDir, 'mongo.pid'), 'utf8').replace(/\D/g, '');
    if (!pid) return undefined;
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  if (!cmdline.includes('MongoLauncher')) return undefined;
  const running = maxHeapOfCommandLine(cmdline);
  const runningBytes = running === undefined ? undefined : jvmSizeBytes(running);
  const wantedBytes = jvmSizeBytes(wanted);
  if (runningBytes === undefined || wantedBytes === undefined || runningBytes >= wantedBytes) return undefined;
  return (
    `the MongoDB stand-in already running has a ${running} heap, less than the ${wanted} a bench needs; ` +
    `it may run out of memory (the bench then fails with ECONNRESET). ` +
    `Restart it larger: bash infra/local/infra.sh down test mongo && MONGO_HEAP=${wanted} <bench command>`
  );
}

/** Why `heap` is too small for the bench's largest phases, or undefined when it is not. */
export function belowBenchFloor(heap: string): string | undefined {
  const bytes = jvmSizeBytes(heap);
  if (bytes === undefined || bytes >= BENCH_HEAP_FLOOR_BYTES) return undefined;
  return `a ${heap} heap is less than ${BENCH_HEAP_FLOOR_BYTES / GIB} GB; the 1 000 000-deadline phases may not fit (they were measured with 14 GB)`;
}
