// The simulated one-stop portals' traffic (scripts/simulate-portals.mjs, scripts/bench-topology.mjs):
// several agencies receiving dossiers of the sample catalog over the last weeks, with processing
// steps, supplement requests, apologies with a new appointment, resolutions early / on time /
// late, returns, refusals, withdrawals, and petitions (PAKN). Facts that would lie in the future
// are not generated, so a dossier whose late resolution has not "happened" yet is simply still
// open and overdue. The same seed gives the same events, ids and codes.
//
// Appointment dates come from @tthc/calendar (the legal working-time calendar); it needs the
// workspace build (`npm run build`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** A failure that makes the mix impossible; `exitCode` is what a command should exit with. */
export class PortalMixError extends Error {
  constructor(exitCode, message) {
    super(message);
    this.exitCode = exitCode;
  }
}

// Step roles of the catalog handled outside the commune are played by a province department.
const ROLE_AGENCY = { 'Chi nhánh Văn phòng đăng ký đất đai': 'G01.002.000' };

export const SCENARIOS = [
  ['early', 12],
  ['on-time', 38],
  ['late', 14],
  ['apology', 7],
  ['supplement', 8],
  ['open', 15],
  ['stuck-step', 4],
  ['withdrawn', 1],
  ['refused', 1],
];

/** The petitions a run of `dossiers` dossiers has when none are asked for (the demo's default). */
export const defaultPetitions = (dossiers) => Math.max(dossiers > 0 ? 3 : 0, Math.round(dossiers / 20));

let shared = null;
/** The calendar, the sample catalog and the agencies, loaded once. */
function load() {
  if (shared) return shared;
  let calendarPkg;
  try {
    calendarPkg = require('@tthc/calendar');
  } catch {
    throw new PortalMixError(69, 'cannot load @tthc/calendar (packages/calendar/dist). Build the workspace first: npm run build');
  }
  const cal = calendarPkg.defaultCalendar();
  const catalog = JSON.parse(readFileSync(join(root, 'packages/catalog/src/sample/procedures.sample.json'), 'utf8'));
  const procedures = new Map(catalog.procedures.map((p) => [p.code, p]));
  // Codes of the sample agency directory, so the dashboard shows names and levels; two province
  // departments and two communes (wards), with procedures of their level.
  const directory = JSON.parse(readFileSync(join(root, 'packages/metrics/src/sample/agency-directory.sample.json'), 'utf8'));
  const agencies = [
    { code: 'G01.001.000', procedures: ['0.000101', '0.000106', '2.000815'], weight: 3 },
    { code: 'G01.002.000', procedures: ['0.000103', '0.000105'], weight: 2 },
    { code: 'G01.101.000', procedures: ['2.000815', '1.001193', '1.000894', '0.000102', '1.001612', '0.000104'], weight: 4 },
    { code: 'G01.102.000', procedures: ['1.001193', '1.000894', '0.000102', '1.001612', '0.000104'], weight: 3 },
  ].map((a) => ({ ...a, name: directory.agencies.find((d) => d.code === a.code)?.name ?? a.code }));
  for (const a of agencies) for (const p of a.procedures) if (!procedures.has(p)) throw new PortalMixError(70, `procedure ${p} is not in the sample catalog`);
  shared = { cal, procedures, agencies };
  return shared;
}

/** The agencies the simulated portals post for (code, name, procedures, weight). */
export function portalAgencies() {
  return load().agencies;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The events of `dossiers` dossiers and `petitions` petitions received over the last `days`
 * days before `now` (ms), oldest first: `{ events: [{ at, event }], scenarioCount, byType }`.
 * `event` is a structured-mode CloudEvent; `at` the instant the fact happened (ms).
 */
export function generatePortalMix({ dossiers, petitions = defaultPetitions(dossiers), days = 42, seed = 1, now = Date.now() }) {
  const { cal, procedures, agencies: AGENCIES } = load();
  const SEED = seed;
  const DAYS = days;
  const NOW = now;
  const rnd = mulberry32(SEED * 7919 + 17);
  const between = (lo, hi) => lo + (hi - lo) * rnd();
  const intBetween = (lo, hi) => Math.floor(between(lo, hi + 1));
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  function weighted(entries) {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = rnd() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  // -------------------------------------------------------------------------------------------
  // Time
  // -------------------------------------------------------------------------------------------

  const iso = (ms) => cal.formatInstant(ms);
  const localDay = (ms) => iso(ms).slice(0, 10);
  const plusWorkingHours = (from, hours) => toMs(cal.due({ from, amount: hours, unit: 'working-hour' }).due);
  const workingHoursBetween = (from, to) => cal.between(from, to).minutes / 60;
  /** A point at fraction f of the working time between two instants. */
  const atFraction = (from, to, f) => plusWorkingHours(from, Math.max(0, workingHoursBetween(from, to) * f));

  /** The ngày hẹn trả the portal prints on the receipt, from the procedure's published time. */
  function appointmentFor(proc, receivedAt) {
    const t = proc.processingTime;
    if (t.amount === 0) {
      // Same-day procedures: the end of the day counting starts on (after the cut-off, the next working day).
      const { start } = cal.startOfCounting(receivedAt, proc.cutoff);
      return Date.parse(`${localDay(toMs(start))}T17:00:00+07:00`);
    }
    return toMs(cal.due({ from: receivedAt, amount: t.amount, unit: t.unit, ...(proc.cutoff ? { cutoff: proc.cutoff } : {}) }).due);
  }

  /** A reception instant in working hours, `daysBack` calendar days before now at most. */
  function receptionInstant() {
    for (;;) {
      const candidate = NOW - between(0.02, DAYS) * 86_400_000;
      const start = toMs(cal.startOfCounting(candidate).start);
      // A few minutes inside the working day, so the receipt is not printed at the opening bell.
      const at = start + intBetween(0, 25) * 60_000;
      if (at < NOW - 10 * 60_000) return at;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Scenarios
  // -------------------------------------------------------------------------------------------

  const events = [];
  const scenarioCount = {};
  const perDay = new Map();
  const codeSuffix = String(SEED % 100).padStart(2, '0');

  function nextCode(agency, at) {
    const day = localDay(at).slice(2).replace(/-/g, '');
    const key = `${agency.code}-${day}`;
    const n = (perDay.get(key) ?? 0) + 1;
    perDay.set(key, n);
    return `${agency.code}-${day}-${codeSuffix}${String(n).padStart(4, '0')}`;
  }

  function emit(subject, n, type, occurredAt, agency, data) {
    if (occurredAt > NOW) return false;
    events.push({
      at: occurredAt,
      event: { specversion: '1.0', id: `sim-${SEED}-${subject}-${n}`, source: `urn:portal:simulator:${agency.code}`, type, time: iso(occurredAt), data },
    });
    return true;
  }

  function dossier() {
    const agency = weighted(AGENCIES.map((a) => [a, a.weight]));
    const proc = procedures.get(pick(agency.procedures));
    const scenario = weighted(SCENARIOS);
    scenarioCount[scenario] = (scenarioCount[scenario] ?? 0) + 1;
    const receivedAt = receptionInstant();
    const code = nextCode(agency, receivedAt);
    const base = { dossierCode: code, agencyCode: agency.code };
    let n = 0;
    const fact = (type, at, extra = {}) => emit(code, (n += 1), type, at, agency, { ...base, occurredAt: iso(at), ...extra });

    if (scenario === 'refused') {
      fact('vn.tthc.dossier.refused', receivedAt, { procedureCode: proc.code, reason: 'Hồ sơ không thuộc thẩm quyền giải quyết' });
      return;
    }
    const due = appointmentFor(proc, receivedAt);
    emit(code, (n += 1), 'vn.tthc.dossier.received', receivedAt, agency, {
      ...base,
      procedureCode: proc.code,
      receivedAt: iso(receivedAt),
      appointmentAt: iso(due),
      channel: pick(['direct', 'online', 'online', 'postal']),
    });
    const span = (f) => atFraction(receivedAt, due, f);
    fact('vn.tthc.dossier.processing-started', span(0.05));

    // Internal steps: each handed over in turn; a stuck dossier stops at a middle step.
    const steps = proc.steps ?? [];
    const stopAt = scenario === 'stuck-step' && steps.length ? Math.max(1, Math.min(steps.length - 1, intBetween(2, steps.length))) : steps.length + 1;
    // A withdrawal ends the dossier for good: a portal sends no step after it (workflow would
    // reject such a step as impossible and dead-letter it), so the steps stop where it falls.
    const withdrawnAt = scenario === 'withdrawn' ? span(between(0.1, 0.6)) : Infinity;
    let cursor = span(0.05);
    for (const step of steps) {
      if (cursor >= withdrawnAt) break;
      const stepAgency = ROLE_AGENCY[step.agencyRole] ?? agency.code;
      fact('vn.tthc.dossier.step-assigned', cursor, { stepNo: step.order, stepAgencyCode: stepAgency, stepName: step.name, allottedHours: step.allottedWorkingHours });
      if (step.order >= stopAt) return;
      cursor = plusWorkingHours(cursor, step.allottedWorkingHours * (scenario === 'late' ? between(0.9, 1.6) : between(0.3, 0.9)));
      if (cursor >= withdrawnAt) break;
      fact('vn.tthc.dossier.step-completed', cursor, { stepNo: step.order });
    }

    // A result comes after the last step handed it on: a portal sends no step after the return
    // (workflow rejects one after that final fact as impossible), whatever instant the scenario
    // aimed at (an apology's new appointment or a supplement's pause can fall before the steps end).
    const settle = (aimedAt) => {
      const resolvedAt = Math.max(aimedAt, cursor);
      fact('vn.tthc.dossier.resolved', resolvedAt, { resolvedAt: iso(resolvedAt) });
      if (rnd() < 0.8) fact('vn.tthc.dossier.returned', plusWorkingHours(resolvedAt, between(0.5, 6)));
    };

    switch (scenario) {
      case 'early':
        settle(Math.max(cursor, span(between(0.15, 0.5))));
        break;
      case 'on-time': {
        // On the appointment day itself, shortly before the appointment: on time, not early.
        const sameDay = due - intBetween(10, 120) * 60_000;
        settle(localDay(sameDay) === localDay(due) && sameDay > cursor ? sameDay : Math.max(cursor, span(between(0.55, 0.97))));
        break;
      }
      case 'late':
        // Resolved 1–6 working days after the appointment; if that is still ahead, it is open and overdue.
        settle(Math.max(cursor, plusWorkingHours(due, between(8, 48))));
        break;
      case 'apology': {
        // The apology has to reach the citizen at least one working day before the due date.
        const apologyAt = atFraction(receivedAt, due, 0.5);
        if (workingHoursBetween(apologyAt, due) >= 8) {
          const newAppointment = toMs(cal.due({ from: due, amount: intBetween(2, 5), unit: 'working-day' }).due);
          fact('vn.tthc.dossier.apology-issued', apologyAt, {
            newAppointmentAt: iso(newAppointment),
            reason: 'Cần xác minh thêm thông tin với cơ quan liên quan',
            channels: [pick(['sms', 'email', 'vneid'])],
          });
          settle(atFraction(due, newAppointment, between(0.2, 0.9)));
        } else {
          settle(plusWorkingHours(due, between(2, 20)));
        }
        break;
      }
      case 'supplement': {
        const requestedAt = span(0.3);
        fact('vn.tthc.dossier.supplement-requested', requestedAt, { reason: 'Bổ sung bản sao giấy tờ còn thiếu' });
        const pausedHours = between(4, 24);
        const suppliedAt = plusWorkingHours(requestedAt, pausedHours);
        if (fact('vn.tthc.dossier.supplement-received', suppliedAt)) settle(plusWorkingHours(span(between(0.6, 0.95)), pausedHours));
        break;
      }
      case 'withdrawn':
        fact('vn.tthc.dossier.withdrawn', withdrawnAt, { reason: 'Công dân xin rút hồ sơ' });
        break;
      default:
        // open / stuck-step: nothing more has happened yet.
        break;
    }
  }

  function petition(i) {
    const agency = weighted(AGENCIES.map((a) => [a, a.weight]));
    const receivedAt = receptionInstant();
    const code = `PAKN.${agency.code}-${localDay(receivedAt).slice(2).replace(/-/g, '')}-${codeSuffix}${String(i + 1).padStart(4, '0')}`;
    let n = 0;
    let holder = agency;
    const fact = (type, at, extra = {}) => emit(code, (n += 1), type, at, holder, { petitionCode: code, agencyCode: holder.code, occurredAt: iso(at), ...extra });
    const kind = weighted([['answered', 5], ['transferred', 2], ['late', 2], ['open', 2], ['rejected', 1]]);
    scenarioCount[`petition-${kind}`] = (scenarioCount[`petition-${kind}`] ?? 0) + 1;
    fact('vn.tthc.petition.received', receivedAt, { title: pick(['Đường ngõ xóm xuống cấp', 'Chậm cấp giấy chứng nhận', 'Đèn chiếu sáng hỏng', 'Rác thải chưa được thu gom']), field: pick(['Hạ tầng', 'Đất đai', 'Môi trường']), channel: pick(['online', 'phone', 'direct']) });
    let start = receivedAt;
    if (kind === 'transferred') {
      const at = plusWorkingHours(receivedAt, between(4, 32));
      const to = pick(AGENCIES.filter((a) => a.code !== agency.code));
      if (!fact('vn.tthc.petition.transferred', at, { toAgencyCode: to.code, reason: 'Không thuộc thẩm quyền' })) return;
      holder = to;
      start = at;
    }
    if (kind === 'rejected') {
      fact('vn.tthc.petition.rejected', plusWorkingHours(receivedAt, between(2, 14)), { reason: 'Nội dung không rõ ràng' });
      return;
    }
    if (kind === 'open') return;
    const answeredAt = plusWorkingHours(start, kind === 'late' ? between(130, 200) : between(16, 110));
    if (fact('vn.tthc.petition.answered', answeredAt)) fact('vn.tthc.petition.published', plusWorkingHours(answeredAt, between(1, 14)));
  }

  for (let i = 0; i < dossiers; i += 1) dossier();
  for (let i = 0; i < petitions; i += 1) petition(i);
  // Portals push facts as they happen: oldest first.
  events.sort((a, b) => a.at - b.at || a.event.id.localeCompare(b.event.id));
  const byType = {};
  for (const { event } of events) byType[event.type] = (byType[event.type] ?? 0) + 1;
  return { events, scenarioCount, byType };
}

function toMs(v) {
  return v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
}
