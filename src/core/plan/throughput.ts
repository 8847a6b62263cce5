import { createPerfModel } from '../perf/model';
import { expertParallelOptions } from '../perf/moe';
import type { PerfModel } from '../perf/types';
import { typicalSizes } from '../perf/workload';
import { replicaShape } from '../spec/deployment';
import type { Deployment, Plan, PoolSpec, ReplicaGroup } from '../spec/types';

type Role = 'prefill' | 'decode' | 'colocated';

/** What one replica group of a layout moves per node, by the perf model and at the plan's load. */
export interface GroupThroughput {
  role: Role;
  /** `EP32`, `8` (TP 8), as in the deployment notation. */
  shape: string;
  replicas: number;
  gpus: number;
  /** Nodes the group's GPUs fill (fractional when replicas share nodes). */
  nodes: number;
  /** Workers per replica (data-parallel attention ranks of an expert-parallel replica, else 1). */
  ranksPerReplica: number;
  /** Prefill: first-round prompts back to back on every rank, input tokens/s per node. */
  inputTokensPerSecPerNode?: number;
  promptTokens?: number;
  prefillMs?: number;
  /** Decode: the largest batch per rank whose step meets the ITL SLO (and fits KV), output tokens/s per node. */
  outputTokensPerSecPerNode?: number;
  decodeBatchPerRank?: number;
  stepMs?: number;
}

export interface LayoutThroughput {
  groups: GroupThroughput[];
  /** The plan's arrival rate spread over the layout's nodes of each role. */
  atLoad: { ratePerSec: number; inputTokensPerSecPerPrefillNode?: number; outputTokensPerSecPerDecodeNode?: number };
}

function rolePerf(plan: Plan, pool: PoolSpec, role: Role, groups: ReplicaGroup[], context: number): PerfModel {
  return createPerfModel(plan.model, pool.gpu, {
    intraNode: pool.intraNode,
    perf: plan.perf,
    typicalContextTokens: context,
    expertParallel: expertParallelOptions(pool, groups, role),
  });
}

/** Prefill time of a prompt in the simulator's chunks of policy.maxBatchTokens. */
function chunkedPrefillMs(perf: PerfModel, tokens: number, chunk: number, tp: number): number {
  let ms = 0;
  for (let done = 0; done < tokens; done += chunk) ms += perf.prefillMs(done, Math.min(chunk, tokens - done), tp);
  return ms;
}

/** The largest batch at or below `cap` whose decode step at `context` tokens each meets `itlMs` (at least 1). */
function decodeBatchWithin(
  perf: PerfModel,
  tp: number,
  context: number,
  cap: number,
  itlMs: number,
): { batch: number; stepMs: number } {
  let lo = 1;
  let hi = Math.max(1, cap);
  const step = (b: number) => perf.decodeStepMs(b, b * context, tp);
  if (step(hi) <= itlMs) return { batch: hi, stepMs: step(hi) };
  if (step(lo) > itlMs) return { batch: 1, stepMs: step(1) };
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (step(mid) <= itlMs) lo = mid;
    else hi = mid;
  }
  return { batch: lo, stepMs: step(lo) };
}

/**
 * Per-node throughput of a layout's replica groups: input tokens/s of a prefill node running
 * first-round prompts back to back, and output tokens/s of a decode node at the largest batch
 * whose step meets the ITL SLO; plus what the plan's arrival rate asks of each role's nodes.
 */
export function layoutThroughput(plan: Plan, deployment: Deployment): LayoutThroughput {
  const sizes = typicalSizes(plan.workload);
  const context = sizes.decodeContextTokens;
  const prompt = Math.max(1, Math.round(sizes.promptTokens));
  const chunk = Math.max(1, plan.policy.maxBatchTokens);
  const out: GroupThroughput[] = [];
  const roles: [Role, ReplicaGroup[], PoolSpec][] =
    deployment.kind === 'colocated'
      ? [['colocated', deployment.colocated, plan.cluster]]
      : [
          ['prefill', deployment.prefill, plan.cluster.prefillPool ?? plan.cluster],
          ['decode', deployment.decode, plan.cluster.decodePool ?? plan.cluster],
        ];
  for (const [role, groups, pool] of roles) {
    const perf = rolePerf(plan, pool, role, groups, context);
    for (const g of groups) {
      const ranks = perf.dpRanks?.(g.tp) ?? 1;
      const nodesPerReplica = g.tp / pool.gpusPerNode;
      const row: GroupThroughput = {
        role,
        shape: replicaShape(g),
        replicas: g.dp,
        gpus: g.tp * g.dp,
        nodes: nodesPerReplica * g.dp,
        ranksPerReplica: ranks,
      };
      if (role !== 'decode') {
        const ms = chunkedPrefillMs(perf, prompt, chunk, g.tp);
        row.promptTokens = prompt;
        row.prefillMs = ms;
        row.inputTokensPerSecPerNode = (ranks * prompt * 1000) / ms / nodesPerReplica;
      }
      if (role !== 'prefill') {
        const memory = perf.memoryPlan(g.tp);
        const cap = Math.min(plan.policy.maxDecodeBatch, Math.floor(memory.kvCapacityTokens / Math.max(1, context)));
        const { batch, stepMs } = decodeBatchWithin(perf, g.tp, context, cap, plan.slo.itlMs);
        row.decodeBatchPerRank = batch;
        row.stepMs = stepMs;
        row.outputTokensPerSecPerNode = (ranks * batch * 1000) / stepMs / nodesPerReplica;
      }
      out.push(row);
    }
  }
  const rate = plan.workload.arrival.ratePerSec;
  const inputPerSession = sizes.promptTokens + (sizes.rounds - 1) * sizes.incrementalTokens;
  const outputPerSession = sizes.rounds * sizes.outputTokens;
  const nodesOf = (role: Role) => out.filter((g) => g.role === role).reduce((n, g) => n + g.nodes, 0);
  const atLoad: LayoutThroughput['atLoad'] = { ratePerSec: rate };
  if (deployment.kind === 'disaggregated') {
    atLoad.inputTokensPerSecPerPrefillNode = (rate * inputPerSession) / nodesOf('prefill');
    atLoad.outputTokensPerSecPerDecodeNode = (rate * outputPerSession) / nodesOf('decode');
  }
  return { groups: out, atLoad };
}
