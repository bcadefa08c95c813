import { Router, type Request, type Response } from 'express';
import { canAccessAgency, principalOf, problemType, requireApiKey, sendProblem, type ApiKeyTable } from '@tthc/platform';
import { verifyAckToken } from '../../domain/ack-token';
import type { AlertRecord, AlertRecordRepository } from '../../domain/notification';

const view = (r: AlertRecord) => ({ alertId: r.alertId, ackedAt: r.ackedAt, ackedBy: r.ackedBy, notifiedLevel: r.notifiedLevel });
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Acknowledgement stops escalation. Two ways in: the API with a key that covers the alert's
 * agency, or the signed link from the e-mail (the token proves the link came from us).
 */
export function alertAckRouter(deps: { alertRecords: AlertRecordRepository; apiKeys: ApiKeyTable; ackSecret: string; now(): Date }): Router {
  const router = Router();

  router.get('/v1/alerts/:id/ack', async (req: Request<{ id: string }>, res: Response) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    if (!token || !verifyAckToken(deps.ackSecret, req.params.id, token)) {
      sendProblem(res, { type: problemType('invalid-ack-token'), title: 'Invalid acknowledgement link', status: 403, detail: 'The link is not valid for this alert.' });
      return;
    }
    const record = await deps.alertRecords.ack(req.params.id, deps.now(), 'email-link');
    if (!record) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No alert ${req.params.id}.` });
      return;
    }
    res
      .type('html')
      .send(`<!doctype html><html><head><meta charset="utf-8"><title>OK</title></head><body><p>Đã xác nhận cảnh báo / Alert acknowledged: ${escapeHtml(record.alertId)}</p></body></html>`);
  });

  router.post('/v1/alerts/:id/ack', requireApiKey(deps.apiKeys), async (req: Request<{ id: string }>, res: Response) => {
    const existing = await deps.alertRecords.find(req.params.id);
    const p = principalOf(res);
    const agencies = existing ? [existing.alert.agencyCode, existing.alert.responsibleAgencyCode].filter((a): a is string => a !== null) : [];
    // An alert of another agency is reported as absent, so keys cannot probe for ids.
    if (!existing || !(p.agencies === '*' || agencies.some((a) => canAccessAgency(p, a)))) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No alert ${req.params.id} visible to this key.` });
      return;
    }
    const record = await deps.alertRecords.ack(req.params.id, deps.now(), `api-key:${p.keyId}`);
    res.json(view(record ?? existing));
  });
  return router;
}
