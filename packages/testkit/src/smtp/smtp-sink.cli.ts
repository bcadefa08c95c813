import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { startSmtpSink, type ReceivedMail } from './smtp-sink';

/**
 * Development mail catcher for `npm start`: an SMTP server that writes each message as .eml
 * into a folder and a small HTML page listing them.
 *   SMTP_SINK_PORT (1025), SMTP_SINK_HTTP_PORT (1080), SMTP_SINK_HOST (127.0.0.1),
 *   SMTP_SINK_DIR (.data/mail)
 */
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(messages: ReceivedMail[]): string {
  const rows = [...messages]
    .reverse()
    .map((m) => `<tr><td>${m.id}</td><td>${escape(m.receivedAt.toISOString())}</td><td>${escape(m.to.join(', '))}</td><td><a href="/mail/${m.id}">${escape(m.subject)}</a></td><td><a href="/mail/${m.id}.eml">.eml</a></td></tr>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>SMTP sink</title></head><body><h1>Received mail (${messages.length})</h1><table border="1" cellpadding="4"><tr><th>#</th><th>received</th><th>to</th><th>subject</th><th>raw</th></tr>${rows}</table></body></html>`;
}

async function main(): Promise<void> {
  const env = process.env;
  const host = env.SMTP_SINK_HOST ?? '127.0.0.1';
  const folder = resolve(env.SMTP_SINK_DIR ?? '.data/mail');
  const sink = await startSmtpSink({ host, port: Number(env.SMTP_SINK_PORT ?? 1025), folder });
  const http = createServer((req, res) => {
    const match = /^\/mail\/(\d+)(\.eml)?$/.exec(req.url ?? '/');
    if (match) {
      const mail = sink.messages.find((m) => m.id === Number(match[1]));
      if (!mail) {
        res.writeHead(404).end('not found');
        return;
      }
      if (match[2]) res.writeHead(200, { 'content-type': 'message/rfc822' }).end(mail.raw);
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(mail.html || `<pre>${escape(mail.text)}</pre>`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(sink.messages));
  });
  const httpPort = Number(env.SMTP_SINK_HTTP_PORT ?? 1080);
  await new Promise<void>((done) => http.listen(httpPort, host, done));
  const listening = (http.address() as AddressInfo).port;
  console.log(`smtp sink: smtp://${host}:${sink.port}, mail list http://${host}:${listening}, files in ${folder}`);
  const stop = () => {
    http.close();
    void sink.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
