import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateSpace } from '../../../src/core/plan/candidates';
import { coefficientJob, contentHash, jobKey, levelRates, planForJob } from '../../../src/core/plan/coefficients';
import { deploymentGpus } from '../../../src/core/spec/deployment';
import { sloPacedSessionSec } from '../../../src/core/plan/measure';
import { testPlan } from './fixtures';

test('coefficient jobs measure one replica beside a slice of the other role, in a cluster widened to hold it', () => {
  const plan = testPlan({ budget: 8, rate: 4 });
  const space = candidateSpace(plan, undefined);
  const prefill = coefficientJob(plan, space, 'prefill', 8, 4);
  assert.equal(prefill.routing?.name, 'remote', 'every prefill goes to the measured prefill replica');
  assert.deepEqual(prefill.deployment.kind === 'disaggregated' && prefill.deployment.prefill, [{ tp: 8, dp: 1 }]);
  // 8 prefill GPUs + a 4-GPU decode slice do not fit one 8-GPU node: the job's cluster grows.
  assert.ok(deploymentGpus(prefill.deployment) > 8);
  const widened = planForJob(plan, prefill);
  assert.ok(widened.cluster.nodes * widened.cluster.gpusPerNode >= deploymentGpus(prefill.deployment));
  assert.equal(planForJob(plan, { ...prefill, widenCluster: false }), plan);

  const decode = coefficientJob(plan, space, 'decode', 2, 1);
  assert.equal(decode.routing?.name, 'adaptive', "decode replicas see the plan's own routing");
  // The window rule: at least 3 session durations and 60 arrivals (after the simulator's warm-up).
  const session = sloPacedSessionSec(plan);
  for (const [job, rate] of [
    [prefill, 4],
    [decode, 1],
  ] as const) {
    const m = job.measure!;
    assert.equal(job.sessions, undefined, 'measured by simulated time, not a session count');
    assert.ok(m.windowSec! >= 3 * session && m.windowSec! * rate >= 60, JSON.stringify(m));
    assert.equal(m.maxReplications, 1);
  }
});

test('load levels divide the plan rate by at most the replicas a TP can have', () => {
  const plan = testPlan({ rate: 6 });
  assert.deepEqual(levelRates(plan, { maxReplicas: 4 }, false), [6, 3, 2, 1.5]);
  assert.deepEqual(levelRates(plan, { maxReplicas: 1 }, true), [24, 12, 6]);
});

test('jobs are keyed by content: planner settings do not matter, physics and the job do', () => {
  const plan = testPlan();
  const job = { deployment: { kind: 'colocated' as const, colocated: [{ tp: 4, dp: 1 }] }, seed: 1 };
  const other = { ...plan, planner: { ...plan.planner, topK: 9 } };
  assert.equal(jobKey(plan, job), jobKey(other, job));
  assert.notEqual(jobKey(plan, job), jobKey(plan, { ...job, seed: 2 }));
  assert.notEqual(jobKey(plan, job), jobKey({ ...plan, slo: { ...plan.slo, ttftMs: 999 } }, job));
  assert.match(contentHash('x'), /^[0-9a-f]{16}$/);
});

test('a budget above the cluster is capped with a note; TPs that do not fit a node are skipped', () => {
  const plan = testPlan({ budget: 64 });
  plan.planner.tpDegrees = [1, 2, 4, 8, 16];
  const space = candidateSpace(plan, undefined);
  assert.equal(space.budget, 8);
  assert.ok(space.notes.some((n) => /exceeds the cluster's 8 GPUs/.test(n)));
  assert.ok(space.notes.some((n) => /TP 16 skipped/.test(n)));
  assert.deepEqual(
    space.roles[0].tps.map((t) => [t.tp, t.maxReplicas]),
    [
      [1, 8],
      [2, 4],
      [4, 2],
      [8, 1],
    ],
  );
});
