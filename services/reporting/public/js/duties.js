// The periodic duties section: each period of each duty of the agencies on screen (the
// leaders' dialogue every 6 months, …), grouped overdue, due and done.
import { addStrings, lang, t } from './i18n.js';
import { query } from './api.js';
import { date } from './format.js';
import { el, table } from './dom.js';

addStrings({
  vi: {
    'nav.duties': 'Nhiệm vụ định kỳ',
    'duties.heading': 'Nhiệm vụ định kỳ',
    'duties.help': 'Mỗi kỳ của mỗi nhiệm vụ (như đối thoại của người đứng đầu với người dân, doanh nghiệp 06 tháng/lần) là một thời hạn: hết kỳ mà chưa báo cáo thực hiện thì quá hạn.',
    'duties.overdue': 'Quá hạn',
    'duties.due': 'Đến hạn trong kỳ',
    'duties.done': 'Đã thực hiện',
    'duties.empty': 'Không có nhiệm vụ nào.',
    'duties.col.duty': 'Nhiệm vụ',
    'duties.col.agency': 'Cơ quan',
    'duties.col.period': 'Kỳ',
    'duties.col.dueAt': 'Hạn (hết ngày)',
    'duties.col.evidence': 'Minh chứng',
    'duties.evidence': 'Ngày {date}',
    'duties.minutes': 'biên bản: {minutes}',
    'duties.link': 'Xem minh chứng',
  },
  en: {
    'nav.duties': 'Periodic duties',
    'duties.heading': 'Periodic duties',
    'duties.help': 'Each period of each duty (such as the head of the agency’s dialogue with citizens and businesses every 6 months) is a deadline: a period that ends with no report of the duty done is overdue.',
    'duties.overdue': 'Overdue',
    'duties.due': 'Due this period',
    'duties.done': 'Done',
    'duties.empty': 'No duties.',
    'duties.col.duty': 'Duty',
    'duties.col.agency': 'Agency',
    'duties.col.period': 'Period',
    'duties.col.dueAt': 'Due (end of day)',
    'duties.col.evidence': 'Evidence',
    'duties.evidence': 'On {date}',
    'duties.minutes': 'minutes: {minutes}',
    'duties.link': 'See the evidence',
  },
});

const GROUPS = ['overdue', 'due', 'done'];

export function dutiesPath(agency) {
  return `/v1/duties${query({ agency: agency || undefined })}`;
}

function evidence(f) {
  if (!f) return '–';
  const parts = [t('duties.evidence', { date: date(`${f.date}T12:00:00+07:00`) })];
  if (f.minutes) parts.push(`; ${t('duties.minutes', { minutes: f.minutes })}`);
  const link = f.link && /^https?:\/\//.test(f.link) ? el('a', { href: f.link, rel: 'noopener noreferrer', target: '_blank' }, t('duties.link')) : null;
  return el('span', {}, [...parts, link ? ' · ' : null, link]);
}

/** The section's content for the last answer of `/v1/duties` (null: not loaded). */
export function dutiesView(data) {
  if (!data) return [];
  const items = data.items ?? [];
  // The period ended at local midnight: the last day of the period is the one shown.
  const lastDay = (iso) => date(new Date(Date.parse(iso) - 1000).toISOString());
  const columns = [
    { key: 'duty', label: t('duties.col.duty'), header: true, cell: (r) => r.title?.[lang()] ?? r.dutyId },
    { key: 'agency', label: t('duties.col.agency'), cell: (r) => r.agencyCode },
    { key: 'period', label: t('duties.col.period'), cell: (r) => r.period },
    { key: 'dueAt', label: t('duties.col.dueAt'), cell: (r) => lastDay(r.dueAt) },
    { key: 'evidence', label: t('duties.col.evidence'), cell: (r) => evidence(r.fulfilment) },
  ];
  return GROUPS.flatMap((status) => {
    const rows = items.filter((d) => d.status === status);
    const heading = t(`duties.${status}`);
    return [
      el('h3', { id: `duties-${status}-heading`, 'data-duty-status': status }, `${heading} (${rows.length})`),
      rows.length ? table({ id: `duties-${status}-table`, caption: heading, columns, rows }) : el('p', { class: 'muted' }, t('duties.empty')),
    ];
  });
}
