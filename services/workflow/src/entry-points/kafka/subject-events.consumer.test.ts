import { AppError } from '@tthc/platform';
import { toFact } from './subject-events.consumer';

const event = (extra: Record<string, unknown>) => ({
  specversion: '1.0',
  id: 'e-1',
  source: 'urn:portal:test',
  type: 'vn.tthc.dossier.resolved',
  time: '2026-11-25T10:00:00+07:00',
  data: { dossierCode: 'HS-1', agencyCode: 'G01.001.000', resolvedAt: '2026-11-25T10:00:00+07:00' },
  ...extra,
});
const message = (value: unknown) => ({ topic: 'events', partition: 0, message: { key: Buffer.from('HS-1'), value: Buffer.from(JSON.stringify(value)), offset: '0' } }) as never;

describe('reading the sender of a consumed event', () => {
  test('when intake stamped the event, then the fact keeps the key id and scope', () => {
    const parsed = toFact(message(event({ authtype: 'api_key', authid: 'a1b2', authclaims: 'G01.001.000,G02.*' })), 'alerts');
    expect(parsed?.fact.auth).toEqual({ id: 'a1b2', scope: 'G01.001.000,G02.*' });
  });

  test('when the event has no authclaims, then it is a system fact without a sender', () => {
    const parsed = toFact(message(event({ authid: 'a1b2' })), 'alerts');
    expect(parsed?.fact).not.toHaveProperty('auth');
    expect(parsed?.code).toBe('HS-1');
  });

  test('when the authclaims are not a scope, then the message is poison rather than trusted', () => {
    for (const authclaims of ['G0*1', 42, '']) {
      let thrown: unknown;
      try {
        toFact(message(event({ authclaims })), 'alerts');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe('invalid-auth-context');
    }
  });
});
