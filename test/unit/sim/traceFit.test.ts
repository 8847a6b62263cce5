import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitWorkloadToTrace, generateSessions, planOnTrace, type TraceSession } from '../../../src/core/sim/workload';
import { Rng, sample } from '../../../src/core/sim/random';
import type { Distribution, WorkloadSpec } from '../../../src/core/spec/types';
import { testPlan } from '../../helpers/plan';

const constant = (value: number): Distribution => ({ kind: 'constant', value });

function workload(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    arrival: { process: 'poisson', ratePerSec: 2 },
    rounds: { kind: 'uniform', min: 1, max: 6 },
    initialPromptTokens: { kind: 'lognormal', mean: 3000, std: 1500, min: 1 },
    incrementalTokens: { kind: 'lognormal', mean: 600, std: 300, min: 1 },
    outputTokens: { kind: 'lognormal', mean: 150, std: 80, min: 1 },
    toolLatencyMs: { kind: 'exponential', mean: 1200 },
    warmupSessions: 0,
    seed: 1,
    ...overrides,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function sampleMean(dist: Distribution, n = 20_000): number {
  const rng = new Rng(3);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sample(dist, rng);
  return sum / n;
}

test('a trace drawn from known distributions is fitted back to them: rate, burstiness and every marginal', () => {
  const source = workload();
  const trace = generateSessions(source, 4000, 2, 11);
  const { workload: fitted, summary } = fitWorkloadToTrace({ ...source, trace: 'traces/t.jsonl' }, trace);
  assert.equal(fitted.trace, undefined, 'the fitted workload no longer replays the trace');
  assert.equal(fitted.arrival.process, 'gamma');
  assert.ok(Math.abs(fitted.arrival.ratePerSec - 2) / 2 < 0.05, `rate ${fitted.arrival.ratePerSec}`);
  assert.ok(Math.abs((fitted.arrival.cv ?? 0) - 1) < 0.06, `Poisson gaps have cv 1, got ${fitted.arrival.cv}`);
  const later = trace.flatMap((s) => s.rounds.slice(1));
  const cases: [string, Distribution, number][] = [
    ['rounds', fitted.rounds, mean(trace.map((s) => s.rounds.length))],
    ['initial prompt', fitted.initialPromptTokens, mean(trace.map((s) => s.rounds[0].inputTokens))],
    ['incremental', fitted.incrementalTokens, mean(later.map((r) => r.inputTokens))],
    ['output', fitted.outputTokens, mean(trace.flatMap((s) => s.rounds.map((r) => r.outputTokens)))],
    ['tool wait', fitted.toolLatencyMs, mean(later.map((r) => r.thinkMs))],
  ];
  for (const [name, dist, expected] of cases) {
    assert.equal(dist.kind, 'empirical', name);
    if (dist.kind === 'empirical') assert.ok(dist.values.length <= 256, `${name}: ${dist.values.length} points`);
    const got = sampleMean(dist);
    assert.ok(
      Math.abs(got - expected) / expected < 0.04,
      `${name}: fitted mean ${got.toFixed(1)}, trace mean ${expected.toFixed(1)}`,
    );
  }
  // Few distinct values are kept exactly, with their counts as weights.
  assert.deepEqual(fitted.rounds.kind === 'empirical' && fitted.rounds.values, [1, 2, 3, 4, 5, 6]);
  assert.match(summary, /traces\/t\.jsonl \(4000 sessions, \d+ rounds\): [12](\.\d{1,3})? sessions\/s/);
});

test('a regular or bursty trace gives the burstiness it has, bounded', () => {
  const session = (id: number, arrivalMs: number): TraceSession => ({
    id: `s${id}`,
    arrivalMs,
    rounds: [{ inputTokens: 100, outputTokens: 10, thinkMs: 0 }],
  });
  const regular = Array.from({ length: 50 }, (_, i) => session(i, i * 500));
  const fitRegular = fitWorkloadToTrace(workload(), regular).workload.arrival;
  assert.equal(fitRegular.ratePerSec, 2);
  assert.equal(fitRegular.cv, 0.05, 'a perfectly regular trace is held at the lower bound');
  const bursts = Array.from({ length: 60 }, (_, i) => session(i, Math.floor(i / 20) * 60_000 + (i % 20)));
  assert.ok(
    (fitWorkloadToTrace(workload(), bursts).workload.arrival.cv ?? 0) > 3,
    'bursts of sessions a minute apart are bursty',
  );
});

test("a single-round trace keeps the plan's later-round distributions; a trace with no time span keeps the plan's rate", () => {
  const plan = workload({ incrementalTokens: constant(777), toolLatencyMs: constant(999) });
  const trace: TraceSession[] = [1, 2, 3].map((i) => ({
    id: `s${i}`,
    arrivalMs: 0,
    rounds: [{ inputTokens: 100 * i, outputTokens: 10, thinkMs: 0 }],
  }));
  const { workload: fitted, summary } = fitWorkloadToTrace(plan, trace);
  assert.deepEqual(fitted.incrementalTokens, constant(777));
  assert.deepEqual(fitted.toolLatencyMs, constant(999));
  assert.deepEqual(fitted.arrival, plan.arrival);
  assert.match(summary, /the plan's rate 2 sessions\/s/);
  assert.deepEqual(fitted.initialPromptTokens, { kind: 'empirical', values: [100, 200, 300], weights: [1, 1, 1] });
});

test('many distinct values become equally weighted quantiles', () => {
  const trace: TraceSession[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `s${i}`,
    arrivalMs: i * 100,
    rounds: [{ inputTokens: i + 1, outputTokens: 1, thinkMs: 0 }],
  }));
  const fitted = fitWorkloadToTrace(workload(), trace).workload.initialPromptTokens;
  assert.ok(fitted.kind === 'empirical');
  assert.equal(fitted.values.length, 256);
  assert.equal(fitted.weights, undefined);
  assert.ok(
    fitted.values.every((v, i) => i === 0 || v > fitted.values[i - 1]),
    'quantiles ascend',
  );
  assert.ok(fitted.values[0] < 100 && fitted.values[255] > 9900, 'they span the range');
});

test('planOnTrace changes only a plan that names a trace and has it read', () => {
  const plan = testPlan();
  const trace = generateSessions(plan.workload, 100, 3, 1);
  assert.equal(planOnTrace(plan, trace).plan, plan, 'no workload.trace: the plan as written');
  const named = { ...plan, workload: { ...plan.workload, trace: 't.jsonl' } };
  assert.equal(planOnTrace(named, undefined).plan, named, 'trace not read: the plan as written');
  const fitted = planOnTrace(named, trace);
  assert.notEqual(fitted.plan.workload.arrival.ratePerSec, plan.workload.arrival.ratePerSec);
  assert.match(fitted.note ?? '', /t\.jsonl/);
  assert.deepEqual(fitted.plan.cluster, plan.cluster);
});
