import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node options a service declares in its package.json (`nodeOptions`), which every launcher
 * passes before the service's main script: `npm start`, the process stacks of the tests and
 * benches, and the container image. A heap setting thus holds wherever the service runs, not
 * only where someone remembered it. Options must be long flags (`--name[=value]`).
 */
export function serviceNodeArgs(root: string, service: string): string[] {
  const file = join(root, 'services', service, 'package.json');
  const declared = (JSON.parse(readFileSync(file, 'utf8')) as { nodeOptions?: unknown }).nodeOptions;
  if (declared === undefined) return [];
  if (!Array.isArray(declared) || !declared.every((o): o is string => typeof o === 'string' && /^--[a-z][a-z0-9-]*(=\S+)?$/.test(o))) {
    throw new Error(`${file}: nodeOptions must be a list of long flags such as "--max-semi-space-size=64"`);
  }
  return declared;
}
