import type { SlaAlertV1 } from '@tthc/contracts';
import type { DigestItem, Language, Role } from './notification';
import { ROLES } from './notification';

/** Where messages point: the dossier in the dashboard and the signed acknowledgement link. */
export interface MessageLinks {
  dossierUrl: string;
  ackUrl: string | null;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** Internal step allotments count 8 working hours a day ("tính mỗi ngày 08 giờ làm việc"). */
const MINUTES_PER_WORKING_DAY = 8 * 60;
const DISPLAY_ZONE = 'Asia/Ho_Chi_Minh';

export function formatWorkingLate(minutes: number, lang: Language): string {
  const days = Math.floor(minutes / MINUTES_PER_WORKING_DAY);
  const hours = Math.floor((minutes % MINUTES_PER_WORKING_DAY) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (lang === 'vi') {
    if (days) parts.push(`${days} ngày`);
    if (hours) parts.push(`${hours} giờ`);
    if (mins || parts.length === 0) parts.push(`${mins} phút`);
    return `${parts.join(' ')} làm việc`;
  }
  const plural = (n: number, unit: string) => `${n} working ${unit}${n === 1 ? '' : 's'}`;
  if (days) parts.push(plural(days, 'day'));
  if (hours) parts.push(plural(hours, 'hour'));
  if (mins || parts.length === 0) parts.push(plural(mins, 'minute'));
  return parts.join(' ');
}

/** `17:00 09/03/2026 (GMT+7)` in Vietnamese, `9 March 2026, 17:00 (GMT+7)` in English. */
export function formatDueInstant(at: Date | string, lang: Language): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: DISPLAY_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  if (lang === 'vi') return `${parts.hour}:${parts.minute} ngày ${parts.day}/${parts.month}/${parts.year} (giờ Việt Nam, GMT+7)`;
  const month = new Intl.DateTimeFormat('en-GB', { timeZone: DISPLAY_ZONE, month: 'long' }).format(date);
  return `${Number(parts.day)} ${month} ${parts.year}, ${parts.hour}:${parts.minute} (Vietnam time, GMT+7)`;
}

const KIND_TITLE: Record<Language, Record<string, string>> = {
  vi: { warning: 'Sắp đến hạn', overdue: 'Quá hạn', escalation: 'Quá hạn kéo dài', petition: 'PAKN quá hạn xử lý' },
  en: { warning: 'Due soon', overdue: 'Overdue', escalation: 'Still overdue', petition: 'Petition deadline missed' },
};

const ROLE_NAME: Record<Language, Record<Role, string>> = {
  vi: { 'agency-manager': 'lãnh đạo phòng', 'agency-head': 'thủ trưởng cơ quan', 'reform-office': 'cơ quan cải cách hành chính tỉnh' },
  en: { 'agency-manager': 'agency manager', 'agency-head': 'head of agency', 'reform-office': 'provincial reform office' },
};

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function titleOf(alert: Pick<SlaAlertV1, 'kind' | 'subject'>, lang: Language): string {
  if (alert.subject === 'petition' && alert.kind !== 'warning') return KIND_TITLE[lang].petition!;
  return KIND_TITLE[lang][alert.kind]!;
}

/**
 * The alert e-mail, in Vietnamese or English: which dossier and procedure, when it was due,
 * how much working time late, who holds it, on what legal basis, and where to act.
 * `level` above the alert's first level means nobody acknowledged it in time.
 */
export function renderAlertMessage(input: { alert: SlaAlertV1; level: number; baseLevel: number; lang: Language; links: MessageLinks }): RenderedMessage {
  const { alert, level, baseLevel, lang, links } = input;
  const vi = lang === 'vi';
  const title = titleOf(alert, lang);
  const subjectNoun = alert.subject === 'petition' ? (vi ? 'PAKN' : 'Petition') : alert.subject === 'duty' ? (vi ? 'Nhiệm vụ định kỳ' : 'Periodic duty') : vi ? 'Hồ sơ' : 'Dossier';
  const escalatedByAck = level > baseLevel;
  const prefix = escalatedByAck ? (vi ? `[Chuyển cấp ${level}] ` : `[Escalated to level ${level}] `) : '';
  const subject = `${prefix}[${title}] ${subjectNoun} ${alert.dossierCode}${alert.procedureCode ? ` — ${vi ? 'TTHC' : 'procedure'} ${alert.procedureCode}` : ''}`;

  const none = vi ? '(không có)' : '(none)';
  const rows: Array<[string, string]> = [
    [alert.subject === 'duty' ? subjectNoun : vi ? 'Hồ sơ' : 'Dossier', alert.dossierCode],
    [vi ? 'Thủ tục hành chính' : 'Procedure', alert.procedureCode ?? none],
    [vi ? 'Cơ quan' : 'Agency', alert.agencyCode ?? none],
    [vi ? 'Bước / cơ quan đang xử lý' : 'Responsible step / agency', [alert.label, alert.responsibleAgencyCode].filter(Boolean).join(' — ') || none],
    [vi ? 'Hạn xử lý' : 'Due', formatDueInstant(alert.dueAt, lang)],
    [vi ? 'Thời gian trễ' : 'Working time late', formatWorkingLate(alert.workingMinutesLate, lang)],
    [vi ? 'Lý do' : 'Reason', alert.reason],
    [vi ? 'Căn cứ pháp lý' : 'Legal basis', alert.legalBasis || none],
  ];
  if (alert.kind === 'escalation') rows.push([vi ? 'Mức cảnh báo' : 'Alert level', String(alert.level)]);
  const roleName = ROLE_NAME[lang][ROLES[Math.min(level, ROLES.length - 1)]!];
  const intro = escalatedByAck
    ? vi
      ? `Cảnh báo sau chưa được xác nhận trong thời hạn nên được chuyển tới ${roleName}.`
      : `Nobody acknowledged the alert below in time, so it is now escalated to the ${roleName}.`
    : vi
      ? `${title}: ${subjectNoun.toLowerCase()} ${alert.dossierCode}.`
      : `${title}: ${subjectNoun.toLowerCase()} ${alert.dossierCode}.`;
  const openLabel = vi ? 'Xem hồ sơ trên bảng điều khiển' : 'Open the dossier in the dashboard';
  const ackLabel = vi ? 'Xác nhận đã tiếp nhận cảnh báo' : 'Acknowledge this alert';

  const text = [
    intro,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    '',
    `${openLabel}: ${links.dossierUrl}`,
    ...(links.ackUrl ? [`${ackLabel}: ${links.ackUrl}`] : []),
  ].join('\n');

  const html = [
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${escapeHtml(intro)}</p>`,
    '<table cellpadding="4">',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    `<p><a href="${escapeHtml(links.dossierUrl)}">${escapeHtml(openLabel)}</a></p>`,
    ...(links.ackUrl ? [`<p><a href="${escapeHtml(links.ackUrl)}">${escapeHtml(ackLabel)}</a></p>`] : []),
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** The morning digest: the subscriber's open overdue and at-risk dossiers. */
export function renderDigestMessage(input: { date: string; items: DigestItem[]; lang: Language; dossierUrl: (code: string) => string }): RenderedMessage {
  const { date, items, lang } = input;
  const vi = lang === 'vi';
  const overdue = items.filter((i) => i.overdue);
  const atRisk = items.filter((i) => !i.overdue);
  const subject = vi
    ? `[Tổng hợp ${date}] ${overdue.length} hồ sơ quá hạn, ${atRisk.length} hồ sơ sắp đến hạn`
    : `[Digest ${date}] ${overdue.length} overdue, ${atRisk.length} at-risk dossiers`;
  const line = (i: DigestItem) =>
    `${i.dossierCode} — ${vi ? 'TTHC' : 'procedure'} ${i.procedureCode ?? '-'} — ${vi ? 'hạn' : 'due'} ${i.dueAt ? formatDueInstant(i.dueAt, lang) : '-'} — ${input.dossierUrl(i.dossierCode)}`;
  const sections: Array<[string, DigestItem[]]> = [
    [vi ? 'Hồ sơ quá hạn' : 'Overdue dossiers', overdue],
    [vi ? 'Hồ sơ có nguy cơ trễ hạn' : 'At-risk dossiers', atRisk],
  ];
  const text = sections.map(([h, list]) => [`${h} (${list.length}):`, ...list.map((i) => `- ${line(i)}`)].join('\n')).join('\n\n');
  const html = [
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    ...sections.map(
      ([h, list]) =>
        `<h2>${escapeHtml(h)} (${list.length})</h2><ul>${list
          .map((i) => `<li><a href="${escapeHtml(input.dossierUrl(i.dossierCode))}">${escapeHtml(i.dossierCode)}</a> — ${escapeHtml(i.procedureCode ?? '-')} — ${escapeHtml(i.dueAt ? formatDueInstant(i.dueAt, lang) : '-')}</li>`)
          .join('')}</ul>`,
    ),
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
