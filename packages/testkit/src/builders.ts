import { randomUUID } from 'node:crypto';
import type { DossierReceivedV1, DossierResolvedV1 } from '@tthc/contracts';

let seq = 0;

/** A dossier code in the TT 04/2025 shape, unique per call. */
export function dossierCode(agency = 'G01.001.000', day = '260302'): string {
  seq += 1;
  return `${agency}-${day}-${String(seq).padStart(4, '0')}${randomUUID().slice(0, 4).toUpperCase()}`;
}

interface EnvelopeOverrides {
  id?: string;
  source?: string;
  time?: string;
}

/** A portal CloudEvent envelope around `data`; `now` is the default event time. */
function portalEvent<T extends string, D>(type: T, now: Date, env: EnvelopeOverrides, data: D) {
  return {
    specversion: '1.0' as const,
    id: env.id ?? randomUUID(),
    source: env.source ?? 'urn:portal:test',
    type,
    time: env.time ?? now.toISOString(),
    data,
  };
}

export function receivedEvent(data: Partial<DossierReceivedV1> = {}, env: EnvelopeOverrides = {}) {
  const now = new Date();
  return portalEvent('vn.tthc.dossier.received', now, env, {
    dossierCode: data.dossierCode ?? dossierCode(),
    procedureCode: data.procedureCode ?? '1.001234',
    agencyCode: data.agencyCode ?? 'G01.001.000',
    receivedAt: data.receivedAt ?? now.toISOString(),
    appointmentAt: data.appointmentAt ?? new Date(now.getTime() + 3600_000).toISOString(),
    ...(data.channel ? { channel: data.channel } : {}),
    ...(data.applicant ? { applicant: data.applicant } : {}),
  });
}

export function resolvedEvent(data: Partial<DossierResolvedV1> & { dossierCode: string }, env: EnvelopeOverrides = {}) {
  const now = new Date();
  return portalEvent('vn.tthc.dossier.resolved', now, env, {
    dossierCode: data.dossierCode,
    agencyCode: data.agencyCode ?? 'G01.001.000',
    resolvedAt: data.resolvedAt ?? now.toISOString(),
  });
}
