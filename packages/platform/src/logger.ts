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

export function createLogger(cfg: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: cfg.level ?? 'info',
    base: { service: cfg.service, version: cfg.version ?? '0.1.0', pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...cfg.options,
  };
  return cfg.destination ? pino(options, cfg.destination) : pino(options);
}
