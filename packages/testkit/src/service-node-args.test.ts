import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceNodeArgs } from './service-node-args';

describe('serviceNodeArgs', () => {
  const root = mkdtempSync(join(tmpdir(), 'node-args-'));
  const declare = (service: string, pkg: Record<string, unknown>) => {
    mkdirSync(join(root, 'services', service), { recursive: true });
    writeFileSync(join(root, 'services', service, 'package.json'), JSON.stringify({ name: service, ...pkg }));
  };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('when a service declares Node options, then launchers get them; when it declares none, then none', () => {
    declare('big', { nodeOptions: ['--max-semi-space-size=64', '--max-old-space-size=2048'] });
    declare('plain', {});
    expect(serviceNodeArgs(root, 'big')).toEqual(['--max-semi-space-size=64', '--max-old-space-size=2048']);
    expect(serviceNodeArgs(root, 'plain')).toEqual([]);
  });

  test('when the declaration is not a list of long flags, then the launch fails naming the file', () => {
    for (const [i, nodeOptions] of [['-e'], '--max-semi-space-size=64', [42], ['--inspect x'], ['dist/main.js']].entries()) {
      declare(`bad${i}`, { nodeOptions });
      expect(() => serviceNodeArgs(root, `bad${i}`)).toThrow(`services/bad${i}/package.json: nodeOptions must be a list of long flags`);
    }
  });
});
