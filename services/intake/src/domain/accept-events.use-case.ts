import { agencyOfDossierCode, withoutAuthContext, type InboundEvent } from '@tthc/contracts';

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
  /**
   * Claims distinct keys at once (a request's whole batch in one round trip) and answers each
   * one's state, in the order given: `claimed` (now ours), `pending` (another request holds it)
   * or `done` (published before).
   */
  claim(keys: string[]): Promise<ClaimState[]>;
  complete(keys: string[]): Promise<void>;
  release(keys: string[]): Promise<void>;
}

export interface EventPublisher {
  /** Resolves only when the broker acknowledged every event (acks = all). */
  publish(events: InboundEvent[]): Promise<void>;
}

/** Which field of a submitted item names an agency the key does not cover. */
export type ForbiddenField = 'agencyCode' | 'dossierCode';

export class ForbiddenAgencyError extends Error {
  constructor(readonly offending: Array<{ index: number; agencyCode: string; field: ForbiddenField }>) {
    super('the API key does not own the agency of some events');
  }
}

export class TemporarilyUnavailableError extends Error {
  constructor(message: string, readonly retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The API key that submits the events, as intake stamps it on each of them. */
export interface Sender {
  /** The key's id (a digest prefix), never the key itself. */
  id: string;
  /** The agencies the key covers, as CloudEvents `authclaims` text. */
  claims: string;
  canAccess(agencyCode: string): boolean;
}

export interface AcceptDeps {
  store: IdempotencyStore;
  publisher: EventPublisher;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for a concurrent submission of the same id to finish. */
  pendingWaitMs?: number;
  /**
   * Whether a TT 04/2025 dossier code's agency segment must be covered by the key too
   * (`CODE_AGENCY_CHECK`, an unconfirmed rule; on unless configured off).
   */
  codeAgencyCheck?: boolean;
  /**
   * Told when Kafka acknowledged events whose done-marks could not be stored afterwards (Redis
   * went away in between). The events are accepted all the same; see {@link acceptEvents}.
   */
  onMarksLost?: (err: unknown, events: number) => void;
}

/**
 * CloudEvents identity is `source` + `id`, claimed per key: a key that posts another portal's
 * source and next id first must not turn that portal's real event into a "duplicate".
 */
export function eventKey(event: { source: string; id: string }, senderId: string): string {
  return `${senderId}\n${event.source}\n${event.id}`;
}

/**
 * The event as published: whatever authcontext the client wrote is dropped (anyone can write
 * it), and the key that really sent it is stamped, so workflow can check it against the owner
 * of the dossier or petition.
 */
export function stampSender<E extends InboundEvent>(event: E, sender: Sender): E {
  // withoutAuthContext answers a copy: stamping it in place spares a second copy of every event.
  const stamped = withoutAuthContext(event) as E;
  stamped.authtype = 'api_key';
  stamped.authid = sender.id;
  stamped.authclaims = sender.claims;
  return stamped;
}

/**
 * The agencies an item names that the key does not cover: its own agency and, for a dossier
 * code in the TT 04/2025 shape, the receiving agency the code names (so a key cannot pre-post
 * the reception of another agency's next dossier).
 */
export function uncoveredAgencies(item: { agencyCode: string; dossierCode?: string | undefined }, sender: Sender, codeAgencyCheck = true): Array<{ field: ForbiddenField; agencyCode: string }> {
  const out: Array<{ field: ForbiddenField; agencyCode: string }> = [];
  if (!sender.canAccess(item.agencyCode)) out.push({ field: 'agencyCode', agencyCode: item.agencyCode });
  const codeAgency = codeAgencyCheck && item.dossierCode !== undefined ? agencyOfDossierCode(item.dossierCode) : null;
  if (codeAgency !== null && !sender.canAccess(codeAgency)) out.push({ field: 'dossierCode', agencyCode: codeAgency });
  return out;
}

export async function acceptEvents(events: InboundEvent[], sender: Sender, deps: AcceptDeps): Promise<EventResult[]> {
  const offending = events.flatMap((e, index) =>
    uncoveredAgencies({ agencyCode: e.data.agencyCode, dossierCode: 'dossierCode' in e.data ? e.data.dossierCode : undefined }, sender, deps.codeAgencyCheck).map((o) => ({ index, ...o })),
  );
  if (offending.length > 0) throw new ForbiddenAgencyError(offending);

  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const keys = events.map((e) => eventKey(e, sender.id));
  // The first occurrence of an id in the request is claimed; its repeats are duplicates of it.
  const firstIndexOf = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!firstIndexOf.has(key)) firstIndexOf.set(key, i);
  });
  const distinct = [...firstIndexOf.keys()];
  const state = new Map<string, ClaimState>();
  const claimed: string[] = [];
  const isAccepted = (i: number) => firstIndexOf.get(keys[i]!) === i && state.get(keys[i]!) === 'claimed';

  try {
    let asked = distinct;
    for (let waited = 0; ; waited += 100) {
      const states = await deps.store.claim(asked);
      asked.forEach((key, i) => state.set(key, states[i]!));
      claimed.push(...asked.filter((key) => state.get(key) === 'claimed'));
      asked = asked.filter((key) => state.get(key) === 'pending');
      if (asked.length === 0 || waited >= (deps.pendingWaitMs ?? 3000)) break;
      await sleep(100);
    }
    if (asked.length > 0) {
      const event = events[firstIndexOf.get(asked[0]!)!]!;
      throw new TemporarilyUnavailableError(`event ${event.id} is being accepted by another request`, 2);
    }
    const toPublish = events.filter((_, i) => isAccepted(i)).map((e) => stampSender(e, sender));
    if (toPublish.length > 0) await deps.publisher.publish(toPublish);
  } catch (err) {
    await deps.store.release(claimed).catch(() => undefined);
    if (err instanceof TemporarilyUnavailableError || err instanceof ForbiddenAgencyError) throw err;
    throw new TemporarilyUnavailableError('the event log is unavailable, retry later', 5, { cause: err });
  }
  const results: EventResult[] = events.map((e, i) => ({
    id: e.id,
    source: e.source,
    status: isAccepted(i) ? 'accepted' : 'duplicate',
  }));
  // Kafka holds these events now, so they are accepted even when the done-marks cannot be
  // stored: answering an error would tell the portal a stored event was not taken. Their claims
  // lapse after the lease instead, and a resend after that is published again, which every
  // consumer absorbs as a duplicate.
  await deps.store.complete(claimed).catch((err: unknown) => deps.onMarksLost?.(err, claimed.length));
  return results;
}
