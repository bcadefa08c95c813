import type { InboundDossierEvent, InboundEvent } from '@tthc/contracts';
import { acceptEvents, eventKey, ForbiddenAgencyError, TemporarilyUnavailableError, type ClaimState, type IdempotencyStore, type Sender } from './accept-events.use-case';

function memoryStore(): IdempotencyStore & { states: Map<string, ClaimState> } {
  const states = new Map<string, ClaimState>();
  return {
    states,
    async claim(keys) {
      return keys.map((key) => {
        const s = states.get(key);
        if (s) return s === 'claimed' ? 'pending' : s;
        states.set(key, 'claimed');
        return 'claimed';
      });
    },
    async complete(keys) {
      keys.forEach((k) => states.set(k, 'done'));
    },
    async release(keys) {
      keys.forEach((k) => states.delete(k));
    },
  };
}

const sender = (id: string, agencies: string[] | '*'): Sender => ({ id, claims: agencies === '*' ? '*' : agencies.join(','), canAccess: (a) => agencies === '*' || agencies.includes(a) });
const anyAgency = sender('k-all', '*');

const event = (id: string, agencyCode = 'G01'): InboundDossierEvent => ({
  specversion: '1.0',
  id,
  source: 'urn:p',
  type: 'vn.tthc.dossier.resolved',
  time: '2026-03-02T01:00:00Z',
  data: { dossierCode: `D-${id}`, agencyCode, resolvedAt: '2026-03-02T01:00:00Z' },
});

describe('accepting events', () => {
  test('when an id was already published, then it is answered duplicate and not published again', async () => {
    const store = memoryStore();
    const published: string[] = [];
    const publisher = { publish: async (events: InboundDossierEvent[]) => void published.push(...events.map((e) => e.id)) };
    await acceptEvents([event('1')], anyAgency, { store, publisher });
    const results = await acceptEvents([event('1'), event('2'), event('2')], anyAgency, { store, publisher });
    expect(results.map((r) => r.status)).toEqual(['duplicate', 'accepted', 'duplicate']);
    expect(published).toEqual(['1', '2']);
  });

  test('when publishing fails, then the claims are released so a retry is accepted', async () => {
    const store = memoryStore();
    const failing = { publish: async () => Promise.reject(new Error('broker down')) };
    await expect(acceptEvents([event('1')], anyAgency, { store, publisher: failing })).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    expect(store.states.size).toBe(0);
    const ok = await acceptEvents([event('1')], anyAgency, { store, publisher: { publish: async () => undefined } });
    expect(ok[0]?.status).toBe('accepted');
  });

  test('when the done-marks cannot be stored after Kafka acknowledged the events, then they are still accepted and the loss of the marks is reported', async () => {
    const store = memoryStore();
    const published: string[] = [];
    const lost: number[] = [];
    const results = await acceptEvents([event('1'), event('2')], anyAgency, {
      store: { ...store, complete: async () => Promise.reject(new Error('redis went away')) },
      publisher: { publish: async (events: InboundEvent[]) => void published.push(...events.map((e) => e.id)) },
      onMarksLost: (_err, n) => lost.push(n),
    });
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(published).toEqual(['1', '2']);
    expect(lost).toEqual([2]);
    // The claims stay pending until their lease runs out: never released, so no second request
    // publishes the same events while the first one's answer is on its way.
    expect([...store.states.values()]).toEqual(['claimed', 'claimed']);
  });

  test('when the key does not own an agency, then nothing is claimed and the offending events are listed', async () => {
    const store = memoryStore();
    const err = await acceptEvents([event('1', 'G01'), event('2', 'G99')], sender('k-g01', ['G01']), { store, publisher: { publish: async () => undefined } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenAgencyError);
    expect((err as ForbiddenAgencyError).offending).toEqual([{ index: 1, agencyCode: 'G99', field: 'agencyCode' }]);
    expect(store.states.size).toBe(0);
  });

  test('when another request holds the same id for too long, then the caller is told to retry', async () => {
    const store = memoryStore();
    store.states.set(eventKey({ source: 'urn:p', id: '1' }, anyAgency.id), 'claimed');
    const err = await acceptEvents([event('1')], anyAgency, { store, publisher: { publish: async () => undefined }, sleep: async () => undefined, pendingWaitMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporarilyUnavailableError);
  });

  test('when a batch holds an id another request is still publishing, then only that id is asked again and answered by how the other request ended', async () => {
    const store = memoryStore();
    const asked: string[][] = [];
    const claim = store.claim.bind(store);
    store.claim = async (keys) => {
      asked.push(keys.map((k) => k.split('\n')[2]!));
      return claim(keys);
    };
    store.states.set(eventKey({ source: 'urn:p', id: '2' }, anyAgency.id), 'claimed');
    let sleeps = 0;
    const sleep = async () => {
      if (++sleeps === 2) store.states.set(eventKey({ source: 'urn:p', id: '2' }, anyAgency.id), 'done');
    };
    const published: string[] = [];
    const results = await acceptEvents([event('1'), event('2'), event('3')], anyAgency, { store, publisher: { publish: async (events) => void published.push(...events.map((e) => e.id)) }, sleep });
    expect(results.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'accepted']);
    expect(asked).toEqual([['1', '2', '3'], ['2'], ['2']]);
    expect(published).toEqual(['1', '3']);
  });

  test('when two keys send the same source and id, then each claim is its own and neither is a duplicate of the other', async () => {
    const store = memoryStore();
    const published: InboundEvent[] = [];
    const publisher = { publish: async (events: InboundDossierEvent[]) => void published.push(...events) };
    const a = sender('key-a', ['G01']);
    const b = sender('key-b', ['G01']);
    expect((await acceptEvents([event('1')], a, { store, publisher }))[0]?.status).toBe('accepted');
    expect((await acceptEvents([event('1')], b, { store, publisher }))[0]?.status).toBe('accepted');
    expect((await acceptEvents([event('1')], b, { store, publisher }))[0]?.status).toBe('duplicate');
    expect(published.map((e) => e.authid)).toEqual(['key-a', 'key-b']);
  });

  test('when the client wrote its own authcontext, then it is replaced by the sending key', async () => {
    const published: InboundEvent[] = [];
    const forged = { ...event('1'), authtype: 'system', authid: 'key-b', authclaims: '*' } as InboundDossierEvent;
    await acceptEvents([forged], sender('key-a', ['G01']), { store: memoryStore(), publisher: { publish: async (events) => void published.push(...events) } });
    expect(published[0]).toMatchObject({ authtype: 'api_key', authid: 'key-a', authclaims: 'G01' });
  });

  test('when a TT 04/2025 dossier code names an agency the key does not cover, then the code is offending unless the check is off', async () => {
    const squat = { ...event('1', 'G01'), data: { dossierCode: 'G02.001.000-261123-0001', agencyCode: 'G01', resolvedAt: '2026-03-02T01:00:00Z' } } as InboundDossierEvent;
    const deps = { store: memoryStore(), publisher: { publish: async () => undefined } };
    const err = await acceptEvents([squat], sender('key-a', ['G01']), deps).catch((e: unknown) => e);
    expect((err as ForbiddenAgencyError).offending).toEqual([{ index: 0, agencyCode: 'G02.001.000', field: 'dossierCode' }]);
    const off = await acceptEvents([squat], sender('key-a', ['G01']), { ...deps, codeAgencyCheck: false });
    expect(off[0]?.status).toBe('accepted');
  });
});
