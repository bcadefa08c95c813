import type { AgencyScope } from '../domain/agency-scope';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The agencies of a scope as a store filter on `agencyCode`, exact for codes and prefixes, so
 * a count over it is a count of what the scope reaches; null for every agency. It never matches
 * a missing or empty code (readers rely on that instead of asking for one again).
 */
export function agencyFilter(scope: AgencyScope): Record<string, unknown> | null {
  if (scope === '*') return null;
  const or: Array<Record<string, unknown>> = [];
  if (scope.codes.length) or.push({ agencyCode: { $in: scope.codes } });
  // An empty prefix still asks for some agency: the filter never matches a subject without one.
  for (const p of scope.prefixes) or.push({ agencyCode: { $regex: p === '' ? '^.' : `^${escapeRegex(p)}` } });
  // One part stands alone: a store plans its index read from top-level conditions, and an
  // agency held to one code (or one prefix) is the narrowest read of an agency's list.
  if (or.length === 1) return or[0]!;
  return or.length ? { $or: or } : { agencyCode: { $in: [] } };
}
