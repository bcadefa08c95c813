/**
 * Which agencies a read may reach: every one, or exact codes and code prefixes (`G01.` from a
 * `G01.*` entry or filter). Used both as the store filter and as the exact test applied to
 * each row, so a page's `total` and its rows describe the same set.
 */
export type AgencyScope = '*' | { codes: string[]; prefixes: string[] };

/** The agencies an API key reaches, in the shape the key table holds them. */
export interface KeyScope {
  agencies: ReadonlySet<string> | '*';
  /** Older principals may lack prefixes. */
  agencyPrefixes?: readonly string[];
}

/** `?agency=`: one agency code, or a prefix written `G01.*` (kept as `G01.`). */
export type AgencyFilter = { code: string } | { prefix: string };

/** Historic units and their successors, as the agency directory lists them. */
export interface SuccessorDirectory {
  list(): ReadonlyArray<{ code: string; successor: string | null }>;
}

export function parseAgencyFilter(text: string): AgencyFilter {
  return text.endsWith('.*') ? { prefix: text.slice(0, -1) } : { code: text };
}

export function scopeOfKey(key: KeyScope): AgencyScope {
  if (key.agencies === '*') return '*';
  return { codes: [...key.agencies].sort(), prefixes: [...new Set(key.agencyPrefixes ?? [])].sort() };
}

export function inScope(scope: AgencyScope, code: string): boolean {
  if (scope === '*') return true;
  return scope.codes.includes(code) || scope.prefixes.some((p) => code.startsWith(p));
}

/**
 * The part of `scope` a filter names; null when they share no agency. A filter is never
 * allowed to widen a key: a prefix broader than the key keeps only the key's agencies under
 * it, so `G01.*` from a key of `G01.001.000` reads that one agency.
 */
export function intersectScope(scope: AgencyScope, filter: AgencyFilter | null): AgencyScope | null {
  if (!filter) return scope;
  if ('code' in filter) return inScope(scope, filter.code) ? { codes: [filter.code], prefixes: [] } : null;
  const p = filter.prefix;
  if (scope === '*') return { codes: [], prefixes: [p] };
  const prefixes = new Set<string>();
  for (const k of scope.prefixes) {
    if (p.startsWith(k)) prefixes.add(p);
    else if (k.startsWith(p)) prefixes.add(k);
  }
  const under = [...prefixes];
  // A code already reached by a kept prefix would only repeat it in the store filter.
  const codes = scope.codes.filter((c) => c.startsWith(p) && !under.some((u) => c.startsWith(u)));
  if (codes.length === 0 && under.length === 0) return null;
  return { codes: codes.sort(), prefixes: under.sort() };
}

/**
 * The scope widened by the pre-July-2025 district units whose dossiers count under one of its
 * agencies, for reading the candidates of a count. Each candidate is mapped to the agency it
 * counts under in the period and tested against the original scope afterwards, so the
 * widening adds no agency to a report; it only keeps those dossiers from being missed.
 */
export function withHistoricUnits(scope: AgencyScope, directory: SuccessorDirectory): AgencyScope {
  if (scope === '*') return scope;
  const entries = directory.list();
  const successorOf = new Map(entries.map((e) => [e.code, e.successor]));
  const extra: string[] = [];
  for (const e of entries) {
    if (inScope(scope, e.code)) continue;
    let next = e.successor;
    // A successor chain is short; the bound only guards against a cycle in a bad file.
    for (let hops = 0; next && hops < 5; hops++) {
      if (inScope(scope, next)) {
        extra.push(e.code);
        break;
      }
      next = successorOf.get(next) ?? null;
    }
  }
  return extra.length ? { codes: [...scope.codes, ...extra].sort(), prefixes: scope.prefixes } : scope;
}
