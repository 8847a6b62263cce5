import type { Diagnostic, GpuSpec, Plan, PoolSpec, Range, Severity } from '../spec/types';
import { plannedPerfModel, smallestFittingReplica } from './fit';
import { createPerfModel } from './model';
import { expertParallelOptions } from './moe';
import type { MeasuredProfile, PerfModel } from './types';
import { typicalSizes } from './workload';

/** Diagnostic codes of the plan-level physics checks (PDP100–PDP149). */
export const PLAN_CHECK_CODES = {
  fitsNowhere: 'PDP100',
  budgetTooSmall: 'PDP101',
  itlBelowFastestStep: 'PDP102',
  ttftBelowFastestPrefill: 'PDP103',
  deploymentDoesNotFit: 'PDP104',
  profileMismatch: 'PDP105',
  profileCoversNoTp: 'PDP106',
  contextBeyondModel: 'PDP107',
  builtInProfileMissing: 'PDP108',
} as const;

export interface PlanCheckOptions {
  /** Source range of a JSON path in the plan text (the loader's `rangeOf`). */
  rangeOf: (jsonPath: string) => Range;
  /** The parsed profile named by `perf.profile`, when it could be read. */
  profile?: MeasuredProfile;
}

const GB = 1e9;

/** Largest TP degree worth suggesting when none of the plan's fits. */
const LARGEST_SUGGESTED_TP = 64;

interface Role {
  name: 'prefill' | 'decode';
  pool: PoolSpec;
  perf: PerfModel;
  feasibleTps: number[];
}

/**
 * Physics checks of a loaded plan that need the performance model: does the model fit at all,
 * can the GPU budget hold the smallest deployment, can any replica meet the SLOs. They only use
 * analytical estimates (or the profile) at the plan's allowed TP degrees, so they are fast enough
 * to run on every keystroke.
 */
export function checkPlanPhysics(plan: Plan, options: PlanCheckOptions): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (severity: Severity, code: string, path: string, message: string): void => {
    diagnostics.push({ severity, code, message, path, range: options.rangeOf(path) });
  };
  const sizes = typicalSizes(plan.workload);
  const epWidths = plan.model.moe ? (plan.planner.epDegrees ?? []) : [];
  const tps = [...new Set([...plan.planner.tpDegrees, ...epWidths])]
    .filter((tp) => Number.isInteger(tp) && tp >= 1)
    .sort((a, b) => a - b);
  if (tps.length === 0) return diagnostics;

  const models = new Map<GpuSpec, Map<string, PerfModel>>();
  const perfFor = (pool: PoolSpec, name: Role['name']): PerfModel => {
    const byRole = models.get(pool.gpu) ?? new Map<string, PerfModel>();
    models.set(pool.gpu, byRole);
    let perf = byRole.get(name);
    if (!perf) {
      perf = plannedPerfModel(plan, pool, name, sizes.decodeContextTokens, options.profile);
      byRole.set(name, perf);
    }
    return perf;
  };
  const role = (name: Role['name'], pool: PoolSpec): Role => {
    const perf = perfFor(pool, name);
    return {
      name,
      pool,
      perf,
      feasibleTps: tps.filter((tp) => tp <= pool.gpusPerNode * pool.nodes && perf.memoryPlan(tp).fits),
    };
  };
  const prefill = role('prefill', plan.cluster.prefillPool ?? plan.cluster);
  const decode = role('decode', plan.cluster.decodePool ?? plan.cluster);
  const colocated = role('decode', plan.cluster);

  if (sizes.decodeContextTokens > plan.model.maxContextTokens) {
    report(
      'warning',
      PLAN_CHECK_CODES.contextBeyondModel,
      '/workload',
      `sessions grow to about ${sizes.decodeContextTokens} tokens of context on average, beyond ${plan.model.name}'s ${plan.model.maxContextTokens}-token limit; long sessions would be truncated or rejected.`,
    );
  }

  const shapeName = (width: number) => (epWidths.includes(width) ? `EP ${width}` : `TP ${width}`);
  let anyRoleUnfit = false;
  for (const r of plan.cluster.prefillPool || plan.cluster.decodePool ? [prefill, decode] : [decode]) {
    if (r.feasibleTps.length > 0) continue;
    anyRoleUnfit = true;
    const perf = r.perf;
    const memory = perf.memoryPlan(tps[tps.length - 1]);
    const smallest = plan.model.moe ? undefined : smallestFittingTp(perf, tps[tps.length - 1]);
    const gpu = r.pool.gpu;
    const where = plan.cluster.prefillPool || plan.cluster.decodePool ? ` (${r.name} pool)` : '';
    report(
      'error',
      PLAN_CHECK_CODES.fitsNowhere,
      '/planner/tpDegrees',
      `${plan.model.name} fits in no replica at ${tps.map(shapeName).join(', ')} on ${gpu.name}${where}: at ${shapeName(memory.tp)} it needs ` +
        `${(memory.weightBytesPerGpu / GB).toFixed(1)} GB of weights per GPU plus ${(memory.reserveBytesPerGpu / GB).toFixed(1)} GB reserve ` +
        `and room for one ${sizes.decodeContextTokens}-token context, out of ${gpu.memoryGB} GB. ` +
        (plan.model.moe
          ? smallestFittingReplica(plan, r.pool)
          : smallest !== undefined
            ? `Allow TP ${smallest} or more in planner.tpDegrees${smallest > r.pool.gpusPerNode * r.pool.nodes ? ' (and add GPUs)' : ''}, or use a GPU with more memory.`
            : 'Use a GPU with more memory or a quantised model.'),
    );
  }
  if (anyRoleUnfit) return diagnostics;

  const minPrefillTp = prefill.feasibleTps[0];
  const minDecodeTp = decode.feasibleTps[0];
  const smallestDisaggregated = minPrefillTp + minDecodeTp;
  const smallestColocated =
    plan.planner.includeColocated && colocated.feasibleTps.length > 0 ? colocated.feasibleTps[0] : Infinity;
  const smallest = Math.min(smallestDisaggregated, smallestColocated);
  if (plan.planner.gpuBudget < smallest) {
    const detail =
      smallest === smallestColocated
        ? `one co-located replica at TP ${smallestColocated}`
        : `one prefill replica at TP ${minPrefillTp} and one decode replica at TP ${minDecodeTp}`;
    report(
      'error',
      PLAN_CHECK_CODES.budgetTooSmall,
      '/planner/gpuBudget',
      `a GPU budget of ${plan.planner.gpuBudget} is below the smallest deployment of ${plan.model.name} that fits, ${detail} = ${smallest} GPUs. Raise planner.gpuBudget to at least ${smallest}.`,
    );
  }

  const fastestDecode = Math.min(
    ...decode.feasibleTps.map((tp) => decode.perf.decodeStepMs(1, sizes.decodeContextTokens, tp)),
  );
  if (plan.slo.itlMs < fastestDecode) {
    report(
      'warning',
      PLAN_CHECK_CODES.itlBelowFastestStep,
      '/slo/itlMs',
      `the ITL SLO of ${plan.slo.itlMs} ms is below the fastest possible decode step, ${fastestDecode.toFixed(1)} ms (one sequence of ${sizes.decodeContextTokens} tokens at the best allowed TP); no deployment can meet it. Allow larger TP degrees, a faster GPU, or relax slo.itlMs.`,
    );
  }
  const prompt = Math.round(sizes.promptTokens);
  const fastestPrefill = Math.min(...prefill.feasibleTps.map((tp) => prefill.perf.prefillMs(0, prompt, tp)));
  if (plan.slo.ttftMs < fastestPrefill) {
    report(
      'warning',
      PLAN_CHECK_CODES.ttftBelowFastestPrefill,
      '/slo/ttftMs',
      `the TTFT SLO of ${plan.slo.ttftMs} ms is below the fastest possible prefill of the typical ${prompt}-token first prompt, ${fastestPrefill.toFixed(1)} ms at the best allowed TP, even with no queueing; first rounds will miss it. Allow larger TP degrees or relax slo.ttftMs.`,
    );
  }

  const deployment = plan.deployment;
  if (deployment) {
    const groups =
      deployment.kind === 'colocated'
        ? deployment.colocated.map((g) => ({ role: colocated, group: g, label: 'co-located' as const }))
        : [
            ...deployment.prefill.map((g) => ({ role: prefill, group: g, label: 'prefill' as const })),
            ...deployment.decode.map((g) => ({ role: decode, group: g, label: 'decode' as const })),
          ];
    for (const { role: r, group, label } of groups) {
      // A group written expert-parallel ('EP32') runs so whatever planner.epDegrees says.
      const perf = group.ep
        ? createPerfModel(plan.model, r.pool.gpu, {
            intraNode: r.pool.intraNode,
            perf: plan.perf,
            typicalContextTokens: sizes.decodeContextTokens,
            expertParallel: expertParallelOptions(r.pool, [group], label === 'co-located' ? 'colocated' : label),
          })
        : r.perf;
      const memory = perf.memoryPlan(group.tp);
      if (memory.fits) continue;
      const shape = group.ep ? `EP ${group.tp}` : `TP ${group.tp}`;
      report(
        'error',
        PLAN_CHECK_CODES.deploymentDoesNotFit,
        '/deployment',
        `the ${label} replicas at ${shape} cannot hold ${plan.model.name}: ${(memory.weightBytesPerGpu / GB).toFixed(1)} GB of weights per GPU leave room for ${memory.kvCapacityTokens} KV tokens, less than one ${sizes.decodeContextTokens}-token context. ` +
          (plan.model.moe ? smallestFittingReplica(plan, r.pool) : 'Use a larger TP.'),
      );
    }
  }

  if (options.profile) checkProfileAgainstPlan(plan, options.profile, tps, report);
  return diagnostics;
}

function smallestFittingTp(perf: PerfModel, above: number): number | undefined {
  for (let tp = 1; tp <= LARGEST_SUGGESTED_TP; tp *= 2) {
    if (tp > above && perf.memoryPlan(tp).fits) return tp;
  }
  return undefined;
}

/**
 * Loose name match on the words that carry a number ("h100", "3.1", "70b"): names match when the
 * numbered words of one are all among the other's, so 'NVIDIA H100 80GB HBM3' matches 'h100-sxm'
 * and 'meta-llama/Llama-3.1-70B' matches 'llama-3.1-70b', but H100 never matches H200.
 */
function namesMatch(a: string, b: string): boolean {
  const numbered = (s: string) =>
    s
      .toLowerCase()
      .split(/[^a-z0-9.]+/)
      .filter((w) => /[0-9]/.test(w));
  const [x, y] = [numbered(a), numbered(b)];
  const [shorter, longer] = x.length <= y.length ? [x, new Set(y)] : [y, new Set(x)];
  return shorter.every((w) => longer.has(w));
}

function checkProfileAgainstPlan(
  plan: Plan,
  profile: MeasuredProfile,
  tps: number[],
  report: (severity: Severity, code: string, path: string, message: string) => void,
): void {
  const { gpu, model } = profile.metadata;
  if (model && !namesMatch(model, plan.model.name)) {
    report(
      'warning',
      PLAN_CHECK_CODES.profileMismatch,
      '/perf/profile',
      `the profile was measured on model '${model}', but the plan serves '${plan.model.name}'; its times may not apply.`,
    );
  }
  if (gpu && !namesMatch(gpu, plan.cluster.gpu.name)) {
    report(
      'warning',
      PLAN_CHECK_CODES.profileMismatch,
      '/perf/profile',
      `the profile was measured on '${gpu}', but the plan's GPU is '${plan.cluster.gpu.name}'; its times may not apply.`,
    );
  }
  const covered = new Set([...profile.prefill, ...profile.decode, ...profile.kvCopy].map((s) => s.tp));
  if (covered.size > 0 && !tps.some((tp) => covered.has(tp))) {
    report(
      'warning',
      PLAN_CHECK_CODES.profileCoversNoTp,
      '/perf/profile',
      `the profile has samples at TP ${[...covered].sort((a, b) => a - b).join(', ')} but the plan allows TP ${tps.join(', ')}; the analytical model is used for all of them.`,
    );
  }
}
