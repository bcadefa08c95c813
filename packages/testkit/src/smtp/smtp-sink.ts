import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the sink received it: the raw RFC 5322 text and its parsed parts. */
export interface ReceivedMail {
  id: number;
  envelopeFrom: string | null;
  envelopeTo: string[];
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  raw: string;
  receivedAt: Date;
  /** Where the .eml file was written, when the sink writes a folder. */
  file: string | null;
}

export interface SmtpSink {
  host: string;
  port: number;
  messages: ReceivedMail[];
  /** Messages whose envelope or `To:` names `address` (case-insensitive). */
  mailTo(address: string): ReceivedMail[];
  clear(): void;
  stop(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** 0 (the default) lets the system choose a free port. */
  port?: number;
  host?: string;
  /** Each received message is also written here as `<n>-<time>.eml`. */
  folder?: string;
  onMessage?(mail: ReceivedMail): void;
}

const addressesOf = (field: unknown): string[] => {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a: { value?: Array<{ address?: string }> }) => (a.value ?? []).map((v) => v.address ?? '')).filter(Boolean);
};

/**
 * A real SMTP server that accepts every message without authentication or TLS and keeps it
 * in memory (and optionally as .eml files), so tests and `npm start` exercise the same
 * nodemailer → SMTP path as production without sending mail anywhere.
 */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  const messages: ReceivedMail[] = [];
  let counter = 0;
  if (opts.folder) await mkdir(opts.folder, { recursive: true });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Plain-text AUTH is accepted because the sink never leaves the loopback interface.
    allowInsecureAuth: true,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sink' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then(async (parsed) => {
            const id = ++counter;
            const receivedAt = new Date();
            let file: string | null = null;
            if (opts.folder) {
              file = join(opts.folder, `${String(id).padStart(5, '0')}-${receivedAt.toISOString().replace(/[:.]/g, '-')}.eml`);
              await writeFile(file, raw);
            }
            const headers: Record<string, string> = {};
            for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
            const mail: ReceivedMail = {
              id,
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              from: addressesOf(parsed.from)[0] ?? '',
              to: addressesOf(parsed.to),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers,
              raw: raw.toString('utf8'),
              receivedAt,
              file,
            };
            messages.push(mail);
            opts.onMessage?.(mail);
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host,
    port,
    messages,
    mailTo(address) {
      const a = address.toLowerCase();
      return messages.filter((m) => m.envelopeTo.some((t) => t.toLowerCase() === a) || m.to.some((t) => t.toLowerCase() === a));
    },
    clear() {
      messages.length = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
