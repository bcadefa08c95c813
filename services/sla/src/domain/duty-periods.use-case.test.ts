import { memoryDuties } from '../../test/support/memory-duties';
import { DutyRefusedError, fulfilDuty, openDutyPeriods } from './duty-periods.use-case';

const H1 = 'DUTY:leaders-dialogue:G01.001.000:2026-H1';
const setup = memoryDuties;

const evidence = { date: '2026-04-20', minutes: 'BB 3/2026' };
const sender = { source: 'urn:portal:test', eventId: 'e-1', keyId: 'k1' };

describe('periodic duties in sla', () => {
  test('when periods are opened, then each province and commune gets its current half-year as an open deadline due at its end, and a second run changes nothing', async () => {
    const { deps, periods, mem } = setup();
    expect(await openDutyPeriods(deps)).toEqual({ opened: 2 });
    expect([...periods.keys()].sort()).toEqual([H1, 'DUTY:leaders-dialogue:G01.101.000:2026-H1']);
    const entry = await mem.repo.find(H1, 'duty');
    expect(entry).toMatchObject({ subject: 'duty', kind: 'duty', status: 'open', revision: 1, agencyCode: 'G01.001.000', dueAt: new Date('2026-07-01T00:00:00+07:00'), warn: true, escalate: true });
    expect(entry?.label).toContain('(kỳ 2026-H1)');
    expect(entry?.nextFireAt?.getTime()).toBeLessThan(Date.parse('2026-07-01T00:00:00+07:00'));
    await openDutyPeriods(deps);
    expect((await mem.repo.find(H1, 'duty'))?.revision).toBe(1);
  });

  test('when a duty is fulfilled, then its period is met with no next stage, the other agencies’ periods run on, and a repeated fulfilment keeps the first evidence', async () => {
    const { deps, periods, mem } = setup();
    await openDutyPeriods(deps);
    expect(await fulfilDuty({ dutyId: 'leaders-dialogue', agencyCode: 'G01.001.000', evidence }, sender, deps)).toEqual({ code: H1, recorded: true });
    expect(await mem.repo.find(H1, 'duty')).toMatchObject({ status: 'met', revision: 2, nextFireAt: null });
    expect((await mem.repo.find('DUTY:leaders-dialogue:G01.101.000:2026-H1', 'duty'))?.nextFireAt).not.toBeNull();
    expect(await fulfilDuty({ dutyId: 'leaders-dialogue', agencyCode: 'G01.001.000', evidence: { date: '2026-05-01', link: 'https://x.vn/b' } }, sender, deps)).toMatchObject({ recorded: false });
    expect(periods.get(H1)?.fulfilment).toMatchObject({ date: '2026-04-20', minutes: 'BB 3/2026', link: null, keyId: 'k1' });
  });

  test('when the fulfilment comes before the period was opened, then the later opening leaves it met', async () => {
    const { deps, mem } = setup();
    await fulfilDuty({ dutyId: 'leaders-dialogue', agencyCode: 'G01.001.000', evidence }, sender, deps);
    await openDutyPeriods(deps);
    expect(await mem.repo.find(H1, 'duty')).toMatchObject({ status: 'met', revision: 2 });
  });

  test('when the evidence is dated in another half-year, then it closes that period, not the current one', async () => {
    const { deps, mem } = setup();
    await openDutyPeriods(deps);
    const { code } = await fulfilDuty({ dutyId: 'leaders-dialogue', agencyCode: 'G01.001.000', evidence: { date: '2025-12-30', minutes: 'BB 9/2025' } }, sender, deps);
    expect(code).toBe('DUTY:leaders-dialogue:G01.001.000:2025-H2');
    expect((await mem.repo.find(H1, 'duty'))?.status).toBe('open');
  });

  test('when the duty is unknown or does not apply to the agency, then it is refused for good', async () => {
    const { deps } = setup();
    await expect(fulfilDuty({ dutyId: 'sipas-survey', agencyCode: 'G01.001.000', evidence }, sender, deps)).rejects.toMatchObject({ code: 'unknown-duty' });
    await expect(fulfilDuty({ dutyId: 'leaders-dialogue', agencyCode: 'B05', evidence }, sender, deps)).rejects.toBeInstanceOf(DutyRefusedError);
  });
});
