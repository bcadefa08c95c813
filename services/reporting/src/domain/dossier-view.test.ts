import { publicData } from './dossier-view';
import { isPersonalField, withoutPersonalData } from './personal-data';

describe('public data of stored facts', () => {
  test('when a received fact carries the applicant and portal fields, then only its allowed plain fields are shown', () => {
    const data = {
      dossierCode: 'G01.001.000-261123-0001',
      procedureCode: '1.001234',
      agencyCode: 'G01.001.000',
      receivedAt: '2026-11-23T09:00:00+07:00',
      channel: 'online',
      applicant: { fullName: 'Nguyễn Văn A', idNumber: '001099012345' },
      ChuHoSo: 'Nguyễn Văn A',
      SoGiayTo: '001099012345',
    };
    expect(publicData('vn.tthc.dossier.received', data)).toEqual({
      dossierCode: 'G01.001.000-261123-0001',
      procedureCode: '1.001234',
      agencyCode: 'G01.001.000',
      receivedAt: '2026-11-23T09:00:00+07:00',
      channel: 'online',
    });
  });

  test('when a petition fact carries the petitioner and a title, then neither is shown', () => {
    const shown = publicData('vn.tthc.petition.received', { petitionCode: 'P-1', agencyCode: 'G01.001.000', title: 'Ông X', field: 'Đất đai', petitioner: { fullName: 'Lê Thị B', phone: '0912' } });
    expect(shown).toEqual({ petitionCode: 'P-1', agencyCode: 'G01.001.000', field: 'Đất đai' });
  });

  test('when an allowed field holds an object, or the type is unknown, then nothing nested comes out', () => {
    expect(publicData('vn.tthc.dossier.step-assigned', { stepNo: 2, stepName: { HoTen: 'Nguyễn Văn A' } })).toEqual({ stepNo: 2 });
    expect(publicData('vn.tthc.dossier.apology-issued', { newAppointmentAt: '2026-12-01T17:00:00+07:00', channels: ['sms', { phone: '0912' }] })).toEqual({ newAppointmentAt: '2026-12-01T17:00:00+07:00' });
    expect(publicData('vn.tthc.something-new', { dossierCode: 'X', contact: 'a@b.vn' })).toEqual({ dossierCode: 'X' });
    expect(publicData('__proto__', { dossierCode: 'X' })).toEqual({ dossierCode: 'X' });
    expect(publicData('vn.tthc.dossier.received', null)).toEqual({});
  });

  test('when an alert fact is in the history, then its SLA fields are shown', () => {
    expect(publicData('vn.tthc.dossier.overdue', { alertId: 'overdue:X:v1', kind: 'overdue', level: 0, dossierCode: 'X', dueAt: '2026-12-01T17:00:00+07:00', reason: 'quá hạn' })).toEqual({
      alertId: 'overdue:X:v1',
      kind: 'overdue',
      level: 0,
      dossierCode: 'X',
      dueAt: '2026-12-01T17:00:00+07:00',
      reason: 'quá hạn',
    });
  });
});

describe('free-form details without personal data', () => {
  test('when details hold contacts, names and secrets at any depth, then those fields are removed and the rest kept', () => {
    const details = { language: 'vi', name: 'Trưởng phòng Nguyễn Văn B', channel: { type: 'email', address: 'tp@example.vn' }, hooks: [{ url: 'https://x/hook?token=s3cret', secretRef: 'k1', events: ['overdue'] }], contactEmail: 'b@example.vn', SoDienThoai: '0912' };
    expect(withoutPersonalData(details)).toEqual({ language: 'vi', channel: { type: 'email' }, hooks: [{ events: ['overdue'] }] });
  });

  test('when field names are written in other cases or with separators, then they are still recognised', () => {
    expect(['FULL_NAME', 'id-number', 'Phone', 'so_dinh_danh', 'DiaChi'].every(isPersonalField)).toBe(true);
    expect(['language', 'type', 'moved', 'agencyCode'].some(isPersonalField)).toBe(false);
  });
});
