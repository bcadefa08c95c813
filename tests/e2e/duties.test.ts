import { ControllableClock, sleep, waitFor } from '@tthc/testkit';
import { dialogueCode, dutyFulfilledEvent } from './support/duty-events';
import { OTHER_PORTAL_KEY, PORTAL_KEY, getJson, postEvents, startStack, type Stack } from './support/stack';

/**
 * Periodic duties on the real stack with the shipped duties file (the leaders' dialogue every
 * 6 months for provinces and communes of the sample directory). sla and reporting run on a
 * ticking clock set near the end of 2026-H1, so a half-year ends within seconds.
 */
interface DutyItem {
  code: string;
  agencyCode: string;
  period: string;
  status: 'due' | 'done' | 'overdue';
  dueAt: string;
  fulfilment: { date: string; minutes: string | null; link: string | null } | null;
}
interface AlertItem {
  id: string;
  type: string;
  dossierCode: string;
  agencyCode: string;
}

const DUE_AT = '2026-07-01T00:00:00+07:00';
const code = (agency: string) => dialogueCode(agency);
const fulfilled = dutyFulfilledEvent;

describe('periodic duties, end to end on real Kafka, MongoDB and Redis', () => {
  let stack: Stack;
  const clock = new ControllableClock('2026-06-30T23:55:00+07:00', { ticking: true });
  beforeAll(async () => {
    stack = await startStack({ clock, slaEnv: { SLA_LATE_ARRIVAL_SETTLE_SECONDS: '1' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const duties = async (query = '', key?: string) => {
    const res = await getJson(`${stack.reportingUrl}/v1/duties${query}`, key);
    return { status: res.status, items: (res.body['items'] ?? []) as DutyItem[] };
  };
  const alertsOf = async (subject: string) => ((await getJson(`${stack.reportingUrl}/v1/alerts?dossierCode=${encodeURIComponent(subject)}`)).body['items'] as AlertItem[]);

  test('when a half-year ends without the dialogue, then one overdue alert is raised; a dialogue reported before the end closes its period with no alert', async () => {
    // Opened at start for every province and commune of the directory.
    const open = await waitFor('the 2026-H1 periods', async () => {
      const { items } = await duties('?status=due');
      return items.length >= 5 ? items : undefined;
    });
    expect(open.map((d) => d.agencyCode).sort()).toEqual(['G01', 'G01.001.000', 'G01.002.000', 'G01.101.000', 'G01.102.000']);
    expect(open.every((d) => d.period === '2026-H1' && Date.parse(d.dueAt) === Date.parse(DUE_AT))).toBe(true);

    const res = await postEvents(stack, fulfilled('G01.002.000'));
    expect(res.status).toBe(202);
    const done = await waitFor('the fulfilled period', async () => (await duties('?status=done')).items.find((d) => d.agencyCode === 'G01.002.000'));
    expect(done).toMatchObject({ code: code('G01.002.000'), period: '2026-H1', fulfilment: { date: '2026-06-15', minutes: 'Biên bản số 12/BB-UBND', link: null } });

    // Three seconds before the half-year ends; the reconciliation brings the timers forward.
    clock.set('2026-06-30T23:59:57+07:00');
    await stack.sla.reconcile('test');
    const raised = await waitFor('the overdue alert', async () => {
      const items = await alertsOf(code('G01.001.000'));
      return items.length > 0 ? items : undefined;
    }, { timeoutMs: 20_000 });
    await sleep(2000); // a second alert would arrive within it
    expect(await alertsOf(code('G01.001.000'))).toEqual(raised);
    expect(raised).toEqual([expect.objectContaining({ id: `overdue:${code('G01.001.000')}:duty:v1`, type: 'duty.overdue', agencyCode: 'G01.001.000' })]);
    expect(await alertsOf(code('G01.002.000'))).toEqual([]);

    const overdue = (await duties('?status=overdue')).items.map((d) => d.agencyCode).sort();
    expect(overdue).toEqual(['G01', 'G01.001.000', 'G01.101.000', 'G01.102.000']);
    expect((await duties('?status=done')).items.map((d) => d.code)).toEqual([code('G01.002.000')]);
  });

  test('when a key of another agency tries to fulfil or read a duty, then intake refuses it and reporting shows none of it', async () => {
    const res = await postEvents(stack, fulfilled('G01.001.000'), { key: OTHER_PORTAL_KEY });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: expect.stringContaining('forbidden-agency') });

    const other = await duties('', OTHER_PORTAL_KEY);
    expect(other).toEqual({ status: 200, items: [] });
    expect((await duties('?agency=G01.001.000', OTHER_PORTAL_KEY)).status).toBe(403);

    const own = await duties('', PORTAL_KEY);
    expect(own.status).toBe(200);
    expect(new Set(own.items.map((d) => d.agencyCode))).toEqual(new Set(['G01.001.000', 'G01.002.000']));
  });

  test('when the evidence has neither minutes nor link, then intake refuses the event naming the field', async () => {
    const res = await postEvents(stack, fulfilled('G01.001.000', { date: '2026-06-20' }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('/data/evidence/minutes');
  });
});
