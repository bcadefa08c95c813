// Every visible string of the dashboard, in Vietnamese (default) and English. Elements carry
// data-i18n (text), data-i18n-label (aria-label) or data-i18n-placeholder; dynamic views call t().

export const LANGS = ['vi', 'en'];
const STORAGE_KEY = 'tthc.dashboard.lang';

const DICT = {
  vi: {
    'doc.title': 'Bảng theo dõi trễ hạn TTHC và PAKN',
    'skip': 'Bỏ qua, đến nội dung chính',
    'app.title': 'Theo dõi trễ hạn thủ tục hành chính',
    'app.subtitle': 'Văn phòng cải cách hành chính',
    'lang.switch': 'English',
    'lang.switchLabel': 'Switch to English',
    'nav.label': 'Các mục của trang',
    'nav.overview': 'Tổng quan',
    'nav.agencies': 'Cơ quan',
    'nav.dossiers': 'Hồ sơ quá hạn',
    'nav.subscores': 'Chỉ số thành phần',
    'key.heading': 'Nhập khóa API',
    'key.help': 'Khóa được giữ trong phiên làm việc của trình duyệt này và xóa khi đóng thẻ.',
    'key.label': 'Khóa API',
    'key.submit': 'Mở bảng theo dõi',
    'key.change': 'Đổi khóa',
    'filters.heading': 'Bộ lọc',
    'filters.period': 'Kỳ báo cáo',
    'filters.periodHelp': 'Tháng (2026-11), quý (2026-Q4) hoặc năm (2026)',
    'filters.periodInvalid': 'Kỳ báo cáo phải có dạng 2026-11, 2026-Q4 hoặc 2026.',
    'filters.agency': 'Mã cơ quan',
    'filters.agencyHelp': 'Để trống để xem mọi cơ quan',
    'filters.apply': 'Xem',
    'status.loading': 'Đang tải dữ liệu…',
    'status.loaded': 'Đã cập nhật dữ liệu kỳ {period}.',
    'status.exporting': 'Đang chuẩn bị tệp {format}…',
    'status.exported': 'Đã tải xuống {file}.',
    'overview.heading': 'Tổng quan',
    'overview.period': 'Kỳ {period} ({start} – {end})',
    'kpi.onTimeRate': 'Tỷ lệ đúng hạn',
    'kpi.late': 'Hồ sơ trễ hạn',
    'kpi.lateHelp': '{resolved} đã giải quyết trễ, {open} đang quá hạn',
    'kpi.atRisk': 'Có nguy cơ trễ',
    'kpi.atRiskHelp': 'Đến hạn trong thời gian cảnh báo',
    'kpi.toHandle': 'Hồ sơ cần xử lý',
    'kpi.toHandleHelp': '{received} tiếp nhận trong kỳ',
    'kpi.petitions': 'PAKN trễ hạn',
    'kpi.petitionsHelp': '{onTime} PAKN đúng hạn',
    'kpi.apologies': 'Văn bản xin lỗi',
    'trend.heading': 'Xu hướng 12 tháng',
    'trend.received': 'Tiếp nhận',
    'trend.late': 'Trễ hạn',
    'trend.onTimeRate': 'Tỷ lệ đúng hạn',
    'trend.month': 'Tháng',
    'trend.asTable': 'Xem dạng bảng',
    'trend.chartLabel': 'Biểu đồ số hồ sơ tiếp nhận, trễ hạn và tỷ lệ đúng hạn theo tháng',
    'trend.empty': 'Chưa có dữ liệu theo tháng.',
    'agencies.heading': 'Cơ quan xếp theo tỷ lệ trễ hạn',
    'procedures.heading': 'Thủ tục của {agency}',
    'drill.back': 'Quay lại danh sách cơ quan',
    'drill.agencyHint': 'Chọn tên cơ quan để xem từng thủ tục và hồ sơ.',
    'drill.procedureHint': 'Chọn mã thủ tục để xem hồ sơ quá hạn và có nguy cơ của thủ tục đó.',
    'col.rank': 'Hạng',
    'col.agency': 'Cơ quan',
    'col.level': 'Cấp',
    'col.procedure': 'Thủ tục',
    'col.toHandle': 'Cần xử lý',
    'col.early': 'Trước hạn',
    'col.onTime': 'Đúng hạn',
    'col.resolvedLate': 'Giải quyết trễ',
    'col.openOverdue': 'Đang quá hạn',
    'col.atRisk': 'Nguy cơ',
    'col.lateRate': 'Tỷ lệ trễ',
    'col.onTimeRate': 'Tỷ lệ đúng hạn',
    'col.code': 'Mã hồ sơ',
    'col.subject': 'Loại',
    'col.dueAt': 'Hạn trả',
    'col.daysLate': 'Số ngày trễ',
    'col.step': 'Bước chịu trách nhiệm',
    'col.status': 'Trạng thái',
    'col.points': 'Điểm có thể giữ',
    'row.totals': 'Tổng cộng',
    'table.empty': 'Không có dữ liệu.',
    'table.page': 'Trang {page}/{pages} · {total} dòng',
    'table.prev': 'Trang trước',
    'table.next': 'Trang sau',
    'export.csv': 'Tải CSV',
    'export.xlsx': 'Tải Excel',
    'export.label': 'Tải bảng {table} dạng {format}',
    'dossiers.heading': 'Hồ sơ quá hạn và có nguy cơ',
    'dossiers.scope': 'Phạm vi: {scope}',
    'dossiers.scopeAll': 'mọi cơ quan được phép xem',
    'dossiers.clear': 'Bỏ lọc thủ tục',
    'overdue.heading': 'Đang quá hạn',
    'atRisk.heading': 'Có nguy cơ trễ hạn',
    'subject.dossier': 'Hồ sơ',
    'subject.petition': 'PAKN',
    'step.none': 'Không xác định',
    'step.format': 'Bước {no}: {name} ({agency})',
    'daysLate.value': '{n} ngày',
    'detail.heading': 'Hồ sơ {code}',
    'detail.close': 'Đóng',
    'detail.history': 'Diễn biến',
    'detail.received': 'Tiếp nhận',
    'detail.due': 'Hạn trả',
    'detail.closed': 'Kết thúc',
    'detail.open': 'Xem hồ sơ {code}',
    'subscores.heading': 'Chỉ số thành phần (ước tính)',
    'subscores.estimate': 'ước tính',
    'subscores.estimateNote': 'Điểm do hệ thống tự tính theo công thức công bố (QĐ 766/QĐ-TTg, phương pháp của Cổng DVCQG); điểm chính thức là điểm Cổng Dịch vụ công quốc gia công bố.',
    'subscores.score': 'Điểm',
    'subscores.of': '{score} / {max}',
    'subscores.formula': 'Công thức',
    'subscores.forecast': 'Dự báo nếu hồ sơ có nguy cơ bị trễ: {score} điểm ({count} hồ sơ)',
    'subscores.savable': 'Điểm có thể giữ nếu xử lý kịp hồ sơ có nguy cơ',
    'subscores.rubricMissing': 'Chưa cấu hình thang điểm Chỉ số CCHC (PAR Index); các tiêu chí này chưa được tính.',
    'subscores.empty': 'Chưa có chỉ số cho kỳ này.',
    'level.ministry': 'Cấp bộ',
    'level.province': 'Cấp tỉnh',
    'level.commune': 'Cấp xã',
    'level.district': 'Cấp huyện (dữ liệu cũ)',
    'level.unknown': 'Chưa rõ',
    'phase.open': 'Đang xử lý',
    'phase.closed': 'Đã kết thúc',
    'phase.awaiting-reception': 'Chờ tiếp nhận',
    'error.heading': 'Không tải được dữ liệu',
    'error.network': 'Không kết nối được tới máy chủ báo cáo. Kiểm tra mạng rồi thử lại.',
    'error.400': 'Yêu cầu chưa đúng: {fields}.',
    'error.401': 'Khóa API không đúng hoặc đã hết hiệu lực. Hãy nhập lại khóa.',
    'error.403': 'Khóa này không được xem dữ liệu của cơ quan đã chọn.',
    'error.404': 'Không tìm thấy dữ liệu đã yêu cầu.',
    'error.429': 'Có quá nhiều yêu cầu trong thời gian ngắn. Chờ một lát rồi thử lại.',
    'error.5xx': 'Máy chủ báo cáo đang gặp sự cố. Thử lại sau ít phút.',
    'error.other': 'Máy chủ trả lời lỗi {status}.',
    'error.detail': 'Chi tiết kỹ thuật: {detail}',
    'error.retry': 'Thử lại',
  },
  en: {
    'doc.title': 'TTHC and petition deadline dashboard',
    'skip': 'Skip to main content',
    'app.title': 'Administrative procedure deadline monitor',
    'app.subtitle': 'Administrative reform office',
    'lang.switch': 'Tiếng Việt',
    'lang.switchLabel': 'Chuyển sang tiếng Việt',
    'nav.label': 'Page sections',
    'nav.overview': 'Overview',
    'nav.agencies': 'Agencies',
    'nav.dossiers': 'Overdue dossiers',
    'nav.subscores': 'Sub-scores',
    'key.heading': 'Enter your API key',
    'key.help': 'The key is kept for this browser tab only and forgotten when the tab closes.',
    'key.label': 'API key',
    'key.submit': 'Open the dashboard',
    'key.change': 'Change key',
    'filters.heading': 'Filters',
    'filters.period': 'Reporting period',
    'filters.periodHelp': 'Month (2026-11), quarter (2026-Q4) or year (2026)',
    'filters.periodInvalid': 'The period must look like 2026-11, 2026-Q4 or 2026.',
    'filters.agency': 'Agency code',
    'filters.agencyHelp': 'Leave empty for every agency',
    'filters.apply': 'Show',
    'status.loading': 'Loading data…',
    'status.loaded': 'Data for {period} updated.',
    'status.exporting': 'Preparing the {format} file…',
    'status.exported': 'Downloaded {file}.',
    'overview.heading': 'Overview',
    'overview.period': 'Period {period} ({start} – {end})',
    'kpi.onTimeRate': 'On-time rate',
    'kpi.late': 'Late dossiers',
    'kpi.lateHelp': '{resolved} resolved late, {open} open and overdue',
    'kpi.atRisk': 'At risk',
    'kpi.atRiskHelp': 'Due within the warning window',
    'kpi.toHandle': 'Dossiers to handle',
    'kpi.toHandleHelp': '{received} received in the period',
    'kpi.petitions': 'Late petitions',
    'kpi.petitionsHelp': '{onTime} petitions on time',
    'kpi.apologies': 'Apology letters',
    'trend.heading': '12-month trend',
    'trend.received': 'Received',
    'trend.late': 'Late',
    'trend.onTimeRate': 'On-time rate',
    'trend.month': 'Month',
    'trend.asTable': 'Show as a table',
    'trend.chartLabel': 'Chart of dossiers received, late dossiers and on-time rate per month',
    'trend.empty': 'No monthly data yet.',
    'agencies.heading': 'Agencies ranked by late rate',
    'procedures.heading': 'Procedures of {agency}',
    'drill.back': 'Back to the agency list',
    'drill.agencyHint': 'Choose an agency name to see its procedures and dossiers.',
    'drill.procedureHint': 'Choose a procedure code to see its overdue and at-risk dossiers.',
    'col.rank': 'Rank',
    'col.agency': 'Agency',
    'col.level': 'Level',
    'col.procedure': 'Procedure',
    'col.toHandle': 'To handle',
    'col.early': 'Early',
    'col.onTime': 'On time',
    'col.resolvedLate': 'Resolved late',
    'col.openOverdue': 'Open overdue',
    'col.atRisk': 'At risk',
    'col.lateRate': 'Late rate',
    'col.onTimeRate': 'On-time rate',
    'col.code': 'Dossier code',
    'col.subject': 'Kind',
    'col.dueAt': 'Due',
    'col.daysLate': 'Days late',
    'col.step': 'Responsible step',
    'col.status': 'Status',
    'col.points': 'Points at stake',
    'row.totals': 'Total',
    'table.empty': 'No data.',
    'table.page': 'Page {page} of {pages} · {total} rows',
    'table.prev': 'Previous page',
    'table.next': 'Next page',
    'export.csv': 'Download CSV',
    'export.xlsx': 'Download Excel',
    'export.label': 'Download the {table} table as {format}',
    'dossiers.heading': 'Overdue and at-risk dossiers',
    'dossiers.scope': 'Scope: {scope}',
    'dossiers.scopeAll': 'every agency this key may see',
    'dossiers.clear': 'Clear the procedure filter',
    'overdue.heading': 'Overdue',
    'atRisk.heading': 'At risk of being late',
    'subject.dossier': 'Dossier',
    'subject.petition': 'Petition',
    'step.none': 'Not known',
    'step.format': 'Step {no}: {name} ({agency})',
    'daysLate.value': '{n} days',
    'detail.heading': 'Dossier {code}',
    'detail.close': 'Close',
    'detail.history': 'History',
    'detail.received': 'Received',
    'detail.due': 'Due',
    'detail.closed': 'Closed',
    'detail.open': 'Open dossier {code}',
    'subscores.heading': 'Sub-scores (estimate)',
    'subscores.estimate': 'estimate',
    'subscores.estimateNote': 'Scores computed here from the published formulas (Decision 766/QĐ-TTg, National Public Service Portal methodology); the Portal\'s published score is the official one.',
    'subscores.score': 'Score',
    'subscores.of': '{score} / {max}',
    'subscores.formula': 'Formula',
    'subscores.forecast': 'Forecast if the at-risk dossiers end late: {score} points ({count} dossiers)',
    'subscores.savable': 'Points that can still be kept by handling at-risk dossiers in time',
    'subscores.rubricMissing': 'No PAR Index rubric is configured; those criteria are not scored.',
    'subscores.empty': 'No sub-scores for this period.',
    'level.ministry': 'Ministry',
    'level.province': 'Province',
    'level.commune': 'Commune',
    'level.district': 'District (historic)',
    'level.unknown': 'Unknown',
    'phase.open': 'In progress',
    'phase.closed': 'Closed',
    'phase.awaiting-reception': 'Awaiting reception',
    'error.heading': 'The data could not be loaded',
    'error.network': 'The reporting server cannot be reached. Check the network and try again.',
    'error.400': 'The request is not right: {fields}.',
    'error.401': 'The API key is wrong or no longer valid. Please enter it again.',
    'error.403': 'This key may not see the data of the chosen agency.',
    'error.404': 'The requested data was not found.',
    'error.429': 'Too many requests in a short time. Wait a moment and try again.',
    'error.5xx': 'The reporting server has a problem. Try again in a few minutes.',
    'error.other': 'The server answered with error {status}.',
    'error.detail': 'Technical detail: {detail}',
    'error.retry': 'Try again',
  },
};

const LOCALES = { vi: 'vi-VN', en: 'en-GB' };

let current = initialLang();

function initialLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && LANGS.includes(saved)) return saved;
  } catch {
    // Storage can be disabled; Vietnamese is the default then.
  }
  return 'vi';
}

export function lang() {
  return current;
}

export function locale() {
  return LOCALES[current];
}

export function setLang(next) {
  if (!LANGS.includes(next)) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, but still switched for this page.
  }
}

/** Looks a key up and fills {placeholders}; a missing key shows itself so it is noticed. */
export function t(key, params = {}) {
  const template = DICT[current][key] ?? DICT.vi[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

export function has(key) {
  return key in DICT[current];
}

/** Applies the dictionary to the static markup and the document language. */
export function applyStatic(root = document) {
  document.documentElement.lang = current;
  document.title = t('doc.title');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
}

export const dictionaries = DICT;
