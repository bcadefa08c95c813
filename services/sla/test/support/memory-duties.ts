import { defaultCalendar } from '@tthc/calendar';
import { loadDutiesFile, SAMPLE_DUTIES_PATH } from '@tthc/catalog';
import { ControllableClock } from '@tthc/testkit';
import { parseDuration, parseDurationList } from '../../src/domain/duration';
import type { DutyDeps, DutyFulfilment, DutyPeriodRecord } from '../../src/domain/duty-periods.use-case';
import { createTimerPlanner } from '../../src/domain/timer-plan';
import { memoryDeadlines } from './memory-deadlines';

const NOW = new Date('2026-05-04T09:00:00+07:00');
const planner = createTimerPlanner(() => defaultCalendar(), { warningLead: parseDuration('1wd')!, escalationSteps: parseDurationList('1wd')! });

/**
 * The duty dependencies on the in-memory deadline store, with the shipped duties file, a
 * province, a commune and a ministry, on 4 May 2026 (2026-H1).
 */
export function memoryDuties() {
  const mem = memoryDeadlines(planner, NOW);
  const periods = new Map<string, DutyPeriodRecord & { fulfilment: DutyFulfilment | null }>();
  const deps: DutyDeps = {
    ...mem.deps,
    duties: loadDutiesFile(SAMPLE_DUTIES_PATH),
    agencies: [
      { code: 'G01.001.000', level: 'province' },
      { code: 'G01.101.000', level: 'commune' },
      { code: 'B05', level: 'ministry' },
    ],
    calendarFor: () => defaultCalendar(),
    clock: new ControllableClock(NOW),
    store: {
      open: async (records) => records.forEach((r) => void (periods.has(r.code) || periods.set(r.code, { ...r, fulfilment: null }))),
      fulfil: async (r, f) => {
        const p = periods.get(r.code) ?? { ...r, fulfilment: null };
        const recorded = p.fulfilment === null;
        periods.set(r.code, recorded ? { ...p, fulfilment: f } : p);
        return recorded;
      },
    },
  };
  return { deps, periods, mem };
}
