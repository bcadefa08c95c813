import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { canAccessAgency, principalOf, problemType, sendProblem } from '@tthc/platform';
import type { SuccessorDirectory } from '../../domain/agency-scope';
import { buildCaseRecord, type CaseContext, type StoredCase } from '../../domain/case-record.use-case';
import type { ReportingReadModel } from '../../domain/dossier-view';
import { audienceOf } from './audience';
import { param, parseQuery } from './query.parser';

export const alertQuery = z.object({
  agency: param.agency.optional(),
  dossierCode: param.code.optional(),
  type: z.string().trim().min(1).max(64).optional(),
  since: param.instant.optional(),
  limit: param.int(1, 1000).default(100),
});

const noQuery = z.object({});

// Intake accepts codes of at most 64 characters; a longer one or control characters cannot name a subject.
const SUBJECT_CODE = /^[^\p{Cc}]{1,64}$/u;

/** What the case record is computed with: the calendar, "now" and the open rules, read per request. */
export type CaseContextSource = () => CaseContext;

/**
 * A dossier's or petition's case record by code, and the alerts raised, for every role within
 * its agencies. `/v1/dossiers/{code}` answers petition codes too, as it did before petitions had
 * their own route; `/v1/petitions/{code}` answers petitions only.
 */
export function readRouter(readModel: ReportingReadModel, directory: SuccessorDirectory, caseContext: CaseContextSource): Router {
  const router = Router();

  const caseRoute = (what: 'dossier' | 'petition', accepts: (c: StoredCase) => boolean) => async (req: Request<{ code: string }>, res: Response) => {
    if (!parseQuery(noQuery, req, res)) return;
    const code = req.params.code;
    if (!SUBJECT_CODE.test(code)) {
      sendProblem(res, { type: problemType('invalid-code'), title: 'Invalid code', status: 400, detail: `A ${what} code is 1–64 characters without control characters.` });
      return;
    }
    const found = await readModel.findCase(code);
    // A subject of another agency is reported as absent, so keys cannot probe for codes.
    if (!found || !found.agencyCode || !canAccessAgency(principalOf(res), found.agencyCode) || !accepts(found)) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No ${what} ${code} visible to this key.` });
      return;
    }
    res.json(buildCaseRecord(found, caseContext()));
  };

  router.get('/v1/dossiers/:code', caseRoute('dossier', () => true));
  router.get('/v1/petitions/:code', caseRoute('petition', (c) => c.subject === 'petition'));

  router.get('/v1/alerts', async (req: Request, res: Response) => {
    const q = parseQuery(alertQuery, req, res);
    if (!q) return;
    const who = audienceOf(res, directory, q);
    if (!who) return;
    const items = await readModel.listAlerts({
      scope: who.scope,
      ...(q.dossierCode ? { dossierCode: q.dossierCode } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.since ? { since: new Date(q.since) } : {}),
      limit: q.limit,
    });
    res.json({ items });
  });
  return router;
}
