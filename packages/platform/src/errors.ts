/**
 * One error type for the whole system. `retriable` decides what an adapter does with it:
 * a Kafka consumer retries a retriable error and dead-letters a non-retriable one; HTTP maps
 * `status`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  readonly details?: unknown;

  constructor(code: string, message: string, opts: { status?: number; retriable?: boolean; cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? 500;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A message that can never be applied, however often it is retried. */
export class PoisonMessageError extends AppError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { retriable: false, cause });
    this.name = 'PoisonMessageError';
  }
}

/**
 * A dependency (store, broker, cache) cannot be used right now. A Kafka consumer pauses on it
 * instead of dead-lettering: the message is fine and will apply once the dependency is back.
 */
export class DependencyUnavailableError extends AppError {
  readonly dependency: string;

  constructor(dependency: string, message: string, cause?: unknown) {
    super('dependency-unavailable', message, { status: 503, retriable: true, cause });
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Error) return new AppError('internal', err.message, { cause: err, retriable: true });
  return new AppError('internal', String(err), { retriable: true });
}
