import { receivedEvent, resolvedEvent, waitFor, sleep, dossierCode, probeProducer } from '@tthc/testkit';
import { collectTopic, getJson, postEvents, startStack, type Stack } from './support/stack';

interface DossierBody {
  code: string;
  status: string;
  overdue: boolean;
  dueAt: string;
  closedAt: string | null;
  history: Array<{ type: string; data: Record<string, unknown> }>;
}
interface AlertsBody {
  items: Array<{ id: string; type: string; dossierCode: string; agencyCode: string; dueAt: string; raisedAt: string }>;
}

describe('dossier deadline, end to end on real Kafka, MongoDB and Redis', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const dossier = async (code: string) => {
    const res = await getJson(`${stack.reportingUrl}/v1/dossiers/${encodeURIComponent(code)}`);
    return res.status === 200 ? (res.body as unknown as DossierBody) : undefined;
  };
  const alerts = async (code: string) => (await getJson(`${stack.reportingUrl}/v1/alerts?dossierCode=${encodeURIComponent(code)}`)).body as unknown as AlertsBody;

  test('when a received dossier passes its appointment 3 s later, then it is flagged overdue with exactly one alert', async () => {
    const appointmentAt = new Date(Date.now() + 3000);
    const event = receivedEvent({ appointmentAt: appointmentAt.toISOString(), applicant: { fullName: 'Nguyễn Văn A', idNumber: '001099012345' } });
    const res = await postEvents(stack, event);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ results: [{ id: event.id, source: event.source, status: 'accepted' }] });

    const code = event.data.dossierCode;
    const stored = await waitFor('the dossier to be stored', () => dossier(code));
    expect(stored.overdue).toBe(false);
    expect(stored.status).toBe('open');

    const flagged = await waitFor('the overdue flag', async () => ((await dossier(code))?.overdue ? dossier(code) : undefined), { timeoutMs: 15_000 });
    const list = await alerts(code);
    expect(list.items).toHaveLength(1);
    const alert = list.items[0]!;
    expect(alert).toMatchObject({ type: 'dossier.overdue', dossierCode: code, agencyCode: 'G01.001.000', dueAt: appointmentAt.toISOString() });
    const lateMs = Date.parse(alert.raisedAt) - appointmentAt.getTime();
    expect(lateMs).toBeGreaterThanOrEqual(0);
    // The API does not expose the applicant's personal data.
    expect(JSON.stringify(flagged)).not.toContain('001099012345');
    process.stderr.write(`[e2e] overdue alert raised ${lateMs} ms after the appointment instant\n`);

    // The timer has fired; nothing raises a second alert for the same fact (a grace period for a stray one).
    await sleep(1500);
    expect((await alerts(code)).items).toHaveLength(1);
  });

  test('when a dossier is resolved before its appointment, then no alert is raised', async () => {
    const appointmentAt = new Date(Date.now() + 2500);
    const received = receivedEvent({ appointmentAt: appointmentAt.toISOString() });
    const code = received.data.dossierCode;
    expect((await postEvents(stack, received)).status).toBe(202);
    expect((await postEvents(stack, resolvedEvent({ dossierCode: code }))).status).toBe(202);

    const closed = await waitFor('the dossier to close', async () => ((await dossier(code))?.status === 'closed' ? dossier(code) : undefined));
    expect(closed.closedAt).not.toBeNull();
    // Time that must pass: the appointment, plus the margin within which a timer would have fired.
    await sleep(appointmentAt.getTime() - Date.now() + 2000);
    expect((await dossier(code))?.overdue).toBe(false);
    expect((await alerts(code)).items).toHaveLength(0);
  });

  test('when the same event id is sent twice, and once more straight to Kafka, then there is one dossier and one alert', async () => {
    const event = receivedEvent({ appointmentAt: new Date(Date.now() + 2000).toISOString() });
    const code = event.data.dossierCode;
    const first = await postEvents(stack, event);
    const second = await postEvents(stack, event);
    expect(first.body).toEqual({ results: [{ id: event.id, source: event.source, status: 'accepted' }] });
    expect(second.body).toEqual({ results: [{ id: event.id, source: event.source, status: 'duplicate' }] });

    // At-least-once delivery can repeat a message behind intake's back; workflow must absorb it.
    const producer = probeProducer(stack.kafka);
    await producer.connect();
    await producer.send({ topic: stack.topics.dossierEvents, messages: [{ key: code, value: JSON.stringify(event) }] });
    await producer.disconnect();

    await waitFor('the overdue flag', async () => (await dossier(code))?.overdue === true);
    // A grace period, not a wait for an event: a second alert or reception would arrive within it.
    await sleep(1500);
    const stored = await dossier(code);
    expect(stored?.history.filter((h) => h.type === 'vn.tthc.dossier.received')).toHaveLength(1);
    expect((await alerts(code)).items).toHaveLength(1);
    expect(await stack.mongo.collection('dossiers').countDocuments({ _id: code } as never)).toBe(1);
  });

  test('when the resolution arrives before the reception, then the final state is the same as in order', async () => {
    const code = dossierCode();
    const receivedAt = new Date(Date.now() - 3600_000);
    const received = receivedEvent({ dossierCode: code, receivedAt: receivedAt.toISOString(), appointmentAt: new Date(Date.now() + 1500).toISOString() });
    const resolved = resolvedEvent({ dossierCode: code, resolvedAt: new Date(Date.now() - 60_000).toISOString() });
    expect((await postEvents(stack, resolved)).status).toBe(202);
    await waitFor('the early resolution to be stored', () => dossier(code));
    expect((await postEvents(stack, received)).status).toBe(202);

    const final = await waitFor('the reception to be applied', async () => {
      const d = await dossier(code);
      return d && d.history.length === 2 ? d : undefined;
    });
    expect(final).toMatchObject({ status: 'closed', overdue: false });
    expect(final.history.map((h) => h.type)).toEqual(['vn.tthc.dossier.received', 'vn.tthc.dossier.resolved']);
    // Time that must pass: the appointment (1.5 s ahead), then a grace period in which no alert may come.
    await sleep(2500);
    expect((await alerts(code)).items).toHaveLength(0);
  });

  test('when a message on the dossier topic is not a valid event, then it goes to the dead-letter topic and later events still flow', async () => {
    const dlq = await collectTopic(stack.kafka, stack.topics.deadLetter);
    try {
      const producer = probeProducer(stack.kafka);
      await producer.connect();
      await producer.send({ topic: stack.topics.dossierEvents, messages: [{ key: 'poison', value: '{"not": "a cloud event"' }] });
      await producer.disconnect();

      const letter = await waitFor('the dead letter', () =>
        dlq.messages.find((m) => (m.value as { data?: { key?: string } }).data?.key === 'poison'),
      );
      expect(letter.value).toMatchObject({
        type: 'vn.tthc.dead-letter',
        data: { originalTopic: stack.topics.dossierEvents, value: '{"not": "a cloud event"', errorCode: 'malformed-json' },
      });

      const event = receivedEvent();
      await postEvents(stack, event);
      await waitFor('a later dossier to be stored', () => dossier(event.data.dossierCode));
    } finally {
      await dlq.stop();
    }
  });
});
