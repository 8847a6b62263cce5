import { createPerfModel } from './model';
import { a2aLinks, type ExpertParallelShape } from './moe';
import type { MeasuredProfile, PerfModel } from './types';
import { expertParallelProblem } from '../spec/parallelism';
import { tpSuitsModel } from '../spec/resolve';
import type { Plan, PoolSpec } from '../spec/types';

type Role = 'prefill' | 'decode' | 'colocated';

/**
 * The widths of planner.epDegrees a pool can run expert-parallel (MoE models only), as the shapes
 * a role runs them in: the planner's and the plan checks' view of "which widths are EP".
 */
export function plannedShapes(plan: Plan, pool: PoolSpec, role: Role): ExpertParallelShape[] {
  if (!plan.model.moe) return [];
  const attentionTp = plan.planner.attentionTp ?? 1;
  return (plan.planner.epDegrees ?? [])
    .filter((w) => !expertParallelProblem(plan.model, pool.gpusPerNode, w, attentionTp))
    .map((gpus) => ({ gpus, attentionTp, mode: role === 'decode' ? 'low-latency' : 'normal' }));
}

/** The perf model of a role on a pool, with the plan's expert-parallel widths. */
export function plannedPerfModel(
  plan: Plan,
  pool: PoolSpec,
  role: Role,
  typicalContextTokens?: number,
  profile?: MeasuredProfile,
): PerfModel {
  const shapes = plannedShapes(plan, pool, role);
  return createPerfModel(plan.model, pool.gpu, {
    intraNode: pool.intraNode,
    perf: plan.perf,
    profile,
    typicalContextTokens,
    expertParallel: shapes.length > 0 ? { shapes, links: a2aLinks(pool) } : undefined,
  });
}

/** The perf model of one replica width on a pool, with that width's planned shape. */
export function perfForWidth(
  plan: Plan,
  pool: PoolSpec,
  width: number,
  role: Role,
  typicalContextTokens?: number,
): PerfModel {
  return plannedPerfModel(
    { ...plan, planner: { ...plan.planner, epDegrees: (plan.planner.epDegrees ?? []).filter((w) => w === width) } },
    pool,
    role,
    typicalContextTokens,
  );
}

/** Replica widths a pool could run, smallest first, with how: TP within a node, expert-parallel up to the pool. */
function possibleShapes(plan: Plan, pool: PoolSpec): { width: number; ep: boolean }[] {
  const out: { width: number; ep: boolean }[] = [];
  const perNode = pool.gpusPerNode;
  for (let w = 1; w <= perNode; w++)
    if (perNode % w === 0 && tpSuitsModel(w, plan.model)) out.push({ width: w, ep: false });
  if (plan.model.moe) {
    const attentionTp = plan.planner.attentionTp ?? 1;
    const widths = new Set<number>();
    for (let w = 2; w <= perNode; w++) if (perNode % w === 0) widths.add(w);
    for (let w = perNode; w <= perNode * pool.nodes; w += perNode) widths.add(w);
    for (const w of [...widths].sort((a, b) => a - b)) {
      if (!expertParallelProblem(plan.model, perNode, w, attentionTp)) out.push({ width: w, ep: true });
    }
  }
  return out.sort((a, b) => a.width - b.width || Number(a.ep) - Number(b.ep));
}

/**
 * What to write when no allowed replica fits in memory: the smallest replica that would, TP or
 * expert-parallel, and the planner setting that allows it.
 */
export function smallestFittingReplica(plan: Plan, pool: PoolSpec): string | undefined {
  for (const { width, ep } of possibleShapes(plan, pool)) {
    const epPlan: Plan = ep
      ? { ...plan, planner: { ...plan.planner, epDegrees: [width] } }
      : { ...plan, planner: { ...plan.planner, epDegrees: [] } };
    if (!perfForWidth(epPlan, pool, width, 'decode').memoryPlan(width).fits) continue;
    if (!ep) return `The smallest replica that fits is TP ${width}: add ${width} to planner.tpDegrees.`;
    const nodes = width > pool.gpusPerNode ? ` (${width / pool.gpusPerNode} nodes of ${pool.gpusPerNode})` : '';
    return `The smallest replica that fits is expert-parallel EP${width}${nodes}: add ${width} to planner.epDegrees (a deployment writes it 'EP${width}').`;
  }
  return `No replica of ${pool.nodes} x ${pool.gpusPerNode} ${pool.gpu.name} fits ${plan.model.name}; use a GPU with more memory or add nodes.`;
}
