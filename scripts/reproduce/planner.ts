// Runs the real planner (HiGHS + simulation) for the report, the same code path as `pdplan plan`.

import { planDeployment } from '../../src/core/plan';
import type { PlanResult } from '../../src/core/plan/types';
import type { Deployment, Plan } from '../../src/core/spec/types';
import { formatDeployment } from '../../src/core/spec/deployment';
import { loadHighsSolver } from '../../src/workers/highs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SimPool } from '../../src/workers/pool';

/** The bundled worker: `npm run reproduce` builds before it runs. */
const WORKER_SCRIPT = path.join(__dirname, '..', '..', 'dist', 'simWorker.js');

export interface PlannerSummary {
  text: string;
  recommended?: string;
  candidates: Array<{ rank: number; layout: string; gpus: number; sloAttainment: number }>;
}

function recommendedDeployment(result: PlanResult): Deployment | undefined {
  return result.recommended.deployment;
}

export async function planForReport(plan: Plan): Promise<{ deployment?: Deployment; summary: PlannerSummary }> {
  const pool = new SimPool(plan, { script: WORKER_SCRIPT });
  try {
    const result = await planDeployment(
      plan,
      { highs: await loadHighsSolver(), runSimulations: pool.runSimulations, now: () => performance.now() },
      { objective: 'max-attainment' },
    );
    const deployment = recommendedDeployment(result);
    const candidates = result.candidates.map((c) => ({
      rank: c.rank,
      layout: formatDeployment(c.deployment),
      gpus: c.gpus,
      sloAttainment: c.predicted.sloAttainment,
    }));
    const listed = candidates
      .map((c) => `#${c.rank} \`${c.layout}\` (${c.gpus} GPUs) ${(100 * c.sloAttainment).toFixed(1)}%`)
      .join('; ');
    const text = deployment
      ? `\`pdplan plan\` recommends \`${formatDeployment(deployment)}\` (HiGHS ${result.solver.status}, ${result.solver.ms.toFixed(0)} ms; ${result.coefficientSimulations} coefficient simulations). Simulated ranking of its top candidates: ${listed}.`
      : `The planner found no feasible deployment: ${(result.infeasibleReasons ?? []).join('; ')}`;
    return { deployment, summary: { text, recommended: deployment && formatDeployment(deployment), candidates } };
  } finally {
    await pool.close();
  }
}
