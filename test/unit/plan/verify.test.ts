import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDeployment } from '../../../src/core/plan/index';
import { candidateSpace } from '../../../src/core/plan/candidates';
import { enumerateLayouts, layoutKey } from '../../../src/core/plan/layouts';
import { verifyPlan } from '../../../src/core/plan/verify';
import { fakeDeps, highsReady, testPlan } from './fixtures';

// The brute-force verifier on the closed-form stand-in simulator: every layout of a small budget.

test('the enumeration holds every layout of the budget once, within the pools and TP rules', () => {
  const plan = testPlan({ budget: 4 });
  plan.planner.mixedTp = false;
  const space = candidateSpace(plan, undefined);
  const { layouts, truncated } = enumerateLayouts(space, false);
  const keys = layouts.map(layoutKey);
  assert.equal(truncated, false);
  assert.equal(new Set(keys).size, keys.length, 'no duplicates');
  // Prefill and decode with TP 1/2/4 in 4 GPUs: (1..3 TP1 | 1 TP2) × what fits beside, plus 4+2+1 co-located.
  assert.ok(
    keys.includes('P:1x1,D:1x1') &&
      keys.includes('P:1x3,D:1x1') &&
      keys.includes('P:2x1,D:2x1') &&
      keys.includes('C:4x1') &&
      keys.includes('C:1x4'),
  );
  assert.ok(!keys.includes('P:2x1,D:4x1'), 'over budget');
  assert.equal(keys.filter((k) => k.startsWith('C:')).length, 4 + 2 + 1);
  assert.equal(enumerateLayouts(space, false, 5).truncated, true);
});

test('the planner passes its brute-force verifier on a small budget (pick, min-gpus, max-rate)', async () => {
  for (const rate of [1.5, 3]) {
    const plan = testPlan({ budget: 6, rate });
    const { deps } = fakeDeps(plan, await highsReady);
    const report = await verifyPlan(plan, deps);
    assert.ok(report.layouts.length > 30, `${report.layouts.length} layouts`);
    for (const check of report.checks) assert.ok(check.pass, `rate ${rate}: ${check.name}: ${check.detail}`);
    assert.ok(
      report.maxRate && (rate === 3) === report.maxRate.ratePerSec < rate,
      `the budget serves ${report.maxRate?.ratePerSec}/s`,
    );
  }
});

test('the verifier fails a planner answer that is off: a worse pick, more GPUs, a max-rate 40% high', async () => {
  const plan = testPlan({ budget: 6, rate: 1.5 });
  const { deps } = fakeDeps(plan, await highsReady);
  const truth = await verifyPlan(plan, deps);
  const honest = await planDeployment(plan, deps, { objective: 'max-rate' });
  // A pick far below the best: the worst layout that still ran.
  const worst = [...truth.layouts].sort((a, b) => a.sloAttainment - b.sloAttainment)[0];
  const bad = await planDeployment(plan, deps);
  const worstCandidate = { ...bad.candidates[0], deployment: parse(worst.deployment) };
  const report = await verifyPlan(plan, deps, {
    plannerResults: {
      pick: { ...bad, candidates: [worstCandidate] },
      'min-gpus': {
        ...bad,
        candidates: [
          {
            ...bad.candidates[0],
            deployment: parse(truth.layouts.filter((l) => l.meetsTarget).sort((a, b) => b.gpus - a.gpus)[0].deployment),
          },
        ],
      },
      'max-rate': { ...honest, maxRatePerSec: truth.maxRate!.ratePerSec * 1.4 },
    },
  });
  const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
  assert.equal(by.pick.pass, false, by.pick.detail);
  assert.equal(by['min-gpus'].pass, false, by['min-gpus'].detail);
  assert.equal(by['max-rate'].pass, false, by['max-rate'].detail);
  assert.equal(report.pass, false);
});

function parse(spec: string) {
  const groups = spec.split(',').map((g) => {
    const [role, shape] = g.split(':');
    const [tp, dp] = shape.split('x').map(Number);
    return { role, tp, dp };
  });
  const of = (r: string) => groups.filter((g) => g.role === r).map(({ tp, dp }) => ({ tp, dp }));
  return groups[0].role === 'C'
    ? { kind: 'colocated' as const, colocated: of('C') }
    : { kind: 'disaggregated' as const, prefill: of('P'), decode: of('D') };
}
