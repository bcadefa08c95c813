import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ReadinessCheck } from '@tthc/platform';

/** Why the service works but not as it should: reason name → human-readable detail. */
export type Degradation = () => Record<string, string>;

const CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `unavailable: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/readyz` with the platform's meaning (503 `not-ready` unless every dependency answers) plus
 * a `degraded` state: every dependency answers, yet alerts are late (the outbox holds old
 * alerts, or timers are being reconciled after Redis lost them). A degraded instance answers
 * 200, because restarting it or taking it out of service would only delay the repair it is
 * doing; the state and its reasons are for dashboards and alerting.
 */
export function readinessHandler(checks: Record<string, ReadinessCheck>, degradation: Degradation) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check)] as const));
    const ready = results.every(([, r]) => r === 'ok');
    const degraded = degradation();
    const status = !ready ? 'not-ready' : Object.keys(degraded).length > 0 ? 'degraded' : 'ready';
    const body = JSON.stringify({ status, checks: Object.fromEntries(results), ...(Object.keys(degraded).length > 0 ? { degraded } : {}) });
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
}

/**
 * Answers `GET /readyz` ahead of the service's Express app. The platform's HTTP module knows
 * only ready and not ready and its route cannot be replaced from outside, so the request is
 * taken before it reaches Express; every other request goes on to the app unchanged.
 */
export function takeOverReadiness(server: Server, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): void {
  const previous = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      void handler(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    for (const listener of previous) listener(req, res);
  });
}
