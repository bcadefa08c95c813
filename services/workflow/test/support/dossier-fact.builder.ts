/**
 * Builders of dossier history facts for the domain tests. Keys derive from type, instant and
 * discriminator, so building the same fact twice gives the same key (a redelivery).
 */
import { defaultCalendar } from '@tthc/calendar';
import type { CatalogEntry } from '@tthc/catalog';
import { ALERT_TYPES, type AlertKind, type InboundData, type InboundEventType } from '@tthc/contracts';

import { DEFAULT_RULES, type DeriveContext, type Fact, type ReceptionLookup, type RulesConfig } from '../../src/domain/subject';

export const CODE = 'G01.001.000-260302-0001';
export const AGENCY = 'G01.001.000';
const SOURCE = 'urn:portal:test';

/** A wall-clock time in Việt Nam (UTC+7), where every example of docs/legal-rules.md is set. */
export const vn = (local: string) => `${local}+07:00`;

export function testContext(rules: Partial<RulesConfig> = {}): DeriveContext {
  return { calendarFor: () => defaultCalendar(), rules: { ...DEFAULT_RULES, ...rules } };
}

/** A ten-working-day procedure with two catalog steps (illustrative, not a real procedure). */
export const TEN_DAY_PROCEDURE: CatalogEntry = {
  catalogId: 'test-catalog',
  catalogVersion: '2026.1',
  procedure: {
    code: 'T.000001',
    name: 'Thủ tục kiểm thử',
    field: 'Kiểm thử',
    level: 'province',
    processingTime: { amount: 10, unit: 'working-day' },
    steps: [
      { order: 1, name: 'Thẩm định hồ sơ', agencyCode: 'AG.APPRAISAL', allottedWorkingHours: 4 },
      { order: 2, name: 'Phê duyệt', agencyCode: 'AG.APPROVAL', allottedWorkingHours: 8 },
    ],
    legalBasis: ['Quyết định 1/2026/QĐ-UBND (test)'],
  },
};

function fact(type: string, occurredAt: string, data: object, discriminator = ''): Fact {
  const id = `${type.slice('vn.tthc.'.length)}@${occurredAt}${discriminator}`;
  return { key: `${SOURCE}\n${id}`, id, source: SOURCE, type, time: occurredAt, occurredAt, data } as Fact;
}

export function received(receivedAt: string, opts: { appointmentAt?: string; lookup?: ReceptionLookup; channel?: 'direct' | 'online' | 'postal' } = {}): Fact {
  const data = { dossierCode: CODE, procedureCode: TEN_DAY_PROCEDURE.procedure.code, agencyCode: AGENCY, receivedAt, appointmentAt: opts.appointmentAt, channel: opts.channel };
  const built = fact('vn.tthc.dossier.received', receivedAt, data, opts.appointmentAt ?? '');
  return opts.lookup === undefined ? built : ({ ...built, lookup: opts.lookup } as Fact);
}

export function resolved(resolvedAt: string): Fact {
  return fact('vn.tthc.dossier.resolved', resolvedAt, { dossierCode: CODE, agencyCode: AGENCY, resolvedAt });
}

type LifecycleType = Exclude<InboundEventType, 'vn.tthc.dossier.received' | 'vn.tthc.dossier.resolved' | `vn.tthc.petition.${string}`>;
type Extra<T extends LifecycleType> = Omit<InboundData<T>, 'dossierCode' | 'agencyCode' | 'occurredAt'>;

/** Any lifecycle event after reception, e.g. `event('vn.tthc.dossier.step-assigned', at, { stepNo: 1, stepAgencyCode: 'X' })`. */
export function event<T extends LifecycleType>(type: T, occurredAt: string, ...extra: object extends Extra<T> ? [Extra<T>?] : [Extra<T>]): Fact {
  const more = (extra[0] ?? {}) as Record<string, unknown>;
  const discriminator = 'stepNo' in more ? `#${String(more.stepNo)}` : 'newAppointmentAt' in more ? `#${String(more.newAppointmentAt)}` : '';
  return fact(type, occurredAt, { dossierCode: CODE, agencyCode: AGENCY, occurredAt, ...more }, discriminator);
}

/** An alert the SLA service raised, as recorded in the history. */
export function alert(kind: AlertKind, raisedAt: string, deadlineVersion: number, deadlineKey = 'dossier', dueAt = raisedAt): Fact {
  const type = kind === 'warning' ? ALERT_TYPES.warning : kind === 'overdue' ? ALERT_TYPES.overdue : ALERT_TYPES.escalated;
  const data = {
    alertId: `${kind}:${CODE}:${deadlineKey}:v${deadlineVersion}`,
    kind,
    level: kind === 'escalation' ? 1 : 0,
    subject: 'dossier',
    dossierCode: CODE,
    deadlineKey,
    deadlineKind: deadlineKey === 'dossier' ? 'dossier' : 'step',
    agencyCode: AGENCY,
    responsibleAgencyCode: null,
    procedureCode: TEN_DAY_PROCEDURE.procedure.code,
    label: null,
    dueAt,
    deadlineVersion,
    raisedAt,
    workingMinutesLate: 0,
    reason: 'test',
    legalBasis: '',
  };
  return fact(type, raisedAt, data, `#${deadlineKey}v${deadlineVersion}`);
}
