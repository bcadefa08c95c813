import { createHmac, timingSafeEqual } from 'node:crypto';

/** The token of an e-mail's acknowledgement link: HMAC-SHA256 over the alert id. */
export function ackToken(secret: string, alertId: string): string {
  return createHmac('sha256', secret).update(`ack:${alertId}`).digest('base64url');
}

export function verifyAckToken(secret: string, alertId: string, token: string): boolean {
  const expected = Buffer.from(ackToken(secret, alertId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
