import { defaultCalendar } from '@tthc/calendar';

import { auditAppointment } from './appointment-audit';
import { loadSampleCatalog } from './catalog-file.loader';

const calendar = defaultCalendar();
const catalog = loadSampleCatalog();
// Đăng ký thành lập hộ kinh doanh, 3 working days, received before Tết: due 2026-02-25T14:00:00+07:00.
const legalDue = catalog.legalDue('1.001612', '2026-02-13T14:00:00+07:00', calendar);

describe('auditAppointment', () => {
  test('when the appointment equals the legal maximum to the second (in another offset), then there is no finding', () => {
    expect(auditAppointment({ appointmentAt: '2026-02-25T14:00:00+07:00', legalDue, calendar })).toEqual([]);
    expect(auditAppointment({ appointmentAt: '2026-02-25T07:00:00.900Z', legalDue, calendar })).toEqual([]);
  });

  test('when the appointment is later than the legal maximum, then a warning gives the working minutes and the legal basis', () => {
    const findings = auditAppointment({ appointmentAt: '2026-02-26T10:00:00+07:00', legalDue, calendar });
    expect(findings).toEqual([
      {
        code: 'appointment-later-than-legal-maximum',
        severity: 'warning',
        message:
          'The appointment 2026-02-26T10:00:00+07:00 is later than the legal maximum 2026-02-25T14:00:00+07:00 of procedure 1.001612 (3 working days; vn-sample version 2026.1) by 300 working minutes.',
        messageVi:
          'Ngày hẹn trả 2026-02-26T10:00:00+07:00 muộn hơn thời hạn giải quyết tối đa theo quy định 2026-02-25T14:00:00+07:00 của thủ tục 1.001612 (3 ngày làm việc; danh mục vn-sample phiên bản 2026.1): muộn 300 phút làm việc.',
        legalBasis: ['Luật Doanh nghiệp 59/2020/QH14', 'Nghị định 01/2021/NĐ-CP'],
        procedureCode: '1.001612',
        catalogVersion: '2026.1',
        appointmentAt: '2026-02-26T10:00:00+07:00',
        legalDueAt: '2026-02-25T14:00:00+07:00',
        workingMinutes: 300,
      },
    ]);
  });

  test('when the appointment is later only by non-working time, then it is still a finding, with 0 working minutes', () => {
    const findings = auditAppointment({ appointmentAt: '2026-02-25T14:00:01+07:00', legalDue, calendar });
    expect(findings).toMatchObject([{ code: 'appointment-later-than-legal-maximum', workingMinutes: 0 }]);
    const evening = catalog.legalDue('2.000815', '2026-03-02T10:00:00+07:00', calendar); // due 17:00 the same day
    expect(auditAppointment({ appointmentAt: '2026-03-02T18:00:00+07:00', legalDue: evening, calendar })).toMatchObject([
      { code: 'appointment-later-than-legal-maximum', severity: 'warning', workingMinutes: 0 },
    ]);
  });

  test('when the appointment is earlier than the legal maximum, then an informational finding gives the working minutes', () => {
    const findings = auditAppointment({ appointmentAt: '2026-02-24T14:00:00+07:00', legalDue, calendar });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'appointment-earlier-than-legal-maximum',
      severity: 'info',
      workingMinutes: 480,
      appointmentAt: '2026-02-24T14:00:00+07:00',
    });
    expect(findings[0]?.message).toMatch(/480 working minutes earlier than the legal maximum 2026-02-25T14:00:00\+07:00/);
    expect(findings[0]?.messageVi).toMatch(/sớm hơn 480 phút làm việc/);
  });

  test.each([undefined, null, '', '   '])('when the portal gives no appointment (%p), then the due computed from the catalog is reported', (appointmentAt) => {
    const findings = auditAppointment({ appointmentAt, legalDue, calendar });
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'appointment-missing',
        severity: 'info',
        appointmentAt: null,
        legalDueAt: '2026-02-25T14:00:00+07:00',
        workingMinutes: null,
        legalBasis: legalDue.legalBasis,
      }),
    ]);
    expect(findings[0]?.message).toBe(
      'The portal gave no appointment; the due instant 2026-02-25T14:00:00+07:00 was computed from the catalog for procedure 1.001612 (3 working days; vn-sample version 2026.1).',
    );
    expect(findings[0]?.messageVi).toMatch(/^Cổng dịch vụ công không cung cấp ngày hẹn trả/);
  });

  test('when a same-day procedure has no appointment, then the messages describe the cut-off rule', () => {
    const sameDay = catalog.legalDue('2.000815', '2026-03-02T15:30:00+07:00', calendar);
    const [finding] = auditAppointment({ legalDue: sameDay, calendar });
    expect(finding?.message).toMatch(/procedure 2\.000815 \(same day, 15:00 cut-off; vn-sample version 2026\.1\)/);
    expect(finding?.messageVi).toMatch(/giải quyết trong ngày, nhận sau 15:00 tính từ ngày làm việc tiếp theo/);
  });

  test('when the appointment cannot be read, then a warning says so instead of throwing', () => {
    const findings = auditAppointment({ appointmentAt: '26/02/2026 10:00', legalDue, calendar });
    expect(findings).toMatchObject([{ code: 'appointment-unreadable', severity: 'warning', appointmentAt: '26/02/2026 10:00', workingMinutes: null }]);
  });
});
