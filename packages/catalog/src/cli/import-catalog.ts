/**
 * `npm run catalog:import -- FILE [--dry-run]`: validates a catalog file (.json or .csv) and
 * stores it in MongoDB. `main` takes its arguments and streams as parameters so tests run it
 * in-process; the last lines wire it to the real process.
 */
import { isAbsolute, resolve } from 'node:path';

import { DEV_MONGO_URL, operatorName, redactUrl, runCliAsProcess, type StoreCliIo } from '@tthc/ops';
import { connectMongo, createAuditLog, createLogger } from '@tthc/platform';
import type { Connection } from 'mongoose';

import { CatalogValidationError, formatIssue } from '../catalog.errors';
import { parseCatalogFile } from '../catalog-file.loader';
import { importCatalog } from '../procedure.repository';

export type ImportCliIo = StoreCliIo<Connection>;

export const EXIT_OK = 0;
/** The import failed for a reason outside the file (MongoDB unreachable, …). */
export const EXIT_FAILED = 1;
/** Bad arguments or a bad catalog file. */
export const EXIT_INVALID = 2;

export { DEV_MONGO_URL, redactUrl };

export const USAGE = `Usage: npm run catalog:import -- FILE [--dry-run]

Validates a procedure catalog (FILE ending in .json or .csv) and stores every procedure under
its catalog version in MongoDB (collection "procedures"). Earlier versions are kept.

  --dry-run   validate and print warnings only; MongoDB is not contacted
  --help      this text

MONGO_URL names the database; when it is unset the dev stack ${DEV_MONGO_URL} is used.
Exit status: 0 imported (or valid, with --dry-run), 2 bad arguments or an invalid file (each error
names its field), 1 the import itself failed.`;

interface Args {
  readonly file?: string;
  readonly dryRun: boolean;
  readonly help: boolean;
  readonly problem?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const files: string[] = [];
  let dryRun = false;
  let help = false;
  for (const arg of argv) {
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg.startsWith('-')) return { dryRun, help, problem: `unknown option ${arg}` };
    else files.push(arg);
  }
  if (help) return { dryRun, help };
  if (files.length !== 1) return { dryRun, help, problem: files.length === 0 ? 'missing FILE' : `one FILE at a time, got ${files.length}` };
  return { file: files[0], dryRun, help };
}

async function defaultConnect(url: string): Promise<Connection> {
  // Log lines would interleave with the summary; only real errors go out, and to stderr.
  const logger = createLogger({ service: 'catalog-import', level: 'error', destination: process.stderr });
  return connectMongo(url, logger);
}

export async function main(argv: readonly string[], io: ImportCliIo): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    for (const line of USAGE.split('\n')) io.stdout(line);
    return EXIT_OK;
  }
  if (args.problem !== undefined || args.file === undefined) {
    io.stderr(`error: ${args.problem ?? 'missing FILE'}`);
    io.stderr('usage: npm run catalog:import -- FILE [--dry-run]   (--help for more)');
    return EXIT_INVALID;
  }
  const env = io.env ?? process.env;
  const file = args.file;
  const path = isAbsolute(file) ? file : resolve(io.cwd ?? env.INIT_CWD ?? process.cwd(), file);

  let parsed;
  try {
    parsed = parseCatalogFile(path);
  } catch (error) {
    if (!(error instanceof CatalogValidationError)) throw error;
    for (const issue of error.issues) io.stderr(`error: ${formatIssue(issue)}`);
    io.stderr(`invalid catalog ${file}: ${error.issues.length} error(s); nothing imported`);
    return EXIT_INVALID;
  }
  const { catalog, warnings } = parsed;
  for (const warning of warnings) io.stderr(`warning: ${formatIssue(warning)}`);
  const what = `${catalog.procedures.length} procedures from ${file} (catalog ${catalog.catalogId} version ${catalog.version})`;
  if (args.dryRun) {
    io.stdout(`valid: ${what}; dry run, nothing imported`);
    return EXIT_OK;
  }

  const configured = env.MONGO_URL?.trim();
  const url = configured || DEV_MONGO_URL;
  if (!configured) io.stderr(`note: MONGO_URL is not set; importing into the dev stack at ${DEV_MONGO_URL}`);
  let conn: Connection | undefined;
  try {
    conn = await (io.connect ?? defaultConnect)(url);
    const result = await importCatalog(conn, catalog);
    for (const warning of result.warnings) io.stderr(`warning: ${warning}`);
    const entry = {
      actor: `cli:${operatorName(env)}`,
      role: 'operator',
      action: 'catalog.imported',
      target: `${catalog.catalogId}@${catalog.version}`,
      agencyCode: null,
      details: { catalogId: catalog.catalogId, version: catalog.version, file, procedures: catalog.procedures.length, inserted: result.inserted, updated: result.updated, unchanged: result.unchanged },
    };
    try {
      await createAuditLog(conn).record(entry);
    } catch (error) {
      io.stderr(`error: ${what} were imported, but the audit entry could not be recorded: ${(error as Error).message}`);
      return EXIT_FAILED;
    }
    io.stdout(`imported ${what}: inserted ${result.inserted}, updated ${result.updated}, unchanged ${result.unchanged}`);
    return EXIT_OK;
  } catch (error) {
    io.stderr(`error: the import into ${redactUrl(url)} failed: ${(error as Error).message}`);
    return EXIT_FAILED;
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

if (require.main === module) runCliAsProcess(main, EXIT_FAILED);
