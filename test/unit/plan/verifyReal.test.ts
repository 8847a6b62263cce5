import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyPlan } from '../../../src/core/plan/verify';
import { loadPlan } from '../../../src/core/spec/index';
import { SimPool } from '../../../src/workers/pool';
import { highsReady } from './fixtures';

// The planner held to its brute-force verifier on the project's real simulator (worker threads of
// the bundle `npm test` builds first): the single-round example on half its server at about half
// its rate, small enough to enumerate every layout with long runs in a test. The examples at their
// own budgets and rates are verified by scripts/verify-examples.ts (docs/planner.md).
test(
  'on the real simulator the planner passes its verifier: single-round Qwen3-32B, 4 H200 GPUs',
  { timeout: 300_000 },
  async () => {
    const file = path.join(__dirname, '..', '..', '..', 'examples', 'single-round-qwen3-32b.pdplan.yaml');
    const plan = loadPlan(fs.readFileSync(file, 'utf8')).plan!;
    plan.planner.gpuBudget = 4;
    plan.cluster.gpusPerNode = 4;
    plan.workload.arrival.ratePerSec = 2.2;
    const pool = new SimPool(plan, { script: path.join(__dirname, '..', '..', '..', 'dist', 'simWorker.js'), size: 2 });
    try {
      const report = await verifyPlan(plan, { highs: await highsReady, runSimulations: pool.runSimulations });
      assert.ok(report.layouts.length >= 10, `${report.layouts.length} layouts`);
      assert.ok(
        report.layouts.some((l) => l.meetsTarget) && report.layouts.some((l) => !l.meetsTarget),
        'layouts differ at this rate',
      );
      for (const check of report.checks) assert.ok(check.pass, `${check.name}: ${check.detail}`);
    } finally {
      await pool.close();
    }
  },
);
