/**
 * What the operator commands (tthc-dlq, catalog:import, calendar:apply) share: their streams as
 * parameters, so tests run them in-process, and the wiring to the real process.
 */
import { userInfo } from 'node:os';

export type CliEnv = Readonly<Record<string, string | undefined>>;

export interface CliIo {
  /** Receives one result line (without the newline). */
  stdout(line: string): void;
  /** Receives one progress, note, warning or error line (without the newline). */
  stderr(line: string): void;
  /** Defaults to `process.env`. */
  env?: CliEnv;
}

/** A command that reads a FILE and stores it in MongoDB; `C` is the connection it opens. */
export interface StoreCliIo<C> extends CliIo {
  /** Where a relative FILE is looked up; defaults to where npm was invoked (`INIT_CWD`). */
  cwd?: string;
  /** Opens the MongoDB connection; defaults to `connectMongo` with a quiet logger. */
  connect?(url: string): Promise<C>;
}

/** The dev stack of `infra/local/infra.sh up dev`, used only when MONGO_URL is unset. */
export const DEV_MONGO_URL = 'mongodb://127.0.0.1:27117/tthc';

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(MONGO_URL is not a valid URL)';
  }
}

/** The operator who ran the command, for the audit log (a container may have no user name). */
export function operatorName(env: CliEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'unknown';
  }
}

/**
 * Runs `main` on the process's arguments and streams and sets the exit status to its result;
 * an unexpected error is printed with its stack and exits with `failedStatus`.
 */
export function runCliAsProcess(main: (argv: readonly string[], io: CliIo) => Promise<number>, failedStatus: number): void {
  const write = (stream: NodeJS.WriteStream) => (line: string) => {
    stream.write(`${line}\n`);
  };
  void main(process.argv.slice(2), { stdout: write(process.stdout), stderr: write(process.stderr) }).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = failedStatus;
    },
  );
}
