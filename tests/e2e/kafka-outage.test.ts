import { receivedEvent, startOutageBroker, waitFor, type OutageBroker } from '@tthc/testkit';
import { getJson, postEvents, startStack, type Stack } from './support/stack';

describe('Kafka outage', () => {
  let broker: OutageBroker;
  let stack: Stack;
  beforeAll(async () => {
    broker = await startOutageBroker();
    stack = await startStack({ kafkaBrokers: broker.brokers, intakeEnv: { KAFKA_SEND_TIMEOUT_MS: '3000' } });
    // Includes the wait for the outage lock, while the other file that stops this broker runs.
  }, 600_000);
  afterAll(async () => {
    await stack?.stop();
    await broker?.dispose();
  }, 60_000);

  const stored = async (code: string) => (await getJson(`${stack.reportingUrl}/v1/dossiers/${encodeURIComponent(code)}`)).status === 200;

  test('when Kafka is stopped, then intake answers 503 with Retry-After, and after it returns nothing accepted is lost', async () => {
    const before = receivedEvent();
    expect((await postEvents(stack, before)).status).toBe(202);

    await broker.stop();
    const during = receivedEvent();
    const refused = await postEvents(stack, during);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.body).toMatchObject({ type: 'urn:tthc:problem:unavailable', status: 503 });
    const ready = await fetch(`${stack.intakeUrl}/readyz`);
    expect(ready.status).toBe(503);

    await broker.start();
    // The portal retries the refused event: it was never published, so it is accepted, not a duplicate.
    const retried = await waitFor('intake to accept again', async () => {
      const r = await postEvents(stack, during);
      return r.status === 202 ? r : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    expect(retried.body).toEqual({ results: [{ id: during.id, source: during.source, status: 'accepted' }] });

    await waitFor('the dossier accepted before the outage', () => stored(before.data.dossierCode), { timeoutMs: 60_000, intervalMs: 250 });
    await waitFor('the dossier accepted after the outage', () => stored(during.data.dossierCode), { timeoutMs: 60_000, intervalMs: 250 });
  }, 180_000);
});
