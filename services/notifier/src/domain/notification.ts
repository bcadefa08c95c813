import type { AlertKind, SlaAlertV1 } from '@tthc/contracts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Who is told, in the order an unacknowledged alert climbs: the agency's manager first, then
 * the agency head, then the province's administrative-reform office.
 */
export const ROLES = ['agency-manager', 'agency-head', 'reform-office'] as const;
export type Role = (typeof ROLES)[number];
export const MAX_LEVEL = ROLES.length - 1;
export const roleLevel = (role: Role): number => ROLES.indexOf(role);

export type Language = 'vi' | 'en';

export type Channel = { type: 'email'; address: string } | { type: 'webhook'; url: string; secret: string };
export type ChannelType = Channel['type'];

export interface Subscription {
  id: string;
  /** Personal data: never logged. */
  name: string;
  role: Role;
  /** The agency the person answers for, or `*` for the whole province. */
  agencyCode: string;
  /** Alert kinds wanted; empty means every kind. */
  kinds: AlertKind[];
  /** Narrows the scope to these agencies; empty means the whole scope. */
  agencies: string[];
  channel: Channel;
  language: Language;
  /** Calendar (profile) deciding the recipient's working instants and days. */
  calendarId: string;
  /** Whether the daily digest is sent. */
  digest: boolean;
  createdAt: Date;
  /** Id of the API key that created it (null before keys were recorded): the per-key cap counts these. */
  createdByKeyId: string | null;
}

/** What this service remembers about an alert: the alert, its acknowledgement and how far it climbed. */
export interface AlertRecord {
  alertId: string;
  alert: SlaAlertV1;
  /** Level (index in ROLES) of the first recipients. */
  baseLevel: number;
  /** Highest level already notified. */
  notifiedLevel: number;
  firstSeenAt: Date;
  ackedAt: Date | null;
  ackedBy: string | null;
  /**
   * The acknowledgement check still to run, kept in MongoDB so that reconciliation can put its
   * job back when Redis loses it; null once nothing is left to check (top level reached,
   * acknowledged, dossier closed).
   */
  nextEscalation: { level: number; at: Date } | null;
}

/**
 * `scheduled` waits for its instant or its next retry; `sending` holds a send lease (from
 * `sendingSince`) while one worker talks to the server. Both are open; the others are final.
 */
export type DeliveryStatus = 'scheduled' | 'sending' | 'sent' | 'dead' | 'cancelled';
export const OPEN_DELIVERY_STATUSES = ['scheduled', 'sending'] as const satisfies readonly DeliveryStatus[];

export interface DigestItem {
  dossierCode: string;
  procedureCode: string | null;
  agencyCode: string | null;
  dueAt: Date | null;
  overdue: boolean;
}

/** One message to one recipient over one channel; its id is the idempotency key. */
export interface Delivery {
  id: string;
  subscriptionId: string;
  channel: ChannelType;
  /** `alert` messages render `alertId` at `level`; digests carry their items. */
  kind: 'alert' | 'digest';
  alertId: string | null;
  level: number;
  digestDate: string | null;
  digestItems: DigestItem[];
  scheduledFor: Date;
  urgent: boolean;
  status: DeliveryStatus;
  /** Start of the current send lease while `sending`; null otherwise. */
  sendingSince: Date | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** What reconciliation needs of an open delivery to put its job back. */
export type OpenDelivery = Pick<Delivery, 'id' | 'status' | 'scheduledFor' | 'sendingSince'>;

/** One page of a keyset walk; `next` is the cursor of the following page, null after the last. */
export interface Page<T, C> {
  items: T[];
  next: C | null;
}

export interface PendingEscalation {
  alertId: string;
  level: number;
  at: Date;
}

export type EscalationCursor = { at: Date; alertId: string };

export interface SubscriptionRepository {
  insert(s: Subscription): Promise<void>;
  find(id: string): Promise<Subscription | null>;
  /**
   * Subscriptions whose `agencyCode` is one of `agencies` or starts with one of `prefixes`
   * (`'*'`: all), optionally narrowed to one agency code or role.
   */
  list(filter: { agencies: string[] | '*'; prefixes?: string[]; agencyCode?: string; role?: Role }): Promise<Subscription[]>;
  /** How many subscriptions the key created and still exist. */
  countCreatedBy(keyId: string): Promise<number>;
  /** Subscriptions at `level` whose scope covers an agency (or all of them when null). */
  findForLevel(level: number): Promise<Subscription[]>;
  findWithDigest(): Promise<Subscription[]>;
  remove(id: string): Promise<boolean>;
}

export interface DeliveryRepository {
  /** Inserts unless the id exists; returns the stored record and whether it was new. */
  insertOnce(d: Delivery): Promise<{ delivery: Delivery; created: boolean }>;
  find(id: string): Promise<Delivery | null>;
  /**
   * Takes the send lease: moves a `scheduled` record (or a `sending` one whose lease started
   * at `from.since`, i.e. an expired lease nobody else took over) to `sending` since `at`.
   * True for exactly one caller however many race.
   */
  claimSend(id: string, from: { status: 'scheduled' } | { status: 'sending'; since: Date }, at: Date, attempts: number): Promise<boolean>;
  markSent(id: string, at: Date, attempts: number): Promise<void>;
  markDead(id: string, attempts: number, error: string): Promise<void>;
  markCancelled(id: string, reason: string): Promise<void>;
  /** Gives the lease back after a failed send: the record is `scheduled` again for the retry. */
  recordFailure(id: string, attempts: number, error: string): Promise<void>;
  /** Open (`scheduled`, `sending`) deliveries in id order, after the cursor id. */
  listOpen(after: string | null, limit: number): Promise<Page<OpenDelivery, string>>;
}

export interface AlertRecordRepository {
  /** Stores the alert the first time it is seen; later copies change nothing. */
  insertOnce(r: AlertRecord): Promise<AlertRecord>;
  find(alertId: string): Promise<AlertRecord | null>;
  /**
   * Sets the acknowledgement once; returns the record after the call and whether this call set
   * it (false: someone acknowledged first), or null if the alert is unknown.
   */
  ack(alertId: string, at: Date, by: string): Promise<{ record: AlertRecord; changed: boolean } | null>;
  /**
   * Moves `notifiedLevel` from below `level` to `level` if the alert is still unacknowledged;
   * true for exactly one caller however many race.
   */
  claimLevel(alertId: string, level: number): Promise<boolean>;
  /**
   * Records the next acknowledgement check, only moving forward: nothing changes once the
   * alert is acknowledged, already notified at that level or holding a later check.
   */
  setNextEscalation(alertId: string, next: { level: number; at: Date }): Promise<void>;
  /** Forgets the pending check of `level` (and below): nothing is left to check there. */
  clearNextEscalation(alertId: string, level: number): Promise<void>;
  /** Unacknowledged alerts with a pending check, by check instant then id, after the cursor. */
  listPendingEscalations(after: EscalationCursor | null, limit: number): Promise<Page<PendingEscalation, EscalationCursor>>;
}

export interface DeliveryScheduler {
  /** Idempotent: the job id is the delivery id. */
  enqueue(deliveryId: string, at: Date): Promise<void>;
  /**
   * Makes sure a job that will run exists for the delivery (a finished, failed or orphaned job
   * of an open record is replaced); true when one had to be (re)created.
   */
  ensure(deliveryId: string, at: Date): Promise<boolean>;
}

export interface EscalationScheduler {
  /** Idempotent per (alert, level). */
  scheduleCheck(alertId: string, level: number, at: Date): Promise<void>;
  /** As `DeliveryScheduler.ensure`, for the check of (alert, level). */
  ensureCheck(alertId: string, level: number, at: Date): Promise<boolean>;
}

/** Repeating schedules that live in Redis only (the morning digest). */
export interface RecurringSchedules {
  /** Puts every schedule in place; returns the ids of those that were missing. */
  ensure(): Promise<string[]>;
}

/** Completed digest runs by local date, so a run Redis lost is noticed and made up. */
export interface DigestRunLog {
  markDone(localDate: string, at: Date): Promise<void>;
  isDone(localDate: string): Promise<boolean>;
  /** Whether any run was ever recorded before `localDate` (a first start makes nothing up). */
  anyBefore(localDate: string): Promise<boolean>;
}

export interface OpenDossierReader {
  overdueOrAtRisk(filter: { agencies: string[] | '*' }): Promise<DigestItem[]>;
  /** True only when the workflow holds the dossier (or petition) and it is closed. */
  isClosed(code: string): Promise<boolean>;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable message id, so a resend after a crash is recognisable by the mail system. */
  messageId: string;
}

export interface EmailSender {
  send(mail: OutgoingEmail): Promise<void>;
}

export interface OutgoingWebhook {
  url: string;
  secret: string;
  /** `webhook-id`: the delivery's idempotency key, the same on every retry. */
  id: string;
  body: string;
}

/**
 * A failure that no retry can fix (the webhook's address is refused): the delivery becomes dead
 * at once instead of knocking on the same door for half an hour.
 */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export interface WebhookSender {
  send(hook: OutgoingWebhook): Promise<void>;
}
