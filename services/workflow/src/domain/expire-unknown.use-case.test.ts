import type { StoredSubject } from './apply-fact.use-case';
import { expireUnknownSubjects } from './expire-unknown.use-case';
import type { Fact, SubjectStateBase } from './subject';

const awaiting = { phase: 'awaiting-reception', deadlines: [], rejected: [], findings: [] } as unknown as SubjectStateBase;
const subject = (code: string, history: Fact[]): StoredSubject => ({ code, subject: 'dossier', revision: 2, history, state: awaiting, versionBumps: [], firstStoredAt: '2026-11-23T00:00:00.000Z' });

describe('unknown subjects', () => {
  test('when a subject without a reception outlives the grace period, then each fact is dead-lettered before it is removed', async () => {
    const facts = [{ key: 'k1', type: 'vn.tthc.dossier.processing-started' }, { key: 'k2', type: 'vn.tthc.dossier.returned' }] as Fact[];
    const log: string[] = [];
    const result = await expireUnknownSubjects(
      { now: new Date('2026-11-23T00:00:10Z'), graceSeconds: 5 },
      {
        store: {
          listUnknownSince: async (cutoff) => (cutoff.toISOString() === '2026-11-23T00:00:05.000Z' ? [subject('U', facts)] : []),
          remove: async (code) => {
            log.push(`remove ${code}`);
            return true;
          },
        },
        deadLetters: {
          send: async (_s, fact, errorCode, reason) => {
            log.push(`${errorCode} ${fact.key} ${reason.includes('5 s')}`);
          },
        },
      },
    );
    expect(result).toEqual({ expired: ['U'], kept: [] });
    expect(log).toEqual(['unknown-subject k1 true', 'unknown-subject k2 true', 'remove U']);
  });

  test('when a fact arrived while the subject was being expired, then it is kept for the next sweep', async () => {
    const result = await expireUnknownSubjects(
      { now: new Date('2026-11-23T00:00:10Z'), graceSeconds: 5 },
      {
        store: { listUnknownSince: async () => [subject('U', [{ key: 'k1', type: 'vn.tthc.dossier.resumed' } as Fact])], remove: async () => false },
        deadLetters: { send: async () => undefined },
      },
    );
    expect(result).toEqual({ expired: [], kept: ['U'] });
  });
});
