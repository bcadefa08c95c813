import type { Response } from 'express';
import { principalOf, problemType, sendProblem } from '@tthc/platform';
import { parseAgencyFilter, type SuccessorDirectory } from '../../domain/agency-scope';
import { audienceFor, type Audience } from '../../domain/metrics-report.use-case';

/**
 * The agencies a request reads: those of the key, intersected with `?agency=` (an agency
 * code, or a prefix such as `G01.*`). A filter that shares no agency with the key is refused
 * with 403 rather than answered with empty counts, so a wrong filter is noticed; a prefix
 * broader than the key reads the key's own agencies under it.
 */
export function audienceOf(res: Response, directory: SuccessorDirectory, q: { agency?: string | undefined; procedure?: string | undefined }): Audience | null {
  const who = audienceFor(principalOf(res), q.agency ? parseAgencyFilter(q.agency) : null, directory, q.procedure);
  if (!who) {
    sendProblem(res, { type: problemType('forbidden-agency'), title: 'Forbidden', status: 403, detail: `This key does not cover agency ${q.agency}.` });
    return null;
  }
  return who;
}
