/**
 * `tthc-dlq list | replay`: reads the dead-letter topic and republishes chosen messages to the
 * topic they failed on. `main` takes its arguments and streams as parameters so tests run it
 * in-process; `runAsProcess` wires it to the real process (bin/tthc-dlq.js).
 */
import { z } from 'zod';
import type { Kafka } from 'kafkajs';
import { topicsFor } from '@tthc/contracts';
import { ConfigError, createKafka, createLogger, createProducer, envVars, parseEnv } from '@tthc/platform';
import { readDeadLetters, type DeadLetterMessage } from '../data-access/dead-letter.reader';
import { replayDeadLetters, replayedFrom, type Replay } from '../data-access/dead-letter.replayer';
import { parseDlqArgs, UsageError, USAGE, type DlqCommand, type Filters } from './dlq-args.parser';
import { runCliAsProcess, type CliIo } from './operator-cli';

export interface DlqIo extends CliIo {
  /** Upper bound for reading the topic to its end. */
  readTimeoutMs?: number;
}

export const EXIT_OK = 0;
/** Kafka could not be read or written. */
export const EXIT_FAILED = 1;
/** Bad arguments or configuration. */
export const EXIT_USAGE = 2;

const VALUE_PREVIEW = 200;

const envSchema = z.object({
  KAFKA_BROKERS: envVars.kafkaBrokers,
  // Same namespace as the services, so the command reads their dead-letter topic.
  KAFKA_TOPIC_NAMESPACE: envVars.topicNamespace,
});

function timeOf(m: DeadLetterMessage): number {
  const failed = m.letter ? Date.parse(m.letter.failedAt) : Number.NaN;
  return Number.isNaN(failed) ? m.timestamp : failed;
}

function matches(m: DeadLetterMessage, f: Filters): boolean {
  if (f.since !== undefined && timeOf(m) < f.since) return false;
  if (f.reason !== undefined) {
    const needle = f.reason.toLowerCase();
    const hay = `${m.letter?.reason ?? m.unreadable ?? ''}\n${m.letter?.errorCode ?? ''}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/** One line, for a table cell: control characters would break the columns. */
function cell(text: string | null | undefined, max = Infinity): string {
  if (text === null || text === undefined) return '-';
  const flat = Array.from(text, (ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? ' ' : ch)).join('');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function rowOf(m: DeadLetterMessage) {
  return {
    at: `${m.partition}/${m.offset}`,
    time: new Date(timeOf(m)).toISOString(),
    topic: m.letter?.originalTopic ?? '-',
    reason: m.letter?.reason ?? `(unreadable: ${m.unreadable})`,
    code: m.letter?.errorCode ?? '-',
    key: m.letter ? m.letter.key : null,
    value: m.letter ? m.letter.value : m.raw,
  };
}

function printTable(io: DlqIo, messages: DeadLetterMessage[]): void {
  const header = ['PARTITION/OFFSET', 'FAILED AT', 'ORIGINAL TOPIC', 'REASON', 'CODE', 'KEY', 'VALUE'];
  const rows = messages.map((m) => {
    const r = rowOf(m);
    return [r.at, r.time, r.topic, cell(r.reason, 120), cell(r.code), cell(r.key), cell(r.value, VALUE_PREVIEW)];
  });
  // The value column is last and not padded, so a long value does not widen every line.
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cols: string[]) => cols.map((c, i) => (i < widths.length ? c.padEnd(widths[i] as number) : c)).join('  ').trimEnd();
  io.stdout(line(header));
  for (const r of rows) io.stdout(line(r));
}

async function list(io: DlqIo, kafka: Kafka, topic: string, cmd: Extract<DlqCommand, { command: 'list' }>): Promise<number> {
  const all = (await readDeadLetters(kafka, topic, { timeoutMs: io.readTimeoutMs })).filter((m) => matches(m, cmd));
  // The most recent N: an operator looks at what failed lately; --since reaches further back.
  const shown = [...all].sort((a, b) => timeOf(a) - timeOf(b)).slice(-cmd.limit);
  if (cmd.json) {
    for (const m of shown) {
      const r = rowOf(m);
      io.stdout(JSON.stringify({ partition: m.partition, offset: m.offset, failedAt: r.time, originalTopic: m.letter?.originalTopic ?? null, reason: r.reason, errorCode: m.letter?.errorCode ?? null, key: r.key, value: r.value, consumerGroup: m.letter?.consumerGroup ?? null }));
    }
  } else {
    printTable(io, shown);
  }
  const hidden = all.length - shown.length;
  io.stderr(`${shown.length} dead letter(s) in ${topic}${hidden > 0 ? `; ${hidden} older one(s) not shown (raise --limit or use --since)` : ''}`);
  return EXIT_OK;
}

/** Resolves each --offset to exactly one message, or says why it cannot. */
function select(messages: DeadLetterMessage[], cmd: Extract<DlqCommand, { command: 'replay' }>): DeadLetterMessage[] {
  if (cmd.all) return messages.filter((m) => matches(m, cmd));
  const chosen: DeadLetterMessage[] = [];
  for (const ref of cmd.offsets) {
    const found = messages.filter((m) => m.offset === ref.offset && (ref.partition === undefined || m.partition === ref.partition));
    if (found.length === 0) throw new UsageError(`--offset ${ref.text}: no such message in the dead-letter topic`);
    if (found.length > 1) throw new UsageError(`--offset ${ref.text}: offset ${ref.offset} exists in partitions ${found.map((m) => m.partition).join(', ')}; write PARTITION/OFFSET`);
    const m = found[0] as DeadLetterMessage;
    if (!chosen.includes(m)) chosen.push(m);
  }
  return chosen;
}

async function replay(io: DlqIo, kafka: Kafka, topic: string, cmd: Extract<DlqCommand, { command: 'replay' }>): Promise<number> {
  const selected = select(await readDeadLetters(kafka, topic, { timeoutMs: io.readTimeoutMs }), cmd);
  const replays: Replay[] = [];
  for (const m of selected) {
    if (!m.letter) io.stderr(`skipped ${m.partition}/${m.offset}: ${m.unreadable}; nothing to replay`);
    else if (m.letter.value === null) io.stderr(`skipped ${m.partition}/${m.offset}: the original message had no value`);
    else replays.push({ partition: m.partition, offset: m.offset, letter: m.letter });
  }
  const describe = (r: Replay) => `${replayedFrom(topic, r)} -> ${r.letter.originalTopic} key=${r.letter.key ?? '-'} (${r.letter.errorCode}: ${cell(r.letter.reason, 120)})`;
  if (cmd.dryRun) {
    for (const r of replays) io.stdout(`would replay ${describe(r)}`);
    io.stderr(`dry run: ${replays.length} dead letter(s) would be replayed; nothing was published`);
    return EXIT_OK;
  }
  if (replays.length === 0) {
    io.stderr('nothing to replay');
    return EXIT_OK;
  }
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    let printed = 0;
    await replayDeadLetters(producer, topic, replays, (done, total) => {
      // Lines are printed only after Kafka acknowledged them: what is printed was published.
      for (; printed < done; printed++) io.stdout(`replayed ${describe(replays[printed] as Replay)}`);
      if (total > 100) io.stderr(`progress: ${done}/${total} replayed`);
    });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  io.stderr(`${replays.length} dead letter(s) replayed`);
  return EXIT_OK;
}

export async function main(argv: readonly string[], io: DlqIo): Promise<number> {
  let cmd: DlqCommand;
  let env: z.infer<typeof envSchema>;
  try {
    cmd = parseDlqArgs(argv);
    if (cmd.command === 'help') {
      for (const line of USAGE.split('\n')) io.stdout(line);
      return EXIT_OK;
    }
    env = parseEnv(envSchema, { ...(io.env ?? process.env) }, 'tthc-dlq');
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof ConfigError)) throw error;
    for (const line of error.message.split('\n')) io.stderr(`error: ${line}`);
    io.stderr('usage: tthc-dlq list|replay …   (--help for more)');
    return EXIT_USAGE;
  }

  // kafkajs logs every retry as JSON; an operator needs only the final error line printed below.
  const logger = createLogger({ service: 'tthc-dlq', level: 'silent' });
  const kafka = createKafka({ clientId: 'tthc-dlq', brokers: env.KAFKA_BROKERS, logger });
  const topic = topicsFor(env.KAFKA_TOPIC_NAMESPACE).deadLetter;
  try {
    return cmd.command === 'list' ? await list(io, kafka, topic, cmd) : await replay(io, kafka, topic, cmd);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    io.stderr(`error: ${cmd.command} failed on ${topic}: ${(error as Error).message}`);
    return EXIT_FAILED;
  }
}

export function runAsProcess(): void {
  runCliAsProcess(main, EXIT_FAILED);
}

if (require.main === module) runAsProcess();
