import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token of an e-mail's acknowledgement link: `<recipient>.<expiry>.<signature>`.
 *
 * Alert ids are predictable (`overdue:<dossier>:v1`), so the token, not the id, is what proves
 * the link was mailed to someone. It is bound to the alert (which is in the URL, not the token)
 * and to the recipient (the subscription the message went to), so a forwarded or leaked link
 * names who it was for and stops working when that subscription is deleted; it expires so an
 * old mailbox does not hold working links forever.
 */
export interface AckClaim {
  alertId: string;
  /** The subscription the message was delivered to. */
  recipientId: string;
  expiresAt: Date;
}

export type AckTokenCheck =
  | { valid: true; recipientId: string; expiresAt: Date }
  | { valid: false; reason: 'malformed' | 'forged' | 'expired' };

const TOKEN_PATTERN = /^([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

// The label keeps these MACs apart from anything else ever signed with the same secret; NUL
// separators cannot occur in ids, so no two claims share a signed text.
function mac(secret: string, alertId: string, recipientId: string, expiresAtSeconds: number): Buffer {
  return createHmac('sha256', secret).update(`tthc.ack-link.v1\0${alertId}\0${recipientId}\0${expiresAtSeconds}`).digest();
}

export function signAckToken(secret: string, claim: AckClaim): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(claim.recipientId)) throw new Error('recipient id cannot be carried in an ack token');
  const exp = Math.floor(claim.expiresAt.getTime() / 1000);
  return `${claim.recipientId}.${exp}.${mac(secret, claim.alertId, claim.recipientId, exp).toString('base64url')}`;
}

/** The signature is checked before the expiry, so a forged token is never reported as merely expired. */
export function verifyAckToken(secret: string, alertId: string, token: string, now: Date): AckTokenCheck {
  const m = TOKEN_PATTERN.exec(token);
  if (!m) return { valid: false, reason: 'malformed' };
  const [, recipientId = '', expText = '', sigText = ''] = m;
  const exp = Number(expText);
  const given = Buffer.from(sigText, 'base64url');
  const expected = mac(secret, alertId, recipientId, exp);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'forged' };
  if (exp * 1000 <= now.getTime()) return { valid: false, reason: 'expired' };
  return { valid: true, recipientId, expiresAt: new Date(exp * 1000) };
}
