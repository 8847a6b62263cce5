import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRate, loadPlan, medianErrorBelowKnee, RATES } from '../../../tools/sim2real/compare';
import { simulate } from '../../../src/core/sim';
import type { TraceSession } from '../../../src/core/sim/workload';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import type { Deployment, Plan } from '../../../src/core/spec/types';
import { toyPerf } from '../../helpers/perf';
import { testPlan } from '../../helpers/plan';

// The measured runs of transformers' continuous-batching engine (tools/sim2real/data, docs/sim-to-real.md)
// against `pdplan simulate` of tools/sim2real/transformers-cb.pdplan.yaml: no GPU needed.
const loaded = loadPlan();
const rows = RATES.map((rate) => compareRate(rate, loaded));

test("sim-to-real: the rates below the engine's knee are the four lightest, and the engine saturates past them", () => {
  assert.deepEqual(
    rows.filter((r) => r.belowKnee).map((r) => r.rate),
    [0.5, 1, 1.25, 1.6],
  );
  for (const r of rows.filter((x) => !x.belowKnee)) {
    assert.ok(
      r.measured.unfinishedSessions / r.measured.sessions > 0.1,
      `rate ${r.rate}: ${r.measured.unfinishedSessions} of ${r.measured.sessions} unfinished`,
    );
    assert.ok(
      r.measured.attainment < 0.2 && r.simulated.attainment < 0.3,
      `rate ${r.rate}: both overloaded (${r.measured.attainment}, ${r.simulated.attainment})`,
    );
  }
});

test('sim-to-real: median absolute error of TTFT and ITL p50/p90 below the knee is at most 15%', () => {
  const { median, errors } = medianErrorBelowKnee(rows);
  assert.equal(errors.length, 16);
  assert.ok(
    median <= 0.15,
    `median error ${(median * 100).toFixed(1)}% (${errors.map((e) => (e * 100).toFixed(0)).join(', ')}%)`,
  );
  for (const r of rows.filter((x) => x.belowKnee)) {
    assert.ok(
      Math.abs(r.simulated.attainment - r.measured.attainment) <= 0.15,
      `rate ${r.rate}: attainment ${r.simulated.attainment} vs ${r.measured.attainment}`,
    );
  }
});

test('sim-to-real: without mixed batching (a prefill pausing the decodes) the simulator is much further off', () => {
  const prefillFirst = RATES.filter((rate) => rate < 2).map((rate) =>
    compareRate(rate, loaded, (p: Plan) => ({ ...p, policy: { ...p.policy, mixedBatching: false } })),
  );
  const withMixed = medianErrorBelowKnee(rows).median;
  const without = medianErrorBelowKnee(prefillFirst).median;
  assert.ok(
    without > 2 * withMixed,
    `prefill-first ${(without * 100).toFixed(1)}% vs mixed ${(withMixed * 100).toFixed(1)}%`,
  );
});

// ---- the two plan settings the engine needed, on a model whose answers can be worked out by hand ----

const colocated = (): Deployment => {
  const parsed = parseDeploymentSpec('C:1x1');
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
};

function runToy(policy: string, trace: TraceSession[], itlStatistic = 'mean') {
  const plan = testPlan({
    workload: 'workload:\n  trace: t.jsonl\n  warmupSessions: 0\n  seed: 1',
    slo: `slo:\n  ttftMs: 1000\n  itlMs: 50\n  itlStatistic: ${itlStatistic}`,
    policy: `policy:\n  routing: colocated\n  reorderWindow: 1\n${policy}`,
  });
  const perf = toyPerf();
  return simulate({ plan, deployment: colocated(), trace, perf: { prefill: perf, decode: perf } }).metrics;
}

test('mixedBatching: a long prefill runs in chunks beside the decodes instead of pausing them', () => {
  // s0 decodes 200 tokens; s1's 1000-token prompt arrives while it does. Toy model: prefill 10 ms +
  // 0.1 ms/token (+0.01 ms per history token), decode step 5 ms; at most 100 tokens a step.
  const trace: TraceSession[] = [
    { id: 's0', arrivalMs: 0, rounds: [{ inputTokens: 100, outputTokens: 200, thinkMs: 0 }] },
    { id: 's1', arrivalMs: 100, rounds: [{ inputTokens: 1000, outputTokens: 2, thinkMs: 0 }] },
  ];
  const separate = runToy('  maxBatchTokens: 100', trace, 'max');
  const mixed = runToy('  maxBatchTokens: 100\n  mixedBatching: true', trace, 'max');
  // Prefill first: ten 100-token chunks back to back (10 × 20 ms, growing with history) stall s0.
  assert.ok(separate.itlMs.max > 200, `prefill-first worst gap ${separate.itlMs.max} ms`);
  // Mixed: each step carries s0's token and a 99-token chunk: 5 + (10 + 9.9 + 0.01·history − 10.1) ms.
  assert.ok(mixed.itlMs.max < 30, `mixed worst gap ${mixed.itlMs.max} ms`);
  // s1 needs ceil(1000 / 99) = 11 such steps before its first token.
  const s1Ttft = mixed.ttftMs.max;
  assert.ok(s1Ttft > 11 * 14.7 && s1Ttft < 11 * 30, `s1 TTFT ${s1Ttft} ms`);
});

test("prefixReuseBlockTokens: a round recomputes its history's partial last block with its new tokens", () => {
  // Round 0: 300 prompt + 10 output tokens = a 310-token history; round 1 appends 100 on an idle worker.
  const trace: TraceSession[] = [
    {
      id: 's0',
      arrivalMs: 0,
      rounds: [
        { inputTokens: 300, outputTokens: 10, thinkMs: 0 },
        { inputTokens: 100, outputTokens: 1, thinkMs: 1000 },
      ],
    },
  ];
  const whole = runToy('', trace);
  const blocks = runToy('  prefixReuseBlockTokens: 256', trace);
  // Whole history reused: 10 + 0.1·100 + 0.01·310. Blocks of 256: 54 tokens recomputed on a 256-token history.
  assert.ok(Math.abs(whole.turn2plus.ttftMs.p50 - (10 + 10 + 3.1)) < 1e-9, `${whole.turn2plus.ttftMs.p50}`);
  assert.ok(
    Math.abs(blocks.turn2plus.ttftMs.p50 - (10 + 0.1 * 154 + 0.01 * 256)) < 1e-9,
    `${blocks.turn2plus.ttftMs.p50}`,
  );
  assert.throws(() => runToy('  prefixReuseBlockTokens: 0', trace), /prefixReuseBlockTokens|minimum|>= 1/);
});
