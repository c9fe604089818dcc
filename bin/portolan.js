#!/usr/bin/env node
// The `portolan` command: runs the built engine CLI under plain Node (no Electron).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write("portolan: error: the engine is not built yet; run 'npm run build' in " + join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write('portolan: error: ' + (err && err.message ? err.message : String(err)) + '\n');
      process.exitCode = 1;
    },
  );
