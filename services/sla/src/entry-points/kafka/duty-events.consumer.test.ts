import { DUTY_FULFILLED_V1 } from '@tthc/contracts';
import { classifyFailure } from '@tthc/platform';
import { memoryDuties } from '../../../test/support/memory-duties';
import { dutyEventsHandler } from './duty-events.consumer';

const event = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: 'duty-1',
  source: 'urn:portal:test',
  type: DUTY_FULFILLED_V1,
  time: '2026-05-04T09:00:00+07:00',
  authtype: 'api_key',
  authid: 'k1',
  authclaims: 'G01.001.000',
  data: { dutyId: 'leaders-dialogue', agencyCode: 'G01.001.000', evidence: { date: '2026-04-20', minutes: 'BB 3/2026' }, ...data },
  ...over,
});
const message = (value: unknown) => ({ topic: 'duties', partition: 0, message: { key: Buffer.from('duty:leaders-dialogue:G01.001.000'), value: Buffer.from(JSON.stringify(value)), offset: '1' } }) as never;
const failureOf = async (p: Promise<unknown>) => classifyFailure(await p.then(() => null, (err: unknown) => err));

describe('duty events consumer', () => {
  test('when the stamped key covers the agency, then the period is fulfilled with the key id', async () => {
    const { deps, periods } = memoryDuties();
    await dutyEventsHandler(deps).handle(message(event()));
    expect(periods.get('DUTY:leaders-dialogue:G01.001.000:2026-H1')?.fulfilment).toMatchObject({ keyId: 'k1', eventId: 'duty-1', source: 'urn:portal:test' });
  });

  test('when the claims do not cover the agency or cannot be read, then the event is poison and nothing is recorded', async () => {
    const { deps, periods } = memoryDuties();
    const handle = dutyEventsHandler(deps).handle;
    expect(await failureOf(handle(message(event({ authclaims: 'G99.001.000' }))))).toMatchObject({ kind: 'poison', code: 'not-owner' });
    expect(await failureOf(handle(message(event({ authclaims: 'G01.*x' }))))).toMatchObject({ kind: 'poison', code: 'invalid-auth-context' });
    expect(periods.size).toBe(0);
  });

  test('when the duty does not apply to the agency, or the event is not a duty event, then it is poison with the reason', async () => {
    const { deps } = memoryDuties();
    const handle = dutyEventsHandler(deps).handle;
    expect(await failureOf(handle(message(event({ authclaims: '*' }, { agencyCode: 'B05' }))))).toMatchObject({ kind: 'poison', code: 'duty-not-applicable' });
    expect(await failureOf(handle(message(event({ type: 'vn.tthc.dossier.received' }))))).toMatchObject({ kind: 'poison', code: 'unknown-type' });
    expect(await failureOf(handle(message(event({}, { evidence: { date: '2026-04-20' } }))))).toMatchObject({ kind: 'poison', code: 'invalid-event' });
  });
});
