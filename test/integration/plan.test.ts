import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPlanCommand, type PlannerDepsFactory } from '../../src/cli/commands/plan';
import { main } from '../../src/cli/main';
import { captureIo } from '../helpers/io';
import { fakeDeps, highsReady } from '../unit/plan/fixtures';

// The CLI around the planner, with the stand-in simulator of the planner's unit tests (the real
// one runs in worker threads from the bundle).
const example = 'examples/toolbench-qwen3-32b.pdplan.yaml';
const files = { [example]: fs.readFileSync(path.join(__dirname, '..', '..', example), 'utf8') };
const standIn: PlannerDepsFactory = async (plan) => ({ deps: fakeDeps(plan, await highsReady).deps, dispose: async () => {} });

test('plan --json carries the documented fields', async () => {
  const io = captureIo(files);
  const code = await runPlanCommand([example, '--json', '--top', '3'], io, standIn);
  assert.ok(code === 0 || code === 1, io.stderr);
  const out = JSON.parse(io.stdout);
  assert.equal(out.objective, 'max-attainment');
  assert.ok(Array.isArray(out.recommended.prefill) || Array.isArray(out.recommended.colocated));
  if (out.recommended.prefill) {
    assert.ok(out.recommended.decode.every((g: { tp: number; dp: number }) => g.tp >= 1 && g.dp >= 1));
  }
  assert.ok(out.candidates.length >= 2);
  out.candidates.forEach((c: Record<string, any>, i: number) => {
    assert.equal(c.rank, i + 1);
    assert.equal(typeof c.gpus, 'number');
    assert.equal(typeof c.predicted.sloAttainment, 'number');
    assert.equal(typeof c.predicted.localPrefillRatio, 'number');
    assert.ok(c.prefill || c.colocated);
  });
  assert.equal(out.solver.status, 'Optimal');
  assert.equal(typeof out.solver.ms, 'number');
  assert.ok(out.wallMs > 0);
});

test('plan prints a ranked table, router settings and how to read it', async () => {
  const io = captureIo(files);
  await runPlanCommand([example, '--sweep-rate', '1:4:4'], io, standIn);
  assert.match(io.stdout, /Recommended: /);
  assert.match(io.stdout, /#\s+Prefill\s+Decode\s+GPUs\s+Attain\s+Turn-1\s+Turn-2\+/);
  assert.match(io.stdout, /How to read this/);
  assert.match(io.stdout, /Attainment against arrival rate/);
  assert.match(io.stdout, /ILP \(HiGHS\): Optimal/);
});

test('bad arguments and unreadable files are usage errors with a fix', async () => {
  for (const [args, message] of [
    [['--objective', 'fastest', example], /--objective 'fastest' is not one of min-p95-latency/],
    [['--sweep-rate', '5:1:3', example], /FROM:TO:STEPS/],
    [['--top', 'x', example], /--top takes a whole number/],
    [[], /name one plan file/],
    [['missing.yaml'], /cannot read 'missing.yaml' \(no such file\)/],
  ] as const) {
    const io = captureIo(files);
    assert.equal(await main(['plan', ...args], io), 2);
    assert.match(io.stderr, message);
  }
});

test('an impossible plan exits 1 with its reason', async () => {
  const tiny = files[example].replace('gpuBudget: 8', 'gpuBudget: 1');
  const io = captureIo({ 'tiny.yaml': tiny });
  assert.equal(await runPlanCommand(['tiny.yaml'], io, standIn), 1);
  assert.match(io.stdout, /No deployment can be recommended/);
});
