import { parseInboundDossierEvent, STATUS_OF_EVENT, type InboundDossierEvent } from '@tthc/contracts';
import { formatPortalInstant, mapPortalRecord, parsePortalDate, PORTAL_DATE_DETAIL, PORTAL_DATE_RANGE_DETAIL, portalEventId } from './portal-record.mapper';

const opts = { timeZone: 'Asia/Ho_Chi_Minh' };

const record = (overrides: Record<string, unknown> = {}) => ({
  MaHoSo: 'G01.001.000-261123-0001',
  MaTTHC: '1.001234',
  MaDonVi: 'G01.001.000',
  KenhThucHien: 2,
  NgayTiepNhan: '20261123090000',
  NgayHenTra: '20261127170000',
  ...overrides,
});

function eventsOf(raw: unknown): InboundDossierEvent[] {
  const result = mapPortalRecord(raw, '/0', opts);
  if (!result.ok) throw new Error(`unexpected issues: ${JSON.stringify(result.issues)}`);
  if (result.value.kind !== 'events') throw new Error(`unexpected ${result.value.kind}`);
  // Every produced event must pass the same validation as a posted CloudEvent.
  for (const e of result.value.events) expect(parseInboundDossierEvent(e)).toMatchObject({ ok: true });
  return result.value.events;
}

function issuesOf(raw: unknown, prefix = '/0') {
  const result = mapPortalRecord(raw, prefix, opts);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

describe('portal dates', () => {
  test('when a date is yyyyMMddHHmmss, then it is read in Asia/Ho_Chi_Minh', () => {
    expect(parsePortalDate('20261123090000', opts.timeZone)).toBe(Date.parse('2026-11-23T02:00:00Z'));
    expect(parsePortalDate(20261123090000, opts.timeZone)).toBe(Date.parse('2026-11-23T02:00:00Z'));
  });

  test('when a date is ISO 8601 with an offset, then that instant is taken; without an offset it is refused', () => {
    expect(parsePortalDate('2026-11-23T09:00:00+07:00', opts.timeZone)).toBe(Date.parse('2026-11-23T02:00:00Z'));
    expect(parsePortalDate('2026-11-23T02:00:00Z', opts.timeZone)).toBe(Date.parse('2026-11-23T02:00:00Z'));
    expect(parsePortalDate('2026-11-23T09:00:00', opts.timeZone)).toBeUndefined();
  });

  test('when a compact date does not exist, then it is refused rather than rolled over', () => {
    expect(parsePortalDate('20260231090000', opts.timeZone)).toBeUndefined();
    expect(parsePortalDate('20261123250000', opts.timeZone)).toBeUndefined();
    expect(parsePortalDate('2026112309000', opts.timeZone)).toBeUndefined();
  });

  test('when a date lies outside the years 2000–2099, then it is refused in both formats and the record names the range', () => {
    for (const text of ['19991231235959', '21000101000000', '99991231000000', '20000101003000', '1999-12-31T23:00:00Z', '2100-01-01T00:00:00Z']) {
      expect(parsePortalDate(text, opts.timeZone)).toBeUndefined();
    }
    expect(parsePortalDate('20000101080000', opts.timeZone)).toBe(Date.parse('2000-01-01T01:00:00Z'));
    expect(parsePortalDate('20991231235959', opts.timeZone)).toBe(Date.parse('2099-12-31T16:59:59Z'));
    expect(issuesOf(record({ TrangThaiHoSo: 2, NgayTiepNhan: '19261123090000', NgayHenTra: '2126-11-27T17:00:00+07:00' }))).toEqual([
      { pointer: '/0/NgayTiepNhan', detail: PORTAL_DATE_RANGE_DETAIL },
      { pointer: '/0/NgayHenTra', detail: PORTAL_DATE_RANGE_DETAIL },
    ]);
  });

  test('when the portal zone observes daylight saving, then the offset of that date is used', () => {
    expect(parsePortalDate('20260701120000', 'Europe/Paris')).toBe(Date.parse('2026-07-01T10:00:00Z'));
    expect(parsePortalDate('20260115120000', 'Europe/Paris')).toBe(Date.parse('2026-01-15T11:00:00Z'));
    expect(formatPortalInstant(Date.parse('2026-11-23T02:00:00Z'), opts.timeZone)).toBe('2026-11-23T09:00:00+07:00');
  });
});

describe('mapping portal records', () => {
  test('when the status is 1, then nothing is published and the reason is given', () => {
    const result = mapPortalRecord(record({ TrangThaiHoSo: 1, NgayTiepNhan: undefined }), '/0', opts);
    expect(result).toMatchObject({ ok: true, value: { kind: 'ignored', dossierCode: 'G01.001.000-261123-0001', reason: expect.stringContaining('Mới đăng ký') } });
  });

  test('when the status is 2, then one received event carries the appointment, channel and applicant', () => {
    const [received, ...rest] = eventsOf(record({ TrangThaiHoSo: 2, ChuHoSo: 'Nguyễn Văn A', SoGiayTo: '001099000001', KenhThucHien: '3' }));
    expect(rest).toEqual([]);
    expect(received).toMatchObject({
      type: 'vn.tthc.dossier.received',
      source: 'urn:portal-sync:G01.001.000',
      time: '2026-11-23T09:00:00+07:00',
      data: {
        dossierCode: 'G01.001.000-261123-0001',
        procedureCode: '1.001234',
        agencyCode: 'G01.001.000',
        receivedAt: '2026-11-23T09:00:00+07:00',
        appointmentAt: '2026-11-27T17:00:00+07:00',
        channel: 'postal',
        applicant: { fullName: 'Nguyễn Văn A', idNumber: '001099000001' },
      },
    });
  });

  test('when the status is 3, then only a refused event is published, dated at the end of processing', () => {
    const events = eventsOf(record({ TrangThaiHoSo: 3, NgayHenTra: undefined, NgayKetThucXuLy: '20261123100000' }));
    expect(events.map((e) => e.type)).toEqual(['vn.tthc.dossier.refused']);
    expect(events[0]?.data).toMatchObject({ occurredAt: '2026-11-23T10:00:00+07:00', procedureCode: '1.001234' });
  });

  test('when the status is 3 with no end date, then the refusal is dated at reception', () => {
    const events = eventsOf(record({ TrangThaiHoSo: 3, MaTTHC: undefined }));
    expect(events[0]?.data).toEqual({ dossierCode: 'G01.001.000-261123-0001', agencyCode: 'G01.001.000', occurredAt: '2026-11-23T09:00:00+07:00' });
  });

  test.each([
    [4, 'vn.tthc.dossier.processing-started'],
    [5, 'vn.tthc.dossier.supplement-requested'],
    [6, 'vn.tthc.dossier.financial-obligation-requested'],
    [7, 'vn.tthc.dossier.withdrawn'],
    [8, 'vn.tthc.dossier.suspended'],
  ])('when the status is %i, then received and %s dated NgayCapNhat are published', (status, type) => {
    const events = eventsOf(record({ TrangThaiHoSo: status, NgayCapNhat: '2026-11-24T08:30:00+07:00' }));
    expect(events.map((e) => e.type)).toEqual(['vn.tthc.dossier.received', type]);
    expect(events[1]?.data).toMatchObject({ occurredAt: '2026-11-24T08:30:00+07:00' });
    expect(STATUS_OF_EVENT[type]).toBe(status);
  });

  test('when a closing status 7 or 8 has NgayKetThucXuLy, then the event is dated at the end of processing', () => {
    for (const status of [7, 8]) {
      const events = eventsOf(record({ TrangThaiHoSo: status, NgayCapNhat: '20261125080000', NgayKetThucXuLy: '20261124160000' }));
      expect(events[1]?.data).toMatchObject({ occurredAt: '2026-11-24T16:00:00+07:00' });
    }
  });

  test('when the status is 9, then received and resolved at NgayKetThucXuLy are published', () => {
    const events = eventsOf(record({ TrangThaiHoSo: 9, NgayKetThucXuLy: '20261126150000' }));
    expect(events.map((e) => e.type)).toEqual(['vn.tthc.dossier.received', 'vn.tthc.dossier.resolved']);
    expect(events[1]?.data).toEqual({ dossierCode: 'G01.001.000-261123-0001', agencyCode: 'G01.001.000', resolvedAt: '2026-11-26T15:00:00+07:00' });
  });

  test('when the status is 10 with NgayKetThucXuLy, then received, resolved at that instant and returned are published', () => {
    const events = eventsOf(record({ TrangThaiHoSo: 10, NgayKetThucXuLy: '20261126150000', NgayCapNhat: '20261127090000' }));
    expect(events.map((e) => e.type)).toEqual(['vn.tthc.dossier.received', 'vn.tthc.dossier.resolved', 'vn.tthc.dossier.returned']);
    expect(events[1]?.data).toMatchObject({ resolvedAt: '2026-11-26T15:00:00+07:00' });
    expect(events[2]?.data).toMatchObject({ occurredAt: '2026-11-27T09:00:00+07:00' });
  });

  test('when the status is 10 without NgayKetThucXuLy, then received and returned are published', () => {
    const events = eventsOf(record({ TrangThaiHoSo: 10, NgayCapNhat: '20261127090000' }));
    expect(events.map((e) => e.type)).toEqual(['vn.tthc.dossier.received', 'vn.tthc.dossier.returned']);
  });

  test('when the same record is mapped in either date format, then the event ids are the same', () => {
    const compact = eventsOf(record({ TrangThaiHoSo: 9, NgayKetThucXuLy: '20261126150000' }));
    const iso = eventsOf(record({ TrangThaiHoSo: 9, NgayTiepNhan: '2026-11-23T02:00:00Z', NgayKetThucXuLy: '2026-11-26T15:00:00+07:00' }));
    expect(iso.map((e) => e.id)).toEqual(compact.map((e) => e.id));
    const appointment = `appointment ${Date.parse('2026-11-27T10:00:00Z')}`;
    expect(compact[0]?.id).toBe(portalEventId('G01.001.000-261123-0001', 'vn.tthc.dossier.received', Date.parse('2026-11-23T02:00:00Z'), appointment));
    expect(new Set(compact.map((e) => e.id)).size).toBe(2);
  });

  test('when a record comes back with another NgayHenTra, then its receipt is a new event ordered by NgayCapNhat, not a duplicate', () => {
    const [first] = eventsOf(record({ TrangThaiHoSo: 2 }));
    const [again] = eventsOf(record({ TrangThaiHoSo: 2 }));
    const [moved] = eventsOf(record({ TrangThaiHoSo: 2, NgayHenTra: '20261130170000', NgayCapNhat: '20261126100000' }));
    expect(again?.id).toBe(first?.id);
    expect(moved?.id).not.toBe(first?.id);
    expect(moved).toMatchObject({ time: '2026-11-26T10:00:00+07:00', data: { receivedAt: '2026-11-23T09:00:00+07:00', appointmentAt: '2026-11-30T17:00:00+07:00' } });
    expect(first?.time).toBe('2026-11-23T09:00:00+07:00');
  });

  test('when only DonViXuLy names the agency, then it is used as MaDonVi', () => {
    const [received] = eventsOf(record({ TrangThaiHoSo: 2, MaDonVi: undefined, DonViXuLy: 'G02.001.000' }));
    expect(received).toMatchObject({ source: 'urn:portal-sync:G02.001.000', data: { agencyCode: 'G02.001.000' } });
  });

  test('when fields are bad, then every one is reported with its pointer', () => {
    const issues = issuesOf(record({ TrangThaiHoSo: 11, NgayHenTra: '27/11/2026', NgayTiepNhan: '2026-11-23T09:00:00', KenhThucHien: 4, MaHoSo: '' }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { pointer: '/0/MaHoSo', detail: 'must not be empty' },
        { pointer: '/0/TrangThaiHoSo', detail: 'must be an integer from 1 to 10' },
        { pointer: '/0/KenhThucHien', detail: expect.stringContaining('trực tuyến') },
        { pointer: '/0/NgayTiepNhan', detail: PORTAL_DATE_DETAIL },
        { pointer: '/0/NgayHenTra', detail: PORTAL_DATE_DETAIL },
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  test('when a status needs a date the record lacks, then the missing field is named', () => {
    expect(issuesOf(record({ TrangThaiHoSo: 9 }))).toEqual([{ pointer: '/0/NgayKetThucXuLy', detail: expect.stringContaining('TrangThaiHoSo is 9') }]);
    expect(issuesOf(record({ TrangThaiHoSo: 5 }))).toEqual([{ pointer: '/0/NgayCapNhat', detail: expect.stringContaining('TrangThaiHoSo is 5') }]);
    expect(issuesOf(record({ TrangThaiHoSo: 4, NgayTiepNhan: undefined, MaTTHC: undefined, NgayCapNhat: '20261124080000' })).map((i) => i.pointer)).toEqual([
      '/0/NgayTiepNhan',
      '/0/MaTTHC',
    ]);
  });

  test('when the agency is missing or its alias disagrees, then the agency field is named', () => {
    expect(issuesOf(record({ TrangThaiHoSo: 2, MaDonVi: undefined }))).toEqual([{ pointer: '/0/MaDonVi', detail: expect.stringContaining('required') }]);
    expect(issuesOf(record({ TrangThaiHoSo: 2, DonViXuLy: 'G09' }))).toEqual([{ pointer: '/0/DonViXuLy', detail: 'must equal MaDonVi when both are sent' }]);
  });

  test('when the record is not an object, then the record itself is named', () => {
    expect(issuesOf('x', '/3')).toEqual([{ pointer: '/3', detail: expect.stringContaining('JSON object') }]);
  });
});
