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
});
