import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paretoFrontier, paretoSweep, spreadSample, sweepLayouts } from '../../../src/core/pareto';
import { sloPacedSessionSec } from '../../../src/core/plan/measure';
import { SimInputError, type SimInput } from '../../../src/core/sim';
import type { SimResult } from '../../../src/core/sim/types';
import { formatDeployment } from '../../../src/core/spec/deployment';
import { testPlan } from '../plan/fixtures';

test('frontier: the points no other beats on both axes, in either x direction', () => {
  const pts = [
    { x: 1, y: 10 },
    { x: 2, y: 8 },
    { x: 2, y: 9 }, // beats (2, 8)
    { x: 3, y: 5 },
    { x: 1.5, y: 4 }, // dominated by (2, 9)
    { x: 3, y: 5 }, // a duplicate is listed once
  ];
  assert.deepEqual(
    paretoFrontier(
      pts,
      (p) => p.x,
      (p) => p.y,
      true,
    ),
    [0, 2, 3],
  );
  // Lower x is better (TTFT): (1, 10) beats everything.
  assert.deepEqual(
    paretoFrontier(
      pts,
      (p) => p.x,
      (p) => p.y,
      false,
    ),
    [0],
  );
  assert.deepEqual(
    paretoFrontier(
      [],
      (p: { x: number }) => p.x,
      () => 0,
      true,
    ),
    [],
  );
});

test('layouts: one TP per role using the budget, co-located when the plan asks; an even spread keeps both ends', () => {
  const plan = testPlan({ budget: 4 });
  plan.planner.tpDegrees = [1, 2];
  const layouts = sweepLayouts(plan).map(formatDeployment);
  assert.deepEqual(layouts, [
    'P:1x1,D:1x3',
    'P:1x2,D:1x2',
    'P:1x2,D:2x1',
    'P:2x1,D:1x2',
    'P:2x1,D:2x1',
    'P:1x3,D:1x1',
    'C:1x4',
    'C:2x2',
  ]);
  assert.ok(sweepLayouts(plan, true).length > layouts.length);
  assert.deepEqual(spreadSample([1, 2, 3, 4, 5, 6, 7], 3), [1, 4, 7]);
  assert.deepEqual(spreadSample([1, 2], 5), [1, 2]);
});

/** A stand-in simulator: capacity grows with GPUs, ITL with load. */
function fakeSim(input: SimInput): SimResult {
  const d = input.deployment;
  if (d.kind === 'colocated' && d.colocated[0].tp === 1) throw new SimInputError('model does not fit a TP 1 replica');
  const gpus =
    d.kind === 'colocated'
      ? d.colocated[0].tp * d.colocated[0].dp
      : d.prefill[0].tp * d.prefill[0].dp + d.decode[0].tp * d.decode[0].dp;
  const decodeGpus = d.kind === 'colocated' ? gpus / 2 : d.decode[0].tp * d.decode[0].dp;
  const rate = input.ratePerSec!;
  const load = rate / (decodeGpus * 1.5);
  const q = (v: number) => ({ p50: v, p90: v * 1.5, p95: v * 2, p99: v * 3, mean: v, max: v * 4 });
  const attainment = Math.max(0, Math.min(1, 1.2 - load));
  return {
    deployment: d,
    policy: input.routing!.name,
    seed: 1,
    replications: 1,
    simulatedSec: 1,
    events: 1,
    wallMs: 0,
    metrics: {
      unstable: load > 1,
      sloAttainment: attainment,
      turn1: { sloAttainment: attainment, rounds: 10, ttftMs: q(100 * (1 + load)), itlMs: q(20) },
      turn2plus: { sloAttainment: Math.min(1, attainment + 0.1), rounds: 20, ttftMs: q(50 * (1 + load)), itlMs: q(20) },
      ttftMs: q(80 * (1 + load)),
      itlMs: q(20 * (1 + load)),
      throughputTokensPerSec: rate * 600,
      throughputSessionsPerSec: rate,
      goodput: rate * attainment,
      sessions: 300,
    } as unknown as SimResult['metrics'],
  };
}

test('sweep: every layout at every rate until it turns unstable; refusals and cuts are listed; frontiers index the points', () => {
  const plan = testPlan({ budget: 4, rate: 1 });
  plan.planner.tpDegrees = [1, 2];
  const seen: string[] = [];
  const result = paretoSweep({
    plan,
    rates: [4, 1, 2], // sorted ascending
    simulateFn: (input) => {
      seen.push(`${formatDeployment(input.deployment)}@${input.ratePerSec}:${input.routing!.name}`);
      // The screening rule: a window of three mean session durations (and enough arrivals), one replication.
      const { windowSec, maxReplications, halfWidth, sessions } = input.measure!;
      assert.ok(windowSec! >= 3 * sloPacedSessionSec(plan) * (1 - 1e-6), `window ${windowSec} s`);
      assert.deepEqual([maxReplications, halfWidth, sessions], [1, 0.05, undefined]);
      return fakeSim(input);
    },
  });
  assert.deepEqual(result.rates, [1, 2, 4]);
  // P:1x3,D:1x1 (1 decode GPU) is unstable at 2 sessions/s: 4 is never simulated.
  assert.ok(seen.includes('P:1x3,D:1x1@2:adaptive'));
  assert.ok(!seen.includes('P:1x3,D:1x1@4:adaptive'));
  assert.ok(result.skipped.some((s) => s.layout === 'P:1x3,D:1x1' && s.ratePerSec === 4));
  // The TP-1 co-located layout is refused by the simulator: skipped with its reason, under the colocated policy.
  assert.ok(seen.includes('C:1x4@1:colocated'));
  assert.ok(result.skipped.some((s) => s.layout === 'C:1x4' && /does not fit/.test(s.reason)));
  assert.equal(result.simulations, seen.length);
  const points = result.points;
  for (const f of [...result.frontiers.session, ...result.frontiers.round]) {
    assert.ok(f.all.length > 0, f.against);
    for (const i of f.all) assert.equal(points[i].unstable, false);
    for (const i of f.feasible) assert.ok(f.against.startsWith('turn') ? true : points[i].feasible);
  }
  // Per-GPU and per-user figures from the window rates.
  const p = points.find((x) => x.layout === 'P:2x1,D:2x1' && x.ratePerSec === 2)!;
  assert.equal(p.outputTokensPerSecPerGpu, (2 * 600) / 4);
  assert.equal(p.tokensPerSecPerUser, 1000 / p.itlMeanMs);
  assert.equal(p.feasible, p.attainment >= plan.slo.attainmentTarget);
});

test('a real sweep on a small plan is deterministic and finds feasible points', () => {
  const plan = testPlan({ budget: 4, rate: 0.5 });
  plan.planner.tpDegrees = [2];
  plan.planner.includeColocated = false;
  const run = () => paretoSweep({ plan, rates: [0.5, 1], sessions: 40 });
  const a = run();
  const b = run();
  assert.deepEqual(a, b);
  assert.deepEqual(a.layouts, ['P:2x1,D:2x1']);
  assert.equal(a.points.length, 2);
  assert.ok(a.points.every((p) => p.measuredSessions >= 20 && p.outputTokensPerSecPerGpu > 0));
});

test('sweep: a large layout at a high rate runs as a cell of itself, its figures scaled back to the whole layout', () => {
  const plan = testPlan({ budget: 64, rate: 40 });
  plan.cluster.nodes = 8;
  plan.planner.tpDegrees = [8];
  plan.planner.includeColocated = false;
  const asked: string[] = [];
  const result = paretoSweep({
    plan,
    rates: [40],
    simulateFn: (input) => {
      asked.push(`${formatDeployment(input.deployment)}@${input.ratePerSec}`);
      return fakeSim(input);
    },
  });
  // P:8x4,D:8x4 at 40 sessions/s would measure far more than 2,000 arrivals: a slice of it at its share of the rate.
  const whole = result.points.find((p) => p.layout === 'P:8x4,D:8x4')!;
  assert.ok(asked.includes('P:8x1,D:8x1@10'), asked.join(' '));
  assert.ok(!asked.includes('P:8x4,D:8x4@40'), asked.join(' '));
  assert.ok(result.measure.cellPoints > 0);
  // The fake's output is 600 tokens per session/s of the rate it was run at: scaled back, per GPU as the whole.
  assert.equal(whole.outputTokensPerSecPerGpu, (40 * 600) / 64);
  assert.equal(whole.gpus, 64);
  // --sessions N measures N sessions of the whole layout, as asked.
  const counted = paretoSweep({
    plan,
    rates: [40],
    sessions: 500,
    simulateFn: (input) => {
      assert.equal(input.measure!.sessions, 500);
      assert.equal(input.ratePerSec, 40);
      return fakeSim(input);
    },
  });
  assert.equal(counted.measure.cellPoints, 0);
  assert.equal(counted.measure.sessions, 500);
});
