import { defaultCalendar } from '@tthc/calendar';
import type { DigestRunLog, EscalationCursor, OpenDelivery, Page, PendingEscalation } from './notification';
import { dueInstant, missedDigestDate, reconcileJobs, type ReconcileDeps } from './reconcile-jobs.use-case';

const calendar = defaultCalendar();
const at = (iso: string) => new Date(iso);
const LEASE_MS = 120_000;

/** Keyset pages over a sorted list, as the repositories serve them. */
function pages<T, C>(items: T[], cursorOf: (t: T) => C, after: (t: T, c: C) => boolean) {
  const calls: Array<C | null> = [];
  const list = async (cursor: C | null, limit: number): Promise<Page<T, C>> => {
    calls.push(cursor);
    const rest = cursor === null ? items : items.filter((t) => after(t, cursor));
    const page = rest.slice(0, limit);
    return { items: page, next: page.length === limit ? cursorOf(page[page.length - 1]!) : null };
  };
  return { list, calls };
}

function world(opts: { present?: string[]; runs?: string[]; digestAt?: string | null } = {}) {
  const deliveries: OpenDelivery[] = Array.from({ length: 7 }, (_, i) => ({ id: `d${i}`, status: 'scheduled', scheduledFor: at('2026-03-09T01:00:00Z'), sendingSince: null }));
  const escalations: PendingEscalation[] = Array.from({ length: 5 }, (_, i) => ({ alertId: `a${i}`, level: 1, at: at(`2026-03-09T0${i}:00:00Z`) }));
  const present = new Set(opts.present ?? []);
  const ensured: string[] = [];
  const ensure = async (id: string) => {
    ensured.push(id);
    if (present.has(id)) return false;
    present.add(id);
    return true;
  };
  const runs = new Set(opts.runs ?? []);
  const digestRuns: Pick<DigestRunLog, 'isDone' | 'anyBefore'> = { isDone: async (d) => runs.has(d), anyBefore: async (d) => [...runs].some((r) => r < d) };
  const queuedRuns: string[] = [];
  const deliveryPages = pages(deliveries, (d) => d.id, (d, c: string) => d.id > c);
  const escalationPages = pages(
    escalations,
    (e): EscalationCursor => ({ at: e.at, alertId: e.alertId }),
    (e, c: EscalationCursor) => e.at > c.at || (e.at.getTime() === c.at.getTime() && e.alertId > c.alertId),
  );
  const recreatedCounts: Record<string, number> = {};
  const deps: ReconcileDeps = {
    deliveries: { listOpen: deliveryPages.list },
    alertRecords: { listPendingEscalations: escalationPages.list },
    deliveryScheduler: { ensure: (id) => ensure(id) },
    escalationScheduler: { ensureCheck: (alertId, level) => ensure(`${alertId}.l${level}`) },
    schedules: { ensure: async () => (present.has('digest-schedule') ? [] : (present.add('digest-schedule'), ['digest-schedule'])) },
    digest:
      opts.digestAt === null
        ? null
        : {
            runs: digestRuns,
            ensureRun: async (date) => {
              queuedRuns.push(date);
              return true;
            },
            at: opts.digestAt ?? '07:30',
            calendar,
          },
    clock: { now: () => at('2026-03-09T03:00:00Z') }, // 10:00 in Hà Nội
    sendLeaseMs: LEASE_MS,
    onRecreated: (kind, count) => void (recreatedCounts[kind] = (recreatedCounts[kind] ?? 0) + count),
  };
  return { deps, ensured, queuedRuns, recreatedCounts, deliveryPages, escalationPages };
}

describe('reconcile jobs', () => {
  test('when open deliveries and pending checks span several pages, then each is ensured once and only the missing jobs count as recreated', async () => {
    const w = world({ present: ['d1', 'd4', 'a2.l1'], runs: ['2026-03-09'] });
    const result = await reconcileJobs(w.deps, { pageSize: 3 });
    expect(result).toEqual({ deliveries: 7, escalations: 5, recreated: { deliveries: 5, escalations: 4, schedules: ['digest-schedule'], digestRun: null } });
    expect(w.ensured.sort()).toEqual(['a0.l1', 'a1.l1', 'a2.l1', 'a3.l1', 'a4.l1', 'd0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    expect(w.deliveryPages.calls).toEqual([null, 'd2', 'd5']);
    expect(w.escalationPages.calls).toHaveLength(2);
    expect(w.recreatedCounts).toEqual({ schedule: 1, delivery: 5, escalation: 4 });
  });

  test('when everything is in place, then a second run recreates nothing', async () => {
    const w = world({ runs: ['2026-03-08', '2026-03-09'] });
    await reconcileJobs(w.deps, { pageSize: 100 });
    const again = await reconcileJobs(w.deps, { pageSize: 100 });
    expect(again.recreated).toEqual({ deliveries: 0, escalations: 0, schedules: [], digestRun: null });
  });

  test("when today's digest time passed without a completed run on a service that ran digests before, then the day's run is queued", async () => {
    const w = world({ runs: ['2026-03-06'] });
    expect((await reconcileJobs(w.deps, { pageSize: 100 })).recreated.digestRun).toBe('2026-03-09');
    expect(w.queuedRuns).toEqual(['2026-03-09']);
    expect(w.recreatedCounts['digest-run']).toBe(1);
  });

  test('when the digest time has not come, today ran already, no digest ever ran or digests are off, then no run is made up', async () => {
    const runs = { isDone: async (d: string) => d === '2026-03-09', anyBefore: async (d: string) => d > '2026-03-01' };
    const none = { isDone: async () => false, anyBefore: async () => false };
    expect(await missedDigestDate({ runs, at: '10:01', calendar }, at('2026-03-09T03:00:00Z'))).toBeNull();
    expect(await missedDigestDate({ runs, at: '07:30', calendar }, at('2026-03-09T03:00:00Z'))).toBeNull();
    expect(await missedDigestDate({ runs: none, at: '07:30', calendar }, at('2026-03-09T03:00:00Z'))).toBeNull();
    expect(await missedDigestDate({ runs, at: '07:30', calendar }, at('2026-03-10T00:30:00Z'))).toBe('2026-03-10');
    const off = world({ digestAt: null, runs: ['2026-03-06'] });
    expect((await reconcileJobs(off.deps, { pageSize: 100 })).recreated.digestRun).toBeNull();
  });

  test('when a delivery holds a send lease, then its job is due when the lease ends, and a scheduled one at its instant', () => {
    const scheduledFor = at('2026-03-09T01:00:00Z');
    expect(dueInstant({ id: 'x', status: 'scheduled', scheduledFor, sendingSince: null }, LEASE_MS)).toEqual(scheduledFor);
    expect(dueInstant({ id: 'x', status: 'sending', scheduledFor, sendingSince: at('2026-03-09T02:00:00Z') }, LEASE_MS)).toEqual(at('2026-03-09T02:02:00Z'));
  });
});
