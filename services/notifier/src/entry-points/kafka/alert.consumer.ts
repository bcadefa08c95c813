import { alertEventTypes, cloudEventEnvelope, slaAlertV1, type AlertEventType } from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, type ConsumedMessage, type Logger, type Metrics } from '@tthc/platform';
import { handleAlert, type NotifyDeps } from '../../domain/notify-alert.use-case';

/**
 * Errors keep their nature for the consumer runner: an alert that can never be an alert is a
 * `PoisonMessageError` (dead-lettered); anything else, above all MongoDB's and Redis's own
 * network and server-selection errors, is thrown unchanged so the runner retries (or pauses)
 * and commits no offset for an alert that was not stored.
 */
export function alertHandler(deps: NotifyDeps & { logger: Logger; metrics: Metrics }) {
  const unstored = deps.metrics.counter('notifier_alerts_not_stored_total', 'Alert messages whose handling failed on a dependency and will be retried', ['error']);
  return async (msg: ConsumedMessage): Promise<void> => {
    const env = cloudEventEnvelope.safeParse(parseJsonValue(msg.message));
    if (!env.success) throw new PoisonMessageError('invalid-event', 'not a CloudEvent');
    if (!alertEventTypes.includes(env.data.type as AlertEventType)) throw new PoisonMessageError('unknown-type', `unexpected event type ${env.data.type}`);
    const parsed = slaAlertV1.safeParse(env.data.data);
    if (!parsed.success) throw new PoisonMessageError('invalid-event', `invalid alert: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    try {
      const outcome = await handleAlert(parsed.data, deps);
      deps.logger.info({ alertId: parsed.data.alertId, level: outcome.level, deliveries: outcome.deliveries }, 'alert handled');
    } catch (err) {
      unstored.inc({ error: err instanceof Error ? err.name : 'unknown' });
      throw err;
    }
  };
}
