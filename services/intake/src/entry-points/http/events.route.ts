import express, { type Request, type Response, Router } from 'express';
import { parseInboundDossierEvent, type FieldIssue, type InboundDossierEvent } from '@tthc/contracts';
import { canAccessAgency, principalOf, problemType, requireRole, scopeClaimsOf, sendProblem, type Logger, type Metrics, type Principal } from '@tthc/platform';
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

export function eventsRouter(deps: AcceptDeps & { logger: Logger; metrics: Metrics }): Router {
  const router = Router();
  const accepted = deps.metrics.counter('intake_events_total', 'Events submitted to intake', ['type', 'outcome']);

  router.post('/v1/events', requireRole('portal'), express.json({ type: [...SINGLE_TYPES, BATCH_TYPE], limit: BODY_LIMIT_BYTES, strict: true }), async (req: Request, res: Response) => {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const isBatch = contentType === BATCH_TYPE;
    if (!isBatch && !SINGLE_TYPES.includes(contentType)) {
      sendProblem(res, {
        type: problemType('unsupported-media-type'),
        title: 'Unsupported Media Type',
        status: 415,
        detail: `Send ${SINGLE_TYPES.join(' or ')} for one event, or ${BATCH_TYPE} for an array.`,
      });
      return;
    }

    const body: unknown = req.body;
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
    if (shapeError) {
      sendProblem(res, { type: problemType('invalid-event'), title: 'Invalid event', status: 400, detail: shapeError });
      return;
    }

    const raw = isBatch ? (body as unknown[]) : [body];
    const issues: FieldIssue[] = [];
    const events: InboundDossierEvent[] = [];
    raw.forEach((item, i) => {
      const parsed = parseInboundDossierEvent(item, isBatch ? `/${i}` : '');
      if (parsed.ok) events.push(parsed.value);
      else issues.push(...parsed.issues);
    });
    if (issues.length > 0) {
      accepted.inc({ type: 'invalid', outcome: 'rejected' }, raw.length);
      sendProblem(res, {
        type: problemType('invalid-event'),
        title: 'Invalid event',
        status: 400,
        detail: `${issues.length} field(s) are invalid: ${issues.map((i) => `${i.pointer} ${i.detail}`).join('; ')}`,
        errors: issues,
      });
      return;
    }

    const principal = principalOf(res);
    try {
      const results = await acceptEvents(events, senderOf(principal), deps);
      results.forEach((r, i) => accepted.inc({ type: events[i]?.type ?? 'unknown', outcome: r.status }));
      deps.logger.info({ count: results.length, accepted: results.filter((r) => r.status === 'accepted').length, keyId: principal.keyId }, 'events accepted');
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
