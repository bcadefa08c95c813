import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpSink } from './smtp-sink';

/** A minimal SMTP client speaking the protocol by hand, independent of any mail library. */
async function sendRaw(port: number, from: string, to: string, message: string): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  const replies: string[] = [];
  let buffer = '';
  let waiting: ((line: string) => void) | null = null;
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      // Multi-line replies ("250-…") end with a line whose code is followed by a space.
      if (/^\d{3} /.test(line)) {
        replies.push(line);
        waiting?.(line);
      }
    }
  });
  const reply = () => new Promise<string>((resolve) => (waiting = resolve));
  const say = async (line: string) => {
    const next = reply();
    socket.write(`${line}\r\n`);
    return next;
  };
  await reply();
  await say('EHLO test.local');
  await say(`MAIL FROM:<${from}>`);
  await say(`RCPT TO:<${to}>`);
  await say('DATA');
  await say(`${message.replace(/\n/g, '\r\n')}\r\n.`);
  await say('QUIT');
  socket.end();
  return replies;
}

describe('SMTP sink', () => {
  test('when a message is sent over SMTP, then it is parsed, kept in memory and written as an .eml file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'smtp-sink-'));
    const sink = await startSmtpSink({ folder });
    try {
      const message = ['From: Monitor <monitor@tthc.test>', 'To: manager@agency.test', 'Subject: =?UTF-8?B?' + Buffer.from('Hồ sơ quá hạn').toString('base64') + '?=', 'Content-Type: text/plain; charset=utf-8', '', 'Hạn xử lý đã qua.'].join('\n');
      const replies = await sendRaw(sink.port, 'monitor@tthc.test', 'manager@agency.test', message);
      expect(replies.some((r) => r.startsWith('250 ') && /queued|accepted|OK/i.test(r))).toBe(true);
      const [mail] = sink.mailTo('manager@agency.test');
      expect(mail).toMatchObject({ from: 'monitor@tthc.test', to: ['manager@agency.test'], envelopeTo: ['manager@agency.test'], subject: 'Hồ sơ quá hạn' });
      expect(mail!.text.trim()).toBe('Hạn xử lý đã qua.');
      const files = await readdir(folder);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^00001-.*\.eml$/);
      expect(await readFile(join(folder, files[0]!), 'utf8')).toContain('To: manager@agency.test');
      expect(sink.mailTo('someone-else@agency.test')).toHaveLength(0);
    } finally {
      await sink.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
