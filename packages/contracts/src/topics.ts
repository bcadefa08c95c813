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
  /** Delay counts per agency, procedure and period, published by sla on a schedule. */
  delayCounts: 'tthc.delay-counts.v1',
  /** Periodic duties fulfilled (`vn.tthc.duty.fulfilled`), accepted by intake, keyed by duty and agency. */
  dutyEvents: 'tthc.duty-events.v1',
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
  /** One delayed job per timer of an open deadline (warning, due, escalation levels). */
  slaDeadlines: 'sla-deadlines',
  /** Repeatable maintenance of the SLA service: timer reconciliation, delay counts. */
  slaMaintenance: 'sla-maintenance',
  /** Workflow housekeeping: unknown-dossier grace expiry. */
  workflowMaintenance: 'workflow-maintenance',
  /** One job per (alert, recipient, channel) message, retried with backoff. */
  notifierDeliveries: 'notifier-deliveries',
  /** Repeatable notifier jobs: digests, escalation checks. */
  notifierMaintenance: 'notifier-maintenance',
} as const;

export const JOB_NAMES = {
  checkDeadline: 'sla.check-deadline.v1',
  reconcileTimers: 'sla.reconcile-timers.v1',
  publishDelayCounts: 'sla.publish-delay-counts.v1',
  expireUnknownDossiers: 'workflow.expire-unknown.v1',
  deliverMessage: 'notifier.deliver.v1',
  sendDigests: 'notifier.send-digests.v1',
  checkEscalations: 'notifier.check-escalations.v1',
} as const;

export const CONSUMER_GROUPS = {
  workflow: 'tthc-workflow',
  sla: 'tthc-sla',
  notifier: 'tthc-notifier',
  reporting: 'tthc-reporting',
  /** sla's reader of the duty events (apart from its snapshot consumer). */
  slaDuties: 'tthc-sla-duties',
} as const;

/** Collections: each has one writing service; the reporting service reads the others and writes only its survey results. */
export const COLLECTIONS = {
  /** Written by workflow. */
  dossiers: 'dossiers',
  /** Written by sla. */
  deadlines: 'sla_deadlines',
  /** Written by sla. */
  alerts: 'alerts',
  /** Written by sla: one entry per alert stored but not yet acknowledged by Kafka, and its relay lease. */
  alertOutbox: 'alert_outbox',
  /** Written by sla: which one-time migrations of its stored documents have run on this database. */
  slaMigrations: 'sla_migrations',
  /** Written by the catalog import command; read by workflow and reporting. */
  procedures: 'procedures',
  /** Written by workflow: one record per calendar version applied, listing affected dossiers. */
  calendarAudits: 'calendar_audits',
  /** Written by workflow: calendar versions (the active one drives deadline arithmetic). */
  calendars: 'calendars',
  /** Written by sla: one record per period of a periodic duty of an agency, with its fulfilment; read by reporting. */
  dutyPeriods: 'duty_periods',
  /** Written by sla: delay counts per agency, procedure and period. */
  delayCounts: 'delay_counts',
  /** Written by notifier. */
  subscriptions: 'subscriptions',
  /** Written by notifier: one record per (alert, recipient, channel), the idempotency key. */
  deliveries: 'deliveries',
  /** Written by notifier: alert acknowledgements and escalation progress. */
  alertAcks: 'alert_acks',
  /** Written by reporting: delay counters per agency and month, kept as subjects change. */
  reportingCounters: 'reporting_counters',
  /** Written by reporting: what each subject last added to the counters, and at which revision. */
  reportingContributions: 'reporting_contributions',
  /** Every configuration write (subscriptions, acks, catalog import, calendar apply); read by reporting. */
  auditLog: 'audit_log',
  /** Written by reporting's survey import: SIPAS-style satisfaction results per agency and period. */
  surveyResults: 'survey_results',
} as const;
