import type { DossierCursor } from '../../domain/metrics-read-model';

/**
 * The `cursor` of `GET /v1/dossiers`: opaque to clients, base64url of the position where the
 * previous page ended, with the due instant's stored type (`d` a date, `s` an ISO string kept
 * by older documents, `n` none), so the next page reads on from the sort key.
 */
export function encodeDossierCursor(c: DossierCursor): string {
  const due = c.dueAt === null ? ['n', null] : c.dueAt instanceof Date ? ['d', c.dueAt.toISOString()] : ['s', c.dueAt];
  return Buffer.from(JSON.stringify([...due, c.code]), 'utf8').toString('base64url');
}

/** The position a cursor names; null for anything this service did not write. */
export function decodeDossierCursor(text: string): DossierCursor | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 3) return null;
  const [kind, due, code] = value as [unknown, unknown, unknown];
  if (typeof code !== 'string' || code.length === 0 || code.length > 64) return null;
  if (kind === 'n' && due === null) return { dueAt: null, code };
  if (kind === 's' && typeof due === 'string' && due.length <= 40) return { dueAt: due, code };
  if (kind === 'd' && typeof due === 'string' && !Number.isNaN(Date.parse(due)) && new Date(due).toISOString() === due) return { dueAt: new Date(due), code };
  return null;
}
