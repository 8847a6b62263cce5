import type { Deployment, Plan, PoolSpec, ReplicaGroup } from '../spec/types';
import { expertParallelProblem } from '../spec/parallelism';
import type { PlanRole } from './ilp';

/** What the planner may build for one role: a GPU pool, and the TP degrees a replica can take there. */
export interface RoleSpace {
  role: PlanRole;
  pool: string;
  poolSpec: PoolSpec;
  /** Allowed TP degrees that place inside one node and whose replica fits in memory. */
  tps: { tp: number; maxReplicas: number }[];
}

export interface ReplicaFit {
  fits: boolean;
  /** Why not, in words (memory figures), when it does not fit. */
  reason?: string;
}

export type FitCheck = (pool: PoolSpec, tp: number) => ReplicaFit;

export interface CandidateSpace {
  roles: RoleSpace[];
  pools: { name: string; gpus: number }[];
  /** GPUs the planner may use: the plan's budget, capped at what the pools hold. */
  budget: number;
  /** Set when nothing can be built; each line says why and what to change. */
  reasons: string[];
  notes: string[];
}

function poolGpus(pool: PoolSpec): number {
  return pool.gpusPerNode * pool.nodes;
}

/**
 * The replica shapes the integer program chooses from: prefill and decode replicas at each allowed
 * TP within the node shape (a TP group never spans nodes) and within memory, in their own pools when
 * the cluster has separate ones, plus co-located replicas when the plan asks for them.
 */
export function candidateSpace(
  plan: Plan,
  fits: FitCheck | undefined,
  smallestFit?: (pool: PoolSpec) => string | undefined,
): CandidateSpace {
  const { cluster, planner } = plan;
  const reasons: string[] = [];
  const notes: string[] = [];
  const separate = cluster.prefillPool !== undefined || cluster.decodePool !== undefined;
  const prefillPool = cluster.prefillPool ?? cluster;
  const decodePool = cluster.decodePool ?? cluster;
  const pools = separate
    ? [
        { name: 'prefill', gpus: poolGpus(prefillPool) },
        { name: 'decode', gpus: poolGpus(decodePool) },
      ]
    : [{ name: 'main', gpus: poolGpus(cluster) }];
  const clusterGpus = pools.reduce((n, p) => n + p.gpus, 0);
  const budget = Math.min(planner.gpuBudget, clusterGpus);
  if (planner.gpuBudget > clusterGpus) {
    notes.push(
      `planner.gpuBudget ${planner.gpuBudget} exceeds the cluster's ${clusterGpus} GPUs; planning with ${clusterGpus}`,
    );
  }
  const epWidths = plan.model.moe ? [...new Set(planner.epDegrees ?? [])] : [];
  const tps = [...new Set([...planner.tpDegrees, ...epWidths])].sort((a, b) => a - b);
  if (!plan.model.moe && (planner.epDegrees?.length ?? 0) > 0)
    notes.push(`planner.epDegrees ignored: ${plan.model.name} has no experts`);

  const misfitReasons = new Map<PlanRole, string>();
  const space = (role: PlanRole, poolName: string, pool: PoolSpec): RoleSpace => {
    const allowed: RoleSpace['tps'] = [];
    const misfits: string[] = [];
    for (const tp of tps) {
      const ep = epWidths.includes(tp);
      const what = ep ? `EP ${tp}` : `TP ${tp}`;
      if (ep) {
        const problem = expertParallelProblem(plan.model, pool.gpusPerNode, tp, planner.attentionTp ?? 1);
        if (problem) {
          notes.push(`${what} skipped for ${role}: ${problem}`);
          continue;
        }
      } else if (tp > pool.gpusPerNode || pool.gpusPerNode % tp !== 0) {
        notes.push(`TP ${tp} skipped for ${role}: a TP group must fit evenly in one ${pool.gpusPerNode}-GPU node`);
        continue;
      }
      const fit = fits?.(pool, tp) ?? { fits: true };
      if (!fit.fits) {
        misfits.push(`${what}${fit.reason ? ` (${fit.reason})` : ''}`);
        continue;
      }
      const maxReplicas =
        tp > pool.gpusPerNode ? Math.floor(pool.nodes / (tp / pool.gpusPerNode)) : pool.nodes * (pool.gpusPerNode / tp);
      if (maxReplicas >= 1) allowed.push({ tp, maxReplicas });
      else notes.push(`${what} skipped for ${role}: the ${poolName} pool has ${pool.nodes * pool.gpusPerNode} GPUs`);
    }
    if (allowed.length > 0 && misfits.length > 0) {
      notes.push(
        `${misfits.join('; ')}: skipped for ${role}, ${plan.model.name} does not fit a replica of that shape on ${pool.gpu.name}`,
      );
    }
    if (allowed.length === 0) {
      misfitReasons.set(
        role,
        misfits.length > 0
          ? `${plan.model.name} does not fit a ${role} replica on ${pool.gpu.name} at any allowed TP: ${misfits.join('; ')}. ` +
              (smallestFit?.(pool) ?? 'Allow a larger TP in planner.tpDegrees or use a GPU with more memory.')
          : `no allowed TP degree (${tps.join(', ')}) fits a ${pool.gpusPerNode}-GPU node of ${pool.gpu.name}; add one that divides ${pool.gpusPerNode} to planner.tpDegrees.`,
      );
    }
    return { role, pool: poolName, poolSpec: pool, tps: allowed };
  };

  const roles: RoleSpace[] = [
    space('prefill', separate ? 'prefill' : 'main', prefillPool),
    space('decode', separate ? 'decode' : 'main', decodePool),
  ];
  if (planner.includeColocated && !separate) roles.push(space('colocated', 'main', cluster));
  if (planner.includeColocated && separate) {
    notes.push('co-located candidates skipped: the cluster has separate prefill and decode pools');
  }

  const disaggregatedMin =
    roles[0].tps.length > 0 && roles[1].tps.length > 0 ? roles[0].tps[0].tp + roles[1].tps[0].tp : Infinity;
  const colocatedMin = roles[2]?.tps[0]?.tp ?? Infinity;
  const disaggregatedPossible = disaggregatedMin !== Infinity;
  // A role that fits nowhere is fatal only when the other family cannot stand in.
  if (!disaggregatedPossible && colocatedMin === Infinity) {
    reasons.push(...[...misfitReasons.entries()].filter(([r]) => r !== 'colocated').map(([, text]) => text));
  } else {
    for (const text of misfitReasons.values()) notes.push(text);
  }
  const smallest = Math.min(disaggregatedMin, colocatedMin);
  if (smallest !== Infinity && smallest > budget) {
    reasons.push(
      `a GPU budget of ${budget} is below the smallest deployment: ` +
        (disaggregatedPossible
          ? `one prefill replica at TP ${roles[0].tps[0].tp} plus one decode replica at TP ${roles[1].tps[0].tp} need ${disaggregatedMin} GPUs`
          : `one co-located replica needs ${colocatedMin} GPUs`) +
        '; raise planner.gpuBudget.',
    );
  }
  return { roles, pools, budget, reasons, notes };
}

/** Groups per role from replica counts, in TP order. */
export function deploymentFromCounts(options: { role: PlanRole; tp: number }[], counts: number[]): Deployment {
  const groups = (role: PlanRole): ReplicaGroup[] =>
    options
      .map((o, i) => ({ role: o.role, tp: o.tp, dp: counts[i] ?? 0 }))
      .filter((g) => g.role === role && g.dp > 0)
      .map(({ tp, dp }) => ({ tp, dp }))
      .sort((a, b) => a.tp - b.tp);
  const colocated = groups('colocated');
  return colocated.length > 0
    ? { kind: 'colocated', colocated }
    : { kind: 'disaggregated', prefill: groups('prefill'), decode: groups('decode') };
}
