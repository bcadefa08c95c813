/**
 * Acceptance of the SLA timer sequence on the full real path (intake → Kafka → workflow →
 * MongoDB → sla → BullMQ/Redis → alerts topic → workflow → reporting), with a short policy:
 * the warning 2 s before due and escalations 2 s and 4 s after it (plain seconds, the
 * tests-and-demos duration syntax of the sla README). Nothing here asserts how fast anything
 * happens; the waits only bound how long the test may take.
 */
import type { Redis } from 'ioredis';
import { loseRedisKeys, receivedEvent, sleep, waitFor } from '@tthc/testkit';
import { COLLECTIONS } from '@tthc/contracts';
import { getJson, postEvents, startStack, type Stack } from './support/stack';

interface AlertsBody {
  items: Array<{ id: string; type: string; dossierCode: string; dueAt: string; raisedAt: string }>;
}
interface DossierBody {
  overdue: boolean;
  history: Array<{ id: string; type: string }>;
}

const SEQUENCE_TIMEOUT = { timeoutMs: 30_000 };

describe('issue #5 acceptance: warning → due → escalation on the full stack', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ slaEnv: { SLA_WARNING_LEAD: '2s', SLA_ESCALATION_STEPS: '2s,4s' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const alerts = async (code: string) => ((await getJson(`${stack.reportingUrl}/v1/alerts?dossierCode=${encodeURIComponent(code)}`)).body as unknown as AlertsBody).items;
  const flags = async (code: string) => (await stack.mongo.collection(COLLECTIONS.dossiers).findOne({ _id: code } as never, { projection: { atRisk: 1, overdue: 1 } })) as { atRisk?: boolean; overdue?: boolean } | null;
  const expectedIds = (code: string) => [`warning:${code}:dossier:v1`, `overdue:${code}:v1`, `escalation:l1:${code}:dossier:v1`, `escalation:l2:${code}:dossier:v1`];

  /** Receives a dossier through intake with its appointment `aheadMs` from now. */
  async function receiveDueIn(aheadMs: number) {
    const appointmentAt = new Date(Date.now() + aheadMs);
    const event = receivedEvent({ appointmentAt: appointmentAt.toISOString() });
    expect((await postEvents(stack, event)).status).toBe(202);
    return { code: event.data.dossierCode, appointmentAt };
  }

  /** Waits for the whole sequence, then checks that each alert exists once, in order, and reached the dossier once. */
  async function expectSequenceOnce(code: string, appointmentAt: Date) {
    const items = await waitFor('all four alerts', async () => {
      const list = await alerts(code);
      return expectedIds(code).every((id) => list.some((a) => a.id === id)) ? list : undefined;
    }, SEQUENCE_TIMEOUT);
    const inOrder = [...items].sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt));
    expect(inOrder.map((a) => a.id)).toEqual(expectedIds(code));
    expect(inOrder.map((a) => a.type)).toEqual(['deadline.warning', 'dossier.overdue', 'deadline.escalated', 'deadline.escalated']);
    expect(inOrder.every((a) => Date.parse(a.dueAt) === appointmentAt.getTime())).toBe(true);
    expect(Date.parse(inOrder[0]!.raisedAt)).toBeLessThan(appointmentAt.getTime());
    expect(Date.parse(inOrder[1]!.raisedAt)).toBeGreaterThanOrEqual(appointmentAt.getTime());

    const view = await waitFor('every alert to reach the dossier history', async () => {
      const res = await getJson(`${stack.reportingUrl}/v1/dossiers/${encodeURIComponent(code)}`);
      const body = res.body as unknown as DossierBody;
      return res.status === 200 && expectedIds(code).every((id) => body.history.some((h) => h.id === id)) ? body : undefined;
    });
    expect(view.overdue).toBe(true);
    expect(await flags(code)).toMatchObject({ atRisk: false, overdue: true });

    // A further reconciliation and a moment for stray firings must not raise anything again.
    await stack.sla.reconcile('acceptance');
    await sleep(1500);
    expect((await alerts(code)).map((a) => a.id).sort()).toEqual(expectedIds(code).sort());
    const history = ((await getJson(`${stack.reportingUrl}/v1/dossiers/${encodeURIComponent(code)}`)).body as unknown as DossierBody).history;
    for (const id of expectedIds(code)) expect({ id, times: history.filter((h) => h.id === id).length }).toEqual({ id, times: 1 });
  }

  test('when a dossier is received with its appointment 7 s ahead, then warning, overdue, escalation 1 and 2 come in that order, each once, and the dossier turns at risk then overdue', async () => {
    const { code, appointmentAt } = await receiveDueIn(7000);
    await waitFor('the dossier to be at risk', async () => (await flags(code))?.atRisk === true, SEQUENCE_TIMEOUT);
    await waitFor('the dossier to be overdue', async () => {
      const f = await flags(code);
      return f?.overdue === true && f.atRisk === false;
    }, SEQUENCE_TIMEOUT);
    await expectSequenceOnce(code, appointmentAt);
  });

  test('when Redis loses the queue keys after the warning and sla reconciles, then the loader brings back the next timer, overdue and both escalations still come, and every alert exists once', async () => {
    const { code, appointmentAt } = await receiveDueIn(8000);
    await waitFor('the warning', async () => (await alerts(code)).some((a) => a.id === `warning:${code}:dossier:v1`), SEQUENCE_TIMEOUT);

    // Every key of this stack's queue prefix (only those: other test files share this Redis) is
    // lost at one instant while sla keeps writing.
    const redis = (await stack.sla.queue.client) as unknown as Redis;
    const deleted = await loseRedisKeys(redis, `${stack.namespace}:`);
    expect(deleted).toBeGreaterThan(0);

    const result = await stack.sla.reconcile('acceptance-redis-loss');
    // A deadline holds one timer, its next stage. The warning's alert is stored, so the loader
    // recreates the due timer (or a snapshot sla consumed meanwhile did), never the warning;
    // the escalations follow as each firing hands over to the next stage.
    expect(result.recreated.filter((r) => r.subjectCode === code).map((r) => r.stage)).not.toContain('warning');
    const state = await (await stack.sla.queue.getJob(`due.${encodeURIComponent(code)}.v1`))?.getState();
    // Read after the job: a job that completed meanwhile stored its alert before completing.
    const raised = (await stack.mongo.collection(COLLECTIONS.alerts).countDocuments({ _id: `overdue:${code}:v1` } as never)) === 1;
    expect({ pending: raised || ['delayed', 'waiting', 'active', 'completed'].includes(state ?? 'missing') }).toEqual({ pending: true });
    await expectSequenceOnce(code, appointmentAt);
  });
});
