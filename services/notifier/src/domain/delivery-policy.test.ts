import { defaultCalendar } from '@tthc/calendar';
import { slaAlertV1 } from '@tthc/contracts';
import { alertDeliveryKey, baseLevelOf, coversAgency, deliveryInstant, digestScope, isEscalatable, isUrgent, wantsAlert } from './delivery-policy';
import { ackDeadline, parseAckWindow } from './escalate-after';
import type { Subscription } from './notification';

const calendar = defaultCalendar();
const at = (iso: string) => new Date(iso);
const sub = (over: Partial<Subscription> = {}): Subscription => ({
  id: 'sub_1',
  name: 'Nguyễn Văn A',
  role: 'agency-manager',
  agencyCode: 'G01.001.000',
  kinds: [],
  agencies: [],
  channel: { type: 'email', address: 'a@example.test' },
  language: 'vi',
  calendarId: calendar.id,
  digest: true,
  createdAt: at('2026-03-02T08:00:00+07:00'),
  createdByKeyId: null,
  ...over,
});
const alert = (over: Record<string, unknown> = {}) =>
  slaAlertV1.parse({ alertId: 'overdue:D1:v1', dossierCode: 'D1', agencyCode: 'G01.001.000', procedureCode: '1.001', dueAt: '2026-03-06T17:00:00+07:00', deadlineVersion: 1, raisedAt: '2026-03-06T17:00:00+07:00', reason: 'due passed', ...over });

describe('delivery instant on the recipient calendar', () => {
  test('when a non-urgent alert arrives on a Saturday, then it is delivered Monday at the first working period start', () => {
    expect(deliveryInstant(at('2026-03-07T10:00:00+07:00'), false, calendar).toISOString()).toBe(at('2026-03-09T08:00:00+07:00').toISOString());
  });
  test('when the Saturday is a make-up working day, then it is delivered the same instant', () => {
    const now = at('2026-01-10T10:00:00+07:00');
    expect(deliveryInstant(now, false, calendar).toISOString()).toBe(now.toISOString());
  });
  test('when it arrives in the lunch break or after closing before Tết, then it waits for the afternoon or the first day after the holidays', () => {
    expect(deliveryInstant(at('2026-03-09T12:15:00+07:00'), false, calendar).toISOString()).toBe(at('2026-03-09T13:00:00+07:00').toISOString());
    expect(deliveryInstant(at('2026-02-13T18:00:00+07:00'), false, calendar).toISOString()).toBe(at('2026-02-23T08:00:00+07:00').toISOString());
  });
  test('when the message is urgent, then it goes out at once even on a Sunday night', () => {
    const now = at('2026-03-08T23:00:00+07:00');
    expect(deliveryInstant(now, true, calendar)).toEqual(now);
    expect(isUrgent(2, { urgentLevel: 2 })).toBe(true);
    expect(isUrgent(1, { urgentLevel: 2 })).toBe(false);
  });
});

describe('routing', () => {
  test('when the SLA escalates to level N, then the first recipients are the N-th role, capped at the reform office', () => {
    expect(baseLevelOf(alert())).toBe(0);
    expect(baseLevelOf(alert({ kind: 'escalation', level: 1 }))).toBe(1);
    expect(baseLevelOf(alert({ kind: 'escalation', level: 5 }))).toBe(2);
    expect(isEscalatable(alert({ kind: 'warning' }))).toBe(false);
    expect(isEscalatable(alert())).toBe(true);
  });
  test('when a subscription filters kinds and agencies, then only matching alerts are wanted', () => {
    expect(wantsAlert(sub(), alert())).toBe(true);
    expect(wantsAlert(sub({ kinds: ['warning'] }), alert())).toBe(false);
    expect(wantsAlert(sub({ agencyCode: 'G02' }), alert())).toBe(false);
    expect(wantsAlert(sub({ agencyCode: 'G02' }), alert({ responsibleAgencyCode: 'G02' }))).toBe(true);
    expect(wantsAlert(sub({ agencyCode: '*', agencies: ['G03'] }), alert())).toBe(false);
    expect(coversAgency(sub({ agencyCode: '*' }), 'anything')).toBe(true);
  });
  test('when the scope is the province or a list, then the digest covers exactly that', () => {
    expect(digestScope(sub({ agencyCode: '*' }))).toBe('*');
    expect(digestScope(sub({ agencyCode: '*', agencies: ['A', 'B'] }))).toEqual(['A', 'B']);
    expect(digestScope(sub())).toEqual(['G01.001.000']);
  });
  test('when an alert id contains colons, then the delivery key is a valid BullMQ job id and differs per level and channel', () => {
    const key = alertDeliveryKey('overdue:D1:v1', 'sub_1', 'email', 0);
    expect(key).not.toContain(':');
    expect(new Set([key, alertDeliveryKey('overdue:D1:v1', 'sub_1', 'email', 1), alertDeliveryKey('overdue:D1:v1', 'sub_1', 'webhook', 0)]).size).toBe(3);
  });
});

describe('acknowledgement window', () => {
  test('when ESCALATE_AFTER is 1wd from Friday 10:00, then the window closes Monday 10:00; seconds are plain time', () => {
    const w = parseAckWindow('1wd')!;
    expect(ackDeadline(at('2026-03-06T10:00:00+07:00'), w, calendar).toISOString()).toBe(at('2026-03-09T10:00:00+07:00').toISOString());
    expect(ackDeadline(at('2026-03-06T10:00:00+07:00'), parseAckWindow('2s')!, calendar).toISOString()).toBe(at('2026-03-06T10:00:02+07:00').toISOString());
    expect(parseAckWindow('4wh')).toEqual({ amount: 4, unit: 'working-hour' });
    expect(parseAckWindow('2 days')).toBeNull();
    expect(parseAckWindow('0s')).toBeNull();
  });
});
