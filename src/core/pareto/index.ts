import { inputPerOutputToken, layoutCost } from '../cost';
import { asWholeLayout, cellOf } from '../plan/cells';
import { measureFor } from '../plan/measure';
import { SimInputError, simulate, type SimInput } from '../sim';
import type { SimResult } from '../sim/types';
import { formatDeployment } from '../spec/deployment';
import { checkRunOverrides } from '../spec/overrides';
import type { MeasuredProfile } from '../perf/types';
import type { TraceSession } from '../sim/workload';
import type { Deployment, Plan, ReplicaGroup, RoutingSpec } from '../spec/types';

/**
 * The Pareto frontier of a plan (AIConfigurator-style): output tokens/s per GPU against per-user
 * speed (tokens/s/user = 1000 / mean ITL) and against TTFT, over layouts within the GPU budget and
 * several arrival rates, each point a steady-state simulation under the planner's screening rule
 * (a warm-up, then a window of three mean session durations and 400–3,000 arrivals; a large layout
 * at a high rate as a cell of itself). Per-GPU and per-user figures come from the simulator's
 * window rates only.
 *
 * Two views, for multi-round workloads:
 * - session: a point is SLO-feasible when its attainment (the plan's scope) reaches the target;
 *   TTFT is over all rounds.
 * - round: Turn-1 (first prompt) and Turn-2+ (incremental prefill) rounds apart, each with its own
 *   TTFT and its own attainment; a point is feasible for a round kind when that kind's attainment
 *   reaches the target.
 */

export interface ParetoPoint {
  layout: string;
  deployment: Deployment;
  policy: string;
  gpus: number;
  ratePerSec: number;
  unstable: boolean;
  unstableReason?: string;
  attainment: number;
  attainmentCi95?: [number, number];
  turn1Attainment: number;
  turn2plusAttainment: number;
  outputTokensPerSecPerGpu: number;
  /** New prompt tokens/s/GPU, estimated from the output rate and the workload's mean sizes. */
  inputTokensPerSecPerGpu: number;
  goodputPerGpu: number;
  /** 1000 / mean ITL (ms). */
  tokensPerSecPerUser: number;
  itlMeanMs: number;
  ttftP50Ms: number;
  ttftP90Ms: number;
  turn1TtftP90Ms: number;
  turn2plusTtftP90Ms: number;
  /** Session view: attainment ≥ target and stable. */
  feasible: boolean;
  turn1Feasible: boolean;
  turn2plusFeasible: boolean;
  usdPerHour: number | null;
  usdPerMillionOutputTokens: number | null;
  measuredSessions: number;
}

export interface Frontier {
  /** What the frontier trades throughput per GPU against. */
  against: 'tokensPerSecPerUser' | 'ttftP90Ms' | 'turn1TtftP90Ms' | 'turn2plusTtftP90Ms';
  /** Indices into `points`, ordered along the x axis. */
  all: number[];
  /** The frontier of the SLO-feasible points only (the region a deployment may use). */
  feasible: number[];
}

export interface ParetoResult {
  points: ParetoPoint[];
  frontiers: { session: Frontier[]; round: Frontier[] };
  rates: number[];
  layouts: string[];
  /** Valid layouts beyond maxLayouts that were not simulated (an even spread was). */
  layoutsLeftOut: number;
  /** Layouts not simulated (or not at every rate) and why. */
  skipped: { layout: string; ratePerSec?: number; reason: string }[];
  simulations: number;
  attainmentTarget: number;
  measure: ParetoMeasure;
}

/** How the sweep's points were measured. */
export interface ParetoMeasure {
  /** Sessions asked per point (the window closes at that many arrivals); absent: the screening rule. */
  sessions?: number;
  maxReplications: number;
  halfWidth: number;
  /** A recorded trace replayed at each rate: its own sessions set the window. */
  trace?: boolean;
  /** Measured sessions of the smallest and of the largest stable point (of any point when none is stable); absent with no point. */
  measuredSessions?: [number, number];
  /** Points simulated as a cell of their layout (a slice of its replicas carrying its share of the load). */
  cellPoints: number;
}

export interface ParetoOptions {
  plan: Plan;
  /** Arrival rates, sessions/s; default the plan's rate × DEFAULT_RATE_FACTORS. */
  rates?: number[];
  /** Layouts to sweep; default every layout of one TP per role using the whole budget. */
  layouts?: Deployment[];
  /** Also layouts that use fewer GPUs than the budget (more simulations). */
  allSizes?: boolean;
  /** At most this many layouts, spread evenly over the enumerated ones (default MAX_LAYOUTS; the result says how many were left out). */
  maxLayouts?: number;
  /** Sessions measured per point instead of the screening rule's window. */
  sessions?: number;
  seed?: number;
  trace?: TraceSession[];
  profile?: MeasuredProfile;
  /** Called after each simulation (progress in the extension). */
  onPoint?(done: number, total: number): void;
  /** Stand-in for the simulator (tests). */
  simulateFn?: (input: SimInput) => SimResult;
}

/** Up to well past saturation: a layout unstable at one rate skips the higher ones, so the top rates cost little. */
export const DEFAULT_RATE_FACTORS = [0.5, 1, 2, 4, 8, 16];

/** Large budgets enumerate hundreds of layouts; a spread of this many keeps a sweep to seconds. */
export const MAX_LAYOUTS = 40;

/** Evenly spaced picks that keep the first and the last (enumeration order runs from prefill-light to prefill-heavy). */
export function spreadSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  if (count <= 1) return items.slice(0, Math.max(0, count));
  return Array.from({ length: count }, (_, k) => items[Math.round((k * (items.length - 1)) / (count - 1))]);
}

/** One replication per point: its interval on attainment is what one run gives. */
export const PARETO_RUN = { maxReplications: 1, halfWidth: 0.05 } as const;

const COLOCATED_POLICIES = new Set(['colocated', 'continuum']);

function groupsUsing(gpus: number, tps: number[]): ReplicaGroup[] {
  return tps.filter((tp) => gpus % tp === 0).map((tp) => ({ tp, dp: gpus / tp }));
}

/** Layouts of one TP degree per role within the budget (the whole budget unless allSizes). */
export function sweepLayouts(plan: Plan, allSizes = false): Deployment[] {
  const tps = [...new Set(plan.planner.tpDegrees)].sort((a, b) => a - b);
  const budget = plan.planner.gpuBudget;
  const sizes = allSizes ? Array.from({ length: budget }, (_, i) => i + 1) : [budget];
  const layouts: Deployment[] = [];
  for (const total of sizes) {
    for (let prefillGpus = 1; prefillGpus < total; prefillGpus++) {
      for (const prefill of groupsUsing(prefillGpus, tps)) {
        for (const decode of groupsUsing(total - prefillGpus, tps))
          layouts.push({ kind: 'disaggregated', prefill: [prefill], decode: [decode] });
      }
    }
    if (plan.planner.includeColocated)
      for (const group of groupsUsing(total, tps)) layouts.push({ kind: 'colocated', colocated: [group] });
  }
  return layouts;
}

/** The policy a layout runs: the plan's, or the nearest one of the layout's kind (co-located or disaggregated). */
export function routingForLayout(plan: Plan, deployment: Deployment): RoutingSpec {
  const routing = plan.policy.routing;
  const colocatedPolicy = COLOCATED_POLICIES.has(routing.name);
  if (deployment.kind === 'colocated') return colocatedPolicy ? routing : { name: 'colocated' };
  return colocatedPolicy ? { name: 'adaptive' } : routing;
}

/** Indices of the points no other point beats on both axes (higher y; higher or lower x), sorted by x. */
export function paretoFrontier<T>(
  points: readonly T[],
  x: (p: T) => number,
  y: (p: T) => number,
  higherXIsBetter: boolean,
): number[] {
  const better = (a: number, b: number) => (higherXIsBetter ? a > b : a < b);
  const indices = points.map((_, i) => i).filter((i) => Number.isFinite(x(points[i])) && Number.isFinite(y(points[i])));
  const frontier = indices.filter(
    (i) =>
      !indices.some((j) => {
        if (j === i) return false;
        const xi = x(points[i]);
        const xj = x(points[j]);
        const yi = y(points[i]);
        const yj = y(points[j]);
        const noWorse = (xj === xi || better(xj, xi)) && yj >= yi;
        const strictly = better(xj, xi) || yj > yi;
        return noWorse && strictly;
      }),
  );
  // Equal points: keep the first only, so a frontier lists each position once.
  const unique = frontier.filter(
    (i, k) => frontier.findIndex((j) => x(points[j]) === x(points[i]) && y(points[j]) === y(points[i])) === k,
  );
  return unique.sort((a, b) => x(points[a]) - x(points[b]));
}

function point(plan: Plan, deployment: Deployment, rate: number, result: SimResult): ParetoPoint {
  const m = result.metrics;
  const target = plan.slo.attainmentTarget;
  const cost = layoutCost(plan, deployment);
  const gpus = cost.gpus;
  const output = m.throughputTokensPerSec;
  const stable = !m.unstable;
  return {
    layout: formatDeployment(deployment),
    deployment,
    policy: result.policy,
    gpus,
    ratePerSec: rate,
    unstable: m.unstable,
    ...(m.unstableReason ? { unstableReason: m.unstableReason } : {}),
    attainment: m.sloAttainment,
    ...(m.sloAttainmentCi95 ? { attainmentCi95: m.sloAttainmentCi95 } : {}),
    turn1Attainment: m.turn1.sloAttainment,
    turn2plusAttainment: m.turn2plus.sloAttainment,
    outputTokensPerSecPerGpu: output / gpus,
    inputTokensPerSecPerGpu: (output * inputPerOutputToken(plan)) / gpus,
    goodputPerGpu: m.goodput / gpus,
    tokensPerSecPerUser: m.itlMs.mean > 0 ? 1000 / m.itlMs.mean : 0,
    itlMeanMs: m.itlMs.mean,
    ttftP50Ms: m.ttftMs.p50,
    ttftP90Ms: m.ttftMs.p90,
    turn1TtftP90Ms: m.turn1.ttftMs.p90,
    turn2plusTtftP90Ms: m.turn2plus.ttftMs.p90,
    feasible: stable && m.sloAttainment >= target,
    turn1Feasible: stable && m.turn1.rounds > 0 && m.turn1.sloAttainment >= target,
    turn2plusFeasible: stable && m.turn2plus.rounds > 0 && m.turn2plus.sloAttainment >= target,
    usdPerHour: cost.usdPerHour,
    usdPerMillionOutputTokens:
      cost.usdPerHour !== null && output > 0 && stable ? (cost.usdPerHour / (output * 3600)) * 1e6 : null,
    measuredSessions: m.measurement?.measuredSessions ?? m.sessions,
  };
}

function frontier(
  points: ParetoPoint[],
  against: Frontier['against'],
  usable: (p: ParetoPoint) => boolean,
  feasible: (p: ParetoPoint) => boolean,
): Frontier {
  const higherIsBetter = against === 'tokensPerSecPerUser';
  const candidates = points.map((p, i) => ({ p, i })).filter(({ p }) => usable(p));
  const pick = (list: typeof candidates) =>
    paretoFrontier(
      list,
      ({ p }) => p[against],
      ({ p }) => p.outputTokensPerSecPerGpu,
      higherIsBetter,
    ).map((k) => list[k].i);
  return { against, all: pick(candidates), feasible: pick(candidates.filter(({ p }) => feasible(p))) };
}

/**
 * The sweep as steps: simulates every layout at every rate (ascending; a layout unstable at one rate
 * skips the higher ones), yielding after each simulation, and returns the frontiers. A caller that
 * must stay responsive (the extension's worker, which has to see a cancel) resumes it asynchronously.
 */
export function* paretoSteps(options: ParetoOptions): Generator<{ done: number; total: number }, ParetoResult> {
  const { plan } = options;
  const run = options.simulateFn ?? simulate;
  const base = plan.workload.arrival.ratePerSec;
  const rates = [...new Set(options.rates ?? DEFAULT_RATE_FACTORS.map((f) => base * f))].sort((a, b) => a - b);
  const asked = options.sessions;
  const skipped: ParetoResult['skipped'] = [];
  const valid = (options.layouts ?? sweepLayouts(plan, options.allSizes)).filter((deployment) => {
    const checked = checkRunOverrides(plan, {
      deployment: formatDeployment(deployment),
      policy: routingForLayout(plan, deployment).name,
    });
    if (checked.problems.length > 0)
      skipped.push({ layout: formatDeployment(deployment), reason: checked.problems.map((p) => p.message).join('; ') });
    return checked.problems.length === 0;
  });
  const layouts = spreadSample(valid, options.maxLayouts ?? MAX_LAYOUTS);
  const leftOut = valid.length - layouts.length;
  const points: ParetoPoint[] = [];
  let simulations = 0;
  let cellPoints = 0;
  const total = layouts.length * rates.length;
  for (const deployment of layouts) {
    const layout = formatDeployment(deployment);
    for (let r = 0; r < rates.length; r++) {
      const rate = rates[r];
      let result: SimResult;
      try {
        simulations++;
        // A trace sets its own window, and a count asked for is the user's; otherwise the screening rule.
        const split = asked === undefined && !options.trace ? cellOf(plan, deployment, rate, 'screen') : undefined;
        const cells = split?.cells ?? 1;
        const measure =
          asked !== undefined
            ? { sessions: asked, ...PARETO_RUN }
            : { ...measureFor(plan, rate / cells, 'screen'), ...PARETO_RUN };
        result = run({
          plan,
          deployment: split?.cell ?? deployment,
          routing: routingForLayout(plan, deployment),
          ratePerSec: rate / cells,
          seed: options.seed,
          measure,
          trace: options.trace,
          profile: options.profile,
        });
        if (split) {
          cellPoints++;
          result = asWholeLayout(result, cells);
        }
      } catch (error) {
        if (!(error instanceof SimInputError)) throw error;
        skipped.push({ layout, reason: error.message });
        break;
      }
      points.push(point(plan, deployment, rate, result));
      options.onPoint?.(simulations, total);
      yield { done: simulations, total };
      if (result.metrics.unstable) {
        if (r + 1 < rates.length)
          skipped.push({
            layout,
            ratePerSec: rates[r + 1],
            reason: `unstable at ${Number(rate.toPrecision(4))} sessions/s, so at every higher rate too`,
          });
        break;
      }
    }
  }
  const stable = (p: ParetoPoint) => !p.unstable;
  return {
    points,
    frontiers: {
      session: [
        frontier(points, 'tokensPerSecPerUser', stable, (p) => p.feasible),
        frontier(points, 'ttftP90Ms', stable, (p) => p.feasible),
      ],
      round: [
        frontier(
          points,
          'turn1TtftP90Ms',
          (p) => stable(p) && p.turn1TtftP90Ms > 0,
          (p) => p.turn1Feasible,
        ),
        frontier(
          points,
          'turn2plusTtftP90Ms',
          (p) => stable(p) && p.turn2plusTtftP90Ms > 0,
          (p) => p.turn2plusFeasible,
        ),
      ],
    },
    rates,
    layouts: layouts.map(formatDeployment),
    layoutsLeftOut: leftOut,
    skipped,
    simulations,
    attainmentTarget: plan.slo.attainmentTarget,
    measure: {
      ...(asked !== undefined ? { sessions: asked } : {}),
      ...PARETO_RUN,
      ...(options.trace ? { trace: true } : {}),
      ...(points.length > 0
        ? { measuredSessions: sessionRange(points.some(stable) ? points.filter(stable) : points) }
        : {}),
      cellPoints,
    },
  };
}

/** Fewest and most measured sessions of the points (unstable runs stop early, so the charted ones count). */
function sessionRange(points: ParetoPoint[]): [number, number] {
  const counts = points.map((p) => p.measuredSessions);
  return [Math.min(...counts), Math.max(...counts)];
}

/** The whole sweep at once (the CLI). */
export function paretoSweep(options: ParetoOptions): ParetoResult {
  const steps = paretoSteps(options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
