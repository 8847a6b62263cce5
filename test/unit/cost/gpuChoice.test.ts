import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseGpu, CONFIRM_MEASURE, planOnGpu, SCREEN_MEASURE } from '../../../src/core/cost/gpuChoice';
import type { SimInput } from '../../../src/core/sim';
import type { SimResult } from '../../../src/core/sim/types';
import { formatDeployment } from '../../../src/core/spec/deployment';
import { testPlan } from '../plan/fixtures';

/** A stand-in simulator: a layout meets the target when its GPUs times the GPU's speed carry the rate. */
function fake(speed: Record<string, number>, log: string[], confirmFails = new Set<string>()) {
  return (input: SimInput): SimResult => {
    const d = input.deployment;
    const layout = formatDeployment(d);
    const gpus = d.kind === 'colocated' ? d.colocated.reduce((n, g) => n + g.tp * g.dp, 0) : [...d.prefill, ...d.decode].reduce((n, g) => n + g.tp * g.dp, 0);
    const gpu = input.plan.cluster.gpu.name;
    const confirming = input.measure === CONFIRM_MEASURE;
    log.push(`${gpu} ${layout} ${confirming ? 'confirm' : 'screen'}`);
    const ok = gpus * speed[gpu] >= 4 && !(confirming && confirmFails.has(`${gpu} ${layout}`));
    return {
      deployment: d,
      metrics: {
        unstable: false,
        sloAttainment: ok ? 0.97 : 0.5,
        sloAttainmentCi95: ok ? [0.95, 0.99] : [0.4, 0.6],
        throughputTokensPerSec: 1000,
        throughputSessionsPerSec: 2,
        goodput: ok ? 1.94 : 1,
      },
    } as unknown as SimResult;
  };
}

test('GPU choice: per type the cheapest layout meeting the target, confirmed by a longer run; the cheaper type named', () => {
  const plan = testPlan({ budget: 4 });
  plan.planner.tpDegrees = [1, 2];
  plan.cost = { gpuHourUsd: { 'H100-SXM': 3, H200: 4 } };
  const log: string[] = [];
  // H200 is twice as fast: 2 GPUs carry the load; H100 needs 4. 2 x $4 < 4 x $3.
  const choice = chooseGpu({ plan, gpus: ['H100-SXM', 'H200'], simulateFn: fake({ 'H100-SXM': 1, H200: 2 }, log) });
  const [h100, h200] = choice.options;
  assert.equal(h100.cost?.gpus, 4);
  assert.equal(h100.cost?.usdPerHour, 12);
  assert.equal(h200.cost?.gpus, 2);
  assert.equal(h200.cost?.usdPerHour, 8);
  assert.equal(choice.cheapest, 'H200');
  assert.deepEqual(h200.attainmentCi95, [0.95, 0.99]);
  // Tried from the cheapest up: nothing costlier than the answer was simulated for H200.
  const h200Runs = log.filter((l) => l.startsWith('H200'));
  assert.ok(h200Runs.every((l) => /(C:1x1|C:1x2|C:2x1|P:1x1,D:1x1) /.test(l)), h200Runs.join('; '));
  assert.ok(log.includes(`H200 ${h200.layout} confirm`));
  assert.equal(SCREEN_MEASURE.maxReplications, 1);
});

test('GPU choice: a layout that fails its confirming run is not the answer; no layout within the budget is said', () => {
  const plan = testPlan({ budget: 2 });
  plan.planner.tpDegrees = [1, 2];
  plan.planner.includeColocated = true;
  plan.cost = { gpuHourUsd: 2 };
  const log: string[] = [];
  const choice = chooseGpu({ plan, gpus: ['H200'], simulateFn: fake({ H200: 2 }, log, new Set(['H200 C:2x1', 'H200 P:1x1,D:1x1'])) });
  const option = choice.options[0];
  assert.notEqual(option.layout, 'C:2x1');
  assert.notEqual(option.layout, 'P:1x1,D:1x1');
  const none = chooseGpu({ plan, gpus: ['H100-SXM'], simulateFn: fake({ 'H100-SXM': 0.5 }, []) });
  assert.equal(none.options[0].layout, undefined);
  assert.equal(none.cheapest, undefined);
  assert.match(none.options[0].notes.join(' '), /no layout within planner.gpuBudget 2 meets/);
});

test('a plan moved to another GPU type drops its measured profile and its fixed layout, and says so', () => {
  const plan = testPlan();
  plan.perf.profile = 'h100-qwen3-32b';
  plan.deployment = { kind: 'colocated', colocated: [{ tp: 8, dp: 1 }] };
  plan.cluster.prefillPool = { ...plan.cluster };
  const moved = planOnGpu(plan, 'B200');
  assert.ok(!('error' in moved));
  if ('error' in moved) return;
  assert.equal(moved.plan.cluster.gpu.name, 'B200');
  assert.equal(moved.plan.cluster.prefillPool?.gpu.name, 'B200');
  assert.equal(moved.plan.perf.profile, undefined);
  assert.equal(moved.plan.deployment, undefined);
  assert.match(moved.notes[0], /analytical model/);
  assert.equal(plan.cluster.gpu.name, 'H100', 'the original plan is untouched');
  assert.ok('error' in planOnGpu(plan, 'TPU-v5'));
});
