import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress } from '../domain/egress-policy';
import { PermanentDeliveryError, type Clock, type WebhookSender } from '../domain/notification';

/** Receivers answer with a status; a body beyond this is not worth a byte of our memory. */
export const MAX_WEBHOOK_RESPONSE_BYTES = 64 * 1024;

/**
 * Standard Webhooks signature: HMAC-SHA256 over `<id>.<timestamp>.<body>` with the secret's
 * base64 part (after `whsec_`) as the key, sent as `v1,<base64>`.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** Resolves a host name to every address it has (the system resolver unless a test injects one). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

class EgressRefused extends PermanentDeliveryError {}

function refusal(host: string, address: string, range: string): EgressRefused {
  const shown = host === address ? address : `${host} resolves to ${address}`;
  return new EgressRefused(`webhook refused: ${shown}, which is ${range}; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow non-public addresses`);
}

/**
 * A `lookup` for node's sockets that judges every address a name resolves to and hands the
 * socket only those it judged. Checking at connect time, on the very addresses connected to,
 * is what defeats DNS rebinding (a name public at subscription time, private at delivery).
 */
export function guardedLookup(resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (all) => {
        const family = typeof options === 'object' && options.family ? Number(options.family) : 0;
        const addresses = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        // One refused address refuses the name: a round-robin answer would otherwise reach it on some attempts.
        for (const a of addresses) {
          const verdict = classifyAddress(a.address);
          if (!verdict.allowed) return callback(refusal(hostname, a.address, verdict.range), '', 0);
        }
        const first = addresses[0];
        if (!first) {
          const err = Object.assign(new Error(`webhook host ${hostname} has no address`), { code: 'ENOTFOUND' });
          return callback(err, '', 0);
        }
        if (typeof options === 'object' && options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        return callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export interface WebhookSenderOptions {
  clock: Clock;
  timeoutMs: number;
  /** Lets webhooks reach loopback and private networks (tests, closed deployments). */
  allowPrivateNetworks: boolean;
  resolver?: Resolver;
  maxResponseBytes?: number;
}

/**
 * POSTs the signed body with node's http(s) client; anything but a 2xx answer within the
 * timeout is a failure to retry, and a refused address is a permanent failure. Redirects are
 * not followed (a 3xx is a failure), so a public receiver cannot bounce us to a private one.
 */
export function createWebhookSender(opts: WebhookSenderOptions): WebhookSender & { close(): void } {
  const resolver = opts.resolver ?? systemResolver;
  const lookup = opts.allowPrivateNetworks ? undefined : guardedLookup(resolver);
  const maxBytes = opts.maxResponseBytes ?? MAX_WEBHOOK_RESPONSE_BYTES;
  const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 50 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 50 }) };

  return {
    async send(hook) {
      const url = new URL(hook.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentDeliveryError(`webhook refused: protocol ${url.protocol} is not http(s)`);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // Sockets skip `lookup` for IP literals, so those are judged here.
      if (!opts.allowPrivateNetworks && isIP(host)) {
        const verdict = classifyAddress(host);
        if (!verdict.allowed) throw refusal(host, host, verdict.range);
      }
      const timestamp = Math.floor(opts.clock.now().getTime() / 1000);
      const body = Buffer.from(hook.body, 'utf8');
      const headers = {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'webhook-id': hook.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(hook.secret, hook.id, timestamp, hook.body),
        'user-agent': 'tthc-notifier',
      };
      const status = await new Promise<number>((resolve, reject) => {
        const client = url.protocol === 'https:' ? https : http;
        const req = client.request(url, { method: 'POST', headers, agent: agents[url.protocol as 'http:' | 'https:'], ...(lookup ? { lookup } : {}) }, (res) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            // The status is already known; the rest of an oversized body is not read at all.
            if (read > maxBytes) {
              res.destroy();
              req.destroy();
              resolve(res.statusCode ?? 0);
            }
          });
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(res.statusCode ?? 0));
        });
        const timer = setTimeout(() => req.destroy(new Error(`webhook timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
        req.on('close', () => clearTimeout(timer));
        req.on('error', (err) => {
          clearTimeout(timer);
          reject(err instanceof PermanentDeliveryError ? err : new Error(`webhook failed: ${err.message}`));
        });
        req.end(body);
      });
      if (status < 200 || status >= 300) throw new Error(`webhook answered ${status}`);
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
