import { STATUS_OF_EVENT } from '@tthc/contracts';

/**
 * CloudEvents for whole lifecycles, with ids derived from the subject code so that two
 * subjects' histories compare equal once the code is replaced.
 */
export function lifecycleEvent(code: string, n: number, type: string, occurredAt: Date, extra: Record<string, unknown> = {}, agencyCode = 'G01.001.000') {
  const at = occurredAt.toISOString();
  const subjectField = type.startsWith('vn.tthc.petition.') ? { petitionCode: code } : { dossierCode: code };
  const timing = type === 'vn.tthc.dossier.received' ? { receivedAt: at } : type === 'vn.tthc.dossier.resolved' ? { resolvedAt: at } : { occurredAt: at };
  return {
    specversion: '1.0' as const,
    id: `${code}-${n}`,
    source: 'urn:portal:e2e-lifecycle',
    type,
    time: at,
    data: { ...subjectField, agencyCode, ...timing, ...extra },
  };
}

export const hours = (base: Date, h: number) => new Date(base.getTime() + h * 3600_000);

/** The portal status code each dossier event leads to, `null` when it keeps the current one. */
export const statusAfter = (type: string): number | null => STATUS_OF_EVENT[type] ?? null;
