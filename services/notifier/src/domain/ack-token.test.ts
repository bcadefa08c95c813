import { signAckToken, verifyAckToken } from './ack-token';

const SECRET = 'secret-secret-secret-secret-1234';
const now = new Date('2026-03-09T02:00:00Z');
const inAWeek = new Date(now.getTime() + 7 * 86_400_000);
const token = signAckToken(SECRET, { alertId: 'overdue:D1:v1', recipientId: 'sub_0123456789abcdef01', expiresAt: inAWeek });

describe('acknowledgement link token', () => {
  test('when the token is checked for its alert before it expires, then it names its recipient and expiry', () => {
    expect(verifyAckToken(SECRET, 'overdue:D1:v1', token, now)).toEqual({ valid: true, recipientId: 'sub_0123456789abcdef01', expiresAt: new Date(Math.floor(inAWeek.getTime() / 1000) * 1000) });
  });

  test('when the token is for another alert, another secret, or its recipient or expiry was edited, then it is forged', () => {
    const [recipient, exp, sig] = token.split('.');
    expect(verifyAckToken(SECRET, 'overdue:D2:v1', token, now)).toEqual({ valid: false, reason: 'forged' });
    expect(verifyAckToken('another-secret-another-secret-12', 'overdue:D1:v1', token, now)).toEqual({ valid: false, reason: 'forged' });
    expect(verifyAckToken(SECRET, 'overdue:D1:v1', `sub_ffffffffffffffffff.${exp}.${sig}`, now)).toEqual({ valid: false, reason: 'forged' });
    expect(verifyAckToken(SECRET, 'overdue:D1:v1', `${recipient}.${Number(exp) + 86_400}.${sig}`, now)).toEqual({ valid: false, reason: 'forged' });
  });

  test('when the expiry has passed, then the token is expired; a forged expired token stays forged', () => {
    const later = new Date(inAWeek.getTime() + 1000);
    expect(verifyAckToken(SECRET, 'overdue:D1:v1', token, later)).toEqual({ valid: false, reason: 'expired' });
    expect(verifyAckToken(SECRET, 'overdue:D2:v1', token, later)).toEqual({ valid: false, reason: 'forged' });
  });

  test('when the token is not of the token shape, then it is malformed without any comparison', () => {
    for (const bad of ['', 'x', `${token}.x`, token.replace(/\.\d+\./, '.soon.'), `../${token}`, 'a'.repeat(5000)]) {
      expect(verifyAckToken(SECRET, 'overdue:D1:v1', bad, now)).toEqual({ valid: false, reason: 'malformed' });
    }
    expect(() => signAckToken(SECRET, { alertId: 'a', recipientId: 'has.dot', expiresAt: now })).toThrow(/recipient id/);
  });
});
