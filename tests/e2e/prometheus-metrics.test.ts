import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { receivedEvent, resolvedEvent, SERVICE_NAMES, startProcessStack, waitFor, type ProcessStack } from '@tthc/testkit';
import { API_KEYS, PORTAL_KEY, REFORM_KEY } from './support/stack';

/**
 * Every service's /metrics, after real traffic, passes `promtool check metrics` (Prometheus's own
 * linter, from Debian's prometheus package, installed when missing): names, units, suffixes and
 * help texts follow the Prometheus conventions dashboards and alert rules rely on.
 */
const ROOT = join(__dirname, '..', '..');

async function promtoolPath(): Promise<string> {
  const { stdout } = await promisify(execFile)(join(ROOT, 'scripts', 'install-debian-tool.sh'), ['PROMTOOL_PATH', 'promtool', 'prometheus'], { timeout: 600_000 });
  return stdout.trim();
}

function checkMetrics(promtool: string, exposition: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}

describe('Prometheus exposition of every service', () => {
  let stack: ProcessStack;
  let promtool = '';
  jest.setTimeout(900_000);

  beforeAll(async () => {
    [promtool, stack] = await Promise.all([promtoolPath(), startProcessStack({ env: { API_KEYS, RATE_LIMIT_PER_MINUTE: '0' }, serviceEnv: { notifier: { DIGEST_ENABLED: 'false' } } })]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('when the services have served traffic, then promtool check metrics finds nothing to fix on any of them', async () => {
    const post = (body: unknown, key = PORTAL_KEY) =>
      fetch(`${stack.url('intake')}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    const reception = receivedEvent();
    expect((await post(reception)).status).toBe(202);
    expect((await post(resolvedEvent({ dossierCode: reception.data.dossierCode }))).status).toBe(202);
    expect((await post({ specversion: '0.3' })).status).toBe(400);
    await waitFor('the dossier stored', async () => (await fetch(`${stack.url('reporting')}/v1/dossiers/${reception.data.dossierCode}`, { headers: { authorization: `Bearer ${REFORM_KEY}` } })).status === 200, { timeoutMs: 30_000 });
    expect((await fetch(`${stack.url('notifier')}/v1/subscriptions`, { headers: { authorization: `Bearer ${REFORM_KEY}` } })).status).toBe(200);

    const results: Record<string, { code: number | null; output: string; series: number }> = {};
    for (const name of SERVICE_NAMES) {
      const res = await fetch(`${stack.url(name)}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      results[name] = { ...(await checkMetrics(promtool, text)), series: text.split('\n').filter((l) => l && !l.startsWith('#')).length };
    }
    for (const [name, r] of Object.entries(results)) process.stderr.write(`[metrics] ${name}: ${r.series} series, promtool exit ${r.code}${r.output.trim() ? `\n${r.output.trim()}` : ''}\n`);
    expect(Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { code: r.code, output: r.output.trim() }]))).toEqual(
      Object.fromEntries(SERVICE_NAMES.map((name) => [name, { code: 0, output: '' }])),
    );
  });
});
