/**
 * The texts of findings in Vietnamese and English. Workflow stores a finding as a code, an
 * English detail and the fact that caused it; a manager reading the case needs a sentence in
 * her language that names the rule, so each code gets both texts here. The stored detail is
 * still shown beside them: it carries the exact instants the derivation compared.
 */

export interface FindingText {
  vi: string;
  en: string;
}

/** What a text may quote: the instant of the finding and the public fields of its fact. */
export interface FindingParams {
  at: string | null;
  data: Readonly<Record<string, unknown>>;
}

type Template = (p: FindingParams) => FindingText;

const str = (v: unknown, fallback = '–') => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : fallback);

const TEMPLATES: Readonly<Record<string, Template>> = {
  'second-supplement-request': () => ({
    vi: 'Yêu cầu bổ sung hồ sơ lần thứ hai trong quá trình giải quyết: hồ sơ bị tính là trễ hạn dù trả kết quả lúc nào (phương pháp QĐ 766).',
    en: 'A second supplement request during processing: the dossier counts late whatever its end time (QĐ 766 methodology).',
  }),
  'second-apology': (p) => ({
    vi: `Xin lỗi và hẹn lại lần thứ hai (ngày hẹn mới ${str(p.data.newAppointmentAt)}): việc hẹn lại chỉ được thực hiện không quá một lần, ngày hẹn trả không đổi.`,
    en: `A second apology and re-appointment (new date ${str(p.data.newAppointmentAt)}): only one re-appointment is allowed, so the due date does not move.`,
  }),
  'late-apology': (p) => ({
    vi: `Văn bản xin lỗi gửi muộn (ngày hẹn mới ${str(p.data.newAppointmentAt)}): phải gửi chậm nhất 01 ngày làm việc trước ngày hết hạn, nên ngày hẹn trả không đổi.`,
    en: `The apology came too late (new date ${str(p.data.newAppointmentAt)}): it must be sent at least 1 working day before the due date, so the due date does not move.`,
  }),
  'after-close': () => ({
    vi: 'Văn bản xin lỗi gửi sau khi hồ sơ đã kết thúc xử lý: không có tác dụng hẹn lại.',
    en: 'An apology issued after the dossier was closed: it re-appoints nothing.',
  }),
  'no-due-date': () => ({
    vi: 'Không xác định được ngày hẹn trả (giấy tiếp nhận không ghi ngày hẹn và danh mục không có thời hạn giải quyết): không có thời hạn nào được theo dõi.',
    en: 'No due date can be set (the receipt has no appointment and the catalog gives no processing time): no deadline runs.',
  }),
  'appointment-changed-without-apology': (p) => ({
    vi: `Ngày hẹn trả bị đổi thành ${str(p.data.appointmentAt)} bằng giấy tiếp nhận cấp lại, không có văn bản xin lỗi và hẹn lại.`,
    en: `The appointment was moved to ${str(p.data.appointmentAt)} by a re-issued receipt, without an apology and re-appointment.`,
  }),
  'late-without-apology': (p) => ({
    vi: `Hồ sơ quá hạn nhưng không có văn bản xin lỗi và hẹn lại hợp lệ gửi chậm nhất 01 ngày làm việc trước ngày hết hạn (${str(p.data.apologyDueAt)}).`,
    en: `The dossier is late with no valid apology and re-appointment sent at least 1 working day before the due date (by ${str(p.data.apologyDueAt)}).`,
  }),
  'step-late': (p) => ({
    vi: `Bước ${str(p.data.stepNo)} (${str(p.data.stepName)}) của ${str(p.data.agencyCode)} quá thời hạn được giao ${str(p.data.workingDaysLate)} ngày làm việc.`,
    en: `Step ${str(p.data.stepNo)} (${str(p.data.stepName)}) of ${str(p.data.agencyCode)} overran its allotted time by ${str(p.data.workingDaysLate)} working days.`,
  }),
  'forwarding-late': (p) => ({
    vi: `Hồ sơ chuyển đến cơ quan có thẩm quyền muộn hơn hạn ${str(p.data.dueAt)} (quá 01 ngày làm việc kể từ khi tiếp nhận).`,
    en: `The dossier was handed to the competent agency after ${str(p.data.dueAt)} (more than 1 working day after reception).`,
  }),
  'procedure-unknown': (p) => ({
    vi: `Thủ tục ${str(p.data.procedureCode)} không có trong danh mục: không có thời hạn luật định để đối chiếu ngày hẹn.`,
    en: `Procedure ${str(p.data.procedureCode)} is not in the catalog: no legal maximum to check the appointment against.`,
  }),
  'appointment-missing': () => ({ vi: 'Giấy tiếp nhận không ghi ngày hẹn trả.', en: 'The receipt has no appointment date.' }),
  'appointment-unreadable': () => ({ vi: 'Không đọc được ngày hẹn trả trên giấy tiếp nhận.', en: 'The appointment date of the receipt cannot be read.' }),
  'appointment-later-than-legal-maximum': (p) => ({
    vi: `Ngày hẹn trả ${str(p.data.appointmentAt)} muộn hơn thời hạn giải quyết tối đa theo quy định.`,
    en: `The appointment ${str(p.data.appointmentAt)} is later than the legal maximum processing time.`,
  }),
  'appointment-earlier-than-legal-maximum': (p) => ({
    vi: `Ngày hẹn trả ${str(p.data.appointmentAt)} sớm hơn thời hạn tối đa theo quy định (được phép; ghi nhận để đối chiếu).`,
    en: `The appointment ${str(p.data.appointmentAt)} is earlier than the legal maximum (allowed; noted for review).`,
  }),
  'wait-ended-by-processing': () => ({
    vi: 'Hồ sơ đang chờ công dân bổ sung thì được xử lý tiếp: thời gian chờ kết thúc tại thời điểm này.',
    en: 'Processing went on while the dossier waited for the citizen: the wait ends at this instant.',
  }),
  'step-allotment-unknown': (p) => ({
    vi: `Bước ${str(p.data.stepNo)} không có thời gian được giao (trong sự kiện hoặc danh mục): không theo dõi hạn của bước.`,
    en: `Step ${str(p.data.stepNo)} has no allotted time in the event or the catalog: no step deadline.`,
  }),
  'step-completed-before-assignment': (p) => ({
    vi: `Bước ${str(p.data.stepNo)} được báo hoàn thành khi chưa có phân công.`,
    en: `Step ${str(p.data.stepNo)} was reported complete with no assignment before it.`,
  }),
  'calendar-uncertain': () => ({
    vi: 'Lịch làm việc chưa có ngày nghỉ được xác nhận cho năm tính hạn: hạn có thể thay đổi khi lịch được cập nhật.',
    en: 'The working calendar has no confirmed days off for a year of this deadline: it may move when the calendar is updated.',
  }),
  'petition-received-again': () => ({ vi: 'PAKN được gửi lại; lần gửi đầu tiên được tính.', en: 'The petition was submitted again; the first submission counts.' }),
  'petition-transfer-to-holder': (p) => ({
    vi: `Chuyển PAKN cho chính cơ quan đang giữ (${str(p.data.toAgencyCode)}): không tính lại thời hạn.`,
    en: `Transferred to the agency already holding it (${str(p.data.toAgencyCode)}): no clock restarts.`,
  }),
  'petition-transfer-late': (p) => ({
    vi: `PAKN không thuộc thẩm quyền được chuyển đến ${str(p.data.toAgencyCode)} quá 05 ngày làm việc (NĐ 20/2008/NĐ-CP Điều 9).`,
    en: `The petition was transferred to ${str(p.data.toAgencyCode)} after the 5 working days allowed (ND 20/2008 Art. 9).`,
  }),
  'petition-transferred-after-answer': () => ({
    vi: 'PAKN được chuyển đi sau khi đã trả lời: cơ quan nhận phải trả lời lại.',
    en: 'The petition was transferred after it was answered: the new holder must answer again.',
  }),
  'petition-reject-late': () => ({ vi: 'Từ chối tiếp nhận PAKN quá 02 ngày làm việc.', en: 'The petition was rejected after the 2 working days allowed.' }),
  'petition-supplement-late': () => ({ vi: 'Yêu cầu bổ sung PAKN lần đầu quá 05 ngày làm việc.', en: 'The first supplement request came after the 5 working days allowed.' }),
  'petition-supplement-after-answer': () => ({ vi: 'Yêu cầu bổ sung PAKN sau khi đã trả lời.', en: 'A supplement was requested after the answer.' }),
  'petition-answer-late': () => ({ vi: 'Trả lời PAKN quá 15 ngày làm việc kể từ khi tiếp nhận hoặc chuyển đến.', en: 'The petition was answered after the 15 working days allowed from submission or transfer.' }),
  'petition-answered-again': () => ({ vi: 'PAKN được trả lời lại; lần trả lời đầu tiên được tính.', en: 'The petition was answered again; the first answer counts.' }),
  'petition-published-without-answer': () => ({
    vi: 'Kết quả được công khai khi chưa ghi nhận trả lời: thời điểm công khai được tính là thời điểm trả lời.',
    en: 'Published with no earlier answer: the publication counts as the answer.',
  }),
  'petition-publish-late': () => ({ vi: 'Công khai kết quả trả lời PAKN quá 02 ngày làm việc.', en: 'The answer was published after the 2 working days allowed.' }),
  'petition-fact-before-submission': () => ({ vi: 'Sự kiện xảy ra trước thời điểm gửi PAKN: bị bỏ qua.', en: 'A fact occurred before the submission: ignored.' }),
  'petition-holder-mismatch': () => ({
    vi: 'Sự kiện ghi cơ quan khác với cơ quan đang giữ PAKN.',
    en: 'The fact names another agency than the one holding the petition.',
  }),
};

/** Both texts of a finding; a code without a template still gets a sentence naming it. */
export function findingText(code: string, params: FindingParams): FindingText {
  const template = Object.hasOwn(TEMPLATES, code) ? TEMPLATES[code] : undefined;
  if (template) return template(params);
  return { vi: `Phát hiện cần xem xét: ${code}.`, en: `Finding to review: ${code}.` };
}

/** Codes that have their own texts (the rest fall back to naming the code). */
export const DESCRIBED_FINDING_CODES: readonly string[] = Object.keys(TEMPLATES);
