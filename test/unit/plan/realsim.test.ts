import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planDeployment, type PlannerDeps } from '../../../src/core/plan/index';
import { planForJob } from '../../../src/core/plan/coefficients';
import { simulateReplicated } from '../../../src/core/sim/index';
import { loadPlan } from '../../../src/core/spec/index';
import type { Plan } from '../../../src/core/spec/types';
import { highsReady } from './fixtures';

// The planner on the project's real simulator, in-process (the worker pool is tested apart).
function examplePlan(): Plan {
  const file = path.join(__dirname, '..', '..', '..', 'examples', 'toolbench-qwen3-32b.pdplan.yaml');
  const load = loadPlan(fs.readFileSync(file, 'utf8'));
  assert.ok(load.plan, JSON.stringify(load.diagnostics));
  return load.plan;
}

async function realDeps(): Promise<PlannerDeps> {
  const highs = await highsReady;
  return {
    highs,
    runSimulations: async (jobs) =>
      jobs.map((job) => simulateReplicated({ ...job, plan: planForJob(plan, job) }, job.replications ?? 1)),
  };
}
let plan: Plan;

test('the bundled example gets a recommendation that meets its target in full simulation', async () => {
  plan = examplePlan();
  plan.planner.gpuBudget = 4;
  plan.planner.replications = 1;
  // Half the GPUs at the rate they carry (the example's loaded rate is for all 8).
  plan.workload.arrival.ratePerSec = 3;
  const result = await planDeployment(plan, await realDeps(), { topK: 2 });
  assert.equal(result.infeasibleReasons, undefined);
  const best = result.candidates[0];
  assert.ok(best.gpus <= 4);
  assert.ok(best.predicted.sloAttainment >= plan.slo.attainmentTarget, `attainment ${best.predicted.sloAttainment}`);
});

test('a TTFT SLO below what any replica can do is reported as physics, with the real simulator', async () => {
  plan = examplePlan();
  plan.planner.gpuBudget = 4;
  plan.slo.ttftMs = 5;
  const result = await planDeployment(plan, await realDeps());
  assert.equal(result.candidates.length, 0);
  assert.match(result.infeasibleReasons?.join('\n') ?? '', /TTFT SLO of 5 ms is below physics/);
});
