#!/usr/bin/env node
// Demo traffic: plays several one-stop portals (province departments and communes) posting
// CloudEvents to intake, as if the last weeks had happened: receptions with backdated
// receivedAt/appointmentAt, processing steps, supplement requests, apologies with a new
// appointment, resolutions early / on time / late, returns, refusals, withdrawals, and a few
// petitions (PAKN). Facts that would lie in the future are not sent, so a dossier whose late
// resolution has not "happened" yet is simply still open and overdue.
//
//   node scripts/simulate-portals.mjs [--dossiers 200] [--petitions N] [--days 42] [--rate 200]
//                                     [--batch 100] [--seed 1] [--now ISO] [--dry-run]
//
// Environment: INTAKE_URL (default http://127.0.0.1:8080), API_KEY (default dev-portal-key, the
// development portal key; posting events needs a key with role portal).
// The same seed and --now give the same event ids and codes, so a second run is answered
// "duplicate". Without --now the run is anchored on the start of the current hour: the dossier
// codes (and so the ids) follow the reception days counted back from it, so a run against
// Date.now() would give a different set a few minutes later.
// Appointment dates come from @tthc/calendar (the legal working-time calendar); it needs the
// workspace build (`npm run build`, or `npm start` / `npm test` which build first).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultPetitions, generatePortalMix, PortalMixError, portalAgencies } from './lib/portal-mix.mjs';
/* global AbortSignal */

const log = (m) => console.log(`[simulate] ${m}`);
const fail = (code, m) => {
  console.error(`[simulate] error: ${m}`);
  process.exit(code);
};

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

let opts;
try {
  opts = parseArgs({
    options: {
      dossiers: { type: 'string', default: '200' },
      petitions: { type: 'string' },
      days: { type: 'string', default: '42' },
      rate: { type: 'string', default: '200' },
      batch: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      now: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  fail(64, `${err.message}. Try --help.`);
}
if (opts.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 17).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}

function intOption(name, min, max) {
  const raw = opts[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) fail(64, `--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return n;
}
const DOSSIERS = intOption('dossiers', 0, 100_000);
const PETITIONS = opts.petitions === undefined ? defaultPetitions(DOSSIERS) : intOption('petitions', 0, 10_000);
const DAYS = intOption('days', 1, 366);
const RATE = intOption('rate', 0, 100_000); // events per second; 0 = as fast as intake answers
const BATCH = intOption('batch', 1, 500); // intake takes up to 500 per request
const SEED = intOption('seed', 0, 2 ** 31 - 1);
const HOUR_MS = 3_600_000;
const NOW = opts.now ? Date.parse(opts.now) : Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
if (Number.isNaN(NOW)) fail(64, `--now must be an ISO 8601 instant (got "${opts.now}")`);
const INTAKE_URL = (process.env.INTAKE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const API_KEY = process.env.API_KEY || 'dev-portal-key';

let mix;
try {
  mix = generatePortalMix({ dossiers: DOSSIERS, petitions: PETITIONS, days: DAYS, seed: SEED, now: NOW });
} catch (err) {
  if (err instanceof PortalMixError) fail(err.exitCode, err.message);
  throw err;
}
const { events, scenarioCount, byType } = mix;
const AGENCIES = portalAgencies();

log(`seed ${SEED}, now ${new Date(NOW).toISOString()} (repeat both to replay the same events): ${DOSSIERS} dossiers and ${PETITIONS} petitions over the last ${DAYS} days → ${events.length} events`);
log(`agencies: ${AGENCIES.map((a) => `${a.code} ${a.name}`).join('; ')}`);
log(`scenarios: ${Object.entries(scenarioCount).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (opts['dry-run']) {
  for (const [type, count] of Object.entries(byType)) log(`  ${type}: ${count}`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  const res = await fetch(`${INTAKE_URL}/healthz`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) fail(2, `intake at ${INTAKE_URL} answered /healthz with ${res.status}; is it the intake service?`);
} catch (err) {
  fail(2, `intake is not reachable at ${INTAKE_URL} (${err.cause?.code ?? err.cause?.message ?? err.message}). Start the stack (npm start) or set INTAKE_URL.`);
}
log(`posting to ${INTAKE_URL}/v1/events in batches of ${BATCH}${RATE ? ` at about ${RATE} events/s` : ''}`);

const totals = { accepted: 0, duplicate: 0, errors: 0 };
const problems = [];

async function postBatch(batch) {
  const body = JSON.stringify(batch.map((x) => x.event));
  for (let attempt = 1; ; attempt += 1) {
    let res;
    try {
      res = await fetch(`${INTAKE_URL}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${API_KEY}` },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      if (attempt >= 4) fail(2, `intake at ${INTAKE_URL} stopped answering (${err.cause?.code ?? err.cause?.message ?? err.message}) after ${totals.accepted + totals.duplicate} events were taken.`);
      await sleep(500 * attempt);
      continue;
    }
    if (res.status === 202) {
      const { results } = await res.json();
      for (const r of results) {
        if (r.status === 'accepted') totals.accepted += 1;
        else if (r.status === 'duplicate') totals.duplicate += 1;
        else {
          totals.errors += 1;
          problems.push(`${r.id}: ${r.status}`);
        }
      }
      return;
    }
    const problem = await res.json().catch(() => null);
    if (res.status === 401 || res.status === 403) fail(1, `intake refused the key (${res.status} ${problem?.detail ?? problem?.title ?? ''}). Set API_KEY to a key that owns agencies ${AGENCIES.map((a) => a.code).join(', ')}.`);
    if ((res.status === 503 || res.status === 429) && attempt < 6) {
      const wait = Number(res.headers.get('retry-after') ?? '1');
      await sleep(Math.min(30, Number.isFinite(wait) ? wait : 1) * 1000);
      continue;
    }
    totals.errors += batch.length;
    problems.push(`${res.status} ${problem?.title ?? ''}: ${problem?.detail ?? ''}`.slice(0, 500));
    return;
  }
}

const started = Date.now();
for (let i = 0; i < events.length; i += BATCH) {
  const batch = events.slice(i, i + BATCH);
  await postBatch(batch);
  const sent = Math.min(events.length, i + BATCH);
  log(`${sent}/${events.length} events · accepted ${totals.accepted} · duplicate ${totals.duplicate} · errors ${totals.errors}`);
  if (RATE) {
    const ahead = (sent / RATE) * 1000 - (Date.now() - started);
    if (ahead > 0) await sleep(ahead);
  }
}

log('summary');
for (const [type, count] of Object.entries(byType)) log(`  ${type}: ${count}`);
log(`  accepted ${totals.accepted}, duplicate ${totals.duplicate}, errors ${totals.errors} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const p of problems.slice(0, 5)) log(`  problem: ${p}`);
if (problems.length > 5) log(`  … and ${problems.length - 5} more`);
process.exit(totals.errors > 0 ? 1 : 0);
