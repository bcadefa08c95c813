import { randomUUID } from 'node:crypto';
import { dossierCode, waitFor } from '@tthc/testkit';
import { COLLECTIONS, DOSSIER_EVENT_TYPES, PETITION_EVENT_TYPES } from '@tthc/contracts';
import { postEvents, startStack, type Stack } from './support/stack';
import { hours, lifecycleEvent, statusAfter } from './support/lifecycle-events';

describe('every inbound event type through intake, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const base = new Date(Date.now() + 7 * 86_400_000);
  const stored = async (code: string, facts: number) => {
    const doc = (await stack.mongo.collection(COLLECTIONS.dossiers).findOne({ _id: code } as never)) as (Record<string, unknown> & { history: unknown[] }) | null;
    return doc && doc.history.length === facts ? doc : undefined;
  };

  async function walk(code: string, steps: Array<[string, Record<string, unknown>?]>, check: (type: string, doc: Record<string, unknown>) => void) {
    let expected: number | null = null;
    for (const [i, [type, extra]] of steps.entries()) {
      const res = await postEvents(stack, lifecycleEvent(code, i + 1, type, hours(base, i + 1), extra));
      expect({ type, status: res.status }).toEqual({ type, status: 202 });
      const doc = await waitFor(`${type} to be applied to ${code}`, () => stored(code, i + 1));
      expected = statusAfter(type) ?? expected;
      check(type, { ...doc, expected });
    }
  }

  test('when every dossier event type is sent in a plausible order, then each is applied with its portal status code', async () => {
    const seen = new Set<string>();
    const statusCheck = (type: string, doc: Record<string, unknown>) => {
      seen.add(type);
      expect({ type, statusCode: doc.statusCode }).toEqual({ type, statusCode: doc.expected });
    };
    const main = dossierCode();
    await walk(
      main,
      [
        ['vn.tthc.dossier.received', { procedureCode: '1.001612', appointmentAt: hours(base, 30 * 24).toISOString() }],
        ['vn.tthc.dossier.processing-started'],
        ['vn.tthc.dossier.step-assigned', { stepNo: 1, stepAgencyCode: 'G01.002.000', allottedHours: 8 }],
        ['vn.tthc.dossier.step-completed', { stepNo: 1 }],
        ['vn.tthc.dossier.supplement-requested'],
        ['vn.tthc.dossier.supplement-received'],
        ['vn.tthc.dossier.financial-obligation-requested', { amountVnd: 100_000 }],
        ['vn.tthc.dossier.financial-obligation-fulfilled'],
        ['vn.tthc.dossier.apology-issued', { newAppointmentAt: hours(base, 40 * 24).toISOString(), reason: 'cần xác minh thêm', channels: ['sms'] }],
        ['vn.tthc.dossier.suspended'],
        ['vn.tthc.dossier.resumed'],
        ['vn.tthc.dossier.resolved'],
        ['vn.tthc.dossier.returned'],
        // Rated once the result is back: stored, the status stays 10.
        ['vn.tthc.dossier.rated', { level: 'very-satisfied', channel: 'portal' }],
      ],
      statusCheck,
    );
    await walk(dossierCode(), [['vn.tthc.dossier.refused', { procedureCode: '1.001612', reason: 'không thuộc thẩm quyền' }]], statusCheck);
    await walk(
      dossierCode(),
      [
        ['vn.tthc.dossier.received', { procedureCode: '1.001612', appointmentAt: hours(base, 30 * 24).toISOString() }],
        ['vn.tthc.dossier.withdrawn', { reason: 'công dân rút' }],
      ],
      statusCheck,
    );
    expect([...seen].sort()).toEqual([...DOSSIER_EVENT_TYPES].sort());
  });

  test('when every petition event type is sent, then each is applied to the petition', async () => {
    const code = `PAKN-${randomUUID().slice(0, 8)}`;
    const seen: string[] = [];
    const order: Array<[string, Record<string, unknown>?]> = [
      ['vn.tthc.petition.received', { title: 'Đèn đường hỏng', channel: 'online' }],
      ['vn.tthc.petition.supplement-requested', { reason: 'thiếu địa chỉ' }],
      ['vn.tthc.petition.transferred', { toAgencyCode: 'G01.002.000' }],
      ['vn.tthc.petition.answered'],
      ['vn.tthc.petition.published', { url: 'https://example.gov.vn/pakn/1' }],
    ];
    await walk(code, order, (type, doc) => {
      seen.push(type);
      expect(doc).toMatchObject({ subject: 'petition' });
    });
    const rejected = `PAKN-${randomUUID().slice(0, 8)}`;
    await walk(rejected, [['vn.tthc.petition.received'], ['vn.tthc.petition.rejected', { reason: 'trùng lặp' }]], (type, doc) => {
      seen.push(type);
      expect(doc).toMatchObject({ subject: 'petition' });
    });
    expect([...new Set(seen)].sort()).toEqual([...PETITION_EVENT_TYPES].sort());
    expect(await stored(rejected, 2)).toMatchObject({ phase: 'closed' });
  });
});
