import type { Response } from 'express';
import type { AgencyDirectory } from '@tthc/metrics';
import { canAccessAgency, principalOf, problemType, sendProblem } from '@tthc/platform';
import type { AgencyScope } from '../../domain/metrics-read-model';
import type { Audience } from '../../domain/metrics-report.use-case';

/**
 * The agencies a request reports on: those of the key, narrowed by `?agency=` (an agency code,
 * or a province prefix such as `G01.*`). Naming an agency the key does not cover is refused
 * with 403 rather than answered with empty counts, so a wrong filter is noticed.
 */
export function audienceOf(res: Response, directory: AgencyDirectory, q: { agency?: string | undefined; procedure?: string | undefined }): Audience | null {
  const principal = principalOf(res);
  const param = q.agency;
  const paramPrefix = param?.endsWith('.*') ? param.slice(0, -1) : null;
  if (param && !paramPrefix && !canAccessAgency(principal, param)) {
    sendProblem(res, { type: problemType('forbidden-agency'), title: 'Forbidden', status: 403, detail: `This key does not cover agency ${param}.` });
    return null;
  }
  const matchesParam = (code: string) => !param || (paramPrefix ? code.startsWith(paramPrefix) : code === param);
  let scope: AgencyScope;
  if (param) scope = paramPrefix ? { codes: [], prefixes: [paramPrefix] } : { codes: directory.codesCountingAs(param), prefixes: [] };
  else if (principal.agencies === '*') scope = '*';
  else scope = { codes: [...principal.agencies].flatMap((c) => directory.codesCountingAs(c)), prefixes: [...principal.agencyPrefixes] };
  return {
    scope,
    visible: (code) => canAccessAgency(principal, code) && matchesParam(code),
    ...(q.procedure ? { procedureCode: q.procedure } : {}),
  };
}
