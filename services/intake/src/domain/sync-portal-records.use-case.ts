import type { FieldIssue, InboundDossierEvent } from '@tthc/contracts';
import { acceptEvents, ForbiddenAgencyError, uncoveredAgencies, type AcceptDeps, type EventOutcome, type Sender } from './accept-events.use-case';
import { mapPortalRecord, type PortalMapOptions } from './portal-record.mapper';

export class InvalidPortalRecordsError extends Error {
  constructor(readonly issues: FieldIssue[]) {
    super(`${issues.length} field(s) of the portal records are invalid`);
  }
}

export interface PortalEventResult {
  id: string;
  type: string;
  status: EventOutcome;
}

/** Outcome per record: `ignored` when it maps to no event, `duplicate` when every event was seen before. */
export interface PortalRecordResult {
  index: number;
  dossierCode: string;
  status: EventOutcome | 'ignored';
  reason?: string;
  events: PortalEventResult[];
}

/**
 * Maps every record first and publishes only when all of them are valid and owned by the key,
 * so a rejected request leaves nothing half-published. Portal-sync ids are deterministic, so
 * they are claimed per key like any other id: another key cannot claim them ahead.
 */
export async function syncPortalRecords(
  records: unknown[],
  pointerOf: (index: number) => string,
  sender: Sender,
  deps: AcceptDeps & PortalMapOptions,
): Promise<PortalRecordResult[]> {
  const issues: FieldIssue[] = [];
  const mapped = records.map((raw, index) => {
    const result = mapPortalRecord(raw, pointerOf(index), deps);
    if (!result.ok) issues.push(...result.issues);
    return result.ok ? result.value : null;
  });
  if (issues.length > 0) throw new InvalidPortalRecordsError(issues);

  const offending = mapped.flatMap((m, index) => (m ? uncoveredAgencies(m, sender, deps.codeAgencyCheck).map((o) => ({ index, ...o })) : []));
  if (offending.length > 0) throw new ForbiddenAgencyError(offending);

  const events: InboundDossierEvent[] = mapped.flatMap((m) => (m?.kind === 'events' ? m.events : []));
  const outcomes = events.length > 0 ? await acceptEvents(events, sender, deps) : [];

  let next = 0;
  return mapped.map((m, index) => {
    if (!m) throw new Error('unreachable: invalid records were rejected above');
    if (m.kind === 'ignored') return { index, dossierCode: m.dossierCode, status: 'ignored', reason: m.reason, events: [] };
    const own = m.events.map((e) => {
      const outcome = outcomes[next++];
      if (!outcome) throw new Error('acceptEvents answered fewer results than events');
      return { id: e.id, type: e.type, status: outcome.status };
    });
    const status: EventOutcome = own.every((e) => e.status === 'duplicate') ? 'duplicate' : 'accepted';
    return { index, dossierCode: m.dossierCode, status, events: own };
  });
}
