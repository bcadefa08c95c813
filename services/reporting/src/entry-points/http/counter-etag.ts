import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { principalOf } from '@tthc/platform';
import { monthSerial } from '../../domain/delay-counters';
import type { ReportContext } from '../../domain/metrics-report.use-case';

// A restart may bring another agency directory, rubric or calendar file.
const STARTED = String(Date.now());

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/**
 * Answers `304 Not Modified` when the client's copy of a report read from the counters is still
 * good, before anything is counted; otherwise sets the ETag and lets the route answer. The tag
 * covers the counters' version, the request (path, query, negotiated format), the key, and the
 * month "now" falls in: from the counters, the running period's figures change with now only
 * when a month ends. It is weak because the body's `asOf` still moves with the clock.
 */
export async function answeredFromCache(req: Request, res: Response, ctx: ReportContext): Promise<boolean> {
  if (!ctx.counters) return false;
  const version = await ctx.counters.version();
  const basis = JSON.stringify([STARTED, version, req.originalUrl, req.get('accept') ?? '', principalOf(res).keyId, monthSerial(ctx.now.getTime(), ctx.calendar)]);
  const tag = `W/"${createHash('sha256').update(basis).digest('base64url').slice(0, 27)}"`;
  res.setHeader('etag', tag);
  // Stored by the browser only, and checked with the service every time.
  res.setHeader('cache-control', 'private, no-cache');
  const asked = req.get('if-none-match');
  if (!asked || !(asked.trim() === '*' || asked.split(',').some((t) => opaque(t) === opaque(tag)))) return false;
  res.status(304).end();
  return true;
}
