import type { IncomingMessage } from 'node:http';
import express, { type Request, type Response, Router } from 'express';
import { binaryModeHeaderOf, fromBinaryMode, isBinaryModeRequest, parseInboundEvent, type FieldIssue, type InboundEvent } from '@tthc/contracts';
import { canAccessAgency, principalOf, problemType, requireRole, scopeClaimsOf, sendProblem, type Logger, type Metrics, type Principal, type Problem } from '@tthc/platform';
import { acceptEvents, ForbiddenAgencyError, TemporarilyUnavailableError, type AcceptDeps, type ForbiddenField, type Sender } from '../../domain/accept-events.use-case';

const SINGLE_TYPES = ['application/cloudevents+json', 'application/json'];
const BATCH_TYPE = 'application/cloudevents-batch+json';
export const MAX_BATCH = 500;
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The key as the domain sees it: an id, its scope as authclaims text, and the agency check. */
export function senderOf(principal: Principal): Sender {
  return { id: principal.keyId, claims: scopeClaimsOf(principal), canAccess: (agency) => canAccessAgency(principal, agency) };
}

export function offendingDetail(field: ForbiddenField, agencyCode: string): string {
  return field === 'dossierCode'
    ? `the dossier code names receiving agency ${agencyCode}, which this key does not cover (TT 04/2025 code shape)`
    : `agency ${agencyCode} is not owned by this key`;
}

const mediaTypeOf = (req: IncomingMessage) => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
// Binary mode carries the data as the body; every event type's data is a JSON object.
const isJsonMediaType = (t: string) => t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
const isBinaryMode = (req: IncomingMessage, mediaType: string) => isBinaryModeRequest(req.headers) && mediaType !== SINGLE_TYPES[0] && mediaType !== BATCH_TYPE;
const isJsonBody = (req: IncomingMessage) => {
  const t = mediaTypeOf(req);
  return t === BATCH_TYPE || SINGLE_TYPES.includes(t) || (isBinaryMode(req, t) && isJsonMediaType(t));
};

type ReadEvents = { events: InboundEvent[]; isBatch: boolean } | { problem: Problem; rejected: number };

const invalid = (detail: string): ReadEvents => ({ problem: { type: problemType('invalid-event'), title: 'Invalid event', status: 400, detail }, rejected: 0 });
const describeIssue = (i: FieldIssue) => `${i.header ?? i.pointer} ${i.detail}`;
function invalidFields(issues: FieldIssue[], count: number): ReadEvents {
  return {
    problem: { type: problemType('invalid-event'), title: 'Invalid event', status: 400, detail: `${issues.length} field(s) are invalid: ${issues.map(describeIssue).join('; ')}`, errors: issues },
    rejected: count,
  };
}

/**
 * The events of a request in any CloudEvents HTTP content mode: structured (one JSON event),
 * batched (a JSON array) or binary (attributes in ce-* headers, the data as the body).
 */
function readEvents(req: Request): ReadEvents {
  const mediaType = mediaTypeOf(req);
  const body: unknown = req.body;
  if (isBinaryMode(req, mediaType)) {
    if (!isJsonMediaType(mediaType)) {
      return {
        problem: { type: problemType('unsupported-media-type'), title: 'Unsupported Media Type', status: 415, detail: 'In binary mode the body is the event\'s data: send it as application/json.' },
        rejected: 0,
      };
    }
    if (Array.isArray(body) || typeof body !== 'object' || body === null) return invalid('in binary mode the body is the event\'s data, a JSON object');
    const rebuilt = fromBinaryMode(req.headers, body);
    if (!rebuilt.event) return invalidFields(rebuilt.issues, 1);
    const parsed = parseInboundEvent(rebuilt.event);
    if (!parsed.ok) return invalidFields(parsed.issues.map((i) => ({ ...i, ...headerOf(i.pointer) })), 1);
    return { events: [parsed.value], isBatch: false };
  }

  const isBatch = mediaType === BATCH_TYPE;
  if (!isBatch && !SINGLE_TYPES.includes(mediaType)) {
    return {
      problem: {
        type: problemType('unsupported-media-type'),
        title: 'Unsupported Media Type',
        status: 415,
        detail: `Send ${SINGLE_TYPES.join(' or ')} for one event, ${BATCH_TYPE} for an array, or the data with ce-* headers (binary mode).`,
      },
      rejected: 0,
    };
  }
  const shapeError = isBatch
    ? !Array.isArray(body)
      ? 'a batch must be a JSON array of CloudEvents'
      : body.length === 0
        ? 'a batch must contain at least one event'
        : body.length > MAX_BATCH
          ? `a batch may contain at most ${MAX_BATCH} events`
          : null
    : Array.isArray(body) || typeof body !== 'object' || body === null
      ? `one CloudEvent must be a JSON object; send arrays as ${BATCH_TYPE}`
      : null;
  if (shapeError) return invalid(shapeError);

  const raw = isBatch ? (body as unknown[]) : [body];
  const issues: FieldIssue[] = [];
  const events: InboundEvent[] = [];
  raw.forEach((item, i) => {
    const parsed = parseInboundEvent(item, isBatch ? `/${i}` : '');
    if (parsed.ok) events.push(parsed.value);
    else issues.push(...parsed.issues);
  });
  return issues.length > 0 ? invalidFields(issues, raw.length) : { events, isBatch };
}

function headerOf(pointer: string): { header?: string } {
  const header = binaryModeHeaderOf(pointer);
  return header ? { header } : {};
}

export function eventsRouter(deps: AcceptDeps & { logger: Logger; metrics: Metrics }): Router {
  const router = Router();
  const accepted = deps.metrics.counter('intake_events_total', 'Events submitted to intake', ['type', 'outcome']);

  router.post('/v1/events', requireRole('portal'), express.json({ type: isJsonBody, limit: BODY_LIMIT_BYTES, strict: true }), async (req: Request, res: Response) => {
    const read = readEvents(req);
    if ('problem' in read) {
      if (read.rejected > 0) accepted.inc({ type: 'invalid', outcome: 'rejected' }, read.rejected);
      sendProblem(res, read.problem);
      return;
    }
    const { events, isBatch } = read;

    const principal = principalOf(res);
    try {
      const results = await acceptEvents(events, senderOf(principal), deps);
      // One increment per (type, outcome) of the request rather than per event: each labelled inc
      // hashes its labels, 500 times a batch for a handful of series.
      const counts = new Map<string, number>();
      results.forEach((r, i) => {
        const key = `${events[i]?.type ?? 'unknown'}\n${r.status}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      });
      let acceptedCount = 0;
      for (const [key, n] of counts) {
        const [type = 'unknown', outcome = 'unknown'] = key.split('\n');
        accepted.inc({ type, outcome }, n);
        if (outcome === 'accepted') acceptedCount += n;
      }
      deps.logger.info({ count: results.length, accepted: acceptedCount, keyId: principal.keyId }, 'events accepted');
      res.status(202).json({ results });
    } catch (err) {
      if (err instanceof ForbiddenAgencyError) {
        sendProblem(res, {
          type: problemType('forbidden-agency'),
          title: 'Forbidden',
          status: 403,
          detail: `The API key may not submit events for agency ${[...new Set(err.offending.map((o) => o.agencyCode))].join(', ')}.`,
          errors: err.offending.map((o) => ({ pointer: `${isBatch ? `/${o.index}` : ''}/data/${o.field}`, detail: offendingDetail(o.field, o.agencyCode) })),
        });
        return;
      }
      if (err instanceof TemporarilyUnavailableError) {
        deps.logger.warn({ err: err.cause ?? err }, 'events not accepted: dependency unavailable');
        sendProblem(res, { type: problemType('unavailable'), title: 'Service Unavailable', status: 503, detail: err.message }, { 'Retry-After': String(err.retryAfterSeconds) });
        return;
      }
      throw err;
    }
  });
  return router;
}
