import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Personal data never reaches a log line: citizens' names, ID numbers and contacts, wherever
 * they sit in an event (top level, `data`, a nested `applicant`), and credentials.
 */
const PERSONAL_FIELDS = ['applicant', 'petitioner', 'fullName', 'idNumber', 'phone', 'email', 'address', 'HoTen', 'SoCMND', 'SoDinhDanh', 'SoGiayTo', 'ChuHoSo', 'SoDienThoai', 'DienThoai', 'Email', 'DiaChi'];
export const REDACT_PATHS = [
  ...PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
];

export interface LoggerConfig {
  service: string;
  level?: string;
  version?: string;
  /** Extra pino options; tests pass a destination stream here. */
  options?: LoggerOptions;
  destination?: pino.DestinationStream;
}

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  cause?: SerializedError | string;
  [field: string]: unknown;
}

const MAX_CAUSE_DEPTH = 4;

/**
 * An error as a log line can always hold it: its name, message, stack, its own plain fields
 * (code, codeName, status, …) and its causes. Fields holding objects are left out: a driver's
 * error can carry its client or connection, whose graph (getters that throw, cycles) made pino
 * give up on the whole field as "[unable to serialize …]" and hid why the call failed.
 */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const out: SerializedError = { type: err.name, message: err.message };
  for (const key of Object.keys(err)) {
    if (key === 'cause' || key === 'type' || key === 'message') continue;
    let value: unknown;
    try {
      value = (err as unknown as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  if (err.stack) out.stack = err.stack;
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = cause instanceof Error ? serializeError(cause, depth + 1) : String(cause);
  return out;
}

export function createLogger(cfg: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: cfg.level ?? 'info',
    serializers: { err: (err: unknown) => serializeError(err) },
    base: { service: cfg.service, version: cfg.version ?? '0.1.0', pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...cfg.options,
  };
  return cfg.destination ? pino(options, cfg.destination) : pino(options);
}
