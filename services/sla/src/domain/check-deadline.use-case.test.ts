import { ControllableClock } from '@tthc/testkit';
import { checkDeadline } from './check-deadline.use-case';
import type { Alert, AlertRepository, Deadline, DeadlineRepository } from './deadline';

function fakes(deadline: Deadline | null) {
  const alerts = new Map<string, Alert>();
  const published: Alert[] = [];
  const deadlines: DeadlineRepository = {
    find: async () => deadline,
    upsertIfNewer: async (d) => ({ previous: deadline, stored: d }),
    markOverdue: async (_c, _v, at) => {
      if (deadline) deadline.overdueAt = at;
    },
  };
  const alertRepo: AlertRepository = {
    insertOnce: async (a) => {
      const existing = alerts.get(a.id);
      if (existing) return existing;
      alerts.set(a.id, { ...a });
      return a;
    },
    markPublished: async (id, at) => {
      alerts.get(id)!.publishedAt = at;
    },
  };
  return { deadlines, alerts: alertRepo, published, publisher: { publish: async (a: Alert) => void published.push(a) } };
}

const open = (): Deadline => ({
  dossierCode: 'D-1',
  agencyCode: 'G01',
  procedureCode: 'P1',
  phase: 'open',
  dueAt: new Date('2026-03-05T10:00:00Z'),
  deadlineVersion: 1,
  revision: 1,
  overdueAt: null,
});

describe('deadline check', () => {
  test('when the timer fires after the due instant, then one alert is stored and published however often it fires', async () => {
    const clock = new ControllableClock('2026-03-05T10:00:00.200Z');
    const f = fakes(open());
    const deps = { deadlines: f.deadlines, alerts: f.alerts, publisher: f.publisher, clock };
    expect(await checkDeadline({ dossierCode: 'D-1', deadlineVersion: 1 }, deps)).toEqual({ outcome: 'raised', alertId: 'overdue:D-1:v1', dueAt: new Date('2026-03-05T10:00:00Z') });
    clock.advance(60_000);
    expect(await checkDeadline({ dossierCode: 'D-1', deadlineVersion: 1 }, deps)).toEqual({ outcome: 'already-raised', alertId: 'overdue:D-1:v1', dueAt: new Date('2026-03-05T10:00:00Z') });
    expect(f.published).toHaveLength(1);
    expect(f.published[0]?.raisedAt.toISOString()).toBe('2026-03-05T10:00:00.200Z');
  });

  test('when the timer fires early, then it is told to wait until the due instant', async () => {
    const clock = new ControllableClock('2026-03-05T09:59:59Z');
    const f = fakes(open());
    const out = await checkDeadline({ dossierCode: 'D-1', deadlineVersion: 1 }, { ...f, clock });
    expect(out).toEqual({ outcome: 'not-due-yet', dueAt: new Date('2026-03-05T10:00:00Z') });
    expect(f.published).toHaveLength(0);
  });

  test('when the dossier closed or the deadline moved, then nothing is raised', async () => {
    const clock = new ControllableClock('2026-03-06T00:00:00Z');
    const closed = fakes({ ...open(), phase: 'closed' });
    expect(await checkDeadline({ dossierCode: 'D-1', deadlineVersion: 1 }, { ...closed, clock })).toEqual({ outcome: 'closed' });
    const moved = fakes({ ...open(), deadlineVersion: 2 });
    expect(await checkDeadline({ dossierCode: 'D-1', deadlineVersion: 1 }, { ...moved, clock })).toEqual({ outcome: 'stale' });
    expect(closed.published.length + moved.published.length).toBe(0);
  });

  test('when publishing failed after the alert was stored, then the retry publishes the same alert id', async () => {
    const clock = new ControllableClock('2026-03-05T11:00:00Z');
    const f = fakes(open());
    let fail = true;
    const publisher = {
      publish: async (a: Alert) => {
        if (fail) throw new Error('kafka down');
        f.published.push(a);
      },
    };
    await expect(checkDeadline({ dossierCode: 'D-1', deadlineVersion: 1 }, { ...f, publisher, clock })).rejects.toThrow('kafka down');
    fail = false;
    expect(await checkDeadline({ dossierCode: 'D-1', deadlineVersion: 1 }, { ...f, publisher, clock })).toEqual({ outcome: 'raised', alertId: 'overdue:D-1:v1', dueAt: new Date('2026-03-05T10:00:00Z') });
    expect(f.published.map((a) => a.id)).toEqual(['overdue:D-1:v1']);
  });
});
