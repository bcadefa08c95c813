import type { InboundDossierEvent } from '@tthc/contracts';

/** Outcome of one submitted event. */
export type EventOutcome = 'accepted' | 'duplicate';

export interface EventResult {
  id: string;
  source: string;
  status: EventOutcome;
}

export type ClaimState = 'claimed' | 'done' | 'pending';

/**
 * Remembers which events were published. An event id is first claimed (short lease), then
 * marked done after Kafka acknowledged it; a failed publish releases the claim so the portal's
 * retry is accepted rather than silently called a duplicate.
 */
export interface IdempotencyStore {
  claim(key: string): Promise<ClaimState>;
  complete(keys: string[]): Promise<void>;
  release(keys: string[]): Promise<void>;
}

export interface EventPublisher {
  /** Resolves only when the broker acknowledged every event (acks = all). */
  publish(events: InboundDossierEvent[]): Promise<void>;
}

export class ForbiddenAgencyError extends Error {
  constructor(readonly offending: Array<{ index: number; agencyCode: string }>) {
    super('the API key does not own the agency of some events');
  }
}

export class TemporarilyUnavailableError extends Error {
  constructor(message: string, readonly retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface AcceptDeps {
  store: IdempotencyStore;
  publisher: EventPublisher;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for a concurrent submission of the same id to finish. */
  pendingWaitMs?: number;
}

/** CloudEvents identity is `source` + `id`. */
export function eventKey(event: { source: string; id: string }): string {
  return `${event.source}\n${event.id}`;
}

export async function acceptEvents(
  events: InboundDossierEvent[],
  canAccess: (agencyCode: string) => boolean,
  deps: AcceptDeps,
): Promise<EventResult[]> {
  const offending = events.flatMap((e, index) => (canAccess(e.data.agencyCode) ? [] : [{ index, agencyCode: e.data.agencyCode }]));
  if (offending.length > 0) throw new ForbiddenAgencyError(offending);

  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const results: EventResult[] = [];
  const toPublish: InboundDossierEvent[] = [];
  const claimed: string[] = [];
  const seenInRequest = new Set<string>();

  try {
    for (const event of events) {
      const key = eventKey(event);
      if (seenInRequest.has(key)) {
        results.push({ id: event.id, source: event.source, status: 'duplicate' });
        continue;
      }
      seenInRequest.add(key);
      let state = await deps.store.claim(key);
      for (let waited = 0; state === 'pending' && waited < (deps.pendingWaitMs ?? 3000); waited += 100) {
        await sleep(100);
        state = await deps.store.claim(key);
      }
      if (state === 'pending') {
        throw new TemporarilyUnavailableError(`event ${event.id} is being accepted by another request`, 2);
      }
      if (state === 'done') {
        results.push({ id: event.id, source: event.source, status: 'duplicate' });
        continue;
      }
      claimed.push(key);
      toPublish.push(event);
      results.push({ id: event.id, source: event.source, status: 'accepted' });
    }
    if (toPublish.length > 0) await deps.publisher.publish(toPublish);
  } catch (err) {
    await deps.store.release(claimed).catch(() => undefined);
    if (err instanceof TemporarilyUnavailableError || err instanceof ForbiddenAgencyError) throw err;
    throw new TemporarilyUnavailableError('the event log is unavailable, retry later', 5, { cause: err });
  }
  await deps.store.complete(claimed);
  return results;
}
