#!/usr/bin/env node
'use strict';
// Thin launcher: the command is written in TypeScript (src/cli/dlq.cli.ts) and runs from the build.
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'dist', 'cli', 'dlq.cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`tthc-dlq: ${cli} is missing; run npx turbo run build --filter=@tthc/ops first\n`);
  process.exit(2);
}
require(cli).runAsProcess();
