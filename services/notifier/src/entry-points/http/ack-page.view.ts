import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { escapeHtml, formatDueInstant, titleOf } from '../../domain/message-templates';
import type { AlertRecord } from '../../domain/notification';

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}th{text-align:left;padding-right:1rem}button{font-size:1rem;padding:.5rem 1rem}.en{color:#555}';
// The page carries no script at all; its one style block is allowed by hash, not by 'unsafe-inline'.
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
const CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

/**
 * Headers of every answer on the link path: the token is in the URL and in the form, so
 * nothing may cache the page or leak its address to another site, and nothing may frame it
 * (a framed button could be clicked for the recipient).
 */
export function setLinkPageHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Robots-Tag', 'noindex');
}

function page(title: string, body: string): string {
  return [
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    body,
    '</body></html>',
  ].join('\n');
}

function facts(record: AlertRecord): string {
  const a = record.alert;
  const rows: Array<[string, string]> = [
    ['Hồ sơ / Dossier', a.dossierCode],
    ['Cảnh báo / Alert', `${titleOf(a, 'vi')} / ${titleOf(a, 'en')}`],
    ['Cơ quan / Agency', a.agencyCode ?? '-'],
    ['Hạn xử lý / Due', `${formatDueInstant(a.dueAt, 'vi')} / ${formatDueInstant(a.dueAt, 'en')}`],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

/**
 * What the mailed link opens. Mail scanners and link previews fetch it, so it only shows the
 * alert and a button; the button's POST (the same path, resolved relative to it so a path
 * prefix in PUBLIC_URL keeps working) is what acknowledges.
 */
export function confirmPage(record: AlertRecord, token: string): string {
  if (record.ackedAt) return acknowledgedPage(record, false);
  return page(
    'Xác nhận cảnh báo / Acknowledge alert',
    [
      '<h1>Xác nhận đã tiếp nhận cảnh báo</h1><p class="en">Acknowledge this alert</p>',
      facts(record),
      '<p>Xác nhận sẽ dừng việc chuyển cảnh báo lên cấp trên.<br><span class="en">Acknowledging stops the escalation to the next level.</span></p>',
      `<form method="post" action="ack"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">Xác nhận / Acknowledge</button></form>`,
    ].join('\n'),
  );
}

export function acknowledgedPage(record: AlertRecord, byThisRequest: boolean): string {
  const at = record.ackedAt ? [formatDueInstant(record.ackedAt, 'vi'), formatDueInstant(record.ackedAt, 'en')] : ['-', '-'];
  const [vi, en] = byThisRequest
    ? [`Đã xác nhận cảnh báo lúc ${at[0]}.`, `Alert acknowledged at ${at[1]}.`]
    : [`Cảnh báo này đã được xác nhận trước đó, lúc ${at[0]}.`, `This alert was already acknowledged at ${at[1]}.`];
  return page('Đã xác nhận / Acknowledged', `<h1>${escapeHtml(vi)}</h1><p class="en">${escapeHtml(en)}</p>\n${facts(record)}`);
}

export function linkErrorPage(status: number, vi: string, en: string): string {
  return page(`${status}`, `<h1>${escapeHtml(vi)}</h1><p class="en">${escapeHtml(en)}</p>`);
}
