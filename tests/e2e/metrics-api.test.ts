import { dossierCode, receivedEvent, resolvedEvent, waitFor } from '@tthc/testkit';
import { REFORM_KEY, PORTAL_KEY, getJson, postEvents, startStack, type Stack } from './support/stack';

interface LateCases {
  items: Array<Record<string, unknown> & { agencyCode: string }>;
  totals: Record<string, number>;
}

describe('metrics from dossiers that went through intake and workflow', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('when one dossier passes its appointment and another is resolved early, then late cases and the overdue list show them', async () => {
    const agency = 'G01.002.000';
    const now = Date.now();
    const late = receivedEvent({ dossierCode: dossierCode(agency), agencyCode: agency, receivedAt: new Date(now - 60_000).toISOString(), appointmentAt: new Date(now + 1500).toISOString() });
    const early = receivedEvent({ dossierCode: dossierCode(agency), agencyCode: agency, receivedAt: new Date(now - 50_000).toISOString(), appointmentAt: new Date(now + 5 * 86_400_000).toISOString() });
    expect((await postEvents(stack, [late, early])).status).toBe(202);
    const resolved = resolvedEvent({ dossierCode: early.data.dossierCode, agencyCode: agency, resolvedAt: new Date(now - 10_000).toISOString() });
    expect((await postEvents(stack, resolved)).status).toBe(202);

    const url = `${stack.reportingUrl}/v1/metrics/late-cases?agency=${agency}`;
    const report = await waitFor(
      'both dossiers counted, one resolved and one overdue',
      async () => {
        const res = await getJson(url, REFORM_KEY);
        const body = res.body as unknown as LateCases;
        return body.totals?.toHandle === 2 && body.totals.openOverdue === 1 ? body : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(report.items).toEqual([expect.objectContaining({ agencyCode: agency, received: 2, toHandle: 2, openOverdue: 1, lateRate: 0.5, onTimeRate: 0.5 })]);
    expect(report.totals.resolvedEarly + report.totals.resolvedOnTime).toBe(1);

    const overdue = await waitFor('the SLA overdue flag in the list', async () => {
      const res = await getJson(`${stack.reportingUrl}/v1/dossiers?overdue=true&agency=${agency}`, REFORM_KEY);
      const items = (res.body as { items?: Array<{ code: string; workingDaysLate: number }> }).items ?? [];
      return items.length ? items : undefined;
    });
    expect(overdue.map((i) => i.code)).toEqual([late.data.dossierCode]);
    expect(overdue[0]!.workingDaysLate).toBeGreaterThanOrEqual(0);

    // The portal key of the same agencies reads its dossier list but not the metrics.
    expect((await getJson(url, PORTAL_KEY)).status).toBe(403);
    expect((await getJson(`${stack.reportingUrl}/v1/dossiers?overdue=true&agency=${agency}`, PORTAL_KEY)).status).toBe(200);
  });
});
