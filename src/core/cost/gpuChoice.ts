import { deepCopy } from '../spec/copy';
import { findGpu } from '../spec/catalog';
import { formatDeployment } from '../spec/deployment';
import { checkRunOverrides } from '../spec/overrides';
import { SimInputError, simulate, type SimInput } from '../sim';
import type { MeasureSpec, SimResult } from '../sim/types';
import type { Deployment, GpuSpec, Plan, PoolSpec } from '../spec/types';
import { sweepLayouts } from '../pareto';
import { layoutCost, measuredCost, type LayoutCost, type MeasuredCost } from './index';

/**
 * Which GPU type serves the plan's workload within its SLO target at the lowest cost: for each type,
 * the cheapest layout within the GPU budget whose simulated attainment (at the plan's rate, in
 * steady state) reaches the target, found by simulating layouts from the cheapest up. A layout
 * that passes a short screening run is confirmed by a longer one; only a confirmed layout answers.
 *
 * With two or more types, each ordered pair of different types is tried too: prefill replicas on
 * one type and decode replicas on the other ("the right chip for each phase"), as two pools whose
 * KV cache moves over the plan's inter-node link (or its crossCluster link). The simulator runs
 * each pool on its own GPU's performance model.
 */

export interface GpuOption {
  /** `H200` for one type, `P:H200 + D:H100-SXM` for a pair. */
  gpu: string;
  /** GPU type of the prefill replicas (co-located replicas too, for one type). */
  prefillGpu: string;
  /** GPU type of the decode replicas. */
  decodeGpu: string;
  /** The cheapest confirmed layout, or undefined when none within the budget meets the target. */
  layout?: string;
  deployment?: Deployment;
  cost?: MeasuredCost | LayoutCost;
  attainment?: number;
  attainmentCi95?: [number, number];
  /** Layouts simulated for this type (screening and confirmation). */
  simulations: number;
  /** Why there is no answer, or what was assumed. */
  notes: string[];
}

export interface GpuChoice {
  options: GpuOption[];
  /** The option with the lowest $/hour among those with an answer and a price. */
  cheapest?: string;
  /** The cheapest among the one-type options, and among the pairs (when pairs were tried). */
  cheapestSingle?: string;
  cheapestPair?: string;
  ratePerSec: number;
  attainmentTarget: number;
}

export const SCREEN_MEASURE: MeasureSpec = { sessions: 300, maxReplications: 1, halfWidth: 0.05 };
export const CONFIRM_MEASURE: MeasureSpec = { sessions: 1000, maxReplications: 2, halfWidth: 0.02 };

/** The plan with every pool on this GPU type; a measured profile of another GPU no longer applies. */
export function planOnGpu(plan: Plan, name: string): { plan: Plan; notes: string[] } | { error: string } {
  const gpu = findGpu(name);
  if (!gpu) return { error: `'${name}' is not a GPU type of the catalog (catalog/gpus.json)` };
  const copy = deepCopy(plan) as Plan;
  // The plan's node links are kept: they describe the user's network, whichever GPU sits in it.
  for (const pool of [copy.cluster, copy.cluster.prefillPool, copy.cluster.decodePool]) if (pool) pool.gpu = gpu;
  const notes: string[] = [];
  if (copy.perf.profile && gpu.name !== plan.cluster.gpu.name) {
    notes.push(
      `the plan's measured profile '${copy.perf.profile}' is of ${plan.cluster.gpu.name}; ${gpu.name} runs on the analytical model`,
    );
    delete copy.perf.profile;
  }
  delete copy.deployment;
  return { plan: copy, notes };
}

/**
 * The plan with prefill replicas on one GPU type and decode replicas on another: two pools, each the
 * size of the plan's pool for that role (its main cluster when it has none), with that pool's node
 * links (they describe the user's network, as for one type). KV cache moves between the pools
 * over the plan's crossCluster link, else its inter-node link.
 */
export function planOnGpuPair(
  plan: Plan,
  prefillName: string,
  decodeName: string,
): { plan: Plan; notes: string[] } | { error: string } {
  const prefillGpu = findGpu(prefillName);
  const decodeGpu = findGpu(decodeName);
  const unknown = !prefillGpu ? prefillName : !decodeGpu ? decodeName : undefined;
  if (unknown !== undefined || !prefillGpu || !decodeGpu)
    return { error: `'${unknown}' is not a GPU type of the catalog (catalog/gpus.json)` };
  const copy = deepCopy(plan) as Plan;
  const cluster = copy.cluster;
  const pool = (from: PoolSpec, gpu: GpuSpec): PoolSpec => ({
    gpu,
    gpusPerNode: from.gpusPerNode,
    nodes: from.nodes,
    intraNode: from.intraNode,
    interNode: from.interNode,
  });
  cluster.prefillPool = pool(plan.cluster.prefillPool ?? plan.cluster, prefillGpu);
  cluster.decodePool = pool(plan.cluster.decodePool ?? plan.cluster, decodeGpu);
  cluster.crossCluster = plan.cluster.crossCluster ?? plan.cluster.interNode;
  cluster.gpu = decodeGpu;
  const notes: string[] = [];
  if (copy.perf.profile) {
    notes.push(
      `the plan's measured profile '${copy.perf.profile}' is of ${plan.cluster.gpu.name}; both pools run on the analytical model`,
    );
    delete copy.perf.profile;
  }
  delete copy.deployment;
  return { plan: copy, notes };
}

export interface GpuChoiceOptions {
  plan: Plan;
  gpus: string[];
  /**
   * Also each ordered pair of different types as prefill and decode pools (default true with two or
   * more types), and the plan's own split pools when they are of two types. false: neither.
   */
  pairs?: boolean;
  simulateFn?: (input: SimInput) => SimResult;
  /** Profile for the plan's own GPU type (other types run on the analytical model). */
  profile?: SimInput['profile'];
  onProgress?(gpu: string, simulations: number): void;
}

function costOrder(plan: Plan, layouts: Deployment[]): Deployment[] {
  const key = (d: Deployment) => {
    const cost = layoutCost(plan, d);
    return [cost.usdPerHour ?? cost.gpus, cost.gpus];
  };
  return [...layouts].sort((a, b) => {
    const [ca, ga] = key(a);
    const [cb, gb] = key(b);
    return ca - cb || ga - gb;
  });
}

interface Candidate {
  label: string;
  prefillGpu: string;
  decodeGpu: string;
  moved: { plan: Plan; notes: string[] } | { error: string };
  /** The plan's measured profile still applies (the plan's own type, unchanged). */
  keepsProfile: boolean;
}

function cheapestFor(candidate: Candidate, options: GpuChoiceOptions): GpuOption {
  const { label, prefillGpu, decodeGpu, moved } = candidate;
  const named = { gpu: label, prefillGpu, decodeGpu };
  if ('error' in moved) return { ...named, simulations: 0, notes: [moved.error] };
  const run = options.simulateFn ?? simulate;
  const { plan, notes } = moved;
  const target = plan.slo.attainmentTarget;
  const routingFor = (d: Deployment) =>
    d.kind === 'colocated'
      ? { name: 'colocated' as const }
      : plan.policy.routing.name === 'colocated' || plan.policy.routing.name === 'continuum'
        ? { name: 'adaptive' as const }
        : plan.policy.routing;
  const candidates = costOrder(
    plan,
    sweepLayouts(plan, true).filter(
      (d) =>
        checkRunOverrides(plan, { deployment: formatDeployment(d), policy: routingFor(d).name }).problems.length === 0,
    ),
  );
  const profile = candidate.keepsProfile ? options.profile : undefined;
  let simulations = 0;
  const attempt = (deployment: Deployment, measure: MeasureSpec): SimResult | undefined => {
    simulations++;
    try {
      return run({ plan, deployment, routing: routingFor(deployment), measure, profile });
    } catch (error) {
      if (error instanceof SimInputError) return undefined;
      throw error;
    }
  };
  const meets = (r: SimResult | undefined) =>
    r !== undefined && !r.metrics.unstable && r.metrics.sloAttainment >= target;
  for (const deployment of candidates) {
    const screen = attempt(deployment, SCREEN_MEASURE);
    options.onProgress?.(label, simulations);
    if (!meets(screen)) continue;
    const confirm = attempt(deployment, CONFIRM_MEASURE);
    options.onProgress?.(label, simulations);
    if (!meets(confirm)) continue;
    const m = confirm!.metrics;
    return {
      ...named,
      layout: formatDeployment(deployment),
      deployment,
      cost: measuredCost(plan, deployment, m) ?? layoutCost(plan, deployment),
      attainment: m.sloAttainment,
      ...(m.sloAttainmentCi95 ? { attainmentCi95: m.sloAttainmentCi95 } : {}),
      simulations,
      notes,
    };
  }
  return {
    ...named,
    simulations,
    notes: [
      ...notes,
      `no layout within planner.gpuBudget ${plan.planner.gpuBudget} meets ${(target * 100).toFixed(1)}% at ${plan.workload.arrival.ratePerSec} sessions/s`,
    ],
  };
}

/** One-type candidates, then (when asked) each ordered pair of different types as prefill + decode pools. */
function candidatesOf(plan: Plan, names: string[], pairs: boolean): Candidate[] {
  const canonical = (name: string) => findGpu(name)?.name ?? name;
  const singles: Candidate[] = names.map((name) => {
    const moved = planOnGpu(plan, name);
    const gpu = canonical(name);
    return { label: gpu, prefillGpu: gpu, decodeGpu: gpu, moved, keepsProfile: gpu === plan.cluster.gpu.name };
  });
  if (!pairs) return singles;
  const known = [...new Set(names.filter((n) => findGpu(n)).map(canonical))];
  const mixed: Candidate[] = [];
  for (const prefill of known) {
    for (const decode of known) {
      if (prefill === decode) continue;
      mixed.push({
        label: `P:${prefill} + D:${decode}`,
        prefillGpu: prefill,
        decodeGpu: decode,
        moved: planOnGpuPair(plan, prefill, decode),
        keepsProfile: false,
      });
    }
  }
  return [...singles, ...mixed];
}

/**
 * The plan's own split pools as one more option (its GPU specs as written: an inline GPU that the
 * catalog does not name is compared too), unless the pairs already hold that pair of types.
 */
function ownPools(plan: Plan, others: Candidate[]): Candidate | undefined {
  const prefill = (plan.cluster.prefillPool ?? plan.cluster).gpu.name;
  const decode = (plan.cluster.decodePool ?? plan.cluster).gpu.name;
  if (prefill === decode) return undefined;
  const label = `P:${prefill} + D:${decode}`;
  if (others.some((c) => c.label === label)) return undefined;
  const copy = deepCopy(plan) as Plan;
  delete copy.deployment;
  return {
    label,
    prefillGpu: prefill,
    decodeGpu: decode,
    moved: { plan: copy, notes: ["the plan's own pools"] },
    keepsProfile: true,
  };
}

/** The GPU types the plan's roles run on (its pools' types when it has separate pools), catalog names. */
export function planGpuTypes(plan: Plan): string[] {
  const roles = [
    (plan.cluster.prefillPool ?? plan.cluster).gpu.name,
    (plan.cluster.decodePool ?? plan.cluster).gpu.name,
  ];
  const known = roles.filter((name) => findGpu(name) !== undefined).map((name) => findGpu(name)!.name);
  return known.length > 0 ? [...new Set(known)] : [plan.cluster.gpu.name];
}

function cheapestOf(options: GpuOption[]): string | undefined {
  const priced = options.filter((o) => o.cost && o.cost.usdPerHour !== null);
  return priced.length ? priced.reduce((a, b) => (b.cost!.usdPerHour! < a.cost!.usdPerHour! ? b : a)).gpu : undefined;
}

export function chooseGpu(options: GpuChoiceOptions): GpuChoice {
  const names = [...new Set(options.gpus.map((g) => g.trim()).filter((g) => g !== ''))];
  const pairs = (options.pairs ?? true) && names.length >= 2;
  const candidates = candidatesOf(options.plan, names, pairs);
  const own = options.pairs === false ? undefined : ownPools(options.plan, candidates);
  const results = [...candidates, ...(own ? [own] : [])].map((c) => cheapestFor(c, options));
  const singles = results.filter((o) => o.prefillGpu === o.decodeGpu);
  const mixed = results.filter((o) => o.prefillGpu !== o.decodeGpu);
  return {
    options: results,
    cheapest: cheapestOf(results),
    cheapestSingle: cheapestOf(singles),
    ...(mixed.length > 0 ? { cheapestPair: cheapestOf(mixed) } : {}),
    ratePerSec: options.plan.workload.arrival.ratePerSec,
    attainmentTarget: options.plan.slo.attainmentTarget,
  };
}
