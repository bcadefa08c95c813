#!/usr/bin/env node
'use strict';
// Thin launcher: the command is written in TypeScript (src/cli.ts) and runs from the build.
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(
    `tthc-calendar: ${cli} is missing; run npm run build first ` +
      '(npm run build -w @tthc/calendar, or npx turbo run build --filter=@tthc/calendar)\n',
  );
  process.exit(2);
}
process.exitCode = require(cli).main(process.argv.slice(2));
