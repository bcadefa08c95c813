import { slaAlertV1 } from '@tthc/contracts';
import { formatDueInstant, formatWorkingLate, renderAlertMessage, renderDigestMessage } from './message-templates';

const alert = slaAlertV1.parse({
  alertId: 'overdue:G01.001.000-260302-0001:step:2:v1',
  kind: 'overdue',
  dossierCode: 'G01.001.000-260302-0001',
  deadlineKey: 'step:2',
  deadlineKind: 'step',
  agencyCode: 'G01.001.000',
  responsibleAgencyCode: 'G01.002.000',
  procedureCode: '1.001234',
  label: 'Thẩm định hồ sơ',
  dueAt: '2026-03-09T10:00:00Z',
  deadlineVersion: 1,
  raisedAt: '2026-03-10T12:00:00Z',
  workingMinutesLate: 600,
  reason: 'step 2 passed its allotment',
  legalBasis: 'ND 118/2025/NĐ-CP',
});
const links = { dossierUrl: 'https://dash.example/dossiers/G01.001.000-260302-0001', ackUrl: 'https://notifier.example/v1/alerts/x/ack?token=abc' };

describe('message templates', () => {
  test('when working minutes are given, then they read as 8-hour working days, hours and minutes in each language', () => {
    expect(formatWorkingLate(600, 'vi')).toBe('1 ngày 2 giờ làm việc');
    expect(formatWorkingLate(600, 'en')).toBe('1 working day 2 working hours');
    expect(formatWorkingLate(965, 'en')).toBe('2 working days 5 working minutes');
    expect(formatWorkingLate(0, 'vi')).toBe('0 phút làm việc');
  });
  test('when a due instant is formatted, then it is shown in Vietnam time whatever the input offset', () => {
    expect(formatDueInstant('2026-03-09T10:00:00Z', 'vi')).toBe('17:00 ngày 09/03/2026 (giờ Việt Nam, GMT+7)');
    expect(formatDueInstant('2026-03-09T10:00:00Z', 'en')).toBe('9 March 2026, 17:00 (Vietnam time, GMT+7)');
  });
  test('when an overdue step is rendered in Vietnamese, then text and HTML name dossier, procedure, due, lateness, step, agency, basis and both links', () => {
    const m = renderAlertMessage({ alert, level: 0, baseLevel: 0, lang: 'vi', links });
    expect(m.subject).toBe('[Quá hạn] Hồ sơ G01.001.000-260302-0001 — TTHC 1.001234');
    for (const part of ['1.001234', '17:00 ngày 09/03/2026', '1 ngày 2 giờ làm việc', 'Thẩm định hồ sơ — G01.002.000', 'ND 118/2025/NĐ-CP', links.dossierUrl, links.ackUrl, 'Xác nhận đã tiếp nhận cảnh báo']) {
      expect(m.text).toContain(part);
    }
    expect(m.html).toContain(`href="${links.dossierUrl}"`);
    expect(m.html).toContain('<html lang="vi">');
  });
  test('when the same alert is escalated for lack of acknowledgement and rendered in English, then it says so', () => {
    const m = renderAlertMessage({ alert, level: 1, baseLevel: 0, lang: 'en', links });
    expect(m.subject).toBe('[Escalated to level 1] [Overdue] Dossier G01.001.000-260302-0001 — procedure 1.001234');
    expect(m.text).toContain('Nobody acknowledged the alert below in time, so it is now escalated to the head of agency.');
    expect(m.text).toContain('Working time late: 1 working day 2 working hours');
  });
  test('when a text field holds markup, then the HTML escapes it', () => {
    const m = renderAlertMessage({ alert: { ...alert, label: '<script>x</script>' }, level: 0, baseLevel: 0, lang: 'en', links });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&#60;script&#62;');
  });
  test('when a digest is rendered, then overdue and at-risk dossiers are listed apart with their links', () => {
    const items = [
      { dossierCode: 'D-1', procedureCode: 'P1', agencyCode: 'A', dueAt: new Date('2026-03-05T10:00:00Z'), overdue: true },
      { dossierCode: 'D-2', procedureCode: 'P2', agencyCode: 'A', dueAt: new Date('2026-03-10T10:00:00Z'), overdue: false },
    ];
    const vi = renderDigestMessage({ date: '2026-03-09', items, lang: 'vi', dossierUrl: (c) => `https://d/${c}` });
    expect(vi.subject).toBe('[Tổng hợp 2026-03-09] 1 hồ sơ quá hạn, 1 hồ sơ sắp đến hạn');
    expect(vi.text.indexOf('D-1')).toBeLessThan(vi.text.indexOf('Hồ sơ có nguy cơ trễ hạn'));
    expect(vi.text.indexOf('D-2')).toBeGreaterThan(vi.text.indexOf('Hồ sơ có nguy cơ trễ hạn'));
    const en = renderDigestMessage({ date: '2026-03-09', items, lang: 'en', dossierUrl: (c) => `https://d/${c}` });
    expect(en.subject).toBe('[Digest 2026-03-09] 1 overdue, 1 at-risk dossiers');
    expect(en.html).toContain('href="https://d/D-2"');
  });

  test('when a periodic duty is overdue, then the message names the duty period, not a dossier', () => {
    const duty = slaAlertV1.parse({
      ...alert,
      alertId: 'overdue:DUTY:leaders-dialogue:G01.001.000:2026-H1:duty:v1',
      subject: 'duty',
      dossierCode: 'DUTY:leaders-dialogue:G01.001.000:2026-H1',
      deadlineKey: 'duty',
      deadlineKind: 'duty',
      procedureCode: null,
      label: 'Người đứng đầu đối thoại với người dân, doanh nghiệp về thủ tục hành chính (kỳ 2026-H1)',
    });
    const vi = renderAlertMessage({ alert: duty, level: 0, baseLevel: 0, lang: 'vi', links });
    expect(vi.subject).toBe('[Quá hạn] Nhiệm vụ định kỳ DUTY:leaders-dialogue:G01.001.000:2026-H1');
    expect(vi.text).not.toContain('Hồ sơ:');
    expect(renderAlertMessage({ alert: duty, level: 0, baseLevel: 0, lang: 'en', links }).subject).toBe('[Overdue] Periodic duty DUTY:leaders-dialogue:G01.001.000:2026-H1');
  });
});
