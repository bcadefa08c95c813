import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Calendar } from '@tthc/calendar';
import type { AgencyDirectory } from '@tthc/metrics';
import { canAccessAgency, principalOf, problemType, requireRole, sendProblem, type AuditLog } from '@tthc/platform';
import { importSurveys, surveyShares, SurveyCsvError, SurveyScopeError, type SurveyStore } from '../../domain/survey.use-case';
import { audienceOf } from './audience';
import { param, parseQuery } from './query.parser';

export const surveyShareQuery = z.object({ period: param.period, agency: param.agency.optional() });

/** A province's results fit in far less; a larger body is refused before parsing. */
export const SURVEY_BODY_LIMIT = '1mb';

export interface SurveyRouteDeps {
  store: SurveyStore;
  auditLog: AuditLog;
  calendar: Calendar;
  directory: AgencyDirectory;
  /** The satisfied share each agency is measured against (SIPAS_TARGET_PERCENT). */
  targetPercent: number;
  now: () => Date;
}

const lineProblem = (err: SurveyCsvError) => ({
  type: problemType('invalid-survey-csv'),
  title: 'Invalid survey CSV',
  status: 400,
  detail: `Nothing was imported. ${err.message}`,
  errors: err.issues.map((i) => ({ pointer: `/lines/${i.line}${i.column ? `/${i.column}` : ''}`, detail: `line ${i.line}: ${i.detail}` })),
});

/**
 * Survey results: the reform office imports them for the agencies its key covers, and managers
 * and the reform office read the satisfied share of their agencies beside the target.
 */
export function surveysRouter(deps: SurveyRouteDeps): Router {
  const router = Router();

  router.post('/v1/surveys/import', requireRole('reform-office'), express.text({ type: 'text/csv', limit: SURVEY_BODY_LIMIT }), async (req: Request, res: Response) => {
    if (typeof req.body !== 'string') {
      sendProblem(res, { type: problemType('unsupported-media-type'), title: 'Unsupported Media Type', status: 415, detail: 'Send the survey results as text/csv.' });
      return;
    }
    const principal = principalOf(res);
    const actor = `key:${principal.keyId}`;
    try {
      const results = await importSurveys(req.body, { actor, canAccess: (agency) => canAccessAgency(principal, agency) }, { store: deps.store, calendar: deps.calendar, now: deps.now() });
      const agencies = [...new Set(results.map((r) => r.agencyCode))].sort();
      for (const agencyCode of agencies) {
        const periods = results.filter((r) => r.agencyCode === agencyCode).map((r) => r.periodKey);
        await deps.auditLog.record({ actor, role: principal.role, action: 'survey.imported', target: periods.join(','), agencyCode, details: { periods } });
      }
      res.status(201).json({ imported: results.length, agencies, periods: [...new Set(results.map((r) => r.periodKey))].sort() });
    } catch (err) {
      if (err instanceof SurveyCsvError) {
        sendProblem(res, lineProblem(err));
        return;
      }
      if (err instanceof SurveyScopeError) {
        sendProblem(res, {
          type: problemType('forbidden-agency'),
          title: 'Forbidden',
          status: 403,
          detail: `Nothing was imported. ${err.message}.`,
          errors: err.offending.map((o) => ({ pointer: `/lines/${o.line}/agencyCode`, detail: `line ${o.line}: agency ${o.agencyCode} is not covered by this key` })),
        });
        return;
      }
      throw err;
    }
  });

  router.get('/v1/surveys/satisfaction', requireRole('agency-manager', 'reform-office'), async (req: Request, res: Response) => {
    const q = parseQuery(surveyShareQuery, req, res);
    if (!q) return;
    const who = audienceOf(res, deps.directory, q);
    if (!who) return;
    res.json(await surveyShares({ periodKey: q.period, scope: who.scope, visible: who.visible }, deps));
  });

  return router;
}
