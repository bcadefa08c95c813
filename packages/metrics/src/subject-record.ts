/**
 * What counting needs of one dossier or petition, read defensively from the document workflow
 * stores (flat state fields plus `state.{steps,apologies,lateAgencies}`). Older documents lack
 * most of the newer fields; dates may be `Date`s or ISO strings.
 */
export type Timeliness = 'early' | 'on-time' | 'late';

export interface StepRecord {
  stepNo: number;
  agencyCode: string | null;
  name: string | null;
  dueAt: number | null;
  completedAt: number | null;
  timeliness: Timeliness | null;
  overdue: boolean;
}

export interface SubjectRecord {
  code: string;
  subject: 'dossier' | 'petition';
  agencyCode: string | null;
  procedureCode: string | null;
  phase: 'awaiting-reception' | 'open' | 'closed';
  statusCode: number | null;
  /** Epoch milliseconds. */
  receivedAt: number | null;
  dueAt: number | null;
  /**
   * Portal end instant (NgayKetThucXuLy), falling back to `closedAt`; null while handling goes
   * on (`handlingEnded`).
   */
  endAt: number | null;
  timeliness: Timeliness | null;
  overdue: boolean;
  atRisk: boolean;
  paused: boolean;
  /** Instants at which apologies were issued. */
  apologies: number[];
  steps: StepRecord[];
  lateAgencies: string[];
}

/**
 * What a row of an open list shows of a subject (reporting's `/v1/dossiers` and its exports), all
 * that a list read asks the store for: a 10 000-row export carries nothing else.
 */
export type ListedSubject = Pick<SubjectRecord, 'code' | 'subject' | 'agencyCode' | 'procedureCode' | 'phase' | 'statusCode' | 'dueAt' | 'overdue' | 'atRisk' | 'steps'>;

type Doc = Record<string, unknown>;

export function toMs(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v));
  return Number.isFinite(ms) ? ms : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const obj = (v: unknown): Doc => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const timelinessOf = (v: unknown): Timeliness | null => (v === 'early' || v === 'on-time' || v === 'late' ? v : null);

/**
 * Whether a subject's stored end instant ends its handling. A dossier's ends when it closes. A
 * petition's ends at its answer or rejection, while it still waits to be published: the portal
 * counts "chờ công khai" among "đã xử lý" and judges handling on time by that instant
 * (vn-rules §2), publication having a deadline of its own. Read as open, an answered petition
 * was counted open within or past its deadline until published, never handled in its month.
 */
export function handlingEnded(phase: unknown, subject: unknown): boolean {
  return phase === 'closed' || (phase === 'open' && subject === 'petition');
}

/**
 * Every field `toSubjectRecord` reads, as paths for a MongoDB inclusion projection. A reader that
 * needs only the record asks for these rather than excluding the large fields: the derived
 * state holds far more than its steps, apologies and late agencies, and every field read costs
 * its encoding in the store and its decoding in the driver (a delay-count read of 38 000
 * subjects took 4.5 s with the exclusions, 1.1 s with these). Kept beside the function so the
 * two change together; a test checks a full document and its projection give the same record.
 */
export const SUBJECT_RECORD_FIELDS = [
  'code',
  'phase',
  'subject',
  'agencyCode',
  'procedureCode',
  'statusCode',
  'receivedAt',
  'dueAt',
  'endAt',
  'closedAt',
  'timeliness',
  'overdue',
  'atRisk',
  'paused',
  'apologies',
  'steps',
  'lateAgencies',
  'state.phase',
  'state.subject',
  'state.apologies',
  'state.steps',
  'state.lateAgencies',
] as const;

/** Normalises a stored document; null when it is not a subject at all (no code). */
export function toSubjectRecord(doc: Doc): SubjectRecord | null {
  const code = str(doc['code']) ?? (doc['_id'] == null ? null : String(doc['_id']));
  if (!code) return null;
  const state = obj(doc['state']);
  const phaseRaw = doc['phase'] ?? state['phase'];
  const phase = phaseRaw === 'closed' || phaseRaw === 'awaiting-reception' ? phaseRaw : 'open';
  const subject = (doc['subject'] ?? state['subject']) === 'petition' ? 'petition' : 'dossier';
  const endAt = !handlingEnded(phase, subject) ? null : phase === 'closed' ? (toMs(doc['endAt']) ?? toMs(doc['closedAt'])) : toMs(doc['endAt']);
  return {
    code,
    subject,
    agencyCode: str(doc['agencyCode']),
    procedureCode: str(doc['procedureCode']),
    phase,
    statusCode: typeof doc['statusCode'] === 'number' ? doc['statusCode'] : null,
    receivedAt: toMs(doc['receivedAt']),
    dueAt: toMs(doc['dueAt']),
    endAt,
    timeliness: timelinessOf(doc['timeliness']),
    overdue: doc['overdue'] === true,
    atRisk: doc['atRisk'] === true,
    paused: doc['paused'] === true,
    apologies: arr(state['apologies'] ?? doc['apologies'])
      .map((a) => {
        const o = obj(a);
        return toMs(o['issuedAt'] ?? o['occurredAt'] ?? o['at']);
      })
      .filter((t): t is number => t !== null),
    steps: arr(state['steps'] ?? doc['steps']).map((s) => {
      const o = obj(s);
      return {
        stepNo: typeof o['stepNo'] === 'number' ? o['stepNo'] : 0,
        agencyCode: str(o['agencyCode']),
        name: str(o['name']),
        dueAt: toMs(o['dueAt']),
        completedAt: toMs(o['completedAt']),
        timeliness: timelinessOf(o['timeliness']),
        overdue: o['overdue'] === true,
      };
    }),
    lateAgencies: arr(state['lateAgencies'] ?? doc['lateAgencies']).filter((a): a is string => typeof a === 'string'),
  };
}

/**
 * The step answerable for a late or at-risk dossier: the first unfinished step that is
 * overdue or past its due instant, else the first unfinished step, else the last late one.
 */
export function responsibleStep(r: Pick<SubjectRecord, 'steps'>, now: number): StepRecord | null {
  const steps = [...r.steps].sort((a, b) => a.stepNo - b.stepNo);
  const open = steps.filter((s) => s.completedAt === null);
  return (
    open.find((s) => s.overdue || (s.dueAt !== null && s.dueAt < now)) ??
    open[0] ??
    [...steps].reverse().find((s) => s.timeliness === 'late' || s.overdue) ??
    null
  );
}
