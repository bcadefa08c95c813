import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@tthc/testkit';
import { mongo } from 'mongoose';

const root = join(__dirname, '..', '..', '..');
const libDir = join(root, 'infra', 'mongo', 'target', 'lib');

/**
 * The stand-in (infra/mongo/MongoLauncher.java) compiled from the working tree into a scratch
 * directory, so a test checks the source as it is rather than the class infra.sh built last.
 */
export interface LauncherPool {
  /** Starts one server on a free port with the given launcher arguments; resolves with a database of it. */
  start(args: string[], database: string): Promise<mongo.Db>;
  /** One more client of the newest server (its own connections), to send it requests in parallel. */
  connect(database: string): Promise<mongo.Db>;
  /** A path for an H2 file in a scratch directory removed by close(). */
  h2File(label: string): string;
  /** Closes the newest client and stops the newest server with SIGTERM, so its H2 file can be reopened. */
  stopNewest(): Promise<void>;
  close(): Promise<void>;
}

export function compileLauncher(): LauncherPool {
  if (!existsSync(libDir)) throw new Error(`${libDir} is missing: run "bash infra/local/infra.sh up test" once, which fetches mongo-java-server's jars`);
  const classes = mkdtempSync(join(tmpdir(), 'mongo-launcher-'));
  const javac = spawnSync('javac', ['-nowarn', '-d', classes, '-cp', `${libDir}/*`, join(root, 'infra/mongo/MongoLauncher.java'), join(root, 'infra/mongo/RangeIndex.java')], { encoding: 'utf8' });
  if (javac.status !== 0) throw new Error(`javac failed: ${javac.stderr}`);
  const servers: Array<{ child: ChildProcess; port: number }> = [];
  const clients: mongo.MongoClient[] = [];
  const connect = async (port: number, database: string) => {
    const client = await new mongo.MongoClient(`mongodb://127.0.0.1:${port}/`).connect();
    clients.push(client);
    return client.db(database);
  };
  const scratch: string[] = [classes];

  return {
    async start(args, database) {
      const port = await freePort();
      const child = spawn('java', ['-Xmx512m', '-cp', `${classes}:${libDir}/*`, 'MongoLauncher', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      servers.push({ child, port });
      // The library logs to stderr (a stack trace for each refused request): an unread pipe fills
      // and blocks the server's threads, so it is read, and its end kept for an error message.
      let stderrTail = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderrTail = (stderrTail + d.toString()).slice(-4000);
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`MongoLauncher on ${port} did not say ready within 30 s:\n${stderrTail}`)), 30_000);
        child.once('exit', (code) => reject(new Error(`MongoLauncher exited with ${code}:\n${stderrTail}`)));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (line.startsWith('ready ')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      return connect(port, database);
    },
    connect(database) {
      const newest = servers[servers.length - 1];
      if (!newest) throw new Error('no launcher started');
      return connect(newest.port, database);
    },
    h2File(label) {
      const dir = mkdtempSync(join(tmpdir(), `mongo-launcher-${label}-`));
      scratch.push(dir);
      return join(dir, 'data.mv');
    },
    async stopNewest() {
      await clients.pop()?.close();
      const server = servers.pop()?.child;
      if (!server) return;
      await new Promise((resolve) => {
        server.once('exit', resolve);
        server.kill('SIGTERM');
      });
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      for (const s of servers) s.child.kill('SIGKILL');
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    },
  };
}
