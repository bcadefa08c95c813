import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { problemType, sendProblem } from './problem';

export interface Principal {
  keyId: string;
  /** `'*'` means every agency. */
  agencies: ReadonlySet<string> | '*';
}

export type ApiKeyTable = ReadonlyMap<string, Principal>;

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Parses `key:agency1,agency2;key2:*`. Keys are held only as SHA-256 digests so a lookup does
 * not compare secrets character by character and a heap dump does not reveal them.
 */
export function parseApiKeys(spec: string): ApiKeyTable {
  const table = new Map<string, Principal>();
  for (const entry of spec.split(';').map((s) => s.trim()).filter(Boolean)) {
    const sep = entry.indexOf(':');
    if (sep <= 0) throw new Error(`API_KEYS: entry "${entry.slice(0, 4)}…" must be key:agency[,agency] or key:*`);
    const key = entry.slice(0, sep).trim();
    const list = entry.slice(sep + 1).split(',').map((a) => a.trim()).filter(Boolean);
    if (key.length < 6) throw new Error('API_KEYS: every key must be at least 6 characters');
    if (list.length === 0) throw new Error(`API_KEYS: key "${key.slice(0, 4)}…" lists no agency`);
    const agencies: Principal['agencies'] = list.includes('*') ? '*' : new Set(list);
    table.set(digest(key), { keyId: digest(key).slice(0, 8), agencies });
  }
  return table;
}

export function canAccessAgency(principal: Principal, agencyCode: string): boolean {
  return principal.agencies === '*' || principal.agencies.has(agencyCode);
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

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}
