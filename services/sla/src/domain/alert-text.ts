import type { TrackedDeadline } from './deadline';
import { describeDuration, type SlaDuration } from './duration';

/**
 * Alert reasons, in Vietnamese with an English gloss, since the readers are one-stop staff and
 * the reform office. They name the deadline, never the applicant.
 */
export function warningReason(d: TrackedDeadline, lead: SlaDuration): string {
  const left = describeDuration(lead);
  if (d.subject === 'dossier' && d.kind === 'dossier') {
    return (
      `Còn ${left.vi} đến ngày hẹn trả: hạn chót gửi văn bản xin lỗi và hẹn lại ngày trả kết quả (chậm nhất 01 ngày trước ngày hết hạn). ` +
      `Due in ${left.en}: last moment to apologise to the applicant and set a new appointment date.`
    );
  }
  return `Còn ${left.vi} đến hạn ${name(d)}. Due in ${left.en}: ${name(d)}.`;
}

export function overdueReason(d: TrackedDeadline): string {
  if (d.subject === 'duty') return `Nhiệm vụ định kỳ chưa được thực hiện trong kỳ: ${name(d)}. The periodic duty was not carried out within its period: ${name(d)}.`;
  if (d.subject === 'petition') return `Phản ánh, kiến nghị quá hạn xử lý (${name(d)}). The petition deadline passed unhandled: ${name(d)}.`;
  if (d.kind === 'forwarding') return 'Hồ sơ chưa được chuyển đến cơ quan có thẩm quyền sau 01 ngày làm việc. The one-stop unit has not handed the dossier to the competent agency within one working day.';
  if (d.kind === 'step') return `Bước xử lý quá hạn (${name(d)}). The step is still open after its due instant: ${name(d)}.`;
  return 'Hồ sơ quá ngày hẹn trả. The dossier is still open after its appointment date (ngày hẹn trả).';
}

export function escalationReason(d: TrackedDeadline, level: number, step: SlaDuration): string {
  const after = describeDuration(step);
  return `Chuyển cấp ${level}: vẫn chưa xử lý sau ${after.vi} quá hạn (${name(d)}). Escalation level ${level}: still open ${after.en} after due (${name(d)}).`;
}

function name(d: TrackedDeadline): string {
  return d.label ?? d.key;
}
