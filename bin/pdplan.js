#!/usr/bin/env node
'use strict';
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('pdplan: dist/cli.js is missing; run `npm run build` (npm install runs it for you).\n');
  process.exit(2);
}

// The commands that run simulations on every core live seconds to minutes while their simulation
// threads already fill the cores, so V8's background work costs more than it saves: compiling the
// HiGHS solver's WebAssembly with the optimising tier (about 1.7 CPU-s on the 1,024-GPU plan of
// bench/plan1024.bench.ts, more than the solves gain), and helper threads for garbage collection and
// compilation that compete with the simulations for the same cores; and type feedback collected
// from a function's first call rather than its eighth, so the simulator's hot functions are first
// optimised on fuller feedback and deoptimised (then recompiled) less often. V8 takes these flags
// only at start, so those commands run in a child node that has them (measured: docs/planner.md,
// "Speed").
const V8_FLAGS = [
  '--liftoff-only',
  '--single-threaded-gc',
  '--no-concurrent-recompilation',
  '--no-lazy-feedback-allocation',
];
const SIMULATING = new Set(['plan', 'simulate', 'compare', 'cost', 'pareto']);
if (SIMULATING.has(process.argv[2]) && !V8_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const { spawn } = require('child_process');
  const args = [...process.execArgv, ...V8_FLAGS, __filename, ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`pdplan: could not start node: ${error.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeListener(s, forward);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
  return;
}

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
