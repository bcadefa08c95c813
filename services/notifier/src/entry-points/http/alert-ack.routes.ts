import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { canAccessAgency, principalOf, problemType, requireApiKey, requireRole, sendProblem, type ApiKeyTable, type Problem } from '@tthc/platform';
import { acknowledgeAlert, type AuditRecorder } from '../../domain/acknowledge-alert.use-case';
import { verifyAckToken } from '../../domain/ack-token';
import type { AlertRecord, AlertRecordRepository, Clock, SubscriptionRepository } from '../../domain/notification';
import { acknowledgedPage, confirmPage, linkErrorPage, setLinkPageHeaders } from './ack-page.view';

const view = (r: AlertRecord) => ({ alertId: r.alertId, ackedAt: r.ackedAt, ackedBy: r.ackedBy, notifiedLevel: r.notifiedLevel });
// Alert ids are `<kind>:<code>:<key>:v<n>`; anything far longer is no alert and is not looked up.
const MAX_ALERT_ID = 300;
const MAX_TOKEN = 200;

export interface AlertAckDeps {
  alertRecords: AlertRecordRepository;
  subscriptions: Pick<SubscriptionRepository, 'find'>;
  apiKeys: ApiKeyTable;
  ackSecret: string;
  audit: AuditRecorder;
  /** Per-key rate limit, mounted after the key check. */
  rateLimit: RequestHandler;
  clock: Clock;
}

interface LinkProblem {
  status: number;
  code: string;
  title: string;
  vi: string;
  en: string;
}

const notFound = (id: string): LinkProblem => ({ status: 404, code: 'not-found', title: 'Not Found', vi: 'Không tìm thấy cảnh báo.', en: `No alert ${id.slice(0, MAX_ALERT_ID)}.` });

/**
 * A person follows the link in a browser (gets a page); tools get problem+json. Either way the
 * answer carries the link headers: no caching, no referrer.
 */
function sendLinkProblem(req: Request, res: Response, p: LinkProblem): void {
  setLinkPageHeaders(res);
  if (req.accepts(['application/problem+json', 'application/json', 'text/html']) === 'text/html') {
    res.status(p.status).type('html').send(linkErrorPage(p.status, p.vi, p.en));
    return;
  }
  const problem: Problem = { type: problemType(p.code), title: p.title, status: p.status, detail: p.en };
  sendProblem(res, problem);
}

const isForm = (req: Request) => /^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/**
 * Acknowledgement stops escalation. Two ways in: the API with an agency-manager or
 * reform-office key covering the alert's agency (portal keys belong to the monitored agency's
 * software and may not silence its escalation), or the mailed link: GET shows a confirmation
 * page and changes nothing, the page's form POST (form-urlencoded `token`) acknowledges.
 */
export function alertAckRouter(deps: AlertAckDeps): Router {
  const router = Router();
  // Only the token travels in the form; a handful of fields is plenty.
  const formBody = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  /** Checks a link's token before anything is looked up, so a bad token learns nothing about alerts. */
  async function openLink(alertId: string, token: unknown): Promise<{ ok: true; record: AlertRecord; recipientId: string; role: string } | { ok: false; problem: LinkProblem }> {
    if (typeof token !== 'string' || token.length === 0) {
      return { ok: false, problem: { status: 400, code: 'missing-ack-token', title: 'Missing acknowledgement token', vi: 'Liên kết thiếu mã xác nhận.', en: 'The link has no token; open it exactly as it was mailed.' } };
    }
    if (alertId.length > MAX_ALERT_ID) return { ok: false, problem: notFound(alertId) };
    const check = token.length > MAX_TOKEN ? ({ valid: false, reason: 'malformed' } as const) : verifyAckToken(deps.ackSecret, alertId, token, deps.clock.now());
    if (!check.valid) {
      return check.reason === 'expired'
        ? { ok: false, problem: { status: 403, code: 'ack-link-expired', title: 'Acknowledgement link expired', vi: 'Liên kết xác nhận đã hết hạn.', en: 'The acknowledgement link has expired; acknowledge in the dashboard or through the API.' } }
        : { ok: false, problem: { status: 403, code: 'invalid-ack-token', title: 'Invalid acknowledgement link', vi: 'Liên kết xác nhận không hợp lệ.', en: 'The link is not valid for this alert.' } };
    }
    const record = await deps.alertRecords.find(alertId);
    if (!record) return { ok: false, problem: notFound(alertId) };
    // A deleted subscription takes its links with it: someone removed from the list can no longer acknowledge.
    const recipient = await deps.subscriptions.find(check.recipientId);
    if (!recipient) {
      return { ok: false, problem: { status: 403, code: 'ack-link-revoked', title: 'Acknowledgement link revoked', vi: 'Người nhận của liên kết này không còn đăng ký.', en: "The link's recipient is no longer subscribed." } };
    }
    return { ok: true, record, recipientId: recipient.id, role: recipient.role };
  }

  router.get('/v1/alerts/:id/ack', async (req: Request<{ id: string }>, res: Response) => {
    const opened = await openLink(req.params.id, req.query['token']);
    if (!opened.ok) return sendLinkProblem(req, res, opened.problem);
    setLinkPageHeaders(res);
    res.status(200).type('html').send(confirmPage(opened.record, req.query['token'] as string));
  });

  // The page's form (form-urlencoded) is the link's way in; everything else is the keyed API below.
  const onlyForms = (req: Request, _res: Response, next: NextFunction) => (isForm(req) ? next() : next('route'));
  router.post('/v1/alerts/:id/ack', onlyForms, formBody, async (req: Request<{ id: string }>, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = Object.prototype.hasOwnProperty.call(body, 'token') ? body['token'] : undefined;
    const opened = await openLink(req.params.id, token);
    if (!opened.ok) return sendLinkProblem(req, res, opened.problem);
    const result = await acknowledgeAlert(opened.record.alertId, { via: 'link', recipientId: opened.recipientId, role: opened.role }, deps);
    setLinkPageHeaders(res);
    res.status(200).type('html').send(acknowledgedPage(result?.record ?? opened.record, result?.changed ?? false));
  });

  router.post(
    '/v1/alerts/:id/ack',
    requireApiKey(deps.apiKeys),
    deps.rateLimit,
    requireRole('agency-manager', 'reform-office'),
    async (req: Request<{ id: string }>, res: Response) => {
      const p = principalOf(res);
      const existing = req.params.id.length > MAX_ALERT_ID ? null : await deps.alertRecords.find(req.params.id);
      const agencies = existing ? [existing.alert.agencyCode, existing.alert.responsibleAgencyCode].filter((a): a is string => a !== null) : [];
      // An alert of another agency is reported as absent, so keys cannot probe for ids.
      if (!existing || !(p.agencies === '*' || agencies.some((a) => canAccessAgency(p, a)))) {
        sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No alert ${req.params.id.slice(0, MAX_ALERT_ID)} visible to this key.` });
        return;
      }
      const result = await acknowledgeAlert(existing.alertId, { via: 'api', keyId: p.keyId, role: p.role }, deps);
      res.json(view(result?.record ?? existing));
    },
  );
  return router;
}
