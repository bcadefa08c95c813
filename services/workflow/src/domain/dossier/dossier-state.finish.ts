/**
 * The finishing step of a dossier derivation: once every fact is applied, the end instant and
 * timeliness are settled, alerts are matched to the deadline versions they were raised for, and
 * the deadline entries (dossier, forwarding, steps) and late agencies are published.
 */
import { ALERT_TYPES, type DeadlineEntryV1 } from '@tthc/contracts';

import { classify, endInstant, settledStatus } from '../classification';
import type { DossierState } from '../dossier-state';
import type { AlertFact } from '../subject';
import { calendarOf, ms, type DossierDerivation } from './dossier-derivation';

const DOSSIER_KEY = 'dossier';
const DOSSIER_LEGAL_BASIS = 'NĐ 118/2025/NĐ-CP; Giấy tiếp nhận hồ sơ và hẹn trả kết quả';
const STEP_LEGAL_BASIS = 'Phiếu kiểm soát quá trình giải quyết hồ sơ (TT 03/2025/TT-VPCP)';
const FORWARDING_KEY = 'forwarding';
const FORWARDING_LEGAL_BASIS = 'NĐ 118/2025/NĐ-CP: chuyển hồ sơ đến cơ quan có thẩm quyền không quá 01 ngày làm việc kể từ khi tiếp nhận';
const OVERDUE_TYPES: ReadonlySet<string> = new Set<string>([ALERT_TYPES.overdue, ALERT_TYPES.escalated]);
const WARNING_TYPES: ReadonlySet<string> = new Set<string>([ALERT_TYPES.warning]);

function alertFor(alerts: readonly AlertFact[], key: string, version: number, types: ReadonlySet<string>): AlertFact | undefined {
  return alerts.find((a) => (a.data.deadlineKey ?? DOSSIER_KEY) === key && a.data.deadlineVersion === version && types.has(a.type));
}

export function finishDossierState(d: DossierDerivation): DossierState {
  const { s } = d;
  s.paused = s.phase === 'open' && d.pauses.size > 0;
  s.endAt = s.phase === 'closed' ? endInstant(d.closings) : null;
  if (s.endAt !== null && s.dueAt !== null && d.received) {
    s.timeliness = s.supplementRequests > d.ctx.rules.supplementRequestsBeforeLate ? 'late' : classify(s.endAt, s.dueAt);
  }
  // An alert raised in the race with an on-time closing does not make the dossier overdue.
  const closedInTime = s.timeliness !== null && s.timeliness !== 'late';
  const overdueAlert = s.dueAt === null || closedInTime ? undefined : alertFor(d.alerts, DOSSIER_KEY, s.deadlineVersion, OVERDUE_TYPES);
  s.overdue = overdueAlert !== undefined;
  s.overdueAt = overdueAlert?.data.raisedAt ?? null;
  s.atRisk = s.phase === 'open' && !s.overdue && alertFor(d.alerts, DOSSIER_KEY, s.deadlineVersion, WARNING_TYPES) !== undefined;

  const late = new Set<string>();
  const deadlines = [...dossierDeadline(d), ...forwardingDeadline(d, late), ...stepDeadlines(d, late)];
  if (late.size === 0 && (s.timeliness === 'late' || s.overdue) && s.agencyCode !== null) late.add(s.agencyCode);
  s.lateAgencies = [...late].sort();
  s.deadlines = deadlines;
  return s;
}

function dossierDeadline({ s, catalog }: DossierDerivation): DeadlineEntryV1[] {
  if (s.dueAt === null) return [];
  return [
    {
      key: DOSSIER_KEY,
      kind: 'dossier',
      dueAt: s.dueAt,
      version: s.deadlineVersion,
      status: s.timeliness !== null ? settledStatus(s.timeliness) : s.paused ? 'paused' : s.phase === 'open' ? 'open' : 'met',
      agencyCode: s.agencyCode,
      label: 'Ngày hẹn trả kết quả',
      legalBasis: catalog === null ? DOSSIER_LEGAL_BASIS : `${DOSSIER_LEGAL_BASIS}; ${catalog.procedure.legalBasis.join('; ')}`,
      warn: true,
      escalate: true,
    },
  ];
}

/** Hand-over to the competent agency (docs/legal-rules.md rule 4); adds the receiving agency to `late` when it was late. */
function forwardingDeadline(d: DossierDerivation, late: Set<string>): DeadlineEntryV1[] {
  const { s, forwardedAt } = d;
  const { rules } = d.ctx;
  if (!d.received || s.receivedAt === null || rules.forwardingWorkingDays <= 0) return [];
  const cal = calendarOf(d);
  const dueAt = cal.formatInstant(cal.due({ from: s.receivedAt, amount: rules.forwardingWorkingDays, unit: 'working-day' }).due);
  // Closed with no hand-over fact: closed in time, it was handed over (or settled at the
  // counter) in time; closed later, when it was handed over is unknown, so nobody is blamed.
  const closedInTime = s.endAt !== null && ms(s.endAt) <= ms(dueAt);
  const timeliness = forwardedAt !== null ? classify(forwardedAt, dueAt) : closedInTime ? classify(s.endAt!, dueAt) : null;
  s.forwarding = { dueAt, forwardedAt, timeliness };
  const open = timeliness === null && s.phase === 'open';
  if (timeliness === 'late' || (open && alertFor(d.alerts, FORWARDING_KEY, 1, OVERDUE_TYPES) !== undefined)) late.add(s.agencyCode!);
  return [
    {
      key: FORWARDING_KEY,
      kind: 'forwarding',
      dueAt,
      version: 1,
      status: timeliness !== null ? settledStatus(timeliness) : open ? 'open' : 'met',
      agencyCode: s.agencyCode,
      label: 'Chuyển hồ sơ đến cơ quan có thẩm quyền',
      legalBasis: FORWARDING_LEGAL_BASIS,
      warn: false,
      escalate: false,
    },
  ];
}

/** Step deadlines in step order; adds the agency of each late or overdue step to `late`. */
function stepDeadlines(d: DossierDerivation, late: Set<string>): DeadlineEntryV1[] {
  const { s, catalog } = d;
  const deadlines: DeadlineEntryV1[] = [];
  for (const step of [...d.steps.values()].sort((a, b) => a.stepNo - b.stepNo)) {
    // A step nobody marked complete ends with the dossier: its work was done by then at the latest.
    const end = step.completedAt ?? s.endAt;
    step.timeliness = end === null ? null : classify(end, step.dueAt);
    step.overdue = end === null && alertFor(d.alerts, `step:${step.stepNo}`, step.version, OVERDUE_TYPES) !== undefined;
    if (step.timeliness === 'late' || step.overdue) late.add(step.agencyCode);
    const { version, fromCatalog, ...pub } = step;
    s.steps.push(pub);
    deadlines.push({
      key: `step:${step.stepNo}`,
      kind: 'step',
      dueAt: step.dueAt,
      version,
      status: step.timeliness === null ? 'open' : settledStatus(step.timeliness),
      agencyCode: step.agencyCode,
      label: step.name,
      legalBasis: fromCatalog && catalog !== null ? catalog.procedure.legalBasis.join('; ') : STEP_LEGAL_BASIS,
      warn: false,
      escalate: true,
    });
  }
  return deadlines;
}
