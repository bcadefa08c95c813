import { parseInboundDossierEvent } from './registry';
import { AUTH_CONTEXT_ATTRIBUTES, withoutAuthContext } from '../cloud-event.schema';

const valid = {
  specversion: '1.0',
  id: 'e-1',
  source: 'urn:portal:hn',
  type: 'vn.tthc.dossier.received',
  time: '2026-03-02T08:00:00+07:00',
  data: {
    dossierCode: 'G01.001.000-260302-0001',
    procedureCode: '1.001234',
    agencyCode: 'G01.001.000',
    receivedAt: '2026-03-02T08:00:00+07:00',
    appointmentAt: '2026-03-05T17:00:00+07:00',
    channel: 'online',
  },
};

describe('inbound dossier events', () => {
  test('when a received event is complete, then it parses with its data typed', () => {
    const r = parseInboundDossierEvent(valid);
    expect(r.ok).toBe(true);
  });

  test('when several fields are wrong, then every one is named by a JSON pointer', () => {
    const bad = { ...valid, specversion: '0.3', time: 'yesterday', data: { ...valid.data, agencyCode: '', appointmentAt: '2026-03-05 17:00', channel: 'fax' } };
    const r = parseInboundDossierEvent(bad, '/3');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.pointer).sort()).toEqual(['/3/specversion', '/3/time']);
    const dataOnly = parseInboundDossierEvent({ ...valid, data: bad.data });
    expect(dataOnly.ok).toBe(false);
    if (dataOnly.ok) return;
    expect(dataOnly.issues.map((i) => i.pointer).sort()).toEqual(['/data/agencyCode', '/data/appointmentAt', '/data/channel']);
  });

  test('when the type is unknown, then the type field is named', () => {
    const r = parseInboundDossierEvent({ ...valid, type: 'vn.tthc.dossier.teleported' });
    expect(r).toEqual({ ok: false, issues: [{ pointer: '/type', detail: expect.stringContaining('unknown event type') }] });
  });

  test('when a dossier code is longer than 64 characters, then it is rejected', () => {
    const r = parseInboundDossierEvent({ ...valid, data: { ...valid.data, dossierCode: 'x'.repeat(65) } });
    expect(r.ok).toBe(false);
  });

  test('when an instant has no offset, then it is rejected as ambiguous', () => {
    const r = parseInboundDossierEvent({ ...valid, data: { ...valid.data, receivedAt: '2026-03-02T08:00:00' } });
    expect(r.ok ? [] : r.issues.map((i) => i.pointer)).toEqual(['/data/receivedAt']);
  });
});

describe('hostile inbound events', () => {
  test('when the type names an Object property such as __proto__, then it is an unknown type, not a crash', () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = parseInboundDossierEvent({ ...valid, type });
      expect(r).toEqual({ ok: false, issues: [{ pointer: '/type', detail: expect.stringContaining('unknown event type') }] });
    }
  });

  test('when an instant lies outside the years 2000–2099, then the field is named', () => {
    const r = parseInboundDossierEvent({ ...valid, time: '9999-12-31T00:00:00Z', data: { ...valid.data, receivedAt: '1999-12-31T23:59:59+07:00' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.pointer)).toEqual(['/time']);
    const dataOnly = parseInboundDossierEvent({ ...valid, data: { ...valid.data, receivedAt: '1999-12-31T23:59:59+07:00' } });
    expect(dataOnly).toEqual({ ok: false, issues: [{ pointer: '/data/receivedAt', detail: 'must lie between the years 2000 and 2099' }] });
  });
});

describe('authcontext attributes', () => {
  test('when an event carries authcontext attributes, then parsing keeps them and withoutAuthContext drops every one', () => {
    const r = parseInboundDossierEvent({ ...valid, authtype: 'api_key', authid: 'abc', authclaims: 'G01.001.000', traceparent: 't' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ authtype: 'api_key', authid: 'abc', authclaims: 'G01.001.000' });
    const bare = withoutAuthContext(r.value);
    expect(Object.keys(bare).filter((k) => k.startsWith('auth'))).toEqual([]);
    expect(bare).toMatchObject({ id: valid.id, traceparent: 't', data: { dossierCode: valid.data.dossierCode } });
  });

  test('when an object carries every listed authcontext attribute, then withoutAuthContext drops each one', () => {
    const stamped = { id: '1', ...Object.fromEntries(AUTH_CONTEXT_ATTRIBUTES.map((name) => [name, 'x'])) };
    expect(withoutAuthContext(stamped)).toEqual({ id: '1' });
  });
});
