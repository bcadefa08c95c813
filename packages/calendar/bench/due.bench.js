'use strict';
// Throughput of Calendar.due on the real national calendar, and a check of the fast path
// against the day-by-day reference walk on 100,000 random cases. Runs from the build:
//   npm run build -w @tthc/calendar && npm run bench -w @tthc/calendar
// Options: --cases N (reference cases, default 100000), --seconds S (per measurement, default 1).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const dist = path.join(__dirname, '..', 'dist');
if (!fs.existsSync(path.join(dist, 'index.js'))) {
  process.stderr.write('due.bench: dist/ is missing; run npm run build first\n');
  process.exit(2);
}
const { defaultCalendar } = require(dist);
const { ReferenceCalendar } = require(path.join(dist, 'reference-walk.js'));

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const REFERENCE_CASES = option('cases', 100_000);
const SECONDS = option('seconds', 1);

// Deterministic PRNG (mulberry32) so that every run measures and checks the same cases.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const calendar = defaultCalendar();
const cpus = os.cpus();
process.stdout.write(
  `machine: ${cpus[0] ? cpus[0].model.trim() : 'unknown CPU'}, ${cpus.length} cores, node ${process.version}, ${os.platform()} ${os.arch()}\n`,
);
process.stdout.write(`calendar: ${calendar.id}@${calendar.version} (${calendar.timezone})\n\n`);

// Receptions anywhere in 2024–2026, to the second.
const random = prng(42);
const FROM_MIN = Date.parse('2024-01-01T00:00:00+07:00');
const FROM_MAX = Date.parse('2026-12-31T23:59:59+07:00');
const froms = Array.from({ length: 4096 }, () => new Date(FROM_MIN + Math.floor((random() * (FROM_MAX - FROM_MIN)) / 1000) * 1000));

function measure(label, makeRequest) {
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += calendar.due(makeRequest(i)).due.getTime();
  let operations = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 50_000; i++) sink += calendar.due(makeRequest(operations + i)).due.getTime();
    operations += 50_000;
    now = performance.now();
  }
  const perSecond = (operations / (now - started)) * 1000;
  process.stdout.write(`${label.padEnd(44)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} due/s\n`);
  return sink;
}

process.stdout.write('throughput (one core):\n');
let sink = 0;
for (const amount of [1, 10, 250]) {
  sink += measure(`${amount} working-day`, (i) => ({ from: froms[i & 4095], amount, unit: 'working-day' }));
}
sink += measure('10 working-day, cut-off 15:00', (i) => ({ from: froms[i & 4095], amount: 10, unit: 'working-day', cutoff: '15:00' }));
sink += measure('4 working-hour', (i) => ({ from: froms[i & 4095], amount: 4, unit: 'working-hour' }));
sink += measure('15 calendar-day', (i) => ({ from: froms[i & 4095], amount: 15, unit: 'calendar-day' }));
const isoFroms = froms.map((from) => calendar.formatInstant(from));
sink += measure('10 working-day, ISO string input', (i) => ({ from: isoFroms[i & 4095], amount: 10, unit: 'working-day' }));

// Fast path against the reference walk on random cases, including years outside the file.
const reference = new ReferenceCalendar(calendar.file);
const check = prng(7);
const CHECK_MIN = Date.parse('2023-06-01T00:00:00Z');
const CHECK_MAX = Date.parse('2027-09-01T00:00:00Z');
const cutoffs = [undefined, undefined, '15:00', '11:30', '17:00', '07:00'];
let mismatches = 0;
const started = performance.now();
for (let n = 0; n < REFERENCE_CASES; n++) {
  const pick = check();
  // Half on the half-hour grid, so period starts and ends are hit often.
  const raw = CHECK_MIN + check() * (CHECK_MAX - CHECK_MIN);
  const from = check() < 0.5 ? Math.floor(raw / 1_800_000) * 1_800_000 : Math.floor(raw / 1000) * 1000;
  const cutoff = cutoffs[Math.floor(check() * cutoffs.length)];
  let unit;
  let amount;
  if (pick < 0.45) {
    unit = 'working-day';
    amount = check() < 0.03 ? 250 : Math.floor(check() * 31);
  } else if (pick < 0.85) {
    unit = 'working-hour';
    amount = Math.floor(check() * 80 * 4) / 4;
  } else {
    unit = 'calendar-day';
    amount = Math.floor(check() * 61);
  }
  const fast = calendar.due({ from, amount, unit, cutoff });
  const slow = reference.due(from, amount, unit, cutoff);
  if (fast.due.getTime() !== slow.value || fast.uncertain !== slow.uncertain) {
    mismatches++;
    if (mismatches <= 5) {
      process.stdout.write(
        `MISMATCH from=${calendar.formatInstant(from)} ${amount} ${unit} cutoff=${cutoff}: ` +
          `fast ${calendar.formatInstant(fast.due)} (${fast.uncertain}) reference ${calendar.formatInstant(slow.value)} (${slow.uncertain})\n`,
      );
    }
  }
}
process.stdout.write(
  `\nreference check: ${REFERENCE_CASES.toLocaleString('en-US')} random cases, ${mismatches} mismatches ` +
    `(${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
);
if (sink === 42) process.stdout.write('\n'); // keeps the measured calls observable
process.exitCode = mismatches === 0 ? 0 : 1;
