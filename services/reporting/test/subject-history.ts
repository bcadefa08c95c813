/** Random subject histories and an in-memory counter store, for the recount tests. */
import fc from 'fast-check';
import { addCounts, emptyCounts, type CountRow, type SubjectRecord } from '@tthc/metrics';
import { ALL_AGENCIES, ALL_PROCEDURES, encodeField, splitCounterKey, type CounterDocument } from '../src/domain/delay-counters';
import type { DelayCounterStore, StoredContribution } from '../src/domain/count-subjects.use-case';

/** The counters in memory: what the MongoDB store keeps, for checking the arithmetic alone. */
export function memoryCounterStore(): DelayCounterStore & { docs: Map<string, CounterDocument> } {
  const docs = new Map<string, CounterDocument>();
  const contributions = new Map<string, StoredContribution>();
  const claimedAt = new Map<string, number>();
  const tokens = new Map<string, Set<string>>();
  const agencies = new Set<string>();
  let version = 0;
  return {
    docs,
    async contributions(codes) {
      return new Map(codes.flatMap((c) => (contributions.has(c) ? [[c, structuredClone(contributions.get(c)!)] as const] : [])));
    },
    async claim(claims) {
      const won = new Set<string>();
      for (const c of claims) {
        const stored = contributions.get(c.code);
        if ((stored?.revision ?? null) !== c.from || (stored?.settles ?? 0) !== c.fromSettles) continue;
        contributions.set(c.code, { revision: c.revision, incarnation: c.incarnation ?? null, contribution: c.contribution, pending: true, parts: c.parts, settles: stored?.settles ?? 0 });
        for (const p of c.parts) if (!claimedAt.has(p.token)) claimedAt.set(p.token, Date.now());
        won.add(c.code);
      }
      return won;
    },
    async apply(delta, codes, token, again) {
      for (const [k, n] of delta) {
        const { doc, path } = splitCounterKey(k);
        const taken = tokens.get(doc) ?? tokens.set(doc, new Set()).get(doc)!;
        if (again && taken.has(`${token}|${path}`)) continue;
        taken.add(`${token}|${path}`);
        const parts = path.split('.');
        let node = (docs.get(doc) ?? docs.set(doc, {}).get(doc)!) as Record<string, unknown>;
        for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
        const leaf = parts[parts.length - 1]!;
        node[leaf] = ((node[leaf] as number | undefined) ?? 0) + n;
      }
      for (const a of codes) agencies.add(a);
      version += 1;
    },
    async settle(token, codes, touched) {
      for (const code of codes) {
        const c = contributions.get(code);
        if (!c) continue;
        c.parts = c.parts.filter((p) => p.token !== token);
        c.pending = c.parts.length > 0;
        c.settles += 1;
      }
      for (const doc of touched) for (const t of [...(tokens.get(doc) ?? [])]) if (t.startsWith(`${token}|`)) tokens.get(doc)!.delete(t);
    },
    async pendingParts(before) {
      return [...contributions].flatMap(([code, c]) => c.parts.filter((p) => (claimedAt.get(p.token) ?? 0) < before.getTime()).map((part) => ({ code, part })));
    },
    async read(ids, only) {
      // Copies, as a store read gives: the reader may keep what it took apart of each document.
      const copy = (doc: CounterDocument): CounterDocument => {
        if (!only) return structuredClone(doc);
        const slot = encodeField(only.procedure);
        return doc.c && slot in doc.c ? { c: { [slot]: structuredClone(doc.c[slot]) } } : {};
      };
      return new Map(ids.flatMap((id) => (docs.has(id) ? [[id, copy(docs.get(id)!)] as const] : [])));
    },
    async agencies() {
      return [...agencies];
    },
    async version() {
      return version;
    },
  };
}

const DAY = 86_400_000;
const FROM = Date.parse('2025-04-01T00:00:00+07:00');
const SPAN_DAYS = 420;
/** Agencies of the sample directory, a pre-July-2025 district (counts under its successor) and none. */
export const AGENCIES = ['G01.001.000', 'G01.002.000', 'G01.101.000', 'G01.901.000', 'G02.001.000', null];
const PROCEDURES = ['1.001', 'P$2', null];
export const PERIODS = ['2025-05', '2025-06', '2025-07', '2025-Q2', '2025-Q3', '2025', '2025-12', '2026-01', '2026-Q1', '2026-02', '2026-03', '2026', '2026-05'];

const instant = (maxDays: number) => fc.integer({ min: 0, max: maxDays * 24 }).map((h) => FROM + h * 3_600_000);

/** One stored state of a subject; `now` decides which instants may already have happened. */
const state = (code: string, now: number) =>
  fc
    .record({
      subject: fc.constantFrom('dossier' as const, 'dossier' as const, 'petition' as const),
      agencyCode: fc.constantFrom(...AGENCIES),
      procedureCode: fc.constantFrom(...PROCEDURES),
      phase: fc.constantFrom('awaiting-reception' as const, 'open' as const, 'open' as const, 'closed' as const, 'closed' as const),
      receivedAt: instant(SPAN_DAYS),
      dueIn: fc.option(fc.integer({ min: 0, max: 90 * 24 }), { nil: null }),
      endIn: fc.integer({ min: 0, max: 120 * 24 }),
      timeliness: fc.constantFrom(null, null, 'early' as const, 'on-time' as const, 'late' as const),
      atRisk: fc.boolean(),
      paused: fc.boolean(),
      // An open petition may be answered already, awaiting publication.
      answered: fc.boolean(),
      apologiesIn: fc.array(fc.integer({ min: 0, max: 100 * 24 }), { maxLength: 2 }),
    })
    .map((s): SubjectRecord => {
      const receivedAt = Math.min(s.receivedAt, now - DAY);
      const dueAt = s.dueIn === null ? null : receivedAt + s.dueIn * 3_600_000;
      const answered = s.phase === 'open' && s.subject === 'petition' && s.answered;
      const endAt = s.phase === 'closed' || answered ? Math.min(receivedAt + s.endIn * 3_600_000, now - 1) : null;
      const open = endAt === null;
      return {
        code,
        subject: s.subject,
        agencyCode: s.agencyCode,
        procedureCode: s.procedureCode,
        phase: s.phase,
        statusCode: null,
        receivedAt: s.phase === 'awaiting-reception' ? null : receivedAt,
        dueAt,
        endAt,
        timeliness: s.timeliness,
        // Workflow stores the overdue alert sla raises at the due instant.
        overdue: open && dueAt !== null && dueAt < now,
        atRisk: open && s.atRisk,
        paused: open && s.paused,
        // Apologies are issued while the subject is open (received, not yet ended).
        apologies: s.phase === 'awaiting-reception' ? [] : s.apologiesIn.map((h) => receivedAt + h * 3_600_000).filter((t) => t <= (endAt ?? now - 1)),
        steps: [],
        lateAgencies: [],
      };
    });

/** Subjects, each with up to four stored states (revisions), delivered shuffled with duplicates. */
export const subjectHistory = (maxSubjects: number) =>
  fc.integer({ min: FROM + 60 * DAY, max: FROM + (SPAN_DAYS + 30) * DAY }).chain((now) =>
  fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: maxSubjects })
    .chain((revisions) => fc.tuple(...revisions.map((n, i) => fc.array(state(`S${i}`, now), { minLength: n, maxLength: n }))))
    .chain((states) => {
      const deliveries = states.flatMap((revs) => revs.map((record, r) => ({ revision: r + 1, record })));
      return fc.tuple(fc.constant(states), fc.shuffledSubarray([...deliveries, ...deliveries], { minLength: deliveries.length * 2 }));
    })
    .map(([states, deliveries]) => ({ now, finals: states.map((revs) => revs[revs.length - 1]!), deliveries })),
);

/** A subject state as workflow stores it (flat fields as Dates, apologies in the state). */
export function storedDocument(r: SubjectRecord, revision: number) {
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    _id: r.code,
    code: r.code,
    subject: r.subject,
    revision,
    agencyCode: r.agencyCode,
    procedureCode: r.procedureCode,
    phase: r.phase,
    statusCode: r.phase === 'closed' ? 10 : r.phase === 'open' ? 4 : 1,
    receivedAt: date(r.receivedAt),
    dueAt: date(r.dueAt),
    closedAt: r.phase === 'closed' ? date(r.endAt) : null,
    endAt: date(r.endAt),
    timeliness: r.timeliness,
    overdue: r.overdue,
    atRisk: r.atRisk,
    paused: r.paused,
    state: { phase: r.phase, subject: r.subject, apologies: r.apologies.map((t) => ({ issuedAt: new Date(t).toISOString() })), steps: [], lateAgencies: [] },
  };
}

/** Agency × procedure rows summed per procedure, as a list per procedure shows them, in a stable order. */
export function perProcedure(rows: readonly CountRow[]): CountRow[] {
  const out = new Map<string, CountRow>();
  for (const r of rows) {
    const seen = out.get(r.procedureCode);
    out.set(r.procedureCode, { ...addCounts(seen ?? emptyCounts(), r), agencyCode: ALL_AGENCIES, procedureCode: r.procedureCode });
  }
  return [...out.values()].sort((a, b) => a.procedureCode.localeCompare(b.procedureCode));
}

/** Agency × procedure rows summed per agency, as the roll-up gives them, in a stable order. */
export function perAgency(rows: readonly CountRow[]): CountRow[] {
  const out = new Map<string, CountRow>();
  for (const r of rows) {
    const seen = out.get(r.agencyCode);
    out.set(r.agencyCode, { ...addCounts(seen ?? emptyCounts(), r), agencyCode: r.agencyCode, procedureCode: ALL_PROCEDURES });
  }
  return [...out.values()].sort((a, b) => a.agencyCode.localeCompare(b.agencyCode));
}

/** The subjects at risk per agency × procedure, in a stable order: what the sub-scores share their savable points by. */
export function atRiskOf(rows: readonly CountRow[]): Array<Pick<CountRow, 'agencyCode' | 'procedureCode' | 'atRisk' | 'petitionsAtRisk'>> {
  return rows
    .filter((r) => r.atRisk + r.petitionsAtRisk > 0)
    .map((r) => ({ agencyCode: r.agencyCode, procedureCode: r.procedureCode, atRisk: r.atRisk, petitionsAtRisk: r.petitionsAtRisk }))
    .sort((a, b) => `${a.agencyCode}|${a.procedureCode}`.localeCompare(`${b.agencyCode}|${b.procedureCode}`));
}
