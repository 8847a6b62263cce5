import { deepCopy } from '../spec/copy';
import { findGpu } from '../spec/catalog';
import { formatDeployment } from '../spec/deployment';
import { checkRunOverrides } from '../spec/overrides';
import { SimInputError, simulate, type SimInput } from '../sim';
import type { MeasureSpec, SimResult } from '../sim/types';
import type { Deployment, Plan } from '../spec/types';
import { sweepLayouts } from '../pareto';
import { layoutCost, measuredCost, type LayoutCost, type MeasuredCost } from './index';

/**
 * Which GPU type serves the plan's workload within its SLO target at the lowest cost: for each type,
 * the cheapest layout within the GPU budget whose simulated attainment (at the plan's rate, in
 * steady state) reaches the target, found by simulating layouts from the cheapest up. A layout
 * that passes a short screening run is confirmed by a longer one; only a confirmed layout answers.
 */

export interface GpuOption {
  gpu: string;
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
  copy.cluster.gpu = gpu;
  if (copy.cluster.prefillPool) copy.cluster.prefillPool.gpu = gpu;
  if (copy.cluster.decodePool) copy.cluster.decodePool.gpu = gpu;
  const notes: string[] = [];
  if (copy.perf.profile && gpu.name !== plan.cluster.gpu.name) {
    notes.push(`the plan's measured profile '${copy.perf.profile}' is of ${plan.cluster.gpu.name}; ${gpu.name} runs on the analytical model`);
    delete copy.perf.profile;
  }
  delete copy.deployment;
  return { plan: copy, notes };
}

export interface GpuChoiceOptions {
  plan: Plan;
  gpus: string[];
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

function cheapestFor(base: Plan, name: string, options: GpuChoiceOptions): GpuOption {
  const run = options.simulateFn ?? simulate;
  const onGpu = planOnGpu(base, name);
  if ('error' in onGpu) return { gpu: name, simulations: 0, notes: [onGpu.error] };
  const { plan, notes } = onGpu;
  const target = plan.slo.attainmentTarget;
  const routingFor = (d: Deployment) => (d.kind === 'colocated' ? { name: 'colocated' as const } : plan.policy.routing.name === 'colocated' || plan.policy.routing.name === 'continuum' ? { name: 'adaptive' as const } : plan.policy.routing);
  const candidates = costOrder(
    plan,
    sweepLayouts(plan, true).filter((d) => checkRunOverrides(plan, { deployment: formatDeployment(d), policy: routingFor(d).name }).problems.length === 0),
  );
  const profile = plan.cluster.gpu.name === base.cluster.gpu.name ? options.profile : undefined;
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
  const meets = (r: SimResult | undefined) => r !== undefined && !r.metrics.unstable && r.metrics.sloAttainment >= target;
  for (const deployment of candidates) {
    const screen = attempt(deployment, SCREEN_MEASURE);
    options.onProgress?.(name, simulations);
    if (!meets(screen)) continue;
    const confirm = attempt(deployment, CONFIRM_MEASURE);
    options.onProgress?.(name, simulations);
    if (!meets(confirm)) continue;
    const m = confirm!.metrics;
    return {
      gpu: plan.cluster.gpu.name,
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
    gpu: plan.cluster.gpu.name,
    simulations,
    notes: [...notes, `no layout within planner.gpuBudget ${plan.planner.gpuBudget} meets ${(target * 100).toFixed(1)}% at ${plan.workload.arrival.ratePerSec} sessions/s`],
  };
}

export function chooseGpu(options: GpuChoiceOptions): GpuChoice {
  const names = [...new Set(options.gpus.map((g) => g.trim()).filter((g) => g !== ''))];
  const results = names.map((name) => cheapestFor(options.plan, name, options));
  const priced = results.filter((o) => o.cost && o.cost.usdPerHour !== null);
  const cheapest = priced.length ? priced.reduce((a, b) => (b.cost!.usdPerHour! < a.cost!.usdPerHour! ? b : a)).gpu : undefined;
  return { options: results, cheapest, ratePerSec: options.plan.workload.arrival.ratePerSec, attainmentTarget: options.plan.slo.attainmentTarget };
}
