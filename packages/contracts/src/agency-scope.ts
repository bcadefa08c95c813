/**
 * Agency scopes of API keys, and the arithmetic on them. Pure: intake stamps a key's scope on
 * every event as CloudEvents `authclaims`, workflow's domain judges facts with it, and the HTTP
 * layer (`@tthc/platform`) checks requests with it.
 */
/** The agencies a key reaches. */
export interface AgencyScope {
  /** `'*'` means every agency. Exact agency codes otherwise. */
  agencies: ReadonlySet<string> | '*';
  /** Code prefixes from `G01.*` entries (stored as `G01.`): every agency under a province. */
  agencyPrefixes: readonly string[];
}

export function canAccessAgency(scope: AgencyScope, agencyCode: string): boolean {
  if (scope.agencies === '*' || scope.agencies.has(agencyCode)) return true;
  // Older principals (built before prefixes existed) have no `agencyPrefixes`.
  return (scope.agencyPrefixes ?? []).some((p) => agencyCode.startsWith(p));
}

/** Whether `outer` reaches every agency `inner` reaches. */
export function scopeContains(outer: AgencyScope, inner: AgencyScope): boolean {
  if (outer.agencies === '*') return true;
  if (inner.agencies === '*') return false;
  const codesIn = [...inner.agencies].every((c) => canAccessAgency(outer, c));
  const prefixesIn = inner.agencyPrefixes.every((p) => outer.agencyPrefixes.some((o) => p.startsWith(o)));
  return codesIn && prefixesIn;
}

/**
 * A scope written as a CloudEvents `authclaims` value: `*`, or agency codes and `G01.*`
 * prefixes separated by commas. Intake stamps it on every event so workflow can check the
 * sender against a subject's owner without holding the key table.
 */
export function scopeClaimsOf(scope: AgencyScope): string {
  if (scope.agencies === '*') return '*';
  return [...[...scope.agencies].sort(), ...scope.agencyPrefixes.map((p) => `${p}*`)].join(',');
}

/** The inverse of {@link scopeClaimsOf}; null when the text is not a scope. */
export function parseScopeClaims(text: string): AgencyScope | null {
  const list = text.split(',').map((a) => a.trim()).filter(Boolean);
  if (list.length === 0) return null;
  if (list.includes('*')) return { agencies: '*', agencyPrefixes: [] };
  if (list.some((a) => a.includes('*') && !/^[^*]+\.\*$/.test(a))) return null;
  return { agencies: new Set(list.filter((a) => !a.endsWith('*'))), agencyPrefixes: list.filter((a) => a.endsWith('*')).map((a) => a.slice(0, -1)) };
}

