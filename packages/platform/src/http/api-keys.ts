import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AgencyScope } from '@tthc/contracts';
import { problemType, sendProblem } from './problem';

// The scope arithmetic is pure and lives in contracts, where domain code can reach it without
// loading this package's transports.
export { canAccessAgency, parseScopeClaims, scopeClaimsOf, scopeContains, type AgencyScope } from '@tthc/contracts';

/**
 * What a key may do besides reaching its agencies' dossiers:
 * - `portal`: a one-stop portal; posts events and reads its agencies' dossiers and alerts, but
 *   not metrics, index sub-scores or exports;
 * - `agency-manager`: reads metrics of its own agency (or agencies) only;
 * - `reform-office`: reads metrics of every agency it covers, normally a whole province
 *   (`G01.*`) or everything (`*`).
 */
export const API_ROLES = ['portal', 'agency-manager', 'reform-office'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface Principal extends AgencyScope {
  /** First 16 hex digits of the key's SHA-256: names the key in logs, events and audits, never reveals it. */
  keyId: string;
  role: ApiRole;
}

export type ApiKeyTable = ReadonlyMap<string, Principal>;

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Parses `API_KEYS`: entries separated by `;`, each `key:agencies[:role]`.
 * - `agencies` is `*` (every agency) or a comma-separated list of agency codes, where `G01.*`
 *   stands for every agency whose code starts with `G01.` (a province);
 * - `role` is `portal`, `agency-manager` or `reform-office`.
 *
 * Entries written before roles existed keep their meaning: `key:agency1,agency2` is a portal
 * of those agencies, and `key:*` a reform office over every agency. An agency manager must
 * name its agencies (no `*`, no prefix).
 *
 * Keys are held only as SHA-256 digests so a lookup does not compare secrets character by
 * character and a heap dump does not reveal them.
 */
export function parseApiKeys(spec: string): ApiKeyTable {
  const table = new Map<string, Principal>();
  for (const entry of spec.split(';').map((s) => s.trim()).filter(Boolean)) {
    const sep = entry.indexOf(':');
    if (sep <= 0) throw new Error(`API_KEYS: entry "${entry.slice(0, 4)}…" must be key:agency[,agency][:role] or key:*[:role]`);
    const key = entry.slice(0, sep).trim();
    const rest = entry.slice(sep + 1);
    const roleSep = rest.indexOf(':');
    const roleText = roleSep >= 0 ? rest.slice(roleSep + 1).trim() : null;
    const list = (roleSep >= 0 ? rest.slice(0, roleSep) : rest).split(',').map((a) => a.trim()).filter(Boolean);
    const hint = `key "${key.slice(0, 4)}…"`;
    if (key.length < 6) throw new Error('API_KEYS: every key must be at least 6 characters');
    if (list.length === 0) throw new Error(`API_KEYS: ${hint} lists no agency`);
    if (roleText !== null && !(API_ROLES as readonly string[]).includes(roleText)) {
      throw new Error(`API_KEYS: ${hint} has role "${roleText}"; expected one of ${API_ROLES.join(', ')}`);
    }
    const all = list.includes('*');
    const prefixes = list.filter((a) => a !== '*' && a.endsWith('.*')).map((a) => a.slice(0, -1));
    const bad = list.find((a) => a !== '*' && a.includes('*') && !(a.endsWith('.*') && a.length > 2 && !a.slice(0, -2).includes('*')));
    if (bad) throw new Error(`API_KEYS: ${hint} has agency "${bad}"; a wildcard may only end a code prefix, as in G01.*`);
    const role: ApiRole = (roleText as ApiRole | null) ?? (all ? 'reform-office' : 'portal');
    if (role === 'agency-manager' && (all || prefixes.length > 0)) throw new Error(`API_KEYS: ${hint} is an agency-manager key; it must list its agency codes, without "*"`);
    const agencies: Principal['agencies'] = all ? '*' : new Set(list.filter((a) => !a.includes('*')));
    const hash = digest(key);
    if (table.has(hash)) throw new Error(`API_KEYS: ${hint} is listed twice`);
    const keyId = hash.slice(0, 16);
    if ([...table.values()].some((p) => p.keyId === keyId)) throw new Error(`API_KEYS: two keys share the id ${keyId}; replace one of them`);
    table.set(hash, { keyId, agencies, agencyPrefixes: all ? [] : prefixes, role });
  }
  return table;
}

/** The key text of each `API_KEYS` entry, for configuration checks (never logged). */
export function apiKeyTexts(spec: string): string[] {
  return spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => entry.slice(0, Math.max(0, entry.indexOf(':'))).trim());
}

/** Whether the key may read metrics, index sub-scores and exports. */
export function canReadMetrics(principal: Principal): boolean {
  return principal.role === 'agency-manager' || principal.role === 'reform-office';
}

/** Bearer-key authentication; the principal is put on `res.locals.principal`. */
export function requireApiKey(table: ApiKeyTable) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match?.[1] ? table.get(digest(match[1])) : undefined;
    if (!principal) {
      sendProblem(res, { type: problemType('unauthorized'), title: 'Unauthorized', status: 401, detail: 'Send a valid API key as "Authorization: Bearer <key>".' }, { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    res.locals.principal = principal;
    next();
  };
}

/** 403 problem+json unless the authenticated key has one of `roles`. Mount after {@link requireApiKey}. */
export function requireRole(...roles: ApiRole[]) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const principal = principalOf(res);
    if (!principal || !roles.includes(principal.role)) {
      sendProblem(res, {
        type: problemType('forbidden'),
        title: 'Forbidden',
        status: 403,
        detail: `This needs a key with role ${roles.join(' or ')}; this key's role is ${principal?.role ?? 'none'}.`,
      });
      return;
    }
    next();
  };
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}
