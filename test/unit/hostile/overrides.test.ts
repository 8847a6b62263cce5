import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRunOverrides, formatOverrideProblems } from '../../../src/core/spec/overrides';
import { loadPlan } from '../../../src/core/spec/index';
import { latencyCells } from '../../../src/cli/format';

const plan = (extra = '') => {
  const load = loadPlan(
    `version: 1\nmodel: Llama-3.1-8B\ncluster: { gpu: H20, gpusPerNode: 8, nodes: 1 }\nworkload: Chat\nslo: { ttftMs: 1000, itlMs: 40 }\n${extra}`,
  );
  assert.ok(load.plan, JSON.stringify(load.diagnostics));
  return load.plan;
};

test('a layout from outside the plan meets the checks of the plan file, with the option as its place', () => {
  const base = plan();
  const codes = (deployment: string, policy?: string) =>
    checkRunOverrides(base, { deployment, policy }).problems.map((p) => `${p.option} ${p.code}`);
  assert.deepEqual(codes('C:7x1', 'colocated'), ['--deployment PDP030']);
  assert.deepEqual(codes('P:16x1,D:4x1'), ['--deployment PDP032', '--deployment PDP033']);
  assert.deepEqual(codes('P:8x1,D:8x1'), ['--deployment PDP033']);
  assert.deepEqual(codes('C:2x2'), ['--deployment PDP050']);
  assert.deepEqual(codes('C:2x2', 'adaptive'), ['--policy PDP050']);
  assert.deepEqual(codes('C:1x999999999', 'colocated'), ['--deployment PDP024']);
  assert.deepEqual(codes('P:4'), ['--deployment PDP024']);
  assert.deepEqual(codes('P:4x1,D:4x1'), []);
  assert.deepEqual(
    checkRunOverrides(base, { policy: 'fastest' }).problems.map((p) => p.code),
    ['PDP013'],
  );
  const ok = checkRunOverrides(base, { deployment: 'C:2x4', policy: 'colocated' });
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.deployment, { kind: 'colocated', colocated: [{ tp: 2, dp: 4 }] });
  assert.equal(ok.routing?.name, 'colocated');
  // The extension's worker names the place its own way.
  const named = checkRunOverrides(
    base,
    { deployment: 'C:7x1', policy: 'colocated' },
    { deployment: 'deployment C:7x1' },
  );
  assert.match(
    formatOverrideProblems(named.problems)[0],
    /^deployment C:7x1: TP 7 does not divide the 32 attention heads .*\(PDP030\)\.$/,
  );
});

test('the arrival rate from outside the plan has the range of workload.arrival.ratePerSec', () => {
  const base = plan();
  assert.deepEqual(
    checkRunOverrides(base, { ratePerSec: 1e-6 }).problems.map((p) => `${p.option} ${p.code}`),
    ['--rate PDP014'],
  );
  assert.deepEqual(
    checkRunOverrides(base, { ratePerSec: 1e6 }).problems.map((p) => p.code),
    ['PDP014'],
  );
  assert.deepEqual(checkRunOverrides(base, { ratePerSec: 2 }).problems, []);
});

test('a latency summary of nothing prints dashes, not 0.00 ms', () => {
  assert.deepEqual(latencyCells({ p50: 0, p90: 0, p95: 0, p99: 0, mean: 0, max: 0 }), ['–', '–', '–', '–', '–']);
  assert.deepEqual(latencyCells({ p50: 1.234, p90: 12.34, p95: 123.4, p99: 200, mean: 50, max: 300 }), [
    '1.23',
    '12.3',
    '123',
    '200',
    '50.0',
  ]);
});
