// Installs the workspace dependencies when they are missing or older than the lock file, so
// that `npm start` and `npm test` work on a fresh clone with no separate install step.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  // `npm ci` would be the usual choice, but npm 11 leaves other platforms' optional binaries
  // (swc, turbo) out of the lock file and then refuses it; `install --no-save` follows the lock
  // without rewriting it.
  console.log('[bootstrap] installing dependencies (npm install, first run only) …');
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[bootstrap] dependency installation failed');
    process.exit(r.status ?? 1);
  }
}
