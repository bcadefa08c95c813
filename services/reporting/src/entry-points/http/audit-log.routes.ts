import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { principalOf, requireRole, type AuditLog } from '@tthc/platform';
import { withoutPersonalData } from '../../domain/personal-data';
import { paging, param, parseQuery } from './query.parser';

export const auditLogQuery = z.object({
  action: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9.-]{0,99}$/, 'must be an action such as subscription.created')
    .optional(),
  since: param.instant.optional(),
  ...paging,
});

/**
 * Who changed the configuration (subscriptions, acknowledgements, catalog and calendar
 * versions), newest first: for the reform office only, and only the entries of the agencies
 * its key covers (entries that concern no single agency are everybody's). Details are written
 * by each service in its own shape, so personal data and secrets are removed by name.
 */
export function auditLogRouter(auditLog: () => AuditLog): Router {
  const router = Router();
  router.get('/v1/audit-log', requireRole('reform-office'), async (req: Request, res: Response) => {
    const q = parseQuery(auditLogQuery, req, res);
    if (!q) return;
    const page = await auditLog().list({
      scope: principalOf(res),
      ...(q.action ? { action: q.action } : {}),
      ...(q.since ? { since: new Date(q.since) } : {}),
      page: q.page,
      pageSize: q.pageSize,
    });
    const items = page.items.map((e) => ({
      id: e.id,
      at: e.at instanceof Date ? e.at.toISOString() : String(e.at),
      actor: e.actor,
      role: e.role,
      action: e.action,
      target: e.target,
      agencyCode: e.agencyCode,
      details: withoutPersonalData(e.details ?? {}),
    }));
    res.json({ items, page: q.page, pageSize: q.pageSize, total: page.total });
  });
  return router;
}
