import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutJob, planDeployment } from '../../../src/core/plan/index';
import { runCached } from '../../../src/core/plan/coefficients';
import { formatDeployment } from '../../../src/core/spec/deployment';
import { fakeDeps, fakeSimulate, highsReady, testPlan } from './fixtures';

test('plans the 8-GPU example: K candidates ranked target-first (fewer GPUs, then headroom), router settings', async () => {
  const plan = testPlan();
  const { deps } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, deps);
  assert.equal(result.infeasibleReasons, undefined);
  assert.equal(result.candidates.length, 3, 'topK 3 shows 3 rows');
  assert.match(result.solver.status, /Optimal/);
  result.candidates.forEach((c, i) => {
    assert.equal(c.rank, i + 1);
    assert.ok(c.gpus <= 8, `${formatDeployment(c.deployment)} uses ${c.gpus} GPUs`);
    assert.ok(c.headroom, 'every candidate has its headroom');
    assert.ok(c.predicted.sloAttainmentCi95, 'and its interval');
  });
  // Among layouts meeting the target: fewer GPUs first, then more headroom.
  for (let i = 1; i < result.candidates.length; i++) {
    const [a, b] = [result.candidates[i - 1], result.candidates[i]];
    if (a.meetsTarget && b.meetsTarget) {
      assert.ok(
        a.gpus < b.gpus || (a.gpus === b.gpus && a.headroom!.ratePerSec >= b.headroom!.ratePerSec),
        `${formatDeployment(a.deployment)} before ${formatDeployment(b.deployment)}`,
      );
    } else assert.ok(a.meetsTarget || !b.meetsTarget, 'layouts meeting the target come first');
  }
  const best = result.candidates[0];
  assert.equal(result.recommended.gpus, best.gpus);
  assert.deepEqual(result.recommended.deployment, best.deployment);
  // Router settings are given for a disaggregated recommendation, which this plan's fake timings make the best.
  assert.equal(best.deployment.kind, 'disaggregated', formatDeployment(best.deployment));
  assert.equal(result.routerSettings[0].policy, 'adaptive');
  assert.ok(result.routerSettings.some((r) => r.settings.maxLocalPrefillTokens === 1024));
  assert.ok(result.coefficientSimulations > 10);
  assert.ok(
    result.precision?.coefficients && result.precision.coefficients.windowSec[0] > 0,
    'the precision the ILP got is stated',
  );
});

test('headroom is the highest rate still meeting the target, by bisection on full simulations', async () => {
  const plan = testPlan();
  const { deps } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, deps);
  for (const c of result.candidates) {
    const h = c.headroom!;
    assert.ok(!h.isLowerBound && h.ratePerSec > 0, formatDeployment(c.deployment));
    const routing = c.deployment.kind === 'colocated' ? { name: 'colocated' as const } : { name: 'adaptive' as const };
    const meets = (r: number) => {
      const m = fakeSimulate(plan, { deployment: c.deployment, seed: 7, ratePerSec: r, routing }).metrics;
      return !m.unstable && m.sloAttainment >= 0.9;
    };
    assert.ok(
      meets(h.ratePerSec),
      `${formatDeployment(c.deployment)} meets the target at its headroom ${h.ratePerSec}`,
    );
    assert.ok(!meets(h.ratePerSec * 1.06), `${formatDeployment(c.deployment)} misses it 6% above (${h.ratePerSec})`);
    assert.ok(h.ci95[0] <= h.ratePerSec && h.ratePerSec <= h.ci95[1]);
  }
});

test('topK means K, and every solve is counted in solver.status', async () => {
  const plan = testPlan();
  const { deps } = fakeDeps(plan, await highsReady);
  const two = await planDeployment(plan, deps, { topK: 2 });
  assert.equal(two.candidates.length, 2);
  const one = await planDeployment(plan, deps, { topK: 1 });
  assert.equal(one.candidates.length, 1);
  const statuses = two.solver.statuses ?? {};
  assert.ok((two.solver.solves ?? 0) >= 3, `${two.solver.solves} solves`);
  assert.equal(
    Object.values(statuses).reduce((a, b) => a + b, 0),
    two.solver.solves,
  );
  for (const status of Object.keys(statuses))
    assert.ok(two.solver.status.includes(status), `${status} in '${two.solver.status}'`);
});

test('planner.timeLimitSec stops the search with a partial answer and a note; maxCandidates caps the layouts simulated', async () => {
  const plan = testPlan();
  plan.planner.timeLimitSec = 0.5;
  let clock = 0;
  const { deps } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, { ...deps, now: () => (clock += 100) });
  assert.equal(result.partial, true);
  assert.ok(result.candidates.length >= 1, 'what was found by then is still an answer');
  assert.match(result.notes?.join('\n') ?? '', /planner\.timeLimitSec \(0\.5 s\) ran out: skipped .*partial/);

  const capped = testPlan();
  capped.planner.maxCandidates = 3;
  const r = await planDeployment(capped, fakeDeps(capped, await highsReady).deps);
  assert.ok((r.layoutsScreened ?? 0) <= 3, `${r.layoutsScreened} layouts screened`);
  assert.match(r.notes?.join('\n') ?? '', /planner\.maxCandidates \(3\) capped/);
});

test("the router sweep reuses the recommendation's own run (the adaptive routing with its slack setting)", async () => {
  const plan = testPlan();
  plan.policy.routing = { name: 'adaptive', slack: 'windowed' };
  const { deps, calls } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, deps);
  const best = formatDeployment(result.candidates[0].deployment);
  assert.equal(result.candidates[0].deployment.kind, 'disaggregated');
  const same = calls.filter(
    (j) =>
      formatDeployment(j.deployment) === best &&
      j.ratePerSec === plan.workload.arrival.ratePerSec &&
      j.routing?.name === 'adaptive' &&
      j.measure?.halfWidth === 0.01,
  );
  assert.equal(same.length, 1, 'one final run of the recommendation, shared with the router sweep');
});

test('without mixed TP, each role uses one TP degree', async () => {
  const plan = testPlan({ rate: 3, budget: 16, nodes: 2 });
  plan.planner.mixedTp = false;
  const { deps } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, deps, { topK: 5 });
  assert.ok(result.candidates.length >= 3);
  for (const c of result.candidates) {
    const d = c.deployment;
    for (const groups of d.kind === 'colocated' ? [d.colocated] : [d.prefill, d.decode])
      assert.ok(groups.length <= 1, formatDeployment(d));
  }
});

test('coefficient simulations are cached by content across calls', async () => {
  const plan = testPlan();
  const { deps, calls } = fakeDeps(plan, await highsReady);
  const cache = new Map();
  await planDeployment(plan, { ...deps, cache });
  const first = calls.length;
  await planDeployment(plan, { ...deps, cache });
  assert.equal(calls.length, first, 'the second identical plan simulates nothing new');
  const other = await planDeployment(plan, { ...deps, cache }, { objective: 'min-p95-latency' });
  assert.equal(other.coefficientSimulations, 0);
});

test('min-gpus gives the fewest GPUs meeting the target, and more load needs more GPUs', async () => {
  const highs = await highsReady;
  const light = testPlan({ rate: 0.5, budget: 16, nodes: 2 });
  const heavy = testPlan({ rate: 3, budget: 16, nodes: 2 });
  const a = await planDeployment(light, fakeDeps(light, highs).deps, { objective: 'min-gpus' });
  const b = await planDeployment(heavy, fakeDeps(heavy, highs).deps, { objective: 'min-gpus' });
  assert.ok(a.candidates[0].gpus < b.candidates[0].gpus, `${a.candidates[0].gpus} vs ${b.candidates[0].gpus}`);
  assert.ok(a.candidates[0].predicted.sloAttainment >= 0.9);
});

test('max-rate bisects to a rate the budget serves and a higher one it does not', async () => {
  const plan = testPlan({ rate: 1 });
  const { deps } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, deps, { objective: 'max-rate' });
  assert.ok(result.maxRatePerSec && result.maxRatePerSec > 1, `max rate ${result.maxRatePerSec}`);
  const rec = result.candidates[0];
  const atMax = fakeSimulate(plan, {
    deployment: rec.deployment,
    seed: 1,
    ratePerSec: result.maxRatePerSec,
    routing: { name: 'adaptive' },
  });
  assert.ok(!atMax.metrics.unstable);
  const doubled = fakeSimulate(plan, {
    deployment: rec.deployment,
    seed: 1,
    ratePerSec: result.maxRatePerSec! * 2,
    routing: { name: 'adaptive' },
  });
  assert.ok(doubled.metrics.sloAttainment < 0.9);
});

test('rate sweep gives attainment against rate for the top candidates', async () => {
  const plan = testPlan();
  const { deps } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, deps, { sweepRate: { from: 0.5, to: 4, steps: 4 } });
  assert.ok(result.rateSweep && result.rateSweep.length >= 1);
  const points = result.rateSweep[0].points;
  assert.deepEqual(
    points.map((p) => Math.round(p.ratePerSec * 1000) / 1000),
    [0.5, 1.667, 2.833, 4],
  );
  assert.ok(points[0].sloAttainment >= points[3].sloAttainment);
});

test('impossible plans end with reasons, not a solver status', async () => {
  const highs = await highsReady;
  const noFit = testPlan();
  const r1 = await planDeployment(noFit, {
    ...fakeDeps(noFit, highs).deps,
    replicaFits: (_pool, tp) => ({ fits: false, reason: `weights need 66 GB per GPU at TP ${tp}` }),
  });
  assert.match(r1.infeasibleReasons?.[0] ?? '', /does not fit a prefill replica on H100 at any allowed TP/);
  assert.equal(r1.candidates.length, 0);

  // The default fit check is the perf model's memory plan: a 405B-class model in bf16 needs more
  // than eight 80 GB GPUs.
  const huge = testPlan();
  huge.model = {
    ...huge.model,
    name: 'huge-405b',
    layers: 126,
    hiddenSize: 16384,
    attentionHeads: 128,
    ffnSize: 53248,
  };
  const r0 = await planDeployment(huge, fakeDeps(huge, highs).deps);
  assert.match(
    r0.infeasibleReasons?.[0] ?? '',
    /huge-405b does not fit a prefill replica on H100 at any allowed TP: TP 1 \(weights/,
  );

  const tiny = testPlan({ budget: 1 });
  tiny.planner.includeColocated = false;
  const r2 = await planDeployment(tiny, fakeDeps(tiny, highs).deps);
  assert.match(r2.infeasibleReasons?.[0] ?? '', /budget of 1 is below the smallest deployment/);

  const fast = testPlan({ ttftMs: 10 });
  const r3 = await planDeployment(fast, fakeDeps(fast, highs).deps);
  assert.match(r3.infeasibleReasons?.[0] ?? '', /TTFT SLO of 10 ms is below physics/);

  const flood = testPlan({ rate: 500 });
  const r4 = await planDeployment(flood, fakeDeps(flood, highs).deps);
  assert.match(r4.infeasibleReasons?.[0] ?? '', /cannot carry 500 sessions\/s/);
});

test('two GPU pools are planned jointly: prefill from one, decode from the other', async () => {
  const plan = testPlan({ budget: 16 });
  const link = plan.cluster.intraNode;
  plan.cluster.prefillPool = {
    gpu: { ...plan.cluster.gpu, name: 'H20' },
    gpusPerNode: 8,
    nodes: 1,
    intraNode: link,
    interNode: link,
  };
  plan.cluster.decodePool = { gpu: plan.cluster.gpu, gpusPerNode: 4, nodes: 1, intraNode: link, interNode: link };
  const { deps } = fakeDeps(plan, await highsReady);
  const result = await planDeployment(plan, deps);
  for (const c of result.candidates) {
    assert.equal(c.deployment.kind, 'disaggregated');
    if (c.deployment.kind !== 'disaggregated') continue;
    const decodeGpus = c.deployment.decode.reduce((n, g) => n + g.tp * g.dp, 0);
    const prefillGpus = c.deployment.prefill.reduce((n, g) => n + g.tp * g.dp, 0);
    assert.ok(decodeGpus <= 4 && prefillGpus <= 8, formatDeployment(c.deployment));
    assert.ok(
      c.deployment.decode.every((g) => g.tp <= 4),
      'decode TP within its 4-GPU nodes',
    );
  }
});

test('min-gpus says "raise the budget" only when no layout within it meets the target, and names the best it found', async () => {
  const highs = await highsReady;
  const tight = testPlan({ rate: 3, budget: 6 });
  const r = await planDeployment(tight, fakeDeps(tight, highs).deps, { objective: 'min-gpus' });
  const reasons = r.infeasibleReasons?.join('\n') ?? '';
  assert.match(
    reasons,
    /none of the \d+ layouts simulated within 6 GPUs .* reaches the attainment target of 90%.*best: .* at \d+\.\d%.*raise planner\.gpuBudget/,
  );
  assert.ok(r.candidates.every((c) => !c.meetsTarget));
  const roomy = testPlan({ rate: 3, budget: 16, nodes: 2 });
  const ok = await planDeployment(roomy, fakeDeps(roomy, highs).deps, { objective: 'min-gpus' });
  assert.equal(ok.infeasibleReasons, undefined);
  assert.ok(ok.candidates[0].meetsTarget && ok.candidates[0].gpus > 6);
});

test('a layout too large for one run is simulated as identical cells, its rates scaled back; small ones and the verifier never', async () => {
  const plan = testPlan({ rate: 2000, budget: 1024, nodes: 128 });
  const big = { kind: 'disaggregated' as const, prefill: [{ tp: 4, dp: 128 }], decode: [{ tp: 4, dp: 32 }] };
  const job = layoutJob(plan, big, 2000, 'screen');
  const k = job.cells ?? 1;
  assert.ok(k > 1 && 32 % k === 0, `${k} cells`);
  assert.deepEqual(job.deployment, {
    kind: 'disaggregated',
    prefill: [{ tp: 4, dp: 128 / k }],
    decode: [{ tp: 4, dp: 32 / k }],
  });
  assert.equal(job.ratePerSec, 2000 / k);
  assert.ok(
    (job.ratePerSec ?? 0) * (job.measure?.windowSec ?? 0) <= 2_000 || k === 32,
    'a screening cell holds at most 2,000 arrivals, or is the smallest identical cell',
  );
  const { results } = await runCached(plan, [job], async (jobs) => jobs.map((j) => fakeSimulate(plan, j)), new Map());
  const cell = fakeSimulate(plan, job);
  assert.equal(results[0].metrics.goodput, cell.metrics.goodput * k);
  assert.equal(results[0].metrics.sloAttainment, cell.metrics.sloAttainment);
  assert.match(
    results[0].metrics.measurement?.note ?? '',
    new RegExp(`simulated as one cell carrying 1/${k} of the layout's load`),
  );
  assert.equal(layoutJob(plan, big, 2000, 'verify').cells, undefined, 'the verifier runs the whole layout');
  assert.equal(
    layoutJob(testPlan(), { kind: 'colocated', colocated: [{ tp: 2, dp: 4 }] }, 2, 'final').cells,
    undefined,
  );
});

test('a large layout whose replica counts share no factor is simulated as a cell where every role has at least its share', () => {
  const plan = testPlan({ rate: 2000, budget: 1024, nodes: 128 });
  const odd = { kind: 'disaggregated' as const, prefill: [{ tp: 1, dp: 819 }], decode: [{ tp: 1, dp: 205 }] };
  const job = layoutJob(plan, odd, 2000, 'screen');
  const cells = job.cells ?? 1;
  assert.ok(cells > 1, `${cells}`);
  assert.equal(job.deployment.kind, 'disaggregated');
  if (job.deployment.kind !== 'disaggregated') return;
  const [p, d] = [job.deployment.prefill[0].dp, job.deployment.decode[0].dp];
  assert.ok(p < 819 && d < 205);
  assert.ok(p / 819 >= 1 / cells - 1e-12 && d / 205 >= 1 / cells - 1e-12, 'no role below its share of the load');
  assert.ok(Math.abs(Math.min(p / 819, d / 205) - 1 / cells) < 1e-12, 'the thinnest role sets the load share');
  assert.ok((job.ratePerSec ?? 0) * (job.measure?.windowSec ?? 0) <= 2_000);
  assert.ok(Math.abs((job.ratePerSec ?? 0) * cells - 2000) < 1e-9);
});
