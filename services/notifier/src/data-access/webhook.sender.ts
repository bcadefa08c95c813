import { createHmac } from 'node:crypto';
import type { Clock, WebhookSender } from '../domain/notification';

/**
 * Standard Webhooks signature: HMAC-SHA256 over `<id>.<timestamp>.<body>` with the secret's
 * base64 part (after `whsec_`) as the key, sent as `v1,<base64>`.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** POSTs the signed body; anything but a 2xx answer within the timeout is a failure to retry. */
export function createWebhookSender(opts: { clock: Clock; timeoutMs: number }): WebhookSender {
  return {
    async send(hook) {
      const timestamp = Math.floor(opts.clock.now().getTime() / 1000);
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': hook.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(hook.secret, hook.id, timestamp, hook.body),
          'user-agent': 'tthc-notifier',
        },
        body: hook.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      // The body is drained so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`);
    },
  };
}
