/* global document */
// The case view: the record the API derived for one dossier or petition, with its history,
// deadlines and pauses drawn on one line in working time. Positions come from the API
// (`workingMinute`, computed with the calendar), so nights, weekends and Tết take no room and the
// browser never does calendar arithmetic. The same facts follow as lists for screen readers.
import { has, lang, t } from './i18n.js';
import { dateTime, num } from './format.js';
import { el, table } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 720;
const PAD = { left: 16, right: 16 };
const AXIS_Y = 120;
const H = 170;

function svg(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const shortType = (type) => String(type ?? '').replace(/^vn\.tthc\./, '');
const factName = (type) => (has(`fact.${shortType(type)}`) ? t(`fact.${shortType(type)}`) : shortType(type));
const statusName = (s) => (has(`deadline.status.${s}`) ? t(`deadline.status.${s}`) : s);
const workingDays = (minutes, dayLength) => num(Math.round((minutes / (dayLength || 480)) * 10) / 10);

/** Ticks every whole working day, thinned so at most ten are labelled. */
function ticks(min, max, dayLength) {
  const days = Math.max(1, Math.ceil((max - min) / dayLength));
  const step = Math.max(1, Math.ceil(days / 10));
  const out = [];
  for (let d = Math.ceil(min / dayLength); d * dayLength <= max; d += step) out.push(d);
  return out;
}

export function caseTimeline(record) {
  const dayLength = record.timeline?.dayLengthMinutes || 480;
  const marks = [
    ...(record.history ?? []).map((h) => h.workingMinute ?? 0),
    ...(record.deadlines ?? []).map((d) => d.workingMinute ?? 0),
    ...(record.pauses ?? []).flatMap((p) => [p.fromWorkingMinute, p.toWorkingMinute]),
  ];
  // Only an open case runs to now; a closed one ends with its last mark.
  if (record.status !== 'closed' && record.timeline) marks.push(record.timeline.asOfWorkingMinute);
  const min = Math.min(0, ...marks);
  const max = Math.max(min + dayLength, ...marks);
  const x = (m) => PAD.left + ((m - min) / (max - min)) * (W - PAD.left - PAD.right);

  const titleId = `case-timeline-title-${Math.random().toString(36).slice(2, 8)}`;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart timeline', role: 'img', 'aria-labelledby': titleId, id: 'case-timeline' });
  root.append(svg('title', { id: titleId }, t('case.timelineLabel')));

  for (const p of record.pauses ?? []) {
    root.append(svg('rect', { x: x(p.fromWorkingMinute), y: 20, width: Math.max(2, x(p.toWorkingMinute) - x(p.fromWorkingMinute)), height: AXIS_Y - 20, class: 'tl-pause', 'data-pause': p.startedAt }));
  }
  root.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: AXIS_Y, y2: AXIS_Y, class: 'tl-axis' }));
  for (const d of ticks(min, max, dayLength)) {
    root.append(svg('line', { x1: x(d * dayLength), x2: x(d * dayLength), y1: AXIS_Y, y2: AXIS_Y + 5, class: 'tl-axis' }));
    root.append(svg('text', { x: x(d * dayLength), y: AXIS_Y + 18, class: 'axis', 'text-anchor': 'middle' }, t('case.dayTick', { n: num(d) })));
  }
  (record.deadlines ?? []).forEach((d, i) => {
    const dx = x(d.workingMinute ?? 0);
    root.append(svg('line', { x1: dx, x2: dx, y1: 14 + (i % 3) * 10, y2: AXIS_Y, class: `tl-due tl-${d.status}`, 'data-deadline': d.key }));
    root.append(svg('text', { x: dx + 3, y: 22 + (i % 3) * 10, class: 'axis tl-due-label' }, d.label ?? d.key));
  });
  (record.history ?? []).forEach((h, i) => {
    const hx = x(h.workingMinute ?? 0);
    const alert = /\.(overdue|warning|escalated|unhandled)$/.test(h.type ?? '');
    root.append(svg('circle', { cx: hx, cy: AXIS_Y, r: 5, class: alert ? 'tl-fact tl-alert' : 'tl-fact', 'data-fact': h.id }, undefined));
    root.lastChild.append(svg('title', {}, `${dateTime(h.occurredAt)} — ${factName(h.type)}`));
    root.append(svg('text', { x: hx, y: AXIS_Y + 32 + (i % 2) * 12, class: 'axis', 'text-anchor': 'middle' }, String(i + 1)));
  });
  if (record.status !== 'closed' && record.timeline) {
    const nx = x(record.timeline.asOfWorkingMinute);
    root.append(svg('line', { x1: nx, x2: nx, y1: 8, y2: AXIS_Y + 8, class: 'tl-now' }));
    root.append(svg('text', { x: nx, y: 8, class: 'axis', 'text-anchor': 'end' }, t('case.now')));
  }
  const legend = el('ul', { class: 'legend' }, [
    el('li', {}, [el('span', { class: 'swatch swatch-fact', 'aria-hidden': 'true' }), t('case.legendFact')]),
    el('li', {}, [el('span', { class: 'swatch swatch-due', 'aria-hidden': 'true' }), t('case.legendDue')]),
    el('li', {}, [el('span', { class: 'swatch swatch-missed', 'aria-hidden': 'true' }), t('case.legendMissed')]),
    el('li', {}, [el('span', { class: 'swatch swatch-pause', 'aria-hidden': 'true' }), t('case.legendPause')]),
  ]);
  const note = el('p', { class: 'muted' }, t('case.timelineNote', { calendar: record.timeline?.calendarId ?? '–', hours: num(dayLength / 60) }));
  return el('figure', { class: 'chart-wrap' }, [root, legend, note]);
}

function facts(record) {
  const dayLength = record.timeline?.dayLengthMinutes || 480;
  const pairs = [
    [t('col.agency'), record.agencyCode ?? '–'],
    record.subject === 'petition' ? [t('case.holder'), record.holderAgencyCode ?? '–'] : [t('col.procedure'), record.procedureCode ?? '–'],
    [t('col.status'), has(`phase.${record.status}`) ? t(`phase.${record.status}`) : (record.status ?? '–')],
    [t('detail.received'), dateTime(record.receivedAt)],
    [t('detail.due'), dateTime(record.dueAt)],
    [t('detail.closed'), dateTime(record.endAt ?? record.closedAt)],
    [t('case.classification'), record.classification ? t(`case.class.${record.classification}`) : t('case.class.none')],
    [t('case.late'), record.late ? t('case.workingDays', { n: workingDays(record.late.workingMinutes, dayLength) }) : '–'],
    [t('case.paused'), t('case.workingDays', { n: workingDays(record.pausedWorkingMinutes ?? 0, dayLength) })],
  ];
  return el('dl', { class: 'facts', id: 'case-facts' }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

export function caseView(record) {
  const dayLength = record.timeline?.dayLengthMinutes || 480;
  const text = (f) => (lang() === 'en' ? f.en : f.vi);
  const findings = record.findings ?? [];
  const parts = [
    facts(record),
    el('h3', {}, t('case.timeline')),
    caseTimeline(record),
    el('h3', {}, t('case.deadlines')),
    (record.deadlines ?? []).length
      ? table({
          id: 'case-deadlines',
          caption: t('case.deadlines'),
          columns: [
            { key: 'label', label: t('case.deadline'), header: true, cell: (d) => d.label ?? d.key },
            { key: 'due', label: t('detail.due'), cell: (d) => dateTime(d.dueAt) },
            { key: 'status', label: t('col.status'), cell: (d) => el('span', { class: `badge status-${d.status}` }, statusName(d.status)) },
            { key: 'agency', label: t('case.answerable'), cell: (d) => d.answerableAgencyCode ?? '–' },
            { key: 'late', label: t('case.lateColumn'), numeric: true, cell: (d) => workingDays(d.late?.workingMinutes ?? 0, dayLength) },
            { key: 'basis', label: t('case.legalBasis'), cell: (d) => d.legalBasis ?? '–' },
          ],
          rows: record.deadlines,
        })
      : el('p', { class: 'muted' }, t('case.noDeadlines')),
    el('h3', {}, t('case.findings')),
    findings.length
      ? el('ul', { class: 'findings', id: 'case-findings' }, findings.map((f) => el('li', { 'data-finding': f.code }, [text(f), f.at ? el('span', { class: 'muted' }, ` (${dateTime(f.at)})`) : null])))
      : el('p', { class: 'muted', id: 'case-findings' }, t('case.noFindings')),
  ];
  if ((record.pauses ?? []).length) {
    parts.push(
      el('h3', {}, t('case.pauses')),
      el('ul', { class: 'history', id: 'case-pauses' }, record.pauses.map((p) => el('li', {}, t(p.givenBack ? 'case.pauseItem' : 'case.pauseItemKept', { from: dateTime(p.startedAt), to: p.endedAt ? dateTime(p.endedAt) : t('case.stillWaiting'), n: workingDays(p.workingMinutes, dayLength) })))),
    );
  }
  if ((record.apologies ?? []).length || (record.reappointments ?? []).length) {
    parts.push(
      el('h3', {}, t('case.apologies')),
      el('ul', { class: 'history', id: 'case-apologies' }, [
        ...(record.apologies ?? []).map((a) => el('li', {}, t(a.valid ? 'case.apologyValid' : 'case.apologyInvalid', { at: dateTime(a.issuedAt), to: dateTime(a.newAppointmentAt) }))),
        ...(record.reappointments ?? []).filter((r) => r.by === 'receipt').map((r) => el('li', {}, t('case.reappointedByReceipt', { at: dateTime(r.at), to: dateTime(r.to) }))),
      ]),
    );
  }
  if ((record.steps ?? []).length) {
    parts.push(
      el('h3', {}, t('case.steps')),
      el('ul', { class: 'history', id: 'case-steps' }, record.steps.map((s) => el('li', {}, t('case.stepItem', { no: num(s.stepNo), name: s.name ?? '', agency: s.agencyCode, due: dateTime(s.dueAt), done: s.completedAt ? dateTime(s.completedAt) : '–' })))),
    );
  }
  parts.push(
    el('h3', {}, t('detail.history')),
    el('ol', { class: 'history', id: 'case-history' }, (record.history ?? []).map((h) => el('li', {}, [el('time', { datetime: h.occurredAt }, dateTime(h.occurredAt)), ' ', factName(h.type)]))),
  );
  return parts;
}
