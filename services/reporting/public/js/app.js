/* global document */
// The reform office's dashboard: wiring of the key form, filters, language switch and the four
// sections. Data is kept from the last load so a language switch re-renders without a request.
import { applyStatic, has, lang, setLang, t } from './i18n.js';
import { ApiError, download, getJson, getKey, query, setKey } from './api.js';
import { currentPeriod, date, dateTime, num, pct, PERIOD_PATTERN } from './format.js';
import { trendChart } from './chart.js';
import { caseView } from './case-view.js';
import { dutiesPath, dutiesView } from './duties.js';
import { el, replace, table } from './dom.js';

const AGENCY_PAGE_SIZE = 50;
const DOSSIER_PAGE_SIZE = 20;

const state = {
  period: currentPeriod(),
  agency: '',
  drillAgency: null,
  drillAgencyName: null,
  drillProcedure: null,
  pages: { agencies: 1, overdue: 1, atRisk: 1 },
  data: { overview: null, ranking: null, trend: null, overdue: null, atRisk: null, subscores: null, duties: null },
  lastStatus: null,
  // The case open in the dialog, kept so a language switch redraws it without a request.
  caseRecord: null,
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// Status and errors
// ---------------------------------------------------------------------------------------------

function announce(key, params) {
  state.lastStatus = key ? [key, params] : null;
  $('status').textContent = key ? t(key, params) : '';
}

function showError(err, retry) {
  const box = $('error');
  if (!err) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const apiErr = err instanceof ApiError ? err : new ApiError(0, null);
  const technical = apiErr.technical();
  replace(
    box,
    el('p', { class: 'error-title' }, t('error.heading')),
    el('p', {}, apiErr.plain()),
    technical ? el('p', { class: 'muted' }, t('error.detail', { detail: technical })) : null,
    retry ? el('button', { type: 'button', class: 'button secondary', onclick: retry }, t('error.retry')) : null,
  );
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Key
// ---------------------------------------------------------------------------------------------

function showKeyForm() {
  $('key-section').hidden = false;
  $('dashboard').hidden = true;
  $('change-key').hidden = true;
  $('api-key').focus();
}

function showDashboard() {
  $('key-section').hidden = true;
  $('dashboard').hidden = false;
  $('change-key').hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

function scopeParams() {
  return { agency: state.drillAgency ?? state.agency, procedure: state.drillProcedure ?? undefined };
}

function lateCasesPath(extra = {}) {
  if (state.drillAgency) {
    return `/v1/metrics/late-cases${query({ period: state.period, groupBy: 'procedure', agency: state.drillAgency, sort: 'lateRate', order: 'desc', page: state.pages.agencies, pageSize: AGENCY_PAGE_SIZE, ...extra })}`;
  }
  return `/v1/metrics/late-cases${query({ period: state.period, groupBy: 'agency', agency: state.agency, sort: 'lateRate', order: 'desc', page: state.pages.agencies, pageSize: AGENCY_PAGE_SIZE, ...extra })}`;
}

function dossiersPath(kind, extra = {}) {
  // At risk is judged against the end of the period on screen, as the overview counts it.
  const flag = kind === 'overdue' ? { overdue: 'true' } : { atRisk: 'true', period: state.period };
  return `/v1/dossiers${query({ ...flag, ...scopeParams(), page: state.pages[kind], pageSize: DOSSIER_PAGE_SIZE, ...extra })}`;
}

function subscoresPath(extra = {}) {
  return `/v1/index/subscores${query({ period: state.period, agency: state.drillAgency ?? state.agency, ...extra })}`;
}

async function loadAll() {
  showError(null);
  announce('status.loading');
  document.body.setAttribute('aria-busy', 'true');
  // Overview, trend and sub-scores follow the drill-down, so every figure on screen has one scope.
  const ranking = getJson(lateCasesPath());
  // Undrilled, the ranking is the overview's own report (same scope and period, grouped by
  // agency) and its totals cover every page: one answer serves both, so a cold paint sends six
  // requests, all on the browser's six connections at once, and the report is counted once.
  const overview = state.drillAgency
    ? getJson(`/v1/metrics/late-cases${query({ period: state.period, groupBy: 'agency', agency: state.drillAgency, pageSize: 1 })}`)
    : ranking;
  const jobs = {
    overview,
    ranking,
    trend: getJson(`/v1/metrics/trend${query({ months: 12, agency: state.drillAgency ?? state.agency })}`),
    overdue: getJson(dossiersPath('overdue')),
    atRisk: getJson(dossiersPath('atRisk')),
    subscores: getJson(subscoresPath()),
    duties: getJson(dutiesPath(state.drillAgency ?? state.agency)),
  };
  const results = await Promise.allSettled(Object.values(jobs));
  const names = Object.keys(jobs);
  let firstError = null;
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') state.data[names[i]] = r.value;
    else {
      state.data[names[i]] = null;
      firstError ??= r.reason;
    }
  });
  document.body.removeAttribute('aria-busy');
  renderAll();
  if (firstError) {
    announce(null);
    if (firstError instanceof ApiError && firstError.status === 401) {
      setKey(null);
      showKeyForm();
    }
    showError(firstError, () => void loadAll());
    return;
  }
  announce('status.loaded', { period: state.period });
}

async function reload(part) {
  showError(null);
  announce('status.loading');
  try {
    if (part === 'ranking') state.data.ranking = await getJson(lateCasesPath());
    else state.data[part] = await getJson(dossiersPath(part));
    renderAll();
    announce('status.loaded', { period: state.period });
  } catch (err) {
    announce(null);
    showError(err, () => void reload(part));
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

function levelName(level) {
  return level && has(`level.${level}`) ? t(`level.${level}`) : (level ?? t('level.unknown'));
}

function kpi(key, label, value, help) {
  return el('li', { class: 'kpi', 'data-kpi': key }, [el('span', { class: 'kpi-label' }, label), el('span', { class: 'kpi-value' }, value), help ? el('span', { class: 'kpi-help' }, help) : null]);
}

function renderOverview() {
  const o = state.data.overview;
  if (!o) {
    replace($('kpis'));
    $('overview-period').textContent = '';
    return;
  }
  const tot = o.totals ?? {};
  const p = o.period ?? {};
  // `end` is exclusive (the next period's first midnight), so the last day shown is one before it.
  const lastDay = p.end ? new Date(Date.parse(p.end) - 1).toISOString() : null;
  const scope = state.drillAgency ? [state.drillAgencyName, state.drillAgency].filter(Boolean).join(' – ') : state.agency || t('dossiers.scopeAll');
  $('overview-period').textContent = [
    t('overview.period', { period: p.key ?? state.period, start: date(p.start), end: date(lastDay) }),
    t('dossiers.scope', { scope }),
    o.asOf ? t('overview.asOf', { asOf: dateTime(o.asOf) }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const late = (tot.resolvedLate ?? 0) + (tot.openOverdue ?? 0);
  replace(
    $('kpis'),
    kpi('onTimeRate', t('kpi.onTimeRate'), pct(tot.onTimeRate)),
    kpi('late', t('kpi.late'), num(late), t('kpi.lateHelp', { resolved: num(tot.resolvedLate), open: num(tot.openOverdue) })),
    kpi('atRisk', t('kpi.atRisk'), num(tot.atRisk), t('kpi.atRiskHelp')),
    kpi('toHandle', t('kpi.toHandle'), num(tot.toHandle), t('kpi.toHandleHelp', { received: num(tot.received) })),
    kpi('petitionsLate', t('kpi.petitions'), num((tot.petitionsLate ?? 0) + (tot.petitionsOpenOverdue ?? 0)), t('kpi.petitionsHelp', { onTime: num(tot.petitionsOnTime) })),
    kpi('apologies', t('kpi.apologies'), num(tot.apologies)),
  );
}

function renderTrend() {
  const tr = state.data.trend;
  replace($('trend'), tr ? trendChart(tr.items ?? []) : null);
}

function exportButtons(container, tableLabel, pathFor, baseName) {
  const buttons = ['csv', 'xlsx'].map((format) =>
    el(
      'button',
      {
        type: 'button',
        class: 'button small secondary',
        'data-export': format,
        'aria-label': t('export.label', { table: tableLabel, format: format.toUpperCase() }),
        onclick: async () => {
          showError(null);
          announce('status.exporting', { format: format.toUpperCase() });
          try {
            const file = await download(pathFor(format), `${baseName}.${format}`);
            announce('status.exported', { file });
          } catch (err) {
            announce(null);
            showError(err);
          }
        },
      },
      t(`export.${format}`),
    ),
  );
  replace(container, ...buttons);
}

function pager(kind, page) {
  if (!page) return null;
  const pages = Math.max(1, Math.ceil((page.total ?? 0) / (page.pageSize || 1)));
  return el('div', { class: 'pager' }, [
    el('span', {}, t('table.page', { page: num(page.page), pages: num(pages), total: num(page.total) })),
    el('button', { type: 'button', class: 'button small secondary', disabled: page.page <= 1, onclick: () => { state.pages[kind] -= 1; void reload(kind === 'agencies' ? 'ranking' : kind); } }, t('table.prev')),
    el('button', { type: 'button', class: 'button small secondary', disabled: page.page >= pages, onclick: () => { state.pages[kind] += 1; void reload(kind === 'agencies' ? 'ranking' : kind); } }, t('table.next')),
  ]);
}

function countColumns() {
  return [
    { key: 'toHandle', label: t('col.toHandle'), cell: (r) => num(r.toHandle), foot: (f) => num(f.toHandle), numeric: true },
    { key: 'onTime', label: t('col.onTime'), cell: (r) => num((r.resolvedEarly ?? 0) + (r.resolvedOnTime ?? 0)), foot: (f) => num((f.resolvedEarly ?? 0) + (f.resolvedOnTime ?? 0)), numeric: true },
    { key: 'resolvedLate', label: t('col.resolvedLate'), cell: (r) => num(r.resolvedLate), foot: (f) => num(f.resolvedLate), numeric: true },
    { key: 'openOverdue', label: t('col.openOverdue'), cell: (r) => num(r.openOverdue), foot: (f) => num(f.openOverdue), numeric: true },
    { key: 'atRisk', label: t('col.atRisk'), cell: (r) => num(r.atRisk), foot: (f) => num(f.atRisk), numeric: true },
    { key: 'lateRate', label: t('col.lateRate'), cell: (r) => pct(r.lateRate), foot: (f) => pct(f.lateRate), numeric: true },
    { key: 'onTimeRate', label: t('col.onTimeRate'), cell: (r) => pct(r.onTimeRate), foot: (f) => pct(f.onTimeRate), numeric: true },
  ];
}

function renderRanking() {
  const data = state.data.ranking;
  const drill = state.drillAgency;
  $('agencies-heading').textContent = drill ? t('procedures.heading', { agency: state.drillAgencyName ?? drill }) : t('agencies.heading');
  replace(
    $('drill-bar'),
    drill
      ? el('button', { type: 'button', class: 'button secondary small', id: 'drill-back', onclick: () => drillTo(null) }, `← ${t('drill.back')}`)
      : null,
    el('p', { class: 'muted' }, drill ? t('drill.procedureHint') : t('drill.agencyHint')),
  );
  if (!data) {
    replace($('agencies-table'));
    replace($('agencies-exports'));
    return;
  }
  // The API ranks (late rate, then open overdue, then code); the page keeps its order.
  const items = data.items ?? [];
  const offset = ((data.page ?? 1) - 1) * (data.pageSize ?? items.length);
  const columns = drill
    ? [
        { key: 'rank', label: t('col.rank'), cell: (_r, i) => num(offset + i + 1), numeric: true },
        {
          key: 'procedure',
          label: t('col.procedure'),
          header: true,
          cell: (r) => el('button', { type: 'button', class: 'link-button', 'data-procedure': r.procedureCode, onclick: () => drillToProcedure(r.procedureCode) }, r.procedureCode ?? '–'),
        },
        ...countColumns(),
      ]
    : [
        { key: 'rank', label: t('col.rank'), cell: (_r, i) => num(offset + i + 1), numeric: true },
        {
          key: 'agency',
          label: t('col.agency'),
          header: true,
          cell: (r) =>
            el('button', { type: 'button', class: 'link-button', 'data-agency': r.agencyCode, onclick: () => drillTo(r.agencyCode, r.agencyName) }, [
              el('span', { class: 'agency-name' }, r.agencyName || r.agencyCode),
              r.agencyName ? el('span', { class: 'code' }, r.agencyCode) : null,
            ]),
        },
        { key: 'level', label: t('col.level'), cell: (r) => levelName(r.level) },
        ...countColumns(),
      ];
  if (columns[0]) columns[0].foot = () => t('row.totals');
  const content = items.length
    ? table({ id: 'ranking-table', caption: $('agencies-heading').textContent, columns, rows: items, footer: data.totals })
    : el('p', { class: 'muted' }, t('table.empty'));
  replace($('agencies-table'), content, pager('agencies', data));
  exportButtons($('agencies-exports'), $('agencies-heading').textContent, (format) => lateCasesPath({ format, page: undefined, pageSize: undefined }), `late-cases-${state.period}`);
}

function stepText(step) {
  if (!step) return t('step.none');
  return t('step.format', { no: num(step.stepNo), name: step.name ?? '', agency: step.agencyCode ?? '' });
}

function dossierTable(kind, data, headingId) {
  const columns = [
    {
      key: 'code',
      label: t('col.code'),
      header: true,
      cell: (r) => el('button', { type: 'button', class: 'link-button code', 'aria-label': t('detail.open', { code: r.code }), onclick: () => void openDossier(r.code, r.subject) }, r.code),
    },
    { key: 'subject', label: t('col.subject'), cell: (r) => t(`subject.${r.subject ?? 'dossier'}`) },
    { key: 'agency', label: t('col.agency'), cell: (r) => r.agencyCode ?? '–' },
    { key: 'procedure', label: t('col.procedure'), cell: (r) => r.procedureCode ?? '–' },
    { key: 'dueAt', label: t('col.dueAt'), cell: (r) => dateTime(r.dueAt) },
    { key: 'daysLate', label: t('col.daysLate'), cell: (r) => num(r.workingDaysLate), numeric: true },
    { key: 'step', label: t('col.step'), cell: (r) => stepText(r.responsibleStep) },
  ];
  if (!data) return null;
  const rows = data.items ?? [];
  return [
    rows.length ? table({ id: `${kind}-list`, caption: $(headingId).textContent, columns, rows }) : el('p', { class: 'muted' }, t('table.empty')),
    pager(kind, data),
  ];
}

function renderDossiers() {
  const scope = [state.drillAgency ?? state.agency, state.drillProcedure].filter(Boolean).join(' · ');
  replace(
    $('dossiers-scope'),
    el('p', { class: 'muted' }, t('dossiers.scope', { scope: scope || t('dossiers.scopeAll') })),
    state.drillProcedure ? el('button', { type: 'button', class: 'button small secondary', onclick: () => drillToProcedure(null) }, t('dossiers.clear')) : null,
  );
  replace($('overdue-table'), ...(dossierTable('overdue', state.data.overdue, 'overdue-heading') ?? []));
  replace($('at-risk-table'), ...(dossierTable('atRisk', state.data.atRisk, 'at-risk-heading') ?? []));
  if (state.data.overdue) exportButtons($('overdue-exports'), t('overdue.heading'), (format) => dossiersPath('overdue', { format, page: undefined, pageSize: undefined }), `overdue-${state.period}`);
  else replace($('overdue-exports'));
  if (state.data.atRisk) exportButtons($('at-risk-exports'), t('atRisk.heading'), (format) => dossiersPath('atRisk', { format, page: undefined, pageSize: undefined }), `at-risk-${state.period}`);
  else replace($('at-risk-exports'));
}

function renderSubscores() {
  const s = state.data.subscores;
  if (!s) {
    replace($('subscore-cards'));
    replace($('savable'));
    replace($('subscores-exports'));
    return;
  }
  const items = s.items ?? [];
  const cards = items.map((item) =>
    el('li', { class: 'card', 'data-subscore': item.id }, [
      el('div', { class: 'card-head' }, [el('h3', {}, lang() === 'en' ? item.nameEn || item.nameVi : item.nameVi || item.nameEn), s.estimate !== false ? el('span', { class: 'badge' }, t('subscores.estimate')) : null]),
      el('p', { class: 'score' }, [el('span', { class: 'visually-hidden' }, `${t('subscores.score')}: `), t('subscores.of', { score: num(item.score), max: num(item.max) })]),
      el('p', { class: 'formula' }, [el('strong', {}, `${t('subscores.formula')}: `), el('code', {}, item.formula ?? '–')]),
      item.forecast ? el('p', { class: 'forecast' }, t('subscores.forecast', { score: num(item.forecast.score), count: num(item.forecast.atRiskCount) })) : null,
      item.source ? el('p', { class: 'muted', 'data-source': item.source }, t(`subscores.source.${item.source}`)) : null,
    ]),
  );
  replace($('subscore-cards'), ...(cards.length ? cards : [el('li', { class: 'muted' }, t('subscores.empty'))]));
  const savable = s.savable ?? [];
  replace(
    $('savable'),
    s.rubric ? el('p', { class: 'muted' }, t('subscores.rubric', { label: s.rubric.label ?? '', year: s.rubric.year ?? '' })) : el('p', { class: 'note' }, t('subscores.rubricMissing')),
    savable.length ? el('h3', { id: 'savable-heading' }, t('subscores.savable')) : null,
    savable.length
      ? table({
          id: 'savable-table',
          caption: t('subscores.savable'),
          columns: [
            { key: 'agency', label: t('col.agency'), cell: (r) => r.agencyCode ?? '–', header: true },
            { key: 'procedure', label: t('col.procedure'), cell: (r) => r.procedureCode ?? '–' },
            { key: 'points', label: t('col.points'), cell: (r) => num(r.points), numeric: true },
          ],
          rows: savable,
        })
      : null,
  );
  exportButtons($('subscores-exports'), t('subscores.heading'), (format) => subscoresPath({ format }), `subscores-${state.period}`);
}

function renderAll() {
  applyStatic();
  $('lang-switch').setAttribute('lang', lang() === 'vi' ? 'en' : 'vi');
  renderOverview();
  renderTrend();
  renderRanking();
  renderDossiers();
  renderSubscores();
  replace($('duties-body'), ...dutiesView(state.data.duties));
  if (state.lastStatus) announce(...state.lastStatus);
}

// ---------------------------------------------------------------------------------------------
// Drill-down and detail
// ---------------------------------------------------------------------------------------------

async function drillTo(agencyCode, agencyName) {
  state.drillAgency = agencyCode;
  state.drillAgencyName = agencyName ?? null;
  state.drillProcedure = null;
  state.pages = { agencies: 1, overdue: 1, atRisk: 1 };
  await loadAll();
  const target = agencyCode ? $('agencies-heading') : document.querySelector(`[data-agency]`);
  $('agencies').focus();
  target?.scrollIntoView({ block: 'start' });
}

async function drillToProcedure(procedureCode) {
  state.drillProcedure = procedureCode;
  state.pages.overdue = 1;
  state.pages.atRisk = 1;
  showError(null);
  announce('status.loading');
  try {
    const [overdue, atRisk] = await Promise.all([getJson(dossiersPath('overdue')), getJson(dossiersPath('atRisk'))]);
    state.data.overdue = overdue;
    state.data.atRisk = atRisk;
    renderAll();
    announce('status.loaded', { period: state.period });
    if (procedureCode) $('dossiers').focus();
  } catch (err) {
    announce(null);
    showError(err, () => void drillToProcedure(procedureCode));
  }
}

async function openDossier(code, subject) {
  const dialog = $('dossier-dialog');
  showError(null);
  try {
    const route = subject === 'petition' ? 'petitions' : 'dossiers';
    state.caseRecord = await getJson(`/v1/${route}/${encodeURIComponent(code)}`);
    renderCase();
    dialog.showModal();
    $('dossier-dialog-close').focus();
  } catch (err) {
    showError(err);
  }
}

/** Draws the open case again, e.g. in the other language. */
function renderCase() {
  const d = state.caseRecord;
  if (!d) return;
  $('dossier-dialog-heading').textContent = t(d.subject === 'petition' ? 'detail.headingPetition' : 'detail.heading', { code: d.code });
  replace($('dossier-dialog-body'), ...caseView(d));
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

function start() {
  applyStatic();
  $('period').value = state.period;

  // The page's switch sits behind the modal case dialog, so the dialog has its own.
  const switchLanguage = () => {
    setLang(lang() === 'vi' ? 'en' : 'vi');
    renderAll();
    $('case-lang-switch').setAttribute('lang', lang() === 'vi' ? 'en' : 'vi');
    if ($('dossier-dialog').open) renderCase();
    if (!$('error').hidden) showError(null);
  };
  $('lang-switch').addEventListener('click', switchLanguage);
  $('case-lang-switch').addEventListener('click', switchLanguage);

  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) return;
    setKey(key);
    $('api-key').value = '';
    showDashboard();
    void loadAll();
  });

  $('change-key').addEventListener('click', () => {
    setKey(null);
    showError(null);
    announce(null);
    showKeyForm();
  });

  $('filters-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const period = $('period').value.trim();
    if (!PERIOD_PATTERN.test(period)) {
      $('period').setAttribute('aria-invalid', 'true');
      replace($('error'), el('p', {}, t('filters.periodInvalid')));
      $('error').hidden = false;
      $('period').focus();
      return;
    }
    $('period').removeAttribute('aria-invalid');
    state.period = period;
    state.agency = $('agency-filter').value.trim();
    state.drillAgency = null;
    state.drillAgencyName = null;
    state.drillProcedure = null;
    state.pages = { agencies: 1, overdue: 1, atRisk: 1 };
    void loadAll();
  });

  $('dossier-dialog-close').addEventListener('click', () => $('dossier-dialog').close());

  if (getKey()) {
    showDashboard();
    void loadAll();
  } else {
    showKeyForm();
  }
}

start();
