/**
 * `node services/workflow/dist/cli/calendar-apply.cli.js FILE`: validates a calendar file and
 * stores it as the active version in MongoDB (collection `calendars`). Running workflow
 * instances pick it up at their next poll, or at once on POST /v1/admin/calendar/reload, and
 * re-derive every open dossier and petition with it. `main` takes its arguments and streams as
 * parameters so tests run it in-process; the last lines wire it to the real process.
 */
import { isAbsolute, resolve } from 'node:path';
import { CalendarValidationError, loadCalendar, readJsonFile } from '@tthc/calendar';
import { DEV_MONGO_URL, operatorName, redactUrl, type StoreCliIo } from '@tthc/ops';
import { connectMongo, createAuditLog, createLogger } from '@tthc/platform';
import type { Connection } from 'mongoose';
import { createCalendarStore } from '../data-access/calendar.store';

export type CalendarApplyIo = StoreCliIo<Connection>;

/** The dev stack of `infra/local/infra.sh up dev`, used only when MONGO_URL is unset (as catalog:import does). */
export { DEV_MONGO_URL };

export const USAGE = `Usage: calendar:apply FILE

Validates a working-time calendar file (docs/calendar.md) and stores it in MongoDB as
the active version of its calendar id. Workflow re-derives every open dossier and petition with
it and records an audit of the deadlines that moved (collection calendar_audits).

MONGO_URL names the database; when it is unset the dev stack ${DEV_MONGO_URL} is used.
Exit status: 0 stored (or already active), 2 bad arguments or an invalid file, 1 the store failed.`;

export async function main(argv: readonly string[], io: CalendarApplyIo): Promise<number> {
  const env = io.env ?? process.env;
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  const files = argv.filter((a) => !a.startsWith('-'));
  const unknown = argv.find((a) => a.startsWith('-'));
  if (unknown || files.length !== 1) {
    io.stderr(`error: ${unknown ? `unknown option ${unknown}` : files.length === 0 ? 'missing FILE' : 'one FILE at a time'}`);
    io.stderr(USAGE);
    return 2;
  }
  let mongoUrl = env.MONGO_URL?.trim();
  if (!mongoUrl) {
    mongoUrl = DEV_MONGO_URL;
    io.stderr(`note: MONGO_URL is unset; using the dev stack ${DEV_MONGO_URL}`);
  }
  const file = files[0]!;
  const path = isAbsolute(file) ? file : resolve(io.cwd ?? env.INIT_CWD ?? process.cwd(), file);
  let calendar;
  try {
    calendar = loadCalendar(readJsonFile(path));
  } catch (err) {
    if (err instanceof CalendarValidationError) {
      for (const issue of err.issues) io.stderr(`error: ${issue.field}: ${issue.message}`);
      return 2;
    }
    io.stderr(`error: ${(err as Error).message}`);
    return 2;
  }
  let conn: Connection | null = null;
  try {
    conn = await (io.connect ?? ((url) => connectMongo(url, createLogger({ service: 'calendar-apply', level: 'silent' }))))(mongoUrl);
    const store = createCalendarStore(conn);
    await store.init();
    const { stored, record } = await store.apply({ id: calendar.id, version: calendar.version, file: calendar.file });
    // Only a version that was stored is a configuration change; re-applying the active one changes nothing.
    if (stored) {
      const years = Object.values(calendar.file.years);
      const entry = {
        actor: `cli:${operatorName(env)}`,
        role: 'operator',
        action: 'calendar.applied',
        target: `${record.calendarId}@${record.version}`,
        agencyCode: null,
        details: {
          calendarId: record.calendarId,
          version: record.version,
          file,
          years: years.length,
          daysOff: years.reduce((n, y) => n + (y.daysOff?.length ?? 0), 0),
          makeUpWorkingDays: years.reduce((n, y) => n + (y.makeUpWorkingDays?.length ?? 0), 0),
        },
      };
      try {
        await createAuditLog(conn).record(entry);
      } catch (err) {
        io.stderr(`error: calendar ${record.calendarId} version ${record.version} was stored, but its audit entry could not be recorded: ${(err as Error).message}`);
        return 1;
      }
    }
    io.stdout(stored ? `applied calendar ${record.calendarId} version ${record.version} at ${record.appliedAt}` : `calendar ${record.calendarId} version ${record.version} is already active (since ${record.appliedAt})`);
    return 0;
  } catch (err) {
    io.stderr(`error: storing the calendar in ${redactUrl(mongoUrl)} failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) }).then((code) => {
    process.exitCode = code;
  });
}
