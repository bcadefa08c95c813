/** Arguments of `tthc-dlq`. Pure: every problem is a `UsageError` (exit status 2). */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A dead letter named on the command line: `7` (any partition) or `1/7` (partition 1, offset 7). */
export interface OffsetRef {
  partition?: number;
  offset: string;
  /** As the operator wrote it, for messages. */
  text: string;
}

export interface Filters {
  since?: number;
  reason?: string;
}

export type DlqCommand =
  | { command: 'help' }
  | ({ command: 'list'; limit: number; json: boolean } & Filters)
  | ({ command: 'replay'; offsets: OffsetRef[]; all: boolean; dryRun: boolean } & Filters);

/** Default of `list --limit`: enough for a terminal, and the output says when more exist. */
export const DEFAULT_LIST_LIMIT = 100;

export const USAGE = `Usage:
  tthc-dlq list [--limit N] [--since ISO] [--reason TEXT] [--json]
  tthc-dlq replay (--offset [PARTITION/]OFFSET)... [--dry-run]
  tthc-dlq replay --all [--since ISO] [--reason TEXT] [--dry-run]

list    prints the dead letters, oldest first: partition/offset, failure time, original topic,
        reason, error code, key and the first 200 characters of the value. --limit keeps the N
        most recent (default ${DEFAULT_LIST_LIMIT}); --json prints one JSON object per line with the whole value.
replay  publishes each selected dead letter's original value to its original topic with its
        original key and the header tthc-replayed-from: <dead-letter topic>/<partition>/<offset>.
        --offset may be repeated; write PARTITION/OFFSET when the offset exists in several
        partitions. --dry-run prints what would be replayed and publishes nothing.

--since ISO    only dead letters that failed at or after this instant (ISO 8601 with offset)
--reason TEXT  only dead letters whose reason or error code contains TEXT (any case)

KAFKA_BROKERS (required, host:port[,host:port]) names the cluster; KAFKA_TOPIC_NAMESPACE (optional)
the topic namespace. The topic is read from the beginning to its end without committing offsets.
Exit status: 0 done, 2 bad arguments or configuration, 1 Kafka failed.`;

const VALUE_OPTIONS = new Set(['limit', 'since', 'reason', 'offset']);
const FLAG_OPTIONS = new Set(['json', 'all', 'dry-run', 'help']);
const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
  list: new Set(['limit', 'since', 'reason', 'json']),
  replay: new Set(['offset', 'all', 'since', 'reason', 'dry-run']),
};

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseOffsetRef(text: string): OffsetRef {
  const m = /^(?:(\d+)\/)?(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--offset ${text}: must be OFFSET or PARTITION/OFFSET (whole numbers)`);
  const offset = String(BigInt(m[2] as string));
  return m[1] === undefined ? { offset, text } : { partition: Number(m[1]), offset, text };
}

export function parseDlqArgs(argv: readonly string[]): DlqCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command !== 'list' && command !== 'replay') throw new UsageError(`unknown command ${command}; expected list or replay`);

  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '-h') return { command: 'help' };
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (name === 'help') return { command: 'help' };
    if (!ALLOWED[command]?.has(name)) {
      throw new UsageError(VALUE_OPTIONS.has(name) || FLAG_OPTIONS.has(name) ? `--${name} does not apply to ${command}` : `unknown option --${name}`);
    }
    if (FLAG_OPTIONS.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    if (name !== 'offset' && values.has(name)) throw new UsageError(`--${name} is given twice`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }

  const filters: Filters = {};
  const since = values.get('since')?.[0];
  if (since !== undefined) {
    const ms = Date.parse(since);
    if (!ISO_WITH_OFFSET.test(since) || Number.isNaN(ms)) throw new UsageError(`--since ${since}: must be an ISO 8601 instant with an offset, e.g. 2026-11-23T08:00:00+07:00`);
    filters.since = ms;
  }
  const reason = values.get('reason')?.[0];
  if (reason !== undefined) filters.reason = reason;

  if (command === 'list') {
    const limitText = values.get('limit')?.[0];
    let limit = DEFAULT_LIST_LIMIT;
    if (limitText !== undefined) {
      if (!/^\d+$/.test(limitText) || Number(limitText) < 1) throw new UsageError(`--limit ${limitText}: must be a whole number of at least 1`);
      limit = Number(limitText);
    }
    return { command, limit, json: flags.has('json'), ...filters };
  }

  const offsets = (values.get('offset') ?? []).map(parseOffsetRef);
  const all = flags.has('all');
  if (all && offsets.length > 0) throw new UsageError('give either --offset or --all, not both');
  if (!all && offsets.length === 0) throw new UsageError('replay needs --offset N (repeatable) or --all');
  if (!all && (filters.since !== undefined || filters.reason !== undefined)) throw new UsageError('--since and --reason select dead letters for --all; with --offset name exactly what to replay');
  return { command, offsets, all, dryRun: flags.has('dry-run'), ...filters };
}
