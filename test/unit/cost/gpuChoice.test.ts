import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseGpu,
  CONFIRM_MEASURE,
  planGpuTypes,
  planOnGpu,
  planOnGpuPair,
  SCREEN_MEASURE,
} from '../../../src/core/cost/gpuChoice';
import { simulate, type SimInput } from '../../../src/core/sim';
import type { SimResult } from '../../../src/core/sim/types';
import { formatDeployment } from '../../../src/core/spec/deployment';
import { findGpu } from '../../../src/core/spec/catalog';
import { testPlan } from '../plan/fixtures';

/** A stand-in simulator: a layout meets the target when its GPUs times the GPU's speed carry the rate. */
function fake(speed: Record<string, number>, log: string[], confirmFails = new Set<string>()) {
  return (input: SimInput): SimResult => {
    const d = input.deployment;
    const layout = formatDeployment(d);
    const gpus =
      d.kind === 'colocated'
        ? d.colocated.reduce((n, g) => n + g.tp * g.dp, 0)
        : [...d.prefill, ...d.decode].reduce((n, g) => n + g.tp * g.dp, 0);
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
  const choice = chooseGpu({
    plan,
    gpus: ['H100-SXM', 'H200'],
    pairs: false,
    simulateFn: fake({ 'H100-SXM': 1, H200: 2 }, log),
  });
  const [h100, h200] = choice.options;
  assert.equal(h100.cost?.gpus, 4);
  assert.equal(h100.cost?.usdPerHour, 12);
  assert.equal(h200.cost?.gpus, 2);
  assert.equal(h200.cost?.usdPerHour, 8);
  assert.equal(choice.cheapest, 'H200');
  assert.deepEqual(h200.attainmentCi95, [0.95, 0.99]);
  // Tried from the cheapest up: nothing costlier than the answer was simulated for H200.
  const h200Runs = log.filter((l) => l.startsWith('H200'));
  assert.ok(
    h200Runs.every((l) => /(C:1x1|C:1x2|C:2x1|P:1x1,D:1x1) /.test(l)),
    h200Runs.join('; '),
  );
  assert.ok(log.includes(`H200 ${h200.layout} confirm`));
  assert.equal(SCREEN_MEASURE.maxReplications, 1);
});

test('GPU choice: a layout that fails its confirming run is not the answer; no layout within the budget is said', () => {
  const plan = testPlan({ budget: 2 });
  plan.planner.tpDegrees = [1, 2];
  plan.planner.includeColocated = true;
  plan.cost = { gpuHourUsd: 2 };
  const log: string[] = [];
  const choice = chooseGpu({
    plan,
    gpus: ['H200'],
    simulateFn: fake({ H200: 2 }, log, new Set(['H200 C:2x1', 'H200 P:1x1,D:1x1'])),
  });
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

/**
 * A stand-in simulator per role: the prefill GPUs times their pool's prefill speed and the decode GPUs
 * times their pool's decode speed must each carry the load (a co-located replica counts for both).
 */
function perRole(prefillSpeed: Record<string, number>, decodeSpeed: Record<string, number>, seen: SimInput[]) {
  return (input: SimInput): SimResult => {
    seen.push(input);
    const d = input.deployment;
    const size = (groups: { tp: number; dp: number }[]) => groups.reduce((n, g) => n + g.tp * g.dp, 0);
    const cluster = input.plan.cluster;
    const prefillGpu = (cluster.prefillPool ?? cluster).gpu.name;
    const decodeGpu = (cluster.decodePool ?? cluster).gpu.name;
    const ok =
      d.kind === 'colocated'
        ? size(d.colocated) * Math.min(prefillSpeed[prefillGpu], decodeSpeed[decodeGpu]) >= 4
        : size(d.prefill) * prefillSpeed[prefillGpu] >= 2 && size(d.decode) * decodeSpeed[decodeGpu] >= 2;
    return {
      deployment: d,
      metrics: {
        unstable: false,
        sloAttainment: ok ? 0.97 : 0.5,
        throughputTokensPerSec: 1000,
        throughputSessionsPerSec: 2,
        goodput: ok ? 1.94 : 1,
      },
    } as unknown as SimResult;
  };
}

test('GPU pair: prefill on the type fast at prefill, decode on the type fast at decode, beats either type alone; priced per pool', () => {
  const plan = testPlan({ budget: 4 });
  plan.planner.tpDegrees = [1];
  plan.planner.includeColocated = false;
  plan.cost = { gpuHourUsd: { 'H100-SXM': 3, H200: 4 } };
  const seen: SimInput[] = [];
  // H200 prefills twice as fast, H100 decodes twice as fast (made up for the test, not a claim about the GPUs).
  const choice = chooseGpu({
    plan,
    gpus: ['H100-SXM', 'H200'],
    simulateFn: perRole({ 'H100-SXM': 1, H200: 2 }, { 'H100-SXM': 2, H200: 1 }, seen),
  });
  const byLabel = Object.fromEntries(choice.options.map((o) => [o.gpu, o]));
  assert.deepEqual(Object.keys(byLabel), ['H100-SXM', 'H200', 'P:H100-SXM + D:H200', 'P:H200 + D:H100-SXM']);
  assert.equal(byLabel['H100-SXM'].layout, 'P:1x2,D:1x1');
  assert.equal(byLabel['H100-SXM'].cost?.usdPerHour, 9);
  assert.equal(byLabel['H200'].layout, 'P:1x1,D:1x2');
  assert.equal(byLabel['H200'].cost?.usdPerHour, 12);
  const pair = byLabel['P:H200 + D:H100-SXM'];
  assert.equal(pair.layout, 'P:1x1,D:1x1');
  assert.equal(pair.prefillGpu, 'H200');
  assert.equal(pair.decodeGpu, 'H100-SXM');
  assert.equal(pair.cost?.usdPerHour, 7, '1 H200 at $4 + 1 H100 at $3');
  assert.deepEqual(
    pair.cost?.parts.map((p) => `${p.role} ${p.gpu}`),
    ['prefill H200', 'decode H100-SXM'],
  );
  assert.equal(byLabel['P:H100-SXM + D:H200'].cost?.usdPerHour, 14);
  assert.equal(choice.cheapest, 'P:H200 + D:H100-SXM');
  assert.equal(choice.cheapestPair, 'P:H200 + D:H100-SXM');
  assert.equal(choice.cheapestSingle, 'H100-SXM');
  // The simulator got two pools on their own GPU types, linked by the plan's inter-node link.
  const pairRun = seen.find(
    (s) => s.plan.cluster.prefillPool?.gpu.name === 'H200' && s.plan.cluster.decodePool?.gpu.name === 'H100-SXM',
  );
  assert.ok(pairRun);
  assert.deepEqual(pairRun.plan.cluster.crossCluster, plan.cluster.interNode);
  assert.equal(pairRun.plan.cluster.prefillPool?.nodes, plan.cluster.nodes);
  assert.ok(
    seen.every((s) => s.deployment.kind === 'disaggregated' || !s.plan.cluster.prefillPool),
    'separate pools run no co-located layout',
  );

  const single = chooseGpu({
    plan,
    gpus: ['H100-SXM', 'H200'],
    pairs: false,
    simulateFn: perRole({ 'H100-SXM': 1, H200: 2 }, { 'H100-SXM': 2, H200: 1 }, []),
  });
  assert.equal(single.options.length, 2);
  assert.equal(single.cheapest, 'H100-SXM');
  assert.equal(single.cheapestPair, undefined);
});

test("a plan split onto two GPU types keeps its pools' sizes and links and drops its profile and layout", () => {
  const plan = testPlan({ nodes: 2 });
  plan.perf.profile = 'h100-qwen3-32b';
  plan.deployment = { kind: 'colocated', colocated: [{ tp: 8, dp: 1 }] };
  plan.cluster.decodePool = { ...plan.cluster, nodes: 1 };
  const split = planOnGpuPair(plan, 'B200', 'H200');
  assert.ok(!('error' in split));
  if ('error' in split) return;
  const { cluster } = split.plan;
  assert.equal(cluster.prefillPool?.gpu.name, 'B200');
  assert.equal(cluster.prefillPool?.nodes, 2);
  assert.equal(cluster.decodePool?.gpu.name, 'H200');
  assert.equal(cluster.decodePool?.nodes, 1);
  assert.deepEqual(cluster.prefillPool?.intraNode, plan.cluster.intraNode);
  assert.equal(split.plan.perf.profile, undefined);
  assert.equal(split.plan.deployment, undefined);
  assert.match(split.notes[0], /analytical model/);
  assert.equal(plan.cluster.prefillPool, undefined, 'the original plan is untouched');
  assert.match((planOnGpuPair(plan, 'H200', 'TPU') as { error: string }).error, /'TPU' is not a GPU type/);
});

test("the simulator runs a split plan's pools on their own GPU types and moves KV over the link between them", () => {
  const plan = testPlan({ rate: 0.5 });
  const deployment = { kind: 'disaggregated' as const, prefill: [{ tp: 2, dp: 1 }], decode: [{ tp: 2, dp: 1 }] };
  const routing = { name: 'remote' as const };
  const run = (prefill: string, decode: string, crossGBps?: number) => {
    const split = planOnGpuPair(plan, prefill, decode);
    if ('error' in split) throw new Error(split.error);
    if (crossGBps !== undefined) split.plan.cluster.crossCluster = { bandwidthGBps: crossGBps, latencyUs: 5 };
    return simulate({ plan: split.plan, deployment, routing, measure: { sessions: 200, maxReplications: 1 } }).metrics;
  };
  const onA100 = run('A100-80GB', 'H100-SXM');
  const onB200 = run('B200', 'H100-SXM');
  // B200 has about 2.3x the A100's dense bf16 compute: its prefills (Turn-1 TTFT, compute-bound) are faster.
  assert.ok(
    onB200.turn1.ttftMs.p50 < onA100.turn1.ttftMs.p50 * 0.7,
    `${onB200.turn1.ttftMs.p50} vs ${onA100.turn1.ttftMs.p50}`,
  );
  // Decode runs on the H100 in both: the same step times within noise.
  assert.ok(
    Math.abs(onB200.itlMs.mean - onA100.itlMs.mean) < 0.15 * onA100.itlMs.mean,
    `${onB200.itlMs.mean} vs ${onA100.itlMs.mean}`,
  );
  const decodeOnA100 = run('B200', 'A100-80GB');
  assert.ok(decodeOnA100.itlMs.mean > onB200.itlMs.mean * 1.2, `${decodeOnA100.itlMs.mean} vs ${onB200.itlMs.mean}`);
  // Every remote prefill's KV crosses between the pools: a 1 GB/s link instead of 50 GB/s shows in TTFT.
  const slowLink = run('B200', 'H100-SXM', 1);
  assert.ok(slowLink.ttftMs.p50 > onB200.ttftMs.p50 + 50, `${slowLink.ttftMs.p50} vs ${onB200.ttftMs.p50}`);
});

test('a plan split onto two GPU types of its own is one more option, its inline GPU included; its types are the default choice', () => {
  const plan = testPlan({ budget: 2 });
  plan.planner.tpDegrees = [1];
  const custom = { ...plan.cluster.gpu, name: 'H20-custom' };
  plan.cluster.prefillPool = { ...plan.cluster, gpu: findGpu('H200')! };
  plan.cluster.decodePool = { ...plan.cluster, gpu: custom };
  plan.cost = { gpuHourUsd: { H200: 4, 'H20-custom': 1 } };
  assert.deepEqual(planGpuTypes(plan), ['H200'], 'an inline GPU is not a catalog type to move the plan onto');
  const seen: SimInput[] = [];
  const choice = chooseGpu({
    plan,
    gpus: planGpuTypes(plan),
    simulateFn: perRole({ H200: 2 }, { H200: 2, 'H20-custom': 2 }, seen),
  });
  assert.deepEqual(
    choice.options.map((o) => o.gpu),
    ['H200', 'P:H200 + D:H20-custom'],
  );
  const own = choice.options[1];
  assert.equal(own.cost?.usdPerHour, 5, '1 H200 at $4 + 1 H20-custom at $1');
  assert.equal(choice.cheapest, own.gpu);
  assert.equal(choice.cheapestPair, own.gpu);
  assert.equal(choice.cheapestSingle, 'H200');
  assert.ok(seen.some((s) => s.plan.cluster.decodePool?.gpu.name === 'H20-custom'));
  assert.equal(
    chooseGpu({ plan, gpus: ['H200'], pairs: false, simulateFn: perRole({ H200: 2 }, { H200: 2 }, []) }).options.length,
    1,
  );
});
