import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: createLogger({ service: 'test', destination }) };
}

describe('logger', () => {
  test('when an event with an applicant is logged, then names, ID numbers and contacts are redacted', () => {
    const { lines, logger } = capture();
    logger.info({ event: { data: { dossierCode: 'C-1', applicant: { fullName: 'Trần Thị B', idNumber: '079201001234' } } }, fullName: 'Lê C', idNumber: '1' }, 'received');
    const out = lines.join('');
    expect(out).toContain('C-1');
    expect(out).not.toContain('Trần Thị B');
    expect(out).not.toContain('079201001234');
    expect(out).not.toContain('Lê C');
    expect(out).toContain('[redacted]');
  });

  test('when a request is logged, then its authorization header is redacted', () => {
    const { lines, logger } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer secret-key-123' } } }, 'request');
    expect(lines.join('')).not.toContain('secret-key-123');
  });

  test('when a line is written, then it carries the service name and an ISO time', () => {
    const { lines, logger } = capture();
    logger.info('hello');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ service: 'test', level: 'info', msg: 'hello' });
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  test('when an error holding an object graph the logger cannot walk (a getter that throws, a cycle) is logged, then its type, message, code and cause still reach the line', () => {
    const { lines, logger } = capture();
    const handle: Record<string, unknown> = {
      get state(): never {
        throw new Error('client closed');
      },
    };
    handle['self'] = handle;
    const err = Object.assign(new Error('calendar poll failed', { cause: Object.assign(new Error('connection 7 closed'), { code: 'ECONNRESET' }) }), { code: 'E_POLL', attempt: 3, client: handle });

    logger.error({ err, dossierCode: 'C-1' }, 'calendar poll failed');

    const line = JSON.parse(lines[0]!);
    expect(line.err).toMatchObject({ type: 'Error', message: 'calendar poll failed', code: 'E_POLL', attempt: 3, cause: { type: 'Error', message: 'connection 7 closed', code: 'ECONNRESET' } });
    expect(line.err.stack).toContain('calendar poll failed');
    expect(line.err).not.toHaveProperty('client');
    expect(line.dossierCode).toBe('C-1');
  });

  test('when something other than an error is logged as err, then its text is kept', () => {
    const { lines, logger } = capture();
    logger.warn({ err: 'no broker answered' }, 'send failed');
    expect(JSON.parse(lines[0]!).err).toEqual({ type: 'string', message: 'no broker answered' });
  });
});
