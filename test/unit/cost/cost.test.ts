import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  catalogPrices,
  describeCost,
  gpuHourPrice,
  inputPerOutputToken,
  layoutCost,
  measuredCost,
} from '../../../src/core/cost';
import { findGpu } from '../../../src/core/spec/catalog';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import { validatePlanText } from '../../../src/core/validate';
import type { Deployment } from '../../../src/core/spec/types';
import type { SimMetrics } from '../../../src/core/sim/types';
import { testPlan } from '../plan/fixtures';

function layout(spec: string): Deployment {
  const parsed = parseDeploymentSpec(spec);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
}

test('every catalog price names a catalog GPU, a date and a source', () => {
  assert.ok(catalogPrices().length >= 5);
  for (const p of catalogPrices()) {
    assert.ok(findGpu(p.gpu), `${p.gpu} is not in catalog/gpus.json`);
    assert.ok(p.usdPerGpuHour > 0 && p.usdPerGpuHour < 100, p.gpu);
    assert.match(p.date, /^20\d\d-\d\d(-\d\d)?$/, p.gpu);
    assert.ok(p.source.length > 20, p.gpu);
  }
});

test('price of a GPU-hour: the plan overrides the catalog, by one number or by GPU name (aliases too)', () => {
  const plan = testPlan(); // GPU 'H100'
  assert.equal(gpuHourPrice(plan, plan.cluster.gpu)?.from, 'catalog');
  assert.equal(
    gpuHourPrice(plan, plan.cluster.gpu)?.usdPerGpuHour,
    catalogPrices().find((p) => p.gpu === 'H100-SXM')!.usdPerGpuHour,
  );
  plan.cost = { gpuHourUsd: 2 };
  assert.deepEqual(gpuHourPrice(plan, plan.cluster.gpu), { gpu: 'H100', usdPerGpuHour: 2, from: 'plan' });
  plan.cost = { gpuHourUsd: { 'h100-sxm5': 2.5 } };
  assert.equal(gpuHourPrice(plan, plan.cluster.gpu)?.usdPerGpuHour, 2.5);
  plan.cluster.gpu = { ...plan.cluster.gpu, name: 'H20' };
  assert.equal(
    gpuHourPrice(plan, plan.cluster.gpu),
    undefined,
    'H20 has no catalog price and the plan prices another type',
  );
});

test("$/hour of a layout: GPUs of each role at their pool's price; a missing price is named, not guessed", () => {
  const plan = testPlan();
  plan.cost = { gpuHourUsd: { H100: 3, B200: 5 } };
  assert.equal(layoutCost(plan, layout('P:2x2,D:4x1')).usdPerHour, 8 * 3);
  assert.equal(layoutCost(plan, layout('C:4x2')).usdPerHour, 8 * 3);
  plan.cluster.decodePool = { ...plan.cluster, gpu: { ...plan.cluster.gpu, name: 'B200' } };
  const split = layoutCost(plan, layout('P:2x2,D:4x1'));
  assert.equal(split.usdPerHour, 4 * 3 + 4 * 5);
  plan.cluster.prefillPool = { ...plan.cluster, gpu: { ...plan.cluster.gpu, name: 'Mystery-GPU' } };
  const missing = layoutCost(plan, layout('P:2x2,D:4x1'));
  assert.equal(missing.usdPerHour, null);
  assert.deepEqual(missing.missing, ['Mystery-GPU']);
  assert.match(describeCost(missing), /no price for Mystery-GPU; give cost\.gpuHourUsd/);
});

function metrics(over: Partial<SimMetrics>): SimMetrics {
  return {
    throughputTokensPerSec: 1000,
    throughputSessionsPerSec: 2,
    goodput: 1.5,
    unstable: false,
    ...over,
  } as SimMetrics;
}

test('$/M tokens at the measured window rates; an unstable run has no cost per token', () => {
  const plan = testPlan(); // rounds 3, prompt 2000, increment 500, output 200
  plan.cost = { gpuHourUsd: 2.5 };
  const deployment = layout('P:2x2,D:4x1');
  const cost = measuredCost(plan, deployment, metrics({}))!;
  assert.equal(cost.usdPerHour, 20);
  assert.equal(cost.outputTokensPerSecPerGpu, 1000 / 8);
  // $20/h over 3.6M output tokens an hour.
  assert.ok(Math.abs(cost.usdPerMillionOutputTokens! - 20 / 3.6) < 1e-9);
  // 3 rounds: 2000 + 2 x 500 new prompt tokens per 600 output tokens.
  assert.equal(inputPerOutputToken(plan), 3000 / 600);
  assert.ok(Math.abs(cost.usdPerMillionInputTokens! - 20 / (3.6 * 5)) < 1e-9);
  // Three quarters of the sessions met the SLO: tokens within SLO cost 4/3 as much.
  assert.ok(Math.abs(cost.usdPerMillionGoodOutputTokens! - (20 / 3.6) * (4 / 3)) < 1e-9);
  assert.match(
    describeCost(cost),
    /\$20\.00\/h for 8 GPUs .* \$5\.56\/M output tokens, \$7\.41\/M output tokens within SLO, \$1\.11\/M input tokens · 125 output tokens\/s\/GPU/,
  );
  assert.equal(measuredCost(plan, deployment, metrics({ unstable: true })), undefined);
  assert.equal(measuredCost(plan, deployment, metrics({ goodput: 0 }))!.usdPerMillionGoodOutputTokens, null);
});

test('the plan file takes cost.gpuHourUsd and refuses a bad price with a clear message', () => {
  const base =
    'version: 1\nmodel: Qwen3-32B\ncluster: { gpu: H20, gpusPerNode: 8, nodes: 1 }\nworkload: ToolBench\nslo: { ttftMs: 2000, itlMs: 50 }\n';
  const ok = validatePlanText(`${base}cost: { gpuHourUsd: { H20: 1.2 } }\n`, { fileName: 'p.pdplan.yaml' });
  assert.deepEqual(
    ok.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.deepEqual(ok.plan?.cost, { gpuHourUsd: { H20: 1.2 } });
  for (const bad of ['cost: { gpuHourUsd: -1 }', 'cost: { gpuHourUsd: { H20: cheap } }', 'cost: { dollars: 3 }']) {
    const load = validatePlanText(`${base}${bad}\n`, { fileName: 'p.pdplan.yaml' });
    const errors = load.diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length > 0, bad);
    assert.ok(
      errors.every((e) => e.path.startsWith('/cost')),
      `${bad}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    );
  }
});

test('min-cost ranks layouts meeting the target by $/hour, then GPUs; below the target by attainment first', async () => {
  const { rankOrder } = await import('../../../src/core/plan/rank');
  const plan = testPlan();
  const base = { halfWidth: 0.005, goodput: 1, goodputHalfWidth: 0.01, unstable: false, ttftP95Ms: 100, itlP95Ms: 10 };
  const items = [
    { ...base, gpus: 4, usdPerHour: 20, sloAttainment: 0.99 }, // meets, fewest GPUs but dearer
    { ...base, gpus: 6, usdPerHour: 12, sloAttainment: 0.95 }, // meets, cheapest
    { ...base, gpus: 2, usdPerHour: 5, sloAttainment: 0.5 }, // cheapest of all but misses the target
  ];
  assert.deepEqual(rankOrder(plan, 'min-cost', items), [1, 0, 2]);
  assert.deepEqual(rankOrder(plan, 'min-gpus', items), [0, 1, 2]);
});

test('the plan file accepts objective min-cost', () => {
  const load = validatePlanText(
    'version: 1\nmodel: Qwen3-32B\ncluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1 }\nworkload: ToolBench\nslo: { ttftMs: 2000, itlMs: 50 }\nplanner: { objective: min-cost }\n',
    { fileName: 'p.pdplan.yaml' },
  );
  assert.deepEqual(
    load.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.equal(load.plan?.planner.objective, 'min-cost');
});
