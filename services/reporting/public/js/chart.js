/* global document */
// A small hand-drawn SVG chart: received and late dossiers as bars (left axis), the on-time
// rate as a line (right axis, 0–100 %). The same numbers follow in a table for screen readers
// and for reading exact values.
import { t } from './i18n.js';
import { month, num, pct, shortMonth } from './format.js';
import { el, table } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 900;
const H = 260;
const PAD = { top: 16, right: 48, bottom: 40, left: 48 };

function svg(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(v) {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function trendChart(items) {
  if (!items.length) return el('p', { class: 'muted' }, t('trend.empty'));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(1, ...items.map((i) => Math.max(i.received ?? 0, i.late ?? 0))));
  const slot = innerW / items.length;
  const barW = Math.min(18, slot / 3);
  const y = (v) => PAD.top + innerH - (v / max) * innerH;
  const yRate = (r) => PAD.top + innerH - r * innerH;

  const titleId = `trend-title-${Math.random().toString(36).slice(2, 8)}`;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': titleId, preserveAspectRatio: 'xMidYMid meet' });
  root.append(svg('title', { id: titleId }, t('trend.chartLabel')));

  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4;
    const yy = y(v);
    root.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: yy, y2: yy, class: 'grid' }));
    root.append(svg('text', { x: PAD.left - 6, y: yy + 4, class: 'axis', 'text-anchor': 'end' }, num(v)));
    root.append(svg('text', { x: W - PAD.right + 6, y: yy + 4, class: 'axis' }, pct(k / 4)));
  }

  const points = [];
  items.forEach((item, i) => {
    const cx = PAD.left + slot * i + slot / 2;
    const received = item.received ?? 0;
    const late = item.late ?? 0;
    root.append(svg('rect', { x: cx - barW - 1, y: y(received), width: barW, height: Math.max(0, PAD.top + innerH - y(received)), class: 'bar-received' }));
    root.append(svg('rect', { x: cx + 1, y: y(late), width: barW, height: Math.max(0, PAD.top + innerH - y(late)), class: 'bar-late' }));
    root.append(svg('text', { x: cx, y: H - PAD.bottom + 16, class: 'axis', 'text-anchor': 'middle' }, shortMonth(item.period)));
    // A month with nothing to handle has no meaningful rate; the line skips it.
    if ((item.toHandle ?? item.received ?? 0) > 0 && item.onTimeRate !== null && item.onTimeRate !== undefined) points.push([cx, yRate(Number(item.onTimeRate))]);
  });
  if (points.length > 1) {
    root.append(svg('polyline', { points: points.map((p) => p.join(',')).join(' '), class: 'rate-line' }));
  }
  for (const [px, py] of points) root.append(svg('circle', { cx: px, cy: py, r: 3.5, class: 'rate-dot' }));

  const legend = el('ul', { class: 'legend' }, [
    el('li', {}, [el('span', { class: 'swatch swatch-received', 'aria-hidden': 'true' }), t('trend.received')]),
    el('li', {}, [el('span', { class: 'swatch swatch-late', 'aria-hidden': 'true' }), t('trend.late')]),
    el('li', {}, [el('span', { class: 'swatch swatch-rate', 'aria-hidden': 'true' }), t('trend.onTimeRate')]),
  ]);

  const details = el('details', { class: 'chart-table' }, [
    el('summary', {}, t('trend.asTable')),
    table({
      caption: t('trend.heading'),
      columns: [
        { label: t('trend.month'), cell: (r) => month(r.period), header: true },
        { label: t('trend.received'), cell: (r) => num(r.received), numeric: true },
        { label: t('trend.late'), cell: (r) => num(r.late), numeric: true },
        { label: t('trend.onTimeRate'), cell: (r) => ((r.toHandle ?? r.received ?? 0) > 0 ? pct(r.onTimeRate) : '–'), numeric: true },
      ],
      rows: items,
    }),
  ]);
  return el('div', { class: 'chart-wrap' }, [root, legend, details]);
}
