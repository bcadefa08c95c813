import type { Request, Response } from 'express';
import { z } from 'zod';
import { isoInstant } from '@tthc/contracts';
import { problemType, sendProblem } from '@tthc/platform';

export interface QueryIssue {
  /** The parameter, as sent (cut to a readable length). */
  param: string;
  message: string;
}

/** Longest value any parameter of the read API needs; longer ones are refused before parsing. */
const MAX_VALUE_LENGTH = 200;
const MAX_ECHOED_NAME = 40;

const pointerOf = (name: string) => `/query/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
const echo = (name: string) => (name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}…` : name);

export function sendInvalidQuery(res: Response, issues: readonly QueryIssue[]): void {
  sendProblem(res, {
    type: problemType('invalid-query'),
    title: 'Invalid query',
    status: 400,
    detail: issues.map((i) => `${i.param}: ${i.message}`).join('; '),
    errors: issues.map((i) => ({ pointer: pointerOf(i.param), detail: i.message })),
  });
}

/**
 * Reads `req.query` against a route's parameters. Everything the URL can carry that a schema
 * would otherwise see in a surprising shape is refused first, each parameter named: names the
 * route does not take (`__proto__`, `constructor`, typos), a parameter given twice (the query
 * parser makes it an array), empty values and over-long ones. Only then does the schema parse
 * plain strings, so a bad query is a 400 and never reaches a store or a calendar.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, req: Request, res: Response): z.infer<S> | null {
  const shape = schema.shape as Record<string, unknown>;
  const raw = (req.query ?? {}) as Record<string, unknown>;
  const issues: QueryIssue[] = [];
  const clean: Record<string, string> = {};
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (!Object.hasOwn(shape, name)) {
      issues.push({ param: echo(name), message: `is not a parameter of this route; expected ${Object.keys(shape).join(', ') || 'none'}` });
    } else if (Array.isArray(value)) {
      issues.push({ param: name, message: 'must be given once' });
    } else if (typeof value !== 'string') {
      issues.push({ param: name, message: 'must be a single text value' });
    } else if (value.trim() === '') {
      issues.push({ param: name, message: 'must not be empty; leave the parameter out instead' });
    } else if (value.length > MAX_VALUE_LENGTH) {
      issues.push({ param: name, message: `must be at most ${MAX_VALUE_LENGTH} characters` });
    } else {
      clean[name] = value;
    }
  }
  if (issues.length) {
    sendInvalidQuery(res, issues);
    return null;
  }
  const parsed = schema.safeParse(clean);
  if (parsed.success) return parsed.data as z.infer<S>;
  sendInvalidQuery(
    res,
    parsed.error.issues.map((i) => ({ param: i.path.map(String).join('.'), message: i.message })),
  );
  return null;
}

/** Common parameter types of the read API. */
export const param = {
  agency: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$|^[A-Za-z0-9][A-Za-z0-9._-]{0,60}\.\*$/, 'must be an agency code or a prefix such as G01.*'),
  // No code holds a control character; a NUL would also be refused by the store as part of a
  // field name (a report for one procedure reads only that procedure's counters).
  code: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must not hold control characters'),
  /** A whole number written in decimal digits: `1e3`, `0x10`, ` 5` and `1.0` are refused. */
  int: (min: number, max: number) =>
    z
      .string()
      .regex(/^\d{1,9}$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)),
  flag: z.enum(['true', 'false']).transform((v) => v === 'true'),
  /**
   * A period key; the years are bounded like every instant the system accepts, so a period
   * such as 9999-12 is refused here instead of failing in calendar arithmetic.
   */
  period: z
    .string()
    .trim()
    .regex(/^(20\d{2})(-(\d{2}|Q\d))?$/, 'must be YYYY-MM, YYYY-Qn or YYYY, with a year from 2000 to 2099'),
  instant: isoInstant,
  format: z.enum(['json', 'csv', 'xlsx']),
};

/** `page` and `pageSize`: bounded so `skip` stays a small safe integer. */
export const paging = {
  page: param.int(1, 100_000).default(1),
  pageSize: param.int(1, 200).default(50),
};
