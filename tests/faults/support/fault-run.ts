import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { COLLECTIONS, topicsFor } from '@tthc/contracts';
import { sleep, startProcessStack, startSmtpSink, type ClusterInfra, type ProcessStack, type SmtpSink } from '@tthc/testkit';

/**
 * The fault-injection harness: the services as separate processes (two instances of workflow,
 * sla and notifier) on the local three-broker cluster, a portal that keeps posting the way a
 * real one does (retrying 503 and dropped connections), and counters read from the outside:
 * the alerts sla stored and Kafka acknowledged, the stored subjects, the e-mails a manager receives.
 */
export const PORTAL_KEY = 'faults-portal-key-0000000000000001';
export const MANAGER_KEY = 'faults-manager-key-000000000000001';
const AGENCY = 'G01.001.000';
const API_KEYS = `${PORTAL_KEY}:${AGENCY}:portal;${MANAGER_KEY}:${AGENCY}:agency-manager`;
const MANAGER_MAIL = 'truong.phong@faults.example.vn';

export interface FaultRow {
  scenario: string;
  eventsSent: number;
  stored: number;
  alertsExpected: number;
  raised: number;
  duplicates: number;
  delivered: number;
  secondsToRecover: number;
}

export interface FaultContext {
  infra: ClusterInfra;
  stack: ProcessStack;
  smtp: SmtpSink;
  /** Restarts the SMTP sink on the same port (after a test stopped it). */
  restartSmtp(): Promise<void>;
}

export interface Scenario {
  name: string;
  dossiers: number;
  /** Dossiers posted first with a far appointment: open deadlines the fault must not disturb. */
  background?: number;
  /** Seconds between a dossier's reception and its appointment (its overdue alert). */
  dueInSeconds: number;
  /** Runs while (or after) the events stream; resolves when the fault is lifted. */
  fault(ctx: FaultContext, streamed: Promise<void>): Promise<void>;
  /** How long the system may take, after the fault is lifted, to show every fact, alert and e-mail. */
  recoverWithinSeconds: number;
}

export interface FaultHarness {
  run(s: Scenario): Promise<FaultRow>;
  stop(): Promise<void>;
  ctx: FaultContext;
}

export async function startFaultHarness(infra: ClusterInfra): Promise<FaultHarness> {
  let smtp = await startSmtpSink();
  const smtpPort = smtp.port;
  // Messages of sinks stopped by a scenario (to make deliveries fail) still count.
  const mails: Array<{ subject: string }> = [];
  const stack = await startProcessStack({
    infra,
    instances: { workflow: 2, sla: 2, notifier: 2 },
    env: { API_KEYS, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    serviceEnv: {
      sla: { SLA_LATE_ARRIVAL_SETTLE_SECONDS: '1', RECONCILE_EVERY_SECONDS: '10' },
      notifier: {
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtpPort),
        ACK_SECRET: 'faults-ack-secret-0123456789abcdefghij',
        // Every level goes out at once, whatever the hour of the run.
        URGENT_LEVEL: '0',
        DIGEST_ENABLED: 'false',
        RECONCILE_EVERY_SECONDS: '10',
        DELIVERY_BACKOFF_MS: '1000',
      },
    },
    readyTimeoutMs: 120_000,
  });
  const ctx: FaultContext = {
    infra,
    stack,
    get smtp() {
      return smtp;
    },
    async restartSmtp() {
      mails.push(...smtp.messages);
      await smtp.stop().catch(() => undefined);
      smtp = await startSmtpSink({ port: smtpPort });
    },
  };
  const allMails = () => [...mails, ...smtp.messages];

  const res = await fetch(`${stack.url('notifier')}/v1/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MANAGER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Trưởng phòng', role: 'agency-manager', agencyCode: AGENCY, kinds: ['overdue'], channel: { type: 'email', address: MANAGER_MAIL }, digest: false }),
  });
  if (res.status !== 201) throw new Error(`subscription refused: ${res.status} ${await res.text()}`);

  const mongo: Connection = await mongoose.createConnection(stack.mongoUrl, { serverSelectionTimeoutMS: 60_000 }).asPromise();

  return {
    ctx,
    async run(s) {
      const started = Date.now();
      process.stderr.write(`[faults] ${s.name}: ${s.background ? `${s.background} open deadlines, then ` : ''}${s.dossiers} dossiers due in ${s.dueInSeconds} s …\n`);
      const prefix = `FLT-${randomUUID().slice(0, 6)}`;
      const codes = Array.from({ length: s.dossiers }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
      if (s.background) {
        const open = Array.from({ length: s.background }, (_, i) => `${prefix}-OPEN-${String(i).padStart(7, '0')}`);
        await stream(stack.url('intake'), open, 30 * 24 * 3600);
        const openStored = storedCounter(mongo, open);
        await waitUntil(async () => (await openStored()) === open.length, 30 * 60);
      }
      const streamed = stream(stack.url('intake'), codes, s.dueInSeconds);
      await s.fault(ctx, streamed);
      const liftedAt = Date.now();
      const sent = await streamed;
      const deadline = liftedAt + s.recoverWithinSeconds * 1000;
      const countStored = storedCounter(mongo, codes);
      const measure = async () => {
        const stored = await countStored();
        const raised = await countPublishedOverdue(mongo, prefix);
        const mailsFor = allMails().filter((m) => m.subject.includes(prefix));
        const perDossier = new Map<string, number>();
        // Read off the subject, not searched among the codes: that search was quadratic and took
        // a core from the services it measures once thousands of mails had arrived.
        const codeIn = new RegExp(`${prefix}-\\d{6}`);
        for (const m of mailsFor) {
          const code = codeIn.exec(m.subject)?.[0] ?? m.subject;
          perDossier.set(code, (perDossier.get(code) ?? 0) + 1);
        }
        const duplicateMails = [...perDossier.values()].reduce((n, k) => n + Math.max(0, k - 1), 0);
        return { stored, raised, delivered: perDossier.size, duplicates: duplicateMails };
      };
      let m = await measure();
      while (Date.now() < deadline && (m.stored < codes.length || m.raised < codes.length || m.delivered < codes.length)) {
        // The MongoDB stand-in is the pipeline's bottleneck; the probe must not be the one slowing it.
        await sleep(codes.length > 1000 ? 3000 : 1000);
        m = await measure();
      }
      const recovered = (Date.now() - liftedAt) / 1000;
      if (m.stored < codes.length || m.raised < codes.length || m.delivered < codes.length) process.stderr.write(await diagnose(stack) + (await lagOf(infra.kafkaBrokers, stack.namespace)));
      // A late duplicate would come after the counts complete: look once more a little later.
      await sleep(3000);
      m = await measure();
      if (process.env.FAULTS_LOG_DIR) keepLogs(stack, path.join(process.env.FAULTS_LOG_DIR, s.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()));
      process.stderr.write(`[faults] ${s.name}: stored ${m.stored}/${codes.length}, raised ${m.raised}, delivered ${m.delivered}, duplicates ${m.duplicates}, recovered in ${recovered.toFixed(1)} s (scenario ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      return {
        scenario: s.name,
        eventsSent: sent,
        stored: m.stored,
        alertsExpected: codes.length,
        raised: m.raised,
        duplicates: m.duplicates,
        delivered: m.delivered,
        secondsToRecover: Math.round(recovered * 10) / 10,
      };
    },
    async stop() {
      await stack.stop();
      await mongo.close();
      await smtp.stop();
    },
  };
}

/** Intake's answers per status over the whole run (accepted, duplicate), for the diagnosis. */
const statuses = new Map<string, number>();

/** Posts a reception and a processing start per dossier, in batches, retrying like a portal. */
async function stream(intakeUrl: string, codes: string[], dueInSeconds: number): Promise<number> {
  let accepted = 0;
  const batchSize = 100;
  for (let i = 0; i < codes.length; i += batchSize) {
    const now = Date.now();
    const events = codes.slice(i, i + batchSize).flatMap((code) => {
      const receivedAt = new Date(now - 60_000).toISOString();
      const appointmentAt = new Date(now + dueInSeconds * 1000).toISOString();
      return [
        { specversion: '1.0', id: `${code}-r`, source: 'urn:portal:faults', type: 'vn.tthc.dossier.received', time: receivedAt, data: { dossierCode: code, procedureCode: '1.001234', agencyCode: AGENCY, receivedAt, appointmentAt } },
        { specversion: '1.0', id: `${code}-p`, source: 'urn:portal:faults', type: 'vn.tthc.dossier.processing-started', time: receivedAt, data: { dossierCode: code, agencyCode: AGENCY, occurredAt: new Date(now - 30_000).toISOString() } },
      ];
    });
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${intakeUrl}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PORTAL_KEY}`, 'content-type': 'application/cloudevents-batch+json' },
          body: JSON.stringify(events),
          signal: AbortSignal.timeout(30_000),
        });
        if (res.status === 202) {
          const body = (await res.json()) as { results: Array<{ status: string }> };
          accepted += body.results.length;
          for (const r of body.results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          break;
        }
        await res.arrayBuffer();
      } catch {
        // intake down or restarting: a portal retries
      }
      if (attempt > 600) throw new Error('intake never accepted the batch');
      await sleep(500);
    }
  }
  return accepted;
}

async function waitUntil(done: () => Promise<boolean>, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`not done within ${seconds} s`);
    await sleep(1000);
  }
}

/**
 * Counts the dossiers stored with both facts (reception and processing start). A dossier found
 * complete stays complete, so each call reads only the ones not found yet, by `_id` alone: the
 * MongoDB stand-in answers an `_id` lookup from its index but scans every subject for any other
 * filter, which made counting the 100 000 dossiers of the long sla-restart run the bottleneck.
 * Answers -1 while the store does not answer.
 */
function storedCounter(mongo: Connection, codes: readonly string[]): () => Promise<number> {
  let missing = [...codes];
  return async () => {
    const still: string[] = [];
    try {
      for (let i = 0; i < missing.length; i += 1000) {
        const chunk = missing.slice(i, i + 1000);
        const docs = (await mongo
          .collection(COLLECTIONS.dossiers)
          .find({ _id: { $in: chunk } } as never, { projection: { 'history.type': 1 } })
          .toArray()) as unknown as Array<{ _id: string; history?: Array<{ type?: string }> }>;
        const complete = new Set(docs.filter((d) => d.history?.some((f) => f.type === 'vn.tthc.dossier.processing-started')).map((d) => d._id));
        for (const code of chunk) if (!complete.has(code)) still.push(code);
      }
    } catch {
      return -1;
    }
    missing = still;
    return codes.length - missing.length;
  };
}

/**
 * Overdue alerts of this scenario that sla stored and Kafka acknowledged (the outbox sets
 * `publishedAt` only then), one per alert id. Read from the store rather than from a consumer of
 * the alerts topic kept open for the whole run: a plain kafkajs consumer did not always come
 * back after the Kafka-outage scenario, and then counted nothing while every e-mail went out.
 */
async function countPublishedOverdue(mongo: Connection, prefix: string): Promise<number> {
  try {
    return await mongo
      .collection(COLLECTIONS.alerts)
      .countDocuments({ kind: 'overdue', dossierCode: { $regex: `^${prefix}-` }, publishedAt: { $ne: null } } as never);
  } catch {
    return -1;
  }
}

export function formatTable(rows: FaultRow[]): string {
  const head = ['scenario', 'events sent', 'stored', 'alerts expected', 'raised', 'duplicates', 'messages delivered', 's to recover'];
  const cells = rows.map((r) => [r.scenario, r.eventsSent, r.stored, r.alertsExpected, r.raised, r.duplicates, r.delivered, r.secondsToRecover].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** What each process says of itself when a scenario did not recover: readiness and its consumer. */
/** Every line each process wrote so far, one file per process, for a post-mortem of a long run. */
function keepLogs(stack: ProcessStack, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const p of stack.processes) writeFileSync(path.join(dir, `${p.label.replace(/[^a-z0-9]+/gi, '-')}.log`), `${p.lines.join('\n')}\n`);
}

async function diagnose(stack: ProcessStack): Promise<string> {
  const lines: string[] = ['[faults] not recovered; the processes say:'];
  for (const p of stack.processes) {
    try {
      const ready = await (await fetch(`${p.url}/readyz`)).text();
      const metrics = (await (await fetch(`${p.url}/metrics`)).text()).split('\n').filter((l) => /^(kafka_consumer_paused|kafka_messages_processed_total|sla_outbox_pending|bullmq_queue_jobs)/.test(l));
      lines.push(`  ${p.label} (${p.running ? 'running' : 'exited'}): ${ready.slice(0, 400)}`, ...metrics.map((l) => `    ${l}`));
      lines.push(...p.lines.slice(-5).map((l) => `    log: ${l.slice(0, 300)}`));
    } catch (err) {
      lines.push(`  ${p.label}: ${(err as Error).message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Per partition of each topic: the end offset and where each service's group stands. */
async function lagOf(brokers: string, namespace: string): Promise<string> {
  const kafka = new Kafka({ clientId: `faults-lag-${randomUUID()}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const lines: string[] = [`[faults] intake answered ${JSON.stringify(Object.fromEntries(statuses))}; consumer groups:`];
  try {
    await admin.connect();
    const topics = topicsFor(namespace);
    for (const [topic, group] of [
      [topics.dossierEvents, `${namespace}-workflow`],
      [topics.dossierState, `${namespace}-sla`],
      [topics.alerts, `${namespace}-notifier`],
    ] as const) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const described = await admin.describeGroups([group]);
      const parts = ends
        .sort((a, b) => a.partition - b.partition)
        .map((e) => `p${e.partition} ${committed?.partitions.find((c) => c.partition === e.partition)?.offset ?? '?'}/${e.high}`);
      lines.push(`  ${group}: ${parts.join(', ')}; state ${described.groups[0]?.state}, members ${described.groups[0]?.members.length}`);
    }
  } catch (err) {
    lines.push(`  ${(err as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return `${lines.join('\n')}\n`;
}
