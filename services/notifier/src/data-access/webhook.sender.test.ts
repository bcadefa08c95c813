import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@tthc/testkit';
import { verifyStandardWebhook } from '../../test/support';
import { PermanentDeliveryError } from '../domain/notification';
import { createWebhookSender, guardedLookup, MAX_WEBHOOK_RESPONSE_BYTES, type Resolver } from './webhook.sender';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const clock = { now: () => new Date() };

interface Call {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real receiver on 127.0.0.1; `respond` writes each answer. */
async function receiver(respond: (path: string, res: ServerResponse) => void = (_p, res) => void res.writeHead(204).end()) {
  const calls: Call[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(req.url ?? '/', res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const hook = (url: string) => ({ url, secret: SECRET, id: 'alert.x.sub_1.webhook.l0', body: JSON.stringify({ type: 'tthc.alert.overdue', data: { dossierCode: 'D1' } }) });

describe('webhook sender egress', () => {
  let r: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    r = await receiver();
  });
  afterAll(() => r.stop());

  test('when the URL is a loopback or IPv4-mapped loopback literal and private networks are not allowed, then the failure is permanent and nothing is received', async () => {
    const sender = createWebhookSender({ clock, timeoutMs: 5000, allowPrivateNetworks: false });
    try {
      await expect(sender.send(hook(`http://127.0.0.1:${r.port}/literal`))).rejects.toThrow(PermanentDeliveryError);
      await expect(sender.send(hook(`http://[::ffff:127.0.0.1]:${r.port}/mapped`))).rejects.toThrow(/webhook refused: ::ffff:7f00:1, which is IPv4-mapped loopback/);
      await expect(sender.send(hook(`http://169.254.169.254/latest/meta-data`))).rejects.toThrow(/link-local/);
    } finally {
      sender.close();
    }
    expect(r.calls).toHaveLength(0);
  });

  test('when a host name resolves to loopback at delivery time, then the resolved address is refused and nothing is received', async () => {
    const sender = createWebhookSender({ clock, timeoutMs: 5000, allowPrivateNetworks: false });
    try {
      await expect(sender.send(hook(`http://localhost:${r.port}/by-name`))).rejects.toThrow(/webhook refused: localhost resolves to 127\.0\.0\.1, which is loopback \(127\.0\.0\.0\/8\)/);
    } finally {
      sender.close();
    }
    expect(r.calls).toHaveLength(0);
  });

  test('when a name answers one public and one private address (rebinding, round robin), then the whole name is refused', async () => {
    const resolved: string[] = [];
    const resolver: Resolver = async (host) => {
      resolved.push(host);
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
    };
    const sender = createWebhookSender({ clock, timeoutMs: 5000, allowPrivateNetworks: false, resolver });
    try {
      await expect(sender.send(hook(`http://hooks.example.vn:${r.port}/rebind`))).rejects.toThrow(/hooks\.example\.vn resolves to 127\.0\.0\.1/);
    } finally {
      sender.close();
    }
    expect(resolved).toContain('hooks.example.vn');
    expect(r.calls).toHaveLength(0);
  });

  test('when a name resolves to public addresses only, then the socket is handed exactly those addresses', async () => {
    const resolver: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ];
    const lookup = guardedLookup(resolver);
    const all = await new Promise((resolve, reject) => lookup('hooks.example.vn', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
    expect(all).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
    const one = await new Promise((resolve, reject) => lookup('hooks.example.vn', { family: 6 }, (err, address, family) => (err ? reject(err) : resolve({ address, family }))));
    expect(one).toEqual({ address: '2606:4700:4700::1111', family: 6 });
  });
});

describe('webhook sender responses', () => {
  test('when the receiver streams an endless 2xx body, then reading stops after 64 KiB, the connection is dropped and the call counts as answered', async () => {
    // Set when the receiver sees the connection close: whether it closed before the body ended.
    let closedEarly: boolean | undefined;
    const endless = await receiver((_path, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 120);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => {
        clearInterval(timer);
        closedEarly = !res.writableFinished;
      });
    });
    const sender = createWebhookSender({ clock, timeoutMs: 30_000, allowPrivateNetworks: true });
    try {
      await expect(sender.send(hook(`http://127.0.0.1:${endless.port}/endless`))).resolves.toBeUndefined();
      await waitFor('the receiver to see the connection close', () => closedEarly !== undefined, { timeoutMs: 5_000, intervalMs: 10 });
      expect(closedEarly).toBe(true);
      expect(MAX_WEBHOOK_RESPONSE_BYTES).toBe(65_536);
    } finally {
      sender.close();
      await endless.stop();
    }
  });

  test('when the receiver answers a redirect or an error with a huge body, then the call fails with the status and the redirect is not followed', async () => {
    const odd = await receiver((path, res) => {
      if (path === '/moved') res.writeHead(302, { location: '/target' }).end();
      else res.writeHead(500).end(Buffer.alloc(1024 * 1024, 65));
    });
    const sender = createWebhookSender({ clock, timeoutMs: 10_000, allowPrivateNetworks: true });
    try {
      await expect(sender.send(hook(`http://127.0.0.1:${odd.port}/moved`))).rejects.toThrow('webhook answered 302');
      await expect(sender.send(hook(`http://127.0.0.1:${odd.port}/broken`))).rejects.toThrow('webhook answered 500');
    } finally {
      sender.close();
      await odd.stop();
    }
    expect(odd.calls.map((c) => c.path)).toEqual(['/moved', '/broken']);
    expect(verifyStandardWebhook(SECRET, odd.calls[0]!.headers, odd.calls[0]!.body)).toBe(true);
  });
});
