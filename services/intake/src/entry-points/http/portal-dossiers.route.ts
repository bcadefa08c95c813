import express, { type Request, type Response, Router } from 'express';
import { principalOf, problemType, requireRole, sendProblem, type Logger, type Metrics } from '@tthc/platform';
import { ForbiddenAgencyError, TemporarilyUnavailableError, type AcceptDeps } from '../../domain/accept-events.use-case';
import { InvalidPortalRecordsError, syncPortalRecords } from '../../domain/sync-portal-records.use-case';
import { BODY_LIMIT_BYTES, MAX_BATCH, offendingDetail, senderOf } from './events.route';

export interface PortalDossiersDeps extends AcceptDeps {
  logger: Logger;
  metrics: Metrics;
  /** IANA zone of the portal's `yyyyMMddHHmmss` dates. */
  portalTimeZone: string;
}

/** Dossier records in the national-portal synchronisation shape, mapped to the same events as /v1/events. */
export function portalDossiersRouter(deps: PortalDossiersDeps): Router {
  const router = Router();
  const records = deps.metrics.counter('intake_portal_records_total', 'Portal synchronisation records submitted to intake', ['outcome']);

  router.post('/v1/portal/dossiers', requireRole('portal'), express.json({ type: 'application/json', limit: BODY_LIMIT_BYTES, strict: true }), async (req: Request, res: Response) => {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      sendProblem(res, { type: problemType('unsupported-media-type'), title: 'Unsupported Media Type', status: 415, detail: 'Send application/json: one portal record or an array of records.' });
      return;
    }
    const body: unknown = req.body;
    const isArray = Array.isArray(body);
    const shapeError = isArray
      ? body.length === 0
        ? 'an array must contain at least one record'
        : body.length > MAX_BATCH
          ? `an array may contain at most ${MAX_BATCH} records`
          : null
      : typeof body !== 'object' || body === null
        ? 'the body must be one portal record (a JSON object) or an array of records'
        : null;
    if (shapeError) {
      sendProblem(res, { type: problemType('invalid-portal-record'), title: 'Invalid portal record', status: 400, detail: shapeError });
      return;
    }

    const raw = isArray ? (body as unknown[]) : [body];
    const pointerOf = (index: number) => (isArray ? `/${index}` : '');
    const principal = principalOf(res);
    try {
      const results = await syncPortalRecords(raw, pointerOf, senderOf(principal), { ...deps, timeZone: deps.portalTimeZone });
      for (const r of results) records.inc({ outcome: r.status });
      const published = results.reduce((n, r) => n + r.events.filter((e) => e.status === 'accepted').length, 0);
      deps.logger.info({ records: results.length, published, keyId: principal.keyId }, 'portal records accepted');
      res.status(202).json({ results });
    } catch (err) {
      if (err instanceof InvalidPortalRecordsError) {
        records.inc({ outcome: 'rejected' }, raw.length);
        sendProblem(res, {
          type: problemType('invalid-portal-record'),
          title: 'Invalid portal record',
          status: 400,
          detail: `${err.issues.length} field(s) are invalid: ${err.issues.map((i) => `${i.pointer} ${i.detail}`).join('; ')}`,
          errors: err.issues,
        });
        return;
      }
      if (err instanceof ForbiddenAgencyError) {
        records.inc({ outcome: 'forbidden' }, raw.length);
        sendProblem(res, {
          type: problemType('forbidden-agency'),
          title: 'Forbidden',
          status: 403,
          detail: `The API key may not submit records for agency ${[...new Set(err.offending.map((o) => o.agencyCode))].join(', ')}.`,
          errors: err.offending.map((o) => {
            const rec = raw[o.index] as Record<string, unknown>;
            const field = o.field === 'dossierCode' ? 'MaHoSo' : rec.MaDonVi === undefined ? 'DonViXuLy' : 'MaDonVi';
            return { pointer: `${pointerOf(o.index)}/${field}`, detail: offendingDetail(o.field, o.agencyCode) };
          }),
        });
        return;
      }
      if (err instanceof TemporarilyUnavailableError) {
        deps.logger.warn({ err: err.cause ?? err }, 'portal records not accepted: dependency unavailable');
        sendProblem(res, { type: problemType('unavailable'), title: 'Service Unavailable', status: 503, detail: err.message }, { 'Retry-After': String(err.retryAfterSeconds) });
        return;
      }
      throw err;
    }
  });
  return router;
}
