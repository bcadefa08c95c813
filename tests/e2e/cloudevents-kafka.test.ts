import { Kafka as CloudEventsKafka, type CloudEvent } from 'cloudevents';
import { probeProducer, receivedEvent, waitFor, type CollectedMessage } from '@tthc/testkit';
import { collectTopic, postEvents, startStack, type Stack } from './support/stack';

/**
 * Every record the services write is a CloudEvent in the Kafka protocol binding's structured mode,
 * so a consumer built on the official SDK's Kafka binding (cloudevents 10) reads every topic
 * without knowing this project: dossier events, state snapshots, alerts and dead letters.
 */
function decode(m: CollectedMessage): CloudEvent<unknown> {
  return CloudEventsKafka.toEvent({ key: m.key ?? '', value: m.raw?.toString('utf8'), headers: m.headers }) as CloudEvent<unknown>;
}

describe('topics read by the CloudEvents SDK Kafka binding', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('when a dossier is received and falls overdue and a poison record is dead-lettered, then every record of every topic decodes to the same event', async () => {
    const probes = await Promise.all([stack.topics.dossierEvents, stack.topics.dossierState, stack.topics.alerts, stack.topics.deadLetter].map((t) => collectTopic(stack.kafka, t)));
    const [events, states, alerts, deadLetters] = probes as [typeof probes[0], typeof probes[0], typeof probes[0], typeof probes[0]];
    try {
      const reception = receivedEvent({ appointmentAt: new Date(Date.now() + 2000).toISOString() });
      const code = reception.data.dossierCode;
      expect((await postEvents(stack, reception)).status).toBe(202);
      const producer = probeProducer(stack.kafka);
      await producer.connect();
      await producer.send({ topic: stack.topics.dossierEvents, messages: [{ key: `poison-${code}`, value: '{"not json' }] });
      await producer.disconnect();

      const onTopic = await waitFor('the reception on the dossier topic', () => events.messages.find((m) => m.value.id === reception.id));
      await waitFor('a state snapshot', () => states.messages.find((m) => m.key === code));
      await waitFor('the overdue alert', () => alerts.messages.find((m) => m.key === code && m.value.type === 'vn.tthc.dossier.overdue'), { timeoutMs: 30_000 });
      await waitFor('the dead letter', () => deadLetters.messages.find((m) => m.key === `poison-${code}`));

      const decoded = decode(onTopic);
      expect(decoded).toMatchObject({ specversion: '1.0', id: reception.id, source: reception.source, type: reception.type, data: reception.data, partitionkey: code });
      expect(decoded.time).toBe(new Date(reception.time).toISOString());

      // The poison record this test wrote itself is not an event; its dead letter is.
      const ours = (probe: (typeof probes)[number]) => probe.messages.filter((m) => m.key === code || (probe === deadLetters && m.key === `poison-${code}`));
      for (const probe of probes) {
        const mine = ours(probe);
        expect(mine.length).toBeGreaterThan(0);
        for (const m of mine) {
          expect(m.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
          const e = decode(m);
          expect(e.validate()).toBe(true);
          expect({ id: e.id, type: e.type, source: e.source, data: e.data }).toEqual({ id: m.value.id, type: m.value.type, source: m.value.source, data: m.value.data });
        }
      }
      const types = new Set(probes.flatMap((p) => ours(p).map((m) => decode(m).type)));
      expect([...types]).toEqual(expect.arrayContaining(['vn.tthc.dossier.received', 'vn.tthc.dossier.state-changed', 'vn.tthc.dossier.overdue', 'vn.tthc.dead-letter']));
    } finally {
      await Promise.all(probes.map((p) => p.stop()));
    }
  });
});
