import { alertEventTypes, cloudEventEnvelope, slaAlertV1, type AlertEventType } from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, type ConsumedMessage, type Logger } from '@tthc/platform';
import { handleAlert, type NotifyDeps } from '../../domain/notify-alert.use-case';

export function alertHandler(deps: NotifyDeps & { logger: Logger }) {
  return async (msg: ConsumedMessage): Promise<void> => {
    const env = cloudEventEnvelope.safeParse(parseJsonValue(msg.message));
    if (!env.success) throw new PoisonMessageError('invalid-event', 'not a CloudEvent');
    if (!alertEventTypes.includes(env.data.type as AlertEventType)) throw new PoisonMessageError('unknown-type', `unexpected event type ${env.data.type}`);
    const parsed = slaAlertV1.safeParse(env.data.data);
    if (!parsed.success) throw new PoisonMessageError('invalid-event', `invalid alert: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    const outcome = await handleAlert(parsed.data, deps);
    deps.logger.info({ alertId: parsed.data.alertId, level: outcome.level, deliveries: outcome.deliveries }, 'alert handled');
  };
}
