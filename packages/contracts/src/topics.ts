/**
 * Kafka topics, BullMQ queues and MongoDB collections shared between services.
 *
 * DO NOT RENAME A VALUE WITHOUT A MIGRATION PLAN: topic and queue names are persisted in
 * brokers, consumer-group offsets and Redis keys. A breaking change gets a new `.vN` name and
 * both are served until the old one drains.
 */
export const TOPICS = {
  /** Dossier facts accepted by intake, keyed by dossier code. */
  dossierEvents: 'tthc.dossier-events.v1',
  /** Dossier state snapshots published by workflow after every applied fact. */
  dossierState: 'tthc.dossier-state.v1',
  /** Alerts raised by the SLA service (overdue, …). */
  alerts: 'tthc.alerts.v1',
  /** Messages no consumer could ever apply, with the reason. */
  deadLetter: 'tthc.dead-letter.v1',
} as const;
export type TopicMap = { readonly [K in keyof typeof TOPICS]: string };

/**
 * Topic names within a namespace, so several environments (or isolated test runs) can share
 * one cluster: namespace `staging` turns `tthc.alerts.v1` into `staging.tthc.alerts.v1`.
 */
export function topicsFor(namespace?: string): TopicMap {
  if (!namespace) return TOPICS;
  return Object.fromEntries(Object.entries(TOPICS).map(([k, v]) => [k, `${namespace}.${v}`])) as unknown as TopicMap;
}

export const QUEUES = {
  /** One delayed job per open deadline. */
  slaDeadlines: 'sla-deadlines',
} as const;

export const JOB_NAMES = {
  checkDeadline: 'sla.check-deadline.v1',
} as const;

export const CONSUMER_GROUPS = {
  workflow: 'tthc-workflow',
  sla: 'tthc-sla',
} as const;

/** Collections: each has one writing service; the reporting service only reads. */
export const COLLECTIONS = {
  /** Written by workflow. */
  dossiers: 'dossiers',
  /** Written by sla. */
  deadlines: 'sla_deadlines',
  /** Written by sla. */
  alerts: 'alerts',
} as const;
