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
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

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
