import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ControllableClock, dossierCode, receivedEvent, resolvedEvent, waitFor } from '@tthc/testkit';
import { dutyFulfilledEvent } from './support/duty-events';
import { openApiChecker } from './support/openapi-check';
import { MANAGER_KEY, OTHER_PORTAL_KEY, PORTAL_KEY, REFORM_KEY, startNotifier, startStack, type Stack } from './support/stack';

const ROOT = path.resolve(__dirname, '../..');
const REDOCLY = path.join(ROOT, 'node_modules', '.bin', 'redocly');
const AGENCY = 'G01.001.000';

/**
 * The three public APIs against their own documents: each serves /openapi.json without a key,
 * the documents pass Redocly's strict rule set, and real answers — successes and errors, from
 * traffic that went through Kafka, MongoDB and Redis — validate against them.
 */
describe('OpenAPI documents of intake, reporting and notifier', () => {
  let stack: Stack;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  const urls: Record<'intake' | 'reporting' | 'notifier', string> = { intake: '', reporting: '', notifier: '' };
  const docs: Partial<Record<keyof typeof urls, unknown>> = {};

  beforeAll(async () => {
    stack = await startStack();
    // A working Monday morning: alerts go out at once whatever the hour of the run.
    notifier = await startNotifier(stack, { clock: new ControllableClock('2026-03-09T09:00:00+07:00') });
    Object.assign(urls, { intake: stack.intakeUrl, reporting: stack.reportingUrl, notifier: notifier.url });
  }, 120_000);
  afterAll(async () => {
    await notifier?.stop();
    await stack?.stop();
  });

  test('when each service is asked for /openapi.json without a key, then it serves an OpenAPI 3.1 document that redocly lint passes with the strict rule set', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openapi-'));
    try {
      const files: string[] = [];
      for (const [service, url] of Object.entries(urls)) {
        const res = await fetch(`${url}/openapi.json`);
        expect({ service, status: res.status }).toEqual({ service, status: 200 });
        const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
        expect(doc.openapi).toBe('3.1.0');
        docs[service as keyof typeof urls] = doc;
        // Redocly's 4xx rule is off for the operational endpoints; every API operation must still say how it fails.
        const withoutErrors = Object.entries(doc.paths)
          .filter(([p]) => p.startsWith('/v1/'))
          .flatMap(([p, item]) => Object.entries(item).filter(([, op]) => !Object.keys(op.responses).some((s) => s.startsWith('4'))).map(([m]) => `${m} ${p}`));
        expect({ service, withoutErrors }).toEqual({ service, withoutErrors: [] });
        const file = path.join(dir, `${service}.openapi.json`);
        writeFileSync(file, JSON.stringify(doc, null, 2));
        files.push(file);
      }
      const lint = spawnSync(REDOCLY, ['lint', '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'stylish', ...files], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      const output = `${lint.stdout}\n${lint.stderr}`;
      expect({ exit: lint.status, output: lint.status === 0 ? '' : output }).toEqual({ exit: 0, output: '' });
      expect(output).toMatch(/valid/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  test('when every documented operation is called with real traffic, then each answer has a documented status, media type and body', async () => {
    for (const service of Object.keys(urls) as Array<keyof typeof urls>) {
      if (!docs[service]) docs[service] = await (await fetch(`${urls[service]}/openapi.json`)).json();
    }
    const intake = openApiChecker('intake', docs.intake);
    const reporting = openApiChecker('reporting', docs.reporting);
    const notify = openApiChecker('notifier', docs.notifier);
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const json = (key: string) => ({ ...bearer(key), 'content-type': 'application/json' });

    // Intake: structured, binary and portal-sync receptions, and its refusals.
    const soon = receivedEvent({ dossierCode: dossierCode(AGENCY), agencyCode: AGENCY, appointmentAt: new Date(Date.now() + 2000).toISOString() });
    const later = receivedEvent({ dossierCode: dossierCode(AGENCY), agencyCode: AGENCY, appointmentAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    const post = (body: unknown, headers: Record<string, string>, route = '/v1/events') => fetch(`${urls.intake}${route}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect((await intake.check('post', '/v1/events', await post(soon, { ...bearer(PORTAL_KEY), 'content-type': 'application/cloudevents+json' }))).status).toBe(202);
    const binary = { ...bearer(PORTAL_KEY), 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': later.id, 'ce-source': later.source, 'ce-type': later.type, 'ce-time': later.time };
    expect((await intake.check('post', '/v1/events', await post(later.data, binary))).status).toBe(202);
    const resolution = resolvedEvent({ dossierCode: later.data.dossierCode, agencyCode: AGENCY });
    expect((await intake.check('post', '/v1/events', await post([resolution], { ...bearer(PORTAL_KEY), 'content-type': 'application/cloudevents-batch+json' }))).status).toBe(202);
    expect((await intake.check('post', '/v1/events', await post({ ...soon, time: 'yesterday' }, { ...bearer(PORTAL_KEY), 'content-type': 'application/cloudevents+json' }))).status).toBe(400);
    expect((await intake.check('post', '/v1/events', await post(soon, { 'content-type': 'application/cloudevents+json' }))).status).toBe(401);
    expect((await intake.check('post', '/v1/events', await post(soon, { ...bearer(OTHER_PORTAL_KEY), 'content-type': 'application/cloudevents+json' }))).status).toBe(403);
    expect((await intake.check('post', '/v1/events', await post(soon, { ...bearer(PORTAL_KEY), 'content-type': 'text/plain' }))).status).toBe(415);
    const record = { MaHoSo: dossierCode(AGENCY), MaTTHC: '1.001234', TrangThaiHoSo: 2, NgayTiepNhan: '20261123090000', NgayHenTra: '20261204170000', MaDonVi: AGENCY };
    expect((await intake.check('post', '/v1/portal/dossiers', await post([record], json(PORTAL_KEY), '/v1/portal/dossiers'))).status).toBe(202);
    expect((await intake.check('post', '/v1/portal/dossiers', await post([{ ...record, NgayHenTra: 'soon' }], json(PORTAL_KEY), '/v1/portal/dossiers'))).status).toBe(400);
    const petitionCode = `PAKN-${dossierCode(AGENCY)}`;
    const petitionAt = new Date().toISOString();
    const petition = { specversion: '1.0', id: `${petitionCode}-1`, source: 'urn:portal:openapi', type: 'vn.tthc.petition.received', time: petitionAt, data: { petitionCode, agencyCode: AGENCY, occurredAt: petitionAt, title: 'Đèn đường hỏng', channel: 'online' } };
    expect((await intake.check('post', '/v1/events', await post(petition, { ...bearer(PORTAL_KEY), 'content-type': 'application/cloudevents+json' }))).status).toBe(202);

    // Reporting: every read, once the facts went through Kafka and workflow, and the alert through sla.
    const read = (template: string, pathAndQuery: string, key: string | null = REFORM_KEY, headers: Record<string, string> = {}) =>
      fetch(`${urls.reporting}${pathAndQuery}`, { headers: { ...(key ? bearer(key) : {}), ...headers } }).then((res) => reporting.check('get', template, res));
    await waitFor('the resolution stored', async () => ((await fetch(`${urls.reporting}/v1/dossiers/${encodeURIComponent(later.data.dossierCode)}`, { headers: bearer(REFORM_KEY) }).then((r) => r.json())) as { closedAt?: string | null }).closedAt ?? undefined, { timeoutMs: 30_000 });
    const alert = await waitFor(
      'the overdue alert of the first dossier',
      async () => {
        const res = await fetch(`${urls.reporting}/v1/alerts?dossierCode=${encodeURIComponent(soon.data.dossierCode)}`, { headers: bearer(REFORM_KEY) });
        const items = ((await res.json()) as { items?: Array<{ id: string; type: string }> }).items ?? [];
        return items.find((a) => a.type.includes('overdue'));
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect((await read('/v1/dossiers/{code}', `/v1/dossiers/${encodeURIComponent(later.data.dossierCode)}`)).status).toBe(200);
    expect((await read('/v1/dossiers/{code}', `/v1/dossiers/${encodeURIComponent(later.data.dossierCode)}`, OTHER_PORTAL_KEY)).status).toBe(404);
    expect((await read('/v1/dossiers/{code}', `/v1/dossiers/x?y=1`)).status).toBe(400);
    await waitFor('the petition stored', async () => ((await fetch(`${urls.reporting}/v1/petitions/${encodeURIComponent(petitionCode)}`, { headers: bearer(REFORM_KEY) })).status === 200 ? true : undefined), { timeoutMs: 30_000 });
    expect((await read('/v1/petitions/{code}', `/v1/petitions/${encodeURIComponent(petitionCode)}`, MANAGER_KEY)).status).toBe(200);
    expect((await read('/v1/petitions/{code}', `/v1/petitions/${encodeURIComponent(petitionCode)}`, OTHER_PORTAL_KEY)).status).toBe(404);
    expect((await read('/v1/petitions/{code}', `/v1/petitions/${encodeURIComponent(later.data.dossierCode)}`)).status).toBe(404);
    expect((await read('/v1/petitions/{code}', `/v1/petitions/x?y=1`)).status).toBe(400);
    expect((await read('/v1/dossiers', `/v1/dossiers?agency=${AGENCY}&overdue=true`)).status).toBe(200);
    expect((await read('/v1/dossiers', `/v1/dossiers?agency=${AGENCY}&atRisk=true&period=2026-11`, PORTAL_KEY)).status).toBe(200);
    expect((await read('/v1/dossiers', `/v1/dossiers?format=csv`)).status).toBe(200);
    expect((await read('/v1/dossiers', `/v1/dossiers?format=xlsx`, PORTAL_KEY)).status).toBe(403);
    expect((await read('/v1/dossiers', `/v1/dossiers?pageSize=0`)).status).toBe(400);
    expect((await read('/v1/dossiers', `/v1/dossiers`, null)).status).toBe(401);
    for (const groupBy of ['agency', 'procedure', 'level']) expect((await read('/v1/metrics/late-cases', `/v1/metrics/late-cases?groupBy=${groupBy}`)).status).toBe(200);
    expect((await read('/v1/metrics/late-cases', `/v1/metrics/late-cases?format=xlsx`)).status).toBe(200);
    expect((await read('/v1/metrics/late-cases', `/v1/metrics/late-cases?period=9999-12`)).status).toBe(400);
    expect((await read('/v1/metrics/late-cases', `/v1/metrics/late-cases`, PORTAL_KEY)).status).toBe(403);
    expect((await read('/v1/metrics/late-cases', `/v1/metrics/late-cases?agency=G02.*`, MANAGER_KEY)).status).toBe(403);
    expect((await read('/v1/metrics/trend', `/v1/metrics/trend?months=3`, MANAGER_KEY)).status).toBe(200);
    expect((await read('/v1/metrics/trend', `/v1/metrics/trend?months=99`)).status).toBe(400);
    expect((await read('/v1/index/subscores', `/v1/index/subscores`)).status).toBe(200);
    expect((await read('/v1/index/subscores', `/v1/index/subscores?format=csv`, MANAGER_KEY)).status).toBe(200);
    // The month the dossiers above were received in, so the report has lines to check.
    const month = new Date().toISOString().slice(0, 7);
    expect((await read('/v1/reports/monthly', `/v1/reports/monthly?period=${month}`)).status).toBe(200);
    expect((await read('/v1/reports/monthly', `/v1/reports/monthly?period=${month}&format=xlsx`, MANAGER_KEY)).status).toBe(200);
    expect((await read('/v1/reports/monthly', `/v1/reports/monthly?period=${month}&format=pdf`)).status).toBe(200);
    expect((await read('/v1/reports/monthly', `/v1/reports/monthly?period=2026-13`)).status).toBe(400);
    expect((await read('/v1/reports/monthly', `/v1/reports/monthly?period=${month}`, PORTAL_KEY)).status).toBe(403);
    const importSurveys = (body: string, key = REFORM_KEY, type = 'text/csv') =>
      fetch(`${urls.reporting}/v1/surveys/import`, { method: 'POST', headers: { ...bearer(key), 'content-type': type }, body }).then((res) => reporting.check('post', '/v1/surveys/import', res));
    expect((await importSurveys('agencyCode,period,respondents,satisfied,survey\nG01.001.000,2026,100,92,SIPAS 2026\n')).status).toBe(201);
    expect((await importSurveys('agencyCode,period,respondents,satisfied\nG01.001.000,2026,many,92\n')).status).toBe(400);
    expect((await importSurveys('agencyCode,period,respondents,satisfied\nG01.001.000,2026,100,92\n', MANAGER_KEY)).status).toBe(403);
    expect((await importSurveys('{}', REFORM_KEY, 'application/json')).status).toBe(415);
    expect((await read('/v1/surveys/satisfaction', `/v1/surveys/satisfaction?period=2026`, MANAGER_KEY)).status).toBe(200);
    expect((await read('/v1/surveys/satisfaction', `/v1/surveys/satisfaction`)).status).toBe(400);
    expect((await read('/v1/alerts', `/v1/alerts?agency=${AGENCY}`, MANAGER_KEY)).status).toBe(200);
    expect((await read('/v1/alerts', `/v1/alerts?limit=5000`)).status).toBe(400);
    const procedures = await read('/v1/procedures', '/v1/procedures', PORTAL_KEY);
    expect(procedures.status).toBe(200);
    const someProcedure = (procedures.body as { items: Array<{ procedure: { code: string } }> }).items[0]?.procedure.code;
    if (someProcedure) expect((await read('/v1/procedures/{code}', `/v1/procedures/${encodeURIComponent(someProcedure)}`)).status).toBe(200);
    expect((await read('/v1/procedures/{code}', '/v1/procedures/9.999999')).status).toBe(404);
    expect((await read('/v1/calendar-audits', '/v1/calendar-audits')).status).toBe(200);
    expect((await read('/v1/calendar-audits', '/v1/calendar-audits', PORTAL_KEY)).status).toBe(403);
    expect((await intake.check('post', '/v1/events', await post(dutyFulfilledEvent(AGENCY), { ...bearer(PORTAL_KEY), 'content-type': 'application/cloudevents+json' }))).status).toBe(202);
    expect((await read('/v1/duties', '/v1/duties?status=due', PORTAL_KEY)).status).toBe(200);
    expect((await read('/v1/duties', '/v1/duties?status=late')).status).toBe(400);

    // Notifier: a subscription's life, acknowledgement by key and by a link without its token.
    const notifierCall = (method: string, template: string, pathAndQuery: string, init: RequestInit = {}) => fetch(`${urls.notifier}${pathAndQuery}`, { method, ...init }).then((res) => notify.check(method, template, res));
    const created = await notifierCall('post', '/v1/subscriptions', '/v1/subscriptions', {
      headers: json(MANAGER_KEY),
      body: JSON.stringify({ name: 'Phòng một cửa G01', role: 'agency-manager', agencyCode: AGENCY, kinds: ['overdue'], channel: { type: 'webhook', url: 'https://hooks.example.vn/tthc' } }),
    });
    expect(created.status).toBe(201);
    const subscriptionId = (created.body as { id: string }).id;
    expect((await notifierCall('post', '/v1/subscriptions', '/v1/subscriptions', { headers: json(MANAGER_KEY), body: JSON.stringify({ name: 'x', role: 'boss', agencyCode: AGENCY, channel: { type: 'email', address: 'no' } }) })).status).toBe(400);
    expect((await notifierCall('post', '/v1/subscriptions', '/v1/subscriptions', { headers: json(PORTAL_KEY), body: '{}' })).status).toBe(403);
    expect((await notifierCall('get', '/v1/subscriptions', '/v1/subscriptions', { headers: bearer(MANAGER_KEY) })).status).toBe(200);
    expect((await notifierCall('get', '/v1/subscriptions', '/v1/subscriptions?role=chief', { headers: bearer(MANAGER_KEY) })).status).toBe(400);
    expect((await notifierCall('get', '/v1/subscriptions/{id}', `/v1/subscriptions/${subscriptionId}`, { headers: bearer(REFORM_KEY) })).status).toBe(200);
    expect((await notifierCall('get', '/v1/subscriptions/{id}', '/v1/subscriptions/sub_000000000000000000', { headers: bearer(MANAGER_KEY) })).status).toBe(404);
    const ackPath = `/v1/alerts/${encodeURIComponent(alert.id)}/ack`;
    const acked = await waitFor('the notifier to know the alert', async () => {
      const res = await fetch(`${urls.notifier}${ackPath}`, { method: 'POST', headers: bearer(MANAGER_KEY) });
      if (res.status === 404) return undefined;
      return notify.check('post', '/v1/alerts/{id}/ack', res);
    });
    expect(acked.status).toBe(200);
    expect((await notifierCall('post', '/v1/alerts/{id}/ack', ackPath, { headers: bearer(OTHER_PORTAL_KEY) })).status).toBe(403);
    expect((await notifierCall('post', '/v1/alerts/{id}/ack', ackPath)).status).toBe(401);
    expect((await notifierCall('get', '/v1/alerts/{id}/ack', ackPath, { headers: { accept: 'application/problem+json' } })).status).toBe(400);
    expect((await notifierCall('get', '/v1/alerts/{id}/ack', `${ackPath}?token=forged`, { headers: { accept: 'text/html' } })).status).toBe(403);
    expect((await notifierCall('delete', '/v1/subscriptions/{id}', `/v1/subscriptions/${subscriptionId}`, { headers: bearer(MANAGER_KEY) })).status).toBe(204);

    // Reform office reads the audit log the subscription and the acknowledgement wrote.
    expect((await read('/v1/audit-log', '/v1/audit-log?action=subscription.created')).status).toBe(200);
    expect((await read('/v1/audit-log', '/v1/audit-log', MANAGER_KEY)).status).toBe(403);

    // Every service's operational endpoints.
    for (const [service, checker] of [
      ['intake', intake],
      ['reporting', reporting],
      ['notifier', notify],
    ] as const) {
      for (const route of ['/healthz', '/readyz', '/metrics', '/openapi.json']) expect((await checker.check('get', route, await fetch(`${urls[service]}${route}`))).status).toBe(200);
    }

    const checkers = [intake, reporting, notify];
    const disagreements = checkers.flatMap((c) => c.calls.filter((call) => call.problems.length > 0));
    expect(disagreements).toEqual([]);
    expect(checkers.flatMap((c) => c.unexercised())).toEqual([]);
    // Successes and errors both: the documents describe how the APIs fail, too.
    const statuses = new Set(checkers.flatMap((c) => c.calls.map((call) => call.status)));
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 201, 202, 204, 400, 401, 403, 404, 415]));
  }, 240_000);
});
