import { ControllableClock, receivedEvent, startSmtpSink, waitFor, type SmtpSink } from '@tthc/testkit';
import { startWebhookReceiver, verifyStandardWebhook } from '../../services/notifier/test/support';
import { MANAGER_KEY, postEvents, REFORM_KEY, startNotifier, startStack, type Stack } from './support/stack';

/**
 * Portal → intake → workflow → sla → notifier → SMTP and webhook, all on the real
 * infrastructure. The notifier's clock stands on a working Monday morning so that its
 * calendar lets the message go out at once whatever the wall-clock time of the run; the other
 * services keep real time, which drives the SLA timer.
 */
describe('overdue dossier to manager e-mail and webhook, end to end', () => {
  let stack: Stack;
  let sink: SmtpSink;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let notifierUrl = '';

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startWebhookReceiver();
    stack = await startStack();
    notifier = await startNotifier(stack, {
      // The receiver listens on loopback, which the notifier refuses unless told otherwise.
      env: { SMTP_PORT: String(sink.port), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
      clock: new ControllableClock('2026-03-09T09:00:00+07:00'),
    });
    notifierUrl = notifier.url;
  });
  afterAll(async () => {
    await notifier?.stop();
    await stack?.stop();
    await receiver?.stop();
    await sink?.stop();
  });

  const subscribe = async (body: Record<string, unknown>) => {
    const res = await fetch(`${notifierUrl}/v1/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${MANAGER_KEY}` }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; channel: { secret?: string } };
  };

  test('when a dossier passes its appointment, then the agency manager gets one e-mail and the webhook one signed call, without personal data', async () => {
    await subscribe({ name: 'Lê Văn C', role: 'agency-manager', agencyCode: 'G01.001.000', kinds: ['overdue'], channel: { type: 'email', address: 'manager@g01.test' } });
    const hook = await subscribe({ name: 'Hệ thống G01', role: 'agency-manager', agencyCode: 'G01.001.000', language: 'en', kinds: ['overdue'], channel: { type: 'webhook', url: receiver.url('/g01') } });

    const appointmentAt = new Date(Date.now() + 3000);
    const event = receivedEvent({ appointmentAt: appointmentAt.toISOString(), applicant: { fullName: 'Nguyễn Văn A', idNumber: '001099012345' } });
    expect((await postEvents(stack, event)).status).toBe(202);
    const code = event.data.dossierCode;

    const [mail] = await waitFor('the manager e-mail', () => sink.mailTo('manager@g01.test').length > 0 && sink.mailTo('manager@g01.test'), { timeoutMs: 30_000 });
    expect(mail!.subject).toBe(`[Quá hạn] Hồ sơ ${code} — TTHC 1.001234`);
    expect(mail!.text).toContain(`/dossiers/${encodeURIComponent(code)}`);
    expect(mail!.raw).not.toContain('001099012345');
    expect(mail!.raw).not.toContain('Nguyễn Văn A');

    const [call] = await waitFor('the webhook call', () => receiver.to('/g01').length > 0 && receiver.to('/g01'), { timeoutMs: 30_000 });
    expect(verifyStandardWebhook(hook.channel.secret!, call!.headers, call!.body, Date.parse('2026-03-09T09:00:00+07:00'))).toBe(true);
    expect(JSON.parse(call!.body).data).toMatchObject({ dossierCode: code, agencyCode: 'G01.001.000', kind: 'overdue' });

    // The reform office acknowledges through the API; the record says who and when.
    const alertId = JSON.parse(call!.body).data.alertId as string;
    const ack = await fetch(`${notifierUrl}/v1/alerts/${encodeURIComponent(alertId)}/ack`, { method: 'POST', headers: { authorization: `Bearer ${REFORM_KEY}` } });
    expect(await ack.json()).toMatchObject({ alertId, ackedBy: expect.stringMatching(/^api-key:/) });
    expect(sink.mailTo('manager@g01.test')).toHaveLength(1);
  });
});
