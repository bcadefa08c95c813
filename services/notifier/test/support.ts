import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { alertEventType, alertIdFor, slaAlertV1, type CloudEvent, type SlaAlertInputV1, type SlaAlertV1 } from '@tthc/contracts';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on port 0; `answer` decides each response status by path and count. */
export async function startWebhookReceiver(answer: (path: string, nth: number) => number = () => 200) {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const nth = received.filter((r) => r.path === path).length;
      res.writeHead(answer(path, nth)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    to: (path: string) => received.filter((r) => r.path === path),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A verifier written from the Standard Webhooks specification, independent of the service's
 * signer: key = base64 after `whsec_`, content `<id>.<timestamp>.<body>`, HMAC-SHA256, and a
 * space-separated list of `v1,<base64>` signatures of which one must match.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  if (!secret.startsWith('whsec_')) return false;
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Publishes alerts on the namespace's alerts topic the way the SLA service does. */
export async function alertPublisher(brokers: string, topic: string) {
  const kafka = new Kafka({ clientId: `notifier-test-${process.pid}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer();
  await producer.connect();
  return {
    async publish(alert: SlaAlertV1, times = 1) {
      const event: CloudEvent = { specversion: '1.0', id: alert.alertId, source: 'urn:tthc:sla', type: alertEventType(alert), time: alert.raisedAt, data: alert };
      const message = { key: alert.dossierCode, value: JSON.stringify(event) };
      await producer.send({ topic, acks: -1, messages: Array.from({ length: times }, () => message) });
    },
    async publishRaw(key: string, value: string) {
      await producer.send({ topic, acks: -1, messages: [{ key, value }] });
    },
    stop: () => producer.disconnect(),
  };
}

export function buildAlert(over: Partial<SlaAlertInputV1> & { dossierCode: string; agencyCode: string }): SlaAlertV1 {
  const base = {
    kind: 'overdue' as const,
    procedureCode: '1.001234',
    dueAt: '2026-03-06T17:00:00+07:00',
    deadlineVersion: 1,
    raisedAt: '2026-03-09T09:00:00+07:00',
    workingMinutesLate: 600,
    reason: 'appointment date passed while open',
    legalBasis: 'QĐ 766/QĐ-TTg; ND 118/2025/NĐ-CP (hẹn trả)',
    responsibleAgencyCode: null,
    label: null,
    ...over,
  };
  return slaAlertV1.parse({ alertId: alertIdFor({ kind: base.kind, dossierCode: base.dossierCode, deadlineVersion: base.deadlineVersion, level: base.level ?? 0 }), ...base });
}
