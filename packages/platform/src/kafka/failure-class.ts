import { AppError, PoisonMessageError } from '../errors';

/**
 * What a consumer does with a failed message:
 * - `poison`: it will fail the same way on every retry; dead-letter it alone and move on;
 * - `dependency`: a store or broker is unreachable; retrying the message later will work, so
 *   nothing is dead-lettered and nothing past it is committed;
 * - `unknown`: neither can be told; retried a few times in place, then treated as poison.
 */
export type FailureKind = 'poison' | 'dependency' | 'unknown';

export interface FailureClass {
  kind: FailureKind;
  /** An AppError's code, a MongoDB server error's code name, or the error's class name. */
  code: string;
  reason: string;
  /** Which dependency is unavailable, when `kind` is `dependency` and it can be told. */
  dependency?: 'mongodb' | 'kafka' | 'redis' | 'network' | 'other';
}

/**
 * A retriable AppError with one of these codes (or any code ending in `-unavailable`) means "a
 * dependency is down" rather than "this message is wrong".
 */
export const DEPENDENCY_ERROR_CODES: ReadonlySet<string> = new Set(['dependency-unavailable', 'mongodb-unavailable', 'kafka-unavailable', 'redis-unavailable', 'store-unavailable']);
const isDependencyCode = (code: string) => DEPENDENCY_ERROR_CODES.has(code) || code.endsWith('-unavailable');

// Driver classes whose very name says the server could not be reached or used.
const MONGO_UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoClientClosedError',
  'MongoServerClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  'MongoStalePrimaryError',
  'MongoOperationTimeoutError',
]);
// Labels the driver puts on errors it would itself retry.
const MONGO_TRANSIENT_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'ResetPool', 'PoolRequstedRetry', 'InterruptInUseConnections', 'SystemOverloadedError'];
// Server codes of a node that is down, stepping down, not primary or shutting down.
const MONGO_UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10058, 10107, 11600, 11602, 13435, 13436, 134, 133]);
// Server codes a document earns by itself (too large, malformed, mistyped): same answer every time.
const MONGO_POISON_CODES = new Set([2, 9, 14, 17, 52, 55, 56, 57, 10334, 17419, 17420, 16837, 16755]);
const MONGO_POISON_CODE_NAMES = new Set(['BSONObjectTooLarge', 'BadValue', 'FailedToParse', 'TypeMismatch', 'DollarPrefixedFieldName', 'InvalidDBRef', 'EmptyFieldName', 'DottedFieldName']);
// The driver wraps a failure to reach the server inside a bulk write in a MongoBulkWriteError
// that keeps only the message of what it wrapped (no class, no labels): the message tells.
const MONGO_UNREACHABLE_MESSAGE = /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b|^connection( \d+)? to \S+ (closed|timed out)|server selection timed out|topology is closed|client must be connected|pool (was )?(closed|cleared)/i;
const DOCUMENT_TOO_LARGE = /document (is )?too large|larger than the maximum|BSONObjectTooLarge|exceeds maximum (document|BSON) size/i;

// KafkaJS protocol errors that are about this message's own bytes, not about the cluster.
const KAFKA_POISON_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

const REDIS_UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError']);
const REDIS_UNAVAILABLE_MESSAGES = /^(Connection is closed|Stream isn't writeable|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY |OOM )/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ENETDOWN']);

// The same input fails the same way: the language's own errors, zod, the calendar's refusals,
// BSON and the drivers' argument and validation checks.
const POISON_NAMES = new Set(['TypeError', 'RangeError', 'SyntaxError', 'URIError', 'ZodError', '$ZodError', 'CalendarInputError', 'CalendarValidationError', 'BSONError', 'BSONVersionError', 'BSONRuntimeError', 'BSONOffsetError', 'MongoInvalidArgumentError', 'MongoParseError', 'ValidationError', 'CastError', 'StrictModeError']);

const MAX_CAUSE_DEPTH = 6;
const MAX_REASON_LENGTH = 4000;

type ErrorLike = Error & { code?: unknown; codeName?: unknown; type?: unknown; cause?: unknown; errorLabels?: unknown; hasErrorLabel?: unknown };

/** The error and the errors it wraps (`cause`, KafkaJS's `originalError`), outermost first. */
function chainOf(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = err;
  while (current instanceof Error && chain.length < MAX_CAUSE_DEPTH && !chain.includes(current as ErrorLike)) {
    chain.push(current as ErrorLike);
    const next = (current as ErrorLike).cause ?? (current as { originalError?: unknown }).originalError;
    current = next;
  }
  return chain;
}

function hasLabel(e: ErrorLike, label: string): boolean {
  if (typeof e.hasErrorLabel === 'function') {
    try {
      if ((e.hasErrorLabel as (l: string) => boolean).call(e, label)) return true;
    } catch {
      // A foreign object with a hasErrorLabel of another shape: fall through to the array.
    }
  }
  return Array.isArray(e.errorLabels) && (e.errorLabels as unknown[]).includes(label);
}

const isMongo = (e: ErrorLike) => e.name.startsWith('Mongo') || e.name.startsWith('Mongoose');

function dependencyOf(e: ErrorLike): FailureClass['dependency'] | null {
  if (e instanceof AppError) return e.retriable && isDependencyCode(e.code) ? 'other' : null;
  if (MONGO_UNAVAILABLE_NAMES.has(e.name)) return 'mongodb';
  if (isMongo(e)) {
    if (MONGO_TRANSIENT_LABELS.some((l) => hasLabel(e, l))) return 'mongodb';
    if (typeof e.code === 'number' && MONGO_UNAVAILABLE_CODES.has(e.code)) return 'mongodb';
    // Mongoose queues operations while disconnected and fails them after bufferTimeoutMS.
    if (/buffering timed out/i.test(e.message) || /not master|node is recovering|not primary/i.test(e.message)) return 'mongodb';
    if (MONGO_UNREACHABLE_MESSAGE.test(e.message)) return 'mongodb';
  }
  if (e.name.startsWith('KafkaJS')) return 'kafka';
  if (REDIS_UNAVAILABLE_NAMES.has(e.name) || REDIS_UNAVAILABLE_MESSAGES.test(e.message)) return 'redis';
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'network';
  return null;
}

const isKafkaPoison = (e: ErrorLike) => e.name === 'KafkaJSProtocolError' && typeof e.type === 'string' && KAFKA_POISON_TYPES.has(e.type);

function isPoison(e: ErrorLike): boolean {
  if (e instanceof AppError) return !e.retriable;
  if (isKafkaPoison(e)) return true;
  if (POISON_NAMES.has(e.name)) return true;
  if (isMongo(e)) {
    if (typeof e.code === 'number' && MONGO_POISON_CODES.has(e.code)) return true;
    if (typeof e.codeName === 'string' && MONGO_POISON_CODE_NAMES.has(e.codeName)) return true;
    if (DOCUMENT_TOO_LARGE.test(e.message)) return true;
  }
  return false;
}

function codeOf(e: ErrorLike): string {
  if (e instanceof AppError) return e.code;
  if (typeof e.codeName === 'string' && e.codeName.length > 0) return e.codeName;
  if (e.name === 'KafkaJSProtocolError' && typeof e.type === 'string') return e.type;
  return e.name || 'Error';
}

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
}

/**
 * Tells what a handler's failure means for its message. An AppError says so itself; otherwise
 * an unavailable dependency anywhere in the cause chain wins over a deterministic-looking
 * error, because dead-lettering a good message during an outage loses it for everyone.
 */
export function classifyFailure(err: unknown): FailureClass {
  const reason = reasonOf(err);
  if (err instanceof PoisonMessageError || (err instanceof AppError && !err.retriable)) return { kind: 'poison', code: err.code, reason };
  const chain = chainOf(err);
  if (chain.length === 0) return { kind: 'unknown', code: typeof err, reason };
  const outer = chain[0]!;
  // KafkaJS wraps a refused record (too large, corrupt) in retry errors that look like outages.
  const refused = chain.find(isKafkaPoison);
  if (refused) return { kind: 'poison', code: codeOf(refused), reason };
  for (const e of chain) {
    const dependency = dependencyOf(e);
    if (dependency) return { kind: 'dependency', code: codeOf(e), reason, dependency };
  }
  for (const e of chain) if (isPoison(e)) return { kind: 'poison', code: codeOf(e), reason };
  return { kind: 'unknown', code: codeOf(outer), reason };
}
