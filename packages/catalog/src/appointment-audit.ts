/**
 * Comparing the appointment the portal printed on the Giấy tiếp nhận hồ sơ và hẹn trả kết quả
 * with the legal maximum computed from the catalog. Pure: no I/O, no clock.
 *
 * The appointment is what the dossier is rated against (docs/legal-rules.md rule 9), so a later one
 * hides lateness from the index; an earlier one is the agency's own, stricter commitment.
 */
import { CalendarInputError, parseIsoInstant, type Calendar } from '@tthc/calendar';

import type { LegalDue } from './catalog';

export type AppointmentFindingCode =
  | 'appointment-later-than-legal-maximum'
  | 'appointment-earlier-than-legal-maximum'
  | 'appointment-missing'
  | 'appointment-unreadable';

export interface AppointmentFinding {
  readonly code: AppointmentFindingCode;
  readonly severity: 'info' | 'warning';
  readonly message: string;
  readonly messageVi: string;
  /** The instruments that fix the legal maximum. */
  readonly legalBasis: readonly string[];
  readonly procedureCode: string;
  readonly catalogVersion: string;
  /** As given by the portal; null when it gave none. */
  readonly appointmentAt: string | null;
  readonly legalDueAt: string;
  /** Working minutes from the earlier to the later of the two (calendar.between); null without an appointment. */
  readonly workingMinutes: number | null;
}

export interface AppointmentAuditInput {
  /** The portal's appointment (ngày hẹn trả), ISO 8601 with an offset; absent when it gave none. */
  readonly appointmentAt?: string | null;
  readonly legalDue: LegalDue;
  /** The calendar the legal due was computed with; it measures the difference in working time. */
  readonly calendar: Calendar;
}

function durationEn(due: LegalDue): string {
  const cutoff = due.cutoff === null ? '' : `, ${due.cutoff} cut-off`;
  if (due.unit === 'working-day' && due.amount === 0) return `same day${cutoff}`;
  const unit = due.unit.replace('-', ' ');
  return `${due.amount} ${unit}${due.amount === 1 ? '' : 's'}${cutoff}`;
}

function durationVi(due: LegalDue): string {
  const cutoff = due.cutoff === null ? '' : `, nhận sau ${due.cutoff} tính từ ngày làm việc tiếp theo`;
  if (due.unit === 'working-day' && due.amount === 0) return `giải quyết trong ngày${cutoff}`;
  const unit = due.unit === 'working-day' ? 'ngày làm việc' : due.unit === 'working-hour' ? 'giờ làm việc' : 'ngày';
  return `${due.amount} ${unit}${cutoff}`;
}

const procedureEn = (due: LegalDue) => `procedure ${due.procedureCode} (${durationEn(due)}; ${due.catalogId} version ${due.catalogVersion})`;
const procedureVi = (due: LegalDue) => `thủ tục ${due.procedureCode} (${durationVi(due)}; danh mục ${due.catalogId} phiên bản ${due.catalogVersion})`;

/**
 * The findings for one received dossier: none when the appointment equals the legal maximum to
 * the second, otherwise exactly one.
 */
export function auditAppointment(input: AppointmentAuditInput): AppointmentFinding[] {
  const { legalDue, calendar } = input;
  const base = {
    legalBasis: legalDue.legalBasis,
    procedureCode: legalDue.procedureCode,
    catalogVersion: legalDue.catalogVersion,
    legalDueAt: legalDue.dueAt,
  };
  const given = input.appointmentAt?.trim();
  if (given === undefined || given === '') {
    return [
      {
        ...base,
        code: 'appointment-missing',
        severity: 'info',
        message: `The portal gave no appointment; the due instant ${legalDue.dueAt} was computed from the catalog for ${procedureEn(legalDue)}.`,
        messageVi: `Cổng dịch vụ công không cung cấp ngày hẹn trả; thời hạn ${legalDue.dueAt} được tính theo danh mục thủ tục cho ${procedureVi(legalDue)}.`,
        appointmentAt: null,
        workingMinutes: null,
      },
    ];
  }
  let appointment: number;
  try {
    appointment = parseIsoInstant(given, 'appointmentAt');
  } catch (error) {
    if (!(error instanceof CalendarInputError)) throw error;
    // Reported, not thrown: one bad field from the portal must not stop the dossier's audit.
    return [
      {
        ...base,
        code: 'appointment-unreadable',
        severity: 'warning',
        message: `The portal's appointment ${JSON.stringify(given)} is not an ISO 8601 instant with an offset; the due instant ${legalDue.dueAt} was computed from the catalog for ${procedureEn(legalDue)}.`,
        messageVi: `Ngày hẹn trả ${JSON.stringify(given)} do cổng cung cấp không đọc được; thời hạn ${legalDue.dueAt} được tính theo danh mục thủ tục cho ${procedureVi(legalDue)}.`,
        appointmentAt: given,
        workingMinutes: null,
      },
    ];
  }
  const due = parseIsoInstant(legalDue.dueAt, 'legalDue.dueAt');
  if (appointment === due) return [];
  const appointmentText = calendar.formatInstant(appointment);
  if (appointment > due) {
    const minutes = calendar.between(due, appointment).minutes;
    return [
      {
        ...base,
        code: 'appointment-later-than-legal-maximum',
        severity: 'warning',
        message: `The appointment ${appointmentText} is later than the legal maximum ${legalDue.dueAt} of ${procedureEn(legalDue)} by ${minutes} working minutes.`,
        messageVi: `Ngày hẹn trả ${appointmentText} muộn hơn thời hạn giải quyết tối đa theo quy định ${legalDue.dueAt} của ${procedureVi(legalDue)}: muộn ${minutes} phút làm việc.`,
        appointmentAt: given,
        workingMinutes: minutes,
      },
    ];
  }
  const minutes = calendar.between(appointment, due).minutes;
  return [
    {
      ...base,
      code: 'appointment-earlier-than-legal-maximum',
      severity: 'info',
      message: `The appointment ${appointmentText} is ${minutes} working minutes earlier than the legal maximum ${legalDue.dueAt} of ${procedureEn(legalDue)}; the dossier is rated against the appointment.`,
      messageVi: `Ngày hẹn trả ${appointmentText} sớm hơn ${minutes} phút làm việc so với thời hạn giải quyết tối đa ${legalDue.dueAt} của ${procedureVi(legalDue)}; hồ sơ được đánh giá theo ngày hẹn trả.`,
      appointmentAt: given,
      workingMinutes: minutes,
    },
  ];
}
