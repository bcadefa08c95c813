import { CalendarInputError } from '@tthc/calendar';
import { DUTY_FULFILLED_V1, canAccessAgency, cloudEventEnvelope, dutyFulfilledV1, parseScopeClaims } from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, type ConsumedMessage } from '@tthc/platform';
import { DutyRefusedError, fulfilDuty, type DutyDeps } from '../../domain/duty-periods.use-case';

/**
 * `vn.tthc.duty.fulfilled` from intake. Intake already refused keys outside the duty's agency;
 * the stamped claims are checked again here, as workflow does for case facts, so an event
 * written to the topic by anything else cannot close another agency's duty.
 */
export function dutyEventsHandler(deps: DutyDeps) {
  const handle = async (msg: ConsumedMessage): Promise<void> => {
    const env = cloudEventEnvelope.safeParse(parseJsonValue(msg.message));
    if (!env.success) throw new PoisonMessageError('invalid-event', 'not a CloudEvent');
    if (env.data.type !== DUTY_FULFILLED_V1) throw new PoisonMessageError('unknown-type', `unexpected event type ${env.data.type}`);
    const parsed = dutyFulfilledV1.safeParse(env.data.data);
    if (!parsed.success) throw new PoisonMessageError('invalid-event', `invalid duty event: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    // No claims: a system fact. Claims that are there but unreadable are refused, not trusted.
    const claims = env.data['authclaims'];
    if (claims !== undefined) {
      const scope = typeof claims === 'string' ? parseScopeClaims(claims) : null;
      if (!scope) throw new PoisonMessageError('invalid-auth-context', 'authclaims is not an agency scope');
      if (!canAccessAgency(scope, parsed.data.agencyCode)) throw new PoisonMessageError('not-owner', `the sending key does not cover agency ${parsed.data.agencyCode}`);
    }
    const keyId = typeof env.data['authid'] === 'string' ? env.data['authid'] : null;
    try {
      await fulfilDuty(parsed.data, { source: env.data.source, eventId: env.data.id, keyId }, deps);
    } catch (err) {
      if (err instanceof DutyRefusedError) throw new PoisonMessageError(err.code, err.message, err);
      if (err instanceof CalendarInputError) throw new PoisonMessageError('calendar-input', `duty ${parsed.data.dutyId} of ${parsed.data.agencyCode}: ${err.message}`, err);
      throw err;
    }
  };
  return { handle };
}
