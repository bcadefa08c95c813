import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { Kafka, logLevel, type Producer, type RecordMetadata } from 'kafkajs';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { requireEnv, withDatabase } from '@tthc/testkit';
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
 * Checks a delivery with the reference library of the Standard Webhooks specification
 * (`standardwebhooks`), not with code of this project: what a receiver wiring that library sees.
 * The library checks the timestamp against `Date.now()` (5 minutes tolerance); tests whose
 * service runs on a controlled clock pass that clock's instant as `atMs`.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, atMs?: number): boolean {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') flat[name] = value;
  const realNow = Date.now;
  if (atMs !== undefined) Date.now = () => atMs;
  try {
    new Webhook(secret).verify(body, flat);
    return true;
  } catch (err) {
    if (err instanceof WebhookVerificationError) return false;
    throw err;
  } finally {
    Date.now = realNow;
  }
}

/** Publishes alerts on the namespace's alerts topic the way the SLA service does. */
export async function alertPublisher(brokers: string, topic: string) {
  const kafka = new Kafka({ clientId: `notifier-test-${process.pid}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer();
  await producer.connect();
  return {
    /** Resolves with where Kafka put the messages (partition and base offset). */
    async publish(alert: SlaAlertV1, times = 1): Promise<RecordMetadata[]> {
      const event: CloudEvent = { specversion: '1.0', id: alert.alertId, source: 'urn:tthc:sla', type: alertEventType(alert), time: alert.raisedAt, data: alert };
      const message = { key: alert.dossierCode, value: JSON.stringify(event) };
      return producer.send({ topic, acks: -1, messages: Array.from({ length: times }, () => message) });
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

/**
 * Environment of a notifier instance of its own (topics, consumer group, database and queue
 * prefix all named after `namespace`) on the shared test infrastructure.
 */
export function isolatedEnv(namespace: string, smtpPort: number, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PORT: '0',
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    KAFKA_TOPIC_NAMESPACE: namespace,
    CONSUMER_GROUP: `${namespace}-notifier`,
    MONGO_URL: withDatabase(requireEnv('MONGO_URL'), namespace),
    REDIS_URL: requireEnv('REDIS_URL'),
    QUEUE_PREFIX: namespace,
    API_KEYS: `${TEST_REFORM_KEY}:*:reform-office`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    ACK_SECRET: 'test-ack-secret-0123456789',
    DELIVERY_ATTEMPTS: '3',
    DELIVERY_BACKOFF_MS: '50',
    ESCALATE_AFTER: '2s',
    ...overrides,
  };
}

export const TEST_REFORM_KEY = 'recovery-reform-key';

export async function subscribeEmail(url: string, address: string, agencyCode: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${url}/v1/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_REFORM_KEY}` },
    body: JSON.stringify({ name: 'Người nhận', role: 'agency-manager', agencyCode, channel: { type: 'email', address }, ...extra }),
  });
  if (res.status !== 201) throw new Error(`subscription refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * A TCP relay in front of a real server, for taking a dependency away without stopping it for
 * the other suites: `cut()` drops every open connection and refuses new ones until `restore()`.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let cut = false;
  const server = createTcpServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    /** `url` with its host and port replaced by the relay's. */
    via(url: string): string {
      const u = new URL(url);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
