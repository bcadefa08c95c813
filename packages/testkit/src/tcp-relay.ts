import net, { type AddressInfo } from 'node:net';

export interface TcpRelay {
  /** The local port clients connect to; stable across down/up once first bound. */
  port(): number;
  up(): Promise<void>;
  /** Resets every open connection and refuses new ones: an outage as a client sees one. */
  down(): Promise<void>;
}

/**
 * A TCP relay in front of a real server. Closing it is an outage from the point of view of the
 * service behind it (connections reset, then refused) without touching the server other tests share.
 */
export function tcpRelay(
  target: { host: string; port: number },
  options: {
    /**
     * Checked on every chunk a client sends. When it answers true the chunk is dropped and the
     * relay goes down at once: an outage that falls exactly between two commands of one request.
     */
    cutWhen?: (chunk: Buffer) => boolean;
  } = {},
): TcpRelay {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const relay: TcpRelay = {
    port: () => port,
    up: () =>
      new Promise<void>((resolve, reject) => {
        const s = net.createServer((client) => {
          const upstream = net.connect(target.port, target.host);
          sockets.add(client).add(upstream);
          const close = () => {
            client.destroy();
            upstream.destroy();
            sockets.delete(client);
            sockets.delete(upstream);
          };
          for (const side of [client, upstream]) side.on('error', close).on('close', close);
          upstream.pipe(client);
          client.on('data', (chunk: Buffer) => {
            if (options.cutWhen?.(chunk)) void relay.down();
            else upstream.write(chunk);
          });
        });
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => {
          port = (s.address() as AddressInfo).port;
          server = s;
          resolve();
        });
      }),
    down: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        if (!server) return resolve();
        server.close(() => resolve());
        server = null;
      }),
  };
  return relay;
}
