import type { InboundDossierEvent } from '@tthc/contracts';
import { acceptEvents, ForbiddenAgencyError, TemporarilyUnavailableError, type ClaimState, type IdempotencyStore } from './accept-events.use-case';

function memoryStore(): IdempotencyStore & { states: Map<string, ClaimState> } {
  const states = new Map<string, ClaimState>();
  return {
    states,
    async claim(key) {
      const s = states.get(key);
      if (s) return s === 'claimed' ? 'pending' : s;
      states.set(key, 'claimed');
      return 'claimed';
    },
    async complete(keys) {
      keys.forEach((k) => states.set(k, 'done'));
    },
    async release(keys) {
      keys.forEach((k) => states.delete(k));
    },
  };
}

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
    await acceptEvents([event('1')], () => true, { store, publisher });
    const results = await acceptEvents([event('1'), event('2'), event('2')], () => true, { store, publisher });
    expect(results.map((r) => r.status)).toEqual(['duplicate', 'accepted', 'duplicate']);
    expect(published).toEqual(['1', '2']);
  });

  test('when publishing fails, then the claims are released so a retry is accepted', async () => {
    const store = memoryStore();
    const failing = { publish: async () => Promise.reject(new Error('broker down')) };
    await expect(acceptEvents([event('1')], () => true, { store, publisher: failing })).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    expect(store.states.size).toBe(0);
    const ok = await acceptEvents([event('1')], () => true, { store, publisher: { publish: async () => undefined } });
    expect(ok[0]?.status).toBe('accepted');
  });

  test('when the key does not own an agency, then nothing is claimed and the offending events are listed', async () => {
    const store = memoryStore();
    const err = await acceptEvents([event('1', 'G01'), event('2', 'G99')], (a) => a === 'G01', { store, publisher: { publish: async () => undefined } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenAgencyError);
    expect((err as ForbiddenAgencyError).offending).toEqual([{ index: 1, agencyCode: 'G99' }]);
    expect(store.states.size).toBe(0);
  });

  test('when another request holds the same id for too long, then the caller is told to retry', async () => {
    const store = memoryStore();
    store.states.set('urn:p\n1', 'claimed');
    const err = await acceptEvents([event('1')], () => true, { store, publisher: { publish: async () => undefined }, sleep: async () => undefined, pendingWaitMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporarilyUnavailableError);
  });
});
