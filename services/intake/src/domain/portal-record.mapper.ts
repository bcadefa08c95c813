/**
 * Maps the dossier records of national-portal synchronisation (MaHoSo, TrangThaiHoSo, NgayHenTra…)
 * to the same inbound CloudEvents a portal could have posted to /v1/events. Pure: no I/O.
 *
 * Status codes and channel codes: docs/legal-rules.md §1.8 (third-party, identical in five code bases).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { zoneRules } from '@tthc/calendar';
import {
  DOSSIER_RECEIVED_V1,
  DOSSIER_RESOLVED_V1,
  DOSSIER_REFUSED_V1,
  DOSSIER_PROCESSING_STARTED_V1,
  DOSSIER_SUPPLEMENT_REQUESTED_V1,
  DOSSIER_FINANCIAL_OBLIGATION_REQUESTED_V1,
  DOSSIER_WITHDRAWN_V1,
  DOSSIER_SUSPENDED_V1,
  DOSSIER_RETURNED_V1,
  INSTANT_WINDOW,
  boundedCode,
  isoInstant,
  type FieldIssue,
  type InboundDossierEvent,
} from '@tthc/contracts';

export const PORTAL_DATE_DETAIL = 'must be yyyyMMddHHmmss or ISO 8601 with offset';
export const PORTAL_DATE_RANGE_DETAIL = 'must lie between the years 2000 and 2099';
const WINDOW_MS = { from: Date.parse(INSTANT_WINDOW.from), until: Date.parse(INSTANT_WINDOW.until) };

/** Portal date fields, in the order they are checked and reported. */
const DATE_FIELDS = ['NgayTiepNhan', 'NgayHenTra', 'NgayKetThucXuLy', 'NgayCapNhat'] as const;
type DateField = (typeof DATE_FIELDS)[number];

const CHANNELS = { 1: 'direct', 2: 'online', 3: 'postal' } as const;

/** Portals send codes as numbers or as numeric strings; both mean the same. */
const code = (min: number, max: number, what: string) =>
  z.union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)], { message: `must be ${what}` }).pipe(
    z.number({ message: `must be ${what}` }).int(`must be ${what}`).min(min, `must be ${what}`).max(max, `must be ${what}`),
  );

/** Unknown fields of the portal record are ignored: the portal sends many the monitor does not use. */
const portalRecordSchema = z.looseObject({
  MaHoSo: boundedCode(64),
  MaTTHC: boundedCode(64).optional(),
  TrangThaiHoSo: code(1, 10, 'an integer from 1 to 10'),
  KenhThucHien: code(1, 3, '1 (trực tiếp), 2 (trực tuyến) or 3 (bưu chính)').optional(),
  MaDonVi: boundedCode(64).optional(),
  DonViXuLy: boundedCode(64).optional(),
  NgayTiepNhan: z.unknown().optional(),
  NgayHenTra: z.unknown().optional(),
  NgayKetThucXuLy: z.unknown().optional(),
  NgayCapNhat: z.unknown().optional(),
  ChuHoSo: z.string().max(200, 'must be at most 200 characters').optional(),
  SoGiayTo: z.string().max(32, 'must be at most 32 characters').optional(),
});

export interface PortalMapOptions {
  /** IANA zone of `yyyyMMddHHmmss` wall-clock dates (the portal's own zone). */
  timeZone: string;
}

export type PortalRecordMapping =
  | { kind: 'events'; dossierCode: string; agencyCode: string; events: InboundDossierEvent[] }
  | { kind: 'ignored'; dossierCode: string; agencyCode: string; reason: string };

export type PortalMapResult = { ok: true; value: PortalRecordMapping } | { ok: false; issues: FieldIssue[] };

/**
 * Which portal date is the instant of the status event, first present wins. Statuses 4–6 have
 * no date of their own on the record, so they use NgayCapNhat; closing states (3, 7, 8) prefer
 * NgayKetThucXuLy, which the 766 methodology reads as the end of processing; a refusal happens
 * at the reception desk, so NgayTiepNhan is its last resort.
 */
const STATUS_EVENTS: Readonly<Record<number, { type: InboundDossierEvent['type']; dates: readonly DateField[] }>> = {
  3: { type: DOSSIER_REFUSED_V1, dates: ['NgayKetThucXuLy', 'NgayCapNhat', 'NgayTiepNhan'] },
  4: { type: DOSSIER_PROCESSING_STARTED_V1, dates: ['NgayCapNhat'] },
  5: { type: DOSSIER_SUPPLEMENT_REQUESTED_V1, dates: ['NgayCapNhat'] },
  6: { type: DOSSIER_FINANCIAL_OBLIGATION_REQUESTED_V1, dates: ['NgayCapNhat'] },
  7: { type: DOSSIER_WITHDRAWN_V1, dates: ['NgayKetThucXuLy', 'NgayCapNhat'] },
  8: { type: DOSSIER_SUSPENDED_V1, dates: ['NgayKetThucXuLy', 'NgayCapNhat'] },
  9: { type: DOSSIER_RESOLVED_V1, dates: ['NgayKetThucXuLy'] },
  10: { type: DOSSIER_RETURNED_V1, dates: ['NgayCapNhat', 'NgayKetThucXuLy'] },
};

/** UTC offset (ms) of `timeZone` at `instant`, from the calendar package's cached zone tables. */
const offsetAt = (instant: number, timeZone: string): number => zoneRules(timeZone).offsetAt(instant);

/**
 * Reads a portal date. Compact dates are held to the same window as every ISO instant the
 * system accepts (years 2000–2099): a typo such as 19261123090000 would otherwise pass here and
 * be refused only downstream, after intake had answered 202.
 */
export function readPortalDate(value: unknown, timeZone: string): { ok: true; ms: number } | { ok: false; detail: string } {
  const bad = { ok: false, detail: PORTAL_DATE_DETAIL } as const;
  if (typeof value === 'number' && Number.isInteger(value)) value = String(value);
  if (typeof value !== 'string') return bad;
  const text = value.trim();
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(wall);
    // Date.UTC rolls 31 February over to March; a rolled-over date is a typo, not a date.
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return bad;
    // Both the written year and the instant: 21000101000000 is still 2099 in UTC. The year
    // first, so only years the zone tables cover are converted.
    if (y < 2000 || y > 2099) return { ok: false, detail: PORTAL_DATE_RANGE_DETAIL };
    // The wall clock minus the zone's offset; a second pass settles dates next to an offset change.
    const first = wall - offsetAt(wall, timeZone);
    const ms = wall - offsetAt(first, timeZone);
    return ms >= WINDOW_MS.from && ms < WINDOW_MS.until ? { ok: true, ms } : { ok: false, detail: PORTAL_DATE_RANGE_DETAIL };
  }
  const iso = isoInstant.safeParse(text);
  if (!iso.success) return iso.error.issues.some((i) => i.message === PORTAL_DATE_RANGE_DETAIL) ? { ok: false, detail: PORTAL_DATE_RANGE_DETAIL } : bad;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? bad : { ok: true, ms };
}

/** Epoch ms of a portal date, or undefined when it is neither accepted format or outside 2000–2099. */
export function parsePortalDate(value: unknown, timeZone: string): number | undefined {
  const read = readPortalDate(value, timeZone);
  return read.ok ? read.ms : undefined;
}

/** The instant written in the portal's zone with its offset, e.g. 2026-11-23T09:00:00+07:00. */
export function formatPortalInstant(instant: number, timeZone: string): string {
  const offset = offsetAt(instant, timeZone);
  const local = new Date(instant + offset).toISOString().slice(0, 19);
  const abs = Math.abs(offset) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** CloudEvents source of synchronised records: one per agency, so ids never collide across agencies. */
export function portalSource(agencyCode: string): string {
  return `urn:portal-sync:${agencyCode}`;
}

/**
 * Same record, same ids: re-synchronising a record yields the ids intake already remembers, so the
 * existing (source, id) idempotency answers `duplicate`. The instant is normalised so that both
 * date formats of one instant give one id. `variant` carries what else makes the fact a new one:
 * for the reception, the appointment, so a record whose NgayHenTra changed is a re-issued
 * receipt rather than a duplicate that would lose the new date.
 */
export function portalEventId(dossierCode: string, type: string, instant: number, variant = ''): string {
  const digest = createHash('sha256').update(`${dossierCode}\n${type}\n${instant}${variant ? `\n${variant}` : ''}`).digest('hex').slice(0, 32);
  return `portal-sync-${digest}`;
}

function pointer(prefix: string, field: string): string {
  return `${prefix}/${field}`;
}

type PortalRecord = z.infer<typeof portalRecordSchema>;
type PortalDates = Partial<Record<DateField, number>>;

/** The record's schema, its dates and its agency code, with every bad field reported. */
function readRecord(raw: object, pointerPrefix: string, timeZone: string): { record?: PortalRecord; dates: PortalDates; issues: FieldIssue[] } {
  const parsed = portalRecordSchema.safeParse(raw);
  const issues: FieldIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ pointer: pointerPrefix + i.path.map((p) => `/${String(p)}`).join(''), detail: i.message }));

  const record = raw as Record<string, unknown>;
  const dates: PortalDates = {};
  for (const field of DATE_FIELDS) {
    const value = record[field];
    if (value === undefined || value === null || value === '') continue;
    const read = readPortalDate(value, timeZone);
    if (!read.ok) issues.push({ pointer: pointer(pointerPrefix, field), detail: read.detail });
    else dates[field] = read.ms;
  }

  const mainCode = typeof record.MaDonVi === 'string' ? record.MaDonVi.trim() : undefined;
  const aliasCode = typeof record.DonViXuLy === 'string' ? record.DonViXuLy.trim() : undefined;
  if (record.MaDonVi === undefined && record.DonViXuLy === undefined) {
    issues.push({ pointer: pointer(pointerPrefix, 'MaDonVi'), detail: 'is required (agency code; DonViXuLy is accepted as an alias)' });
  } else if (mainCode && aliasCode && mainCode !== aliasCode) {
    issues.push({ pointer: pointer(pointerPrefix, 'DonViXuLy'), detail: 'must equal MaDonVi when both are sent' });
  }
  return parsed.success ? { record: parsed.data, dates, issues } : { dates, issues };
}

/** What a status needs besides the schema: a reception for every status but 3, and its own date. */
function statusIssues(r: PortalRecord, dates: PortalDates, pointerPrefix: string): FieldIssue[] {
  const status = r.TrangThaiHoSo;
  const rules = STATUS_EVENTS[status];
  const issues: FieldIssue[] = [];
  if (status !== 3 && dates.NgayTiepNhan === undefined) {
    issues.push({ pointer: pointer(pointerPrefix, 'NgayTiepNhan'), detail: `is required when TrangThaiHoSo is ${status} (the dossier was received)` });
  }
  if (status !== 3 && r.MaTTHC === undefined) {
    issues.push({ pointer: pointer(pointerPrefix, 'MaTTHC'), detail: `is required when TrangThaiHoSo is ${status} (the dossier was received)` });
  }
  if (rules && !rules.dates.some((f) => dates[f] !== undefined)) {
    const names = rules.dates.join(' or ');
    issues.push({ pointer: pointer(pointerPrefix, rules.dates[0] as string), detail: `is required when TrangThaiHoSo is ${status} (${names} dates that status)` });
  }
  return issues;
}

/** The events of a valid record: its reception (unless status 3) and the fact its status dates. */
function recordEvents(r: PortalRecord, dates: PortalDates, agencyCode: string, timeZone: string): InboundDossierEvent[] {
  const dossierCode = r.MaHoSo;
  const status = r.TrangThaiHoSo;
  const rules = STATUS_EVENTS[status];
  const statusDateField = rules?.dates.find((f) => dates[f] !== undefined);
  const source = portalSource(agencyCode);
  const at = (ms: number) => formatPortalInstant(ms, timeZone);
  const event = (type: InboundDossierEvent['type'], instant: number, data: Record<string, unknown>, variant = '', emittedAt = instant): InboundDossierEvent =>
    ({ specversion: '1.0', id: portalEventId(dossierCode, type, instant, variant), source, type, time: at(emittedAt), subject: dossierCode, data }) as InboundDossierEvent;

  const events: InboundDossierEvent[] = [];
  if (status !== 3) {
    const receivedAt = dates.NgayTiepNhan as number;
    const applicant = {
      ...(r.ChuHoSo !== undefined ? { fullName: r.ChuHoSo } : {}),
      ...(r.SoGiayTo !== undefined ? { idNumber: r.SoGiayTo } : {}),
    };
    const reception = {
      dossierCode,
      procedureCode: r.MaTTHC,
      agencyCode,
      receivedAt: at(receivedAt),
      ...(dates.NgayHenTra !== undefined ? { appointmentAt: at(dates.NgayHenTra) } : {}),
      ...(r.KenhThucHien !== undefined ? { channel: CHANNELS[r.KenhThucHien as 1 | 2 | 3] } : {}),
      ...(Object.keys(applicant).length > 0 ? { applicant } : {}),
    };
    const appointment = dates.NgayHenTra !== undefined ? `appointment ${dates.NgayHenTra}` : '';
    // Two receipts of one reception instant are ordered by emission: NgayCapNhat tells which
    // appointment is the newer one.
    events.push(event(DOSSIER_RECEIVED_V1, receivedAt, reception, appointment, dates.NgayCapNhat ?? receivedAt));
  }
  if (rules && statusDateField !== undefined) {
    const instant = dates[statusDateField] as number;
    // NgayKetThucXuLy is the end of processing: a returned dossier was also resolved then, and
    // the on-time rule (NgayKetThucXuLy ≤ NgayHenTra) needs that instant.
    if (status === 10 && dates.NgayKetThucXuLy !== undefined) {
      events.push(event(DOSSIER_RESOLVED_V1, dates.NgayKetThucXuLy, { dossierCode, agencyCode, resolvedAt: at(dates.NgayKetThucXuLy) }));
    }
    if (rules.type === DOSSIER_RESOLVED_V1) {
      events.push(event(DOSSIER_RESOLVED_V1, instant, { dossierCode, agencyCode, resolvedAt: at(instant) }));
    } else {
      const extra = rules.type === DOSSIER_REFUSED_V1 && r.MaTTHC !== undefined ? { procedureCode: r.MaTTHC } : {};
      events.push(event(rules.type, instant, { dossierCode, agencyCode, occurredAt: at(instant), ...extra }));
    }
  }
  return events;
}

/**
 * Maps one portal record. Every bad field is reported with its JSON pointer under `pointerPrefix`
 * (`/0` for the first record of an array).
 */
export function mapPortalRecord(raw: unknown, pointerPrefix: string, options: PortalMapOptions): PortalMapResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [{ pointer: pointerPrefix, detail: 'must be a JSON object (one portal dossier record)' }] };
  }
  const { record: r, dates, issues } = readRecord(raw, pointerPrefix, options.timeZone);
  if (!r || issues.length > 0) return { ok: false, issues: dedupe(issues) };
  const agencyCode = (r.MaDonVi ?? r.DonViXuLy) as string;
  const dossierCode = r.MaHoSo;

  if (r.TrangThaiHoSo === 1) {
    return { ok: true, value: { kind: 'ignored', dossierCode, agencyCode, reason: 'TrangThaiHoSo 1 (Mới đăng ký): the dossier is not received yet, so no deadline runs' } };
  }
  const missing = statusIssues(r, dates, pointerPrefix);
  if (missing.length > 0) return { ok: false, issues: dedupe(missing) };
  return { ok: true, value: { kind: 'events', dossierCode, agencyCode, events: recordEvents(r, dates, agencyCode, options.timeZone) } };
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.pointer}\n${i.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
