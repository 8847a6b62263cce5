/**
 * The plan job: the planner on HiGHS with the planner engineer's simulation pool (dist/simWorker.js
 * threads) — the same dependencies `pdplan plan` uses — plus its attainment-versus-rate sweep.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { planDeployment } from '../core/plan';
import type { RunControl } from '../core/control';
import type { MeasuredProfile } from '../core/perf/types';
import type { Plan } from '../core/spec/types';
import type { PlanResult } from '../core/plan/types';
import { loadHighsSolver } from './highs';
import { SimPool } from './pool';

/** Leave a core for the editor: the pool is the heavy part of a plan run. */
export function poolSize(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

export async function runPlanJob(
  plan: Plan,
  profile: MeasuredProfile | undefined,
  sweepRates: number[] | undefined,
  control: RunControl,
): Promise<PlanResult> {
  const highs = await loadHighsSolver();
  const pool = new SimPool(plan, { script: path.join(__dirname, 'simWorker.js'), size: poolSize(), profile });
  const rates = sweepRates ?? [];
  try {
    return await planDeployment(
      plan,
      { highs, runSimulations: pool.runSimulations, now: () => performance.now(), control },
      rates.length >= 2 ? { sweepRate: { from: Math.min(...rates), to: Math.max(...rates), steps: rates.length } } : {},
    );
  } finally {
    await pool.close();
  }
}
