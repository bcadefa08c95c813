import type { AgencyDirectory } from './agency-directory';
import { emptyCounts, totalOf, withRates, type CountRow, type DelayCounts } from './delay-counts';
import { pointsFor, type Rubric, type RubricCriterion } from './rubric';
import { satisfactionFromRatings, type RatingCounts } from './satisfaction';

/**
 * Estimated sub-scores of the 766 real-time index and of the PAR Index rubric. Every one is an
 * estimate (docs/legal-rules.md rule 13): the score the National Public Service Portal publishes wins.
 */
export interface SubScore {
  id: string;
  nameVi: string;
  nameEn: string;
  formula: string;
  max: number;
  score: number;
  inputs: Record<string, number | string | null>;
  forecast: { score: number; atRiskCount: number };
  /** The satisfaction score's data: citizens' ratings and petitions naming dossiers, or the proxy when no rating exists. */
  source?: 'ratings' | 'proxy';
}

export interface Savable {
  agencyCode: string;
  procedureCode: string;
  points: number;
}

export interface SubScoreReport {
  estimate: true;
  items: SubScore[];
  savable: Savable[];
  rubric: { year: number; label: string } | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const pct = (num: number, den: number, whenNone: number) => (den === 0 ? whenNone : (num / den) * 100);
const lateOf = (c: DelayCounts) => c.resolvedLate + c.openOverdue;
const petitionsLateOf = (c: DelayCounts) => c.petitionsLate + c.petitionsOpenOverdue;

/**
 * The period's end if every open subject now at risk (flagged, or due before the period
 * ends) goes late; nothing else changes (no new receptions are guessed).
 */
export function forecastCounts<T extends DelayCounts>(c: T): T {
  return withRates({
    ...c,
    openWithinDeadline: c.openWithinDeadline - c.atRisk,
    openOverdue: c.openOverdue + c.atRisk,
    atRisk: 0,
    petitionsOpenWithinDeadline: c.petitionsOpenWithinDeadline - c.petitionsAtRisk,
    petitionsOpenOverdue: c.petitionsOpenOverdue + c.petitionsAtRisk,
    petitionsAtRisk: 0,
  }) as T;
}

type Subject = 'dossier' | 'petition';
interface Definition {
  id: string;
  nameVi: string;
  nameEn: string;
  formula: string;
  max: number;
  subject: Subject;
  /** Rows the score is computed over (a rubric criterion may keep one level only). */
  keep: (row: CountRow) => boolean;
  score: (c: DelayCounts) => { score: number; inputs: SubScore['inputs'] };
  source?: SubScore['source'];
}

/** 766 group "Tiến độ, kết quả giải quyết" (20 points), as the portal currently scores it. */
const progress: Omit<Definition, 'keep'> = {
  id: '766.progress',
  nameVi: 'Tiến độ, kết quả giải quyết',
  nameEn: 'Progress and results of handling',
  formula: '20 × (hồ sơ đã và đang xử lý đúng hạn hoặc trong hạn) / (hồ sơ cần xử lý trong kỳ = tiếp nhận trong kỳ + kỳ trước chuyển sang); 20 khi không có hồ sơ',
  max: 20,
  subject: 'dossier',
  score: (c) => {
    const onTime = c.toHandle - lateOf(c);
    return { score: c.toHandle === 0 ? 20 : (20 * onTime) / c.toHandle, inputs: { onTime, toHandle: c.toHandle, received: c.received } };
  },
};

const paknOnTime: Omit<Definition, 'keep'> = {
  id: '766.pakn-on-time',
  nameVi: 'Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn',
  nameEn: 'Petitions (PAKN) handled on time',
  formula: '6 × (PAKN đã và đang xử lý đúng hạn hoặc trong hạn) / (PAKN cần xử lý trong kỳ); 6 khi không có PAKN',
  max: 6,
  subject: 'petition',
  score: (c) => {
    const onTime = c.petitionsToHandle - petitionsLateOf(c);
    return { score: c.petitionsToHandle === 0 ? 6 : (6 * onTime) / c.petitionsToHandle, inputs: { petitionsOnTime: onTime, petitionsToHandle: c.petitionsToHandle } };
  },
};

/**
 * Proxy of 766 criterion 5.4, used while no citizen rated a dossier of the period. The portal
 * subtracts the share of dossiers that drew a petition or a "dislike"; without ratings the
 * share of petitions received per dossier to handle stands in for it (capped at 100 %).
 */
const satisfactionProxy: Omit<Definition, 'keep'> = {
  id: '766.satisfaction',
  source: 'proxy',
  nameVi: 'Mức độ hài lòng (ước tính thay thế)',
  nameEn: 'Satisfaction (proxy)',
  formula: 'min(6, 6 × (100% − tỷ lệ trễ hạn − tỷ lệ PAKN trên hồ sơ) / 90%), không âm; PAKN trên hồ sơ = PAKN tiếp nhận / hồ sơ cần xử lý',
  max: 6,
  subject: 'dossier',
  score: (c) => {
    if (c.toHandle === 0) return { score: 6, inputs: { latePercent: 0, petitionPercent: 0 } };
    const latePercent = pct(lateOf(c), c.toHandle, 0);
    const petitionPercent = Math.min(100, pct(c.petitionsReceived, c.toHandle, 0));
    const score = Math.max(0, Math.min(6, (6 * (100 - latePercent - petitionPercent)) / 90));
    return { score, inputs: { latePercent: round2(latePercent), petitionPercent: round2(petitionPercent) } };
  },
};

/** 766 criterion 5.4 from the period's ratings and petition links (`satisfaction.ts`); the proxy when nobody rated. */
function satisfaction(ratings: RatingCounts | null): Omit<Definition, 'keep'> {
  if (!ratings || ratings.ratedDossiers === 0) return satisfactionProxy;
  return {
    id: '766.satisfaction',
    source: 'ratings',
    nameVi: 'Mức độ hài lòng',
    nameEn: 'Satisfaction',
    formula: 'min(6, 6 × (100% − tỷ lệ trễ hạn − tỷ lệ hồ sơ có PAKN hoặc đánh giá không hài lòng) / 90%), không âm; cả hai tỷ lệ trên hồ sơ cần xử lý',
    max: 6,
    subject: 'dossier',
    score: (c) => satisfactionFromRatings(c, ratings),
  };
}

function rubricDefinition(c: RubricCriterion, directory: AgencyDirectory): Definition {
  const measure = (k: DelayCounts): number =>
    c.metric === 'onTimeRate'
      ? pct(k.toHandle - lateOf(k), k.toHandle, 100)
      : c.metric === 'petitionOnTimeRate'
        ? pct(k.petitionsToHandle - petitionsLateOf(k), k.petitionsToHandle, 100)
        : Math.min(100, pct(k.apologies, lateOf(k), 100));
  const steps = c.thresholds.map((t) => `≥ ${t.min}% → ${t.points}`).join('; ');
  return {
    id: `par.${c.id}`,
    nameVi: c.nameVi,
    nameEn: c.nameEn,
    formula: `${c.metric}${c.level ? ` (cấp ${c.level})` : ''}: ${steps}; thấp hơn → 0 (ngưỡng theo tệp rubric, không phải văn bản pháp luật)`,
    max: c.max,
    subject: c.metric === 'petitionOnTimeRate' ? 'petition' : 'dossier',
    keep: (row) => !c.level || directory.info(row.agencyCode).level === c.level,
    score: (k) => {
      const value = measure(k);
      return { score: pointsFor(c, value), inputs: { metric: c.metric, value: round2(value), level: c.level ?? null } };
    },
  };
}

/**
 * Scores `rows` (agency × procedure counts of one period, already limited to the caller's
 * scope), the forecast of each score, and the points each agency × procedure can still save:
 * a score's drop from current to forecast is shared among groups by their at-risk subjects of
 * the kind the score depends on.
 */
export function computeSubScores(
  rows: readonly CountRow[],
  opts: {
    directory: AgencyDirectory;
    rubric: Rubric | null;
    ratings?: RatingCounts | null;
    /**
     * Agency × procedure rows whose at-risk counts share the savable points, when `rows` are
     * coarser (one per agency): the at-risk counts of the two must add up alike.
     */
    savableRows?: readonly CountRow[];
  },
): SubScoreReport {
  const all = (_row: CountRow) => true;
  const definitions: Definition[] = [
    { ...progress, keep: all },
    { ...paknOnTime, keep: all },
    { ...satisfaction(opts.ratings ?? null), keep: all },
    ...(opts.rubric?.criteria ?? []).map((c) => rubricDefinition(c, opts.directory)),
  ];
  const savable = new Map<string, Savable>();
  const items = definitions.map((d): SubScore => {
    const kept = rows.filter(d.keep);
    const now = kept.length ? totalOf(kept) : emptyCounts();
    const later = forecastCounts(now);
    const current = d.score(now);
    const forecast = d.score(later);
    const atRiskOf = (c: DelayCounts) => (d.subject === 'petition' ? c.petitionsAtRisk : c.atRisk);
    const atRiskCount = atRiskOf(now);
    const drop = current.score - forecast.score;
    if (drop > 0 && atRiskCount > 0) {
      for (const row of opts.savableRows ? opts.savableRows.filter(d.keep) : kept) {
        const share = atRiskOf(row) / atRiskCount;
        if (share === 0) continue;
        const key = `${row.agencyCode}\u0000${row.procedureCode}`;
        const entry = savable.get(key) ?? { agencyCode: row.agencyCode, procedureCode: row.procedureCode, points: 0 };
        entry.points += drop * share;
        savable.set(key, entry);
      }
    }
    return {
      id: d.id,
      nameVi: d.nameVi,
      nameEn: d.nameEn,
      formula: d.formula,
      max: d.max,
      score: round2(current.score),
      inputs: current.inputs,
      forecast: { score: round2(forecast.score), atRiskCount },
      ...(d.source ? { source: d.source } : {}),
    };
  });
  return {
    estimate: true,
    items,
    savable: [...savable.values()]
      .map((s) => ({ ...s, points: round2(s.points) }))
      .filter((s) => s.points > 0)
      .sort((a, b) => b.points - a.points || a.agencyCode.localeCompare(b.agencyCode) || a.procedureCode.localeCompare(b.procedureCode)),
    rubric: opts.rubric ? { year: opts.rubric.year, label: opts.rubric.label } : null,
  };
}
