#!/usr/bin/env node
'use strict';
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('pdplan: dist/cli.js is missing; run `npm run build` (npm install runs it for you).\n');
  process.exit(2);
}
// A command line lives seconds: V8's optimising tier would spend more CPU compiling the HiGHS solver's
// WebAssembly in the background (about 1.7 CPU-s on the 1,024-GPU plan of bench/plan1024.bench.ts,
// measured per thread) than the few solves of one run gain from it. The extension's long-lived
// worker keeps the default.
require('v8').setFlagsFromString('--liftoff-only');
// A reader that stops early (`pdplan plan … | head`) closes the pipe: that ends the output, not an error.
process.stdout.on('error', (error) => {
  if (error && error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
require(bundle)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
