import { dossierCode, probeProducer, waitFor } from '@tthc/testkit';
import { COLLECTIONS } from '@tthc/contracts';
import { postEvents, startStack, type Stack } from './support/stack';
import { hours, lifecycleEvent } from './support/lifecycle-events';

describe('dossier lifecycle order and duplicates, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  // A week ahead, so that no warning or due timer fires while the test runs: an alert would be
  // a fact in one history and not in the other.
  const base = new Date(Date.now() + 7 * 86_400_000);
  const lifecycle = (code: string) => [
    lifecycleEvent(code, 1, 'vn.tthc.dossier.received', base, { procedureCode: '1.001612', appointmentAt: hours(base, 30 * 24).toISOString(), channel: 'online' }),
    lifecycleEvent(code, 2, 'vn.tthc.dossier.processing-started', hours(base, 1)),
    lifecycleEvent(code, 3, 'vn.tthc.dossier.step-assigned', hours(base, 2), { stepNo: 1, stepAgencyCode: 'G01.002.000', stepName: 'Thẩm định', allottedHours: 16 }),
    lifecycleEvent(code, 4, 'vn.tthc.dossier.step-completed', hours(base, 20), { stepNo: 1 }),
    lifecycleEvent(code, 5, 'vn.tthc.dossier.supplement-requested', hours(base, 24), { reason: 'thiếu bản sao' }),
    lifecycleEvent(code, 6, 'vn.tthc.dossier.supplement-received', hours(base, 48)),
    lifecycleEvent(code, 7, 'vn.tthc.dossier.resolved', hours(base, 72)),
    lifecycleEvent(code, 8, 'vn.tthc.dossier.returned', hours(base, 96)),
  ];

  const storedDoc = (code: string) => stack.mongo.collection(COLLECTIONS.dossiers).findOne({ _id: code } as never);
  /** The stored document with what may differ between two subjects removed and the code replaced. */
  const comparable = (doc: Record<string, unknown>, code: string) => {
    // writeToken names the last conditional write, which differs per document by design.
    // A deadline's `changedAt` names the revision its tracked view last changed at, and which
    // revision changes what follows the order the facts arrived in; the state itself may not.
    const { _id, code: _code, updatedAt: _u, firstStoredAt: _f, writeToken: _w, ...rest } = doc;
    const text = JSON.stringify(rest, (key, value: unknown) => (key === 'changedAt' ? undefined : value));
    return JSON.parse(text.split(String(_id ?? code)).join('CODE')) as Record<string, unknown>;
  };

  test('when the same lifecycle arrives in order for one dossier and reversed with duplicates for another, then both stored states are identical except the code', async () => {
    const inOrder = dossierCode();
    const reversed = dossierCode();
    for (const event of lifecycle(inOrder)) expect((await postEvents(stack, event)).status).toBe(202);
    const backwards = lifecycle(reversed).reverse();
    for (const event of backwards) expect((await postEvents(stack, event)).status).toBe(202);
    // Duplicates behind intake's back, as at-least-once delivery may produce them.
    const producer = probeProducer(stack.kafka);
    await producer.connect();
    await producer.send({ topic: stack.topics.dossierEvents, messages: [...backwards, ...backwards.slice(0, 3)].map((e) => ({ key: reversed, value: JSON.stringify(e) })) });
    await producer.disconnect();

    const complete = async (code: string) => {
      const doc = (await storedDoc(code)) as (Record<string, unknown> & { history: unknown[] }) | null;
      return doc && doc.history.length === 8 ? doc : undefined;
    };
    const a = await waitFor('the in-order dossier to hold all eight facts', () => complete(inOrder));
    await waitFor('the reversed dossier to hold all eight facts', () => complete(reversed));
    // The duplicates sent last must have been absorbed too: wait until the reversed document stops changing.
    const b = await waitFor('the duplicates to be absorbed', async () => {
      const first = await complete(reversed);
      await new Promise((r) => setTimeout(r, 500));
      const second = await complete(reversed);
      return first && second && second.revision === first.revision ? second : undefined;
    });

    expect(a).toMatchObject({ phase: 'closed', statusCode: 10, revision: 8 });
    expect(comparable(b, reversed)).toEqual(comparable(a, inOrder));
    // Each stamp names a revision of its own subject.
    for (const doc of [a, b]) {
      const stamps = (doc['deadlines'] as Array<{ changedAt?: number }>).map((d) => d.changedAt ?? 0);
      expect(stamps.length).toBeGreaterThan(0);
      for (const stamp of stamps) expect(stamp).toBeGreaterThanOrEqual(1);
      for (const stamp of stamps) expect(stamp).toBeLessThanOrEqual(doc['revision'] as number);
    }
  });
});
