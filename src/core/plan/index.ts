import { createPerfModel } from '../perf/index';
import { deploymentGpus } from '../spec/deployment';
import type { Deployment, Plan, PlannerObjective, PoolSpec, RoutingSpec } from '../spec/types';
import type { SimResult } from '../sim/types';
import { candidateSpace, deploymentFromCounts, type CandidateSpace, type FitCheck } from './candidates';
import {
  measureCoefficients,
  runCached,
  type Coefficient,
  type RunSimulations,
  type SimCache,
  type SimControl,
  type SimJob,
} from './coefficients';
import { solveIlp, type HighsSolver, type IlpModel, type IlpSolution, type ReplicaOption } from './ilp';
import type { Candidate, CandidatePrediction, PlanResult, RouterSetting } from './types';

export type { SimJob, SimControl, RunSimulations, SimCache } from './coefficients';
export { PlanCancelled } from './coefficients';
export type { HighsSolver } from './ilp';

export interface PlannerDeps {
  /** A loaded HiGHS instance. */
  highs: HighsSolver;
  runSimulations: RunSimulations;
  /** Whether one replica of `tp` GPUs of a pool holds the model; the perf model's memory plan when absent. */
  replicaFits?: FitCheck;
  /** Monotonic milliseconds for the timings in the result (core never reads the clock itself). */
  now?: () => number;
  /** Simulation results by content, kept across calls by the caller to reuse work. */
  cache?: SimCache;
  control?: SimControl;
}

export interface PlannerOptions {
  topK?: number;
  objective?: PlannerObjective;
  sweepRate?: { from: number; to: number; steps: number };
}

/** Uncached-token thresholds tried for conditional disaggregation (Dynamo/TRT-LLM max_local_prefill_length). */
export const LOCAL_PREFILL_THRESHOLDS = [256, 512, 1024, 2048, 4096];

/** Bounds on the end-to-end runs, so that planning stays interactive (seconds, not minutes). */
export const FULL_RUN_MAX_SESSIONS = 800;
/** …but long enough that arrivals span this many seconds, where the plan asks for that many sessions. */
export const FULL_RUN_WINDOW_SEC = 30;
export const FULL_RUN_MAX_REPLICATIONS = 2;

/** Memory fit of one replica from the perf model's memory plan. */
export function perfModelFit(plan: Plan): FitCheck {
  return (pool: PoolSpec, tp: number) => {
    const memory = createPerfModel(plan.model, pool.gpu, { intraNode: pool.intraNode, perf: plan.perf }).memoryPlan(tp);
    if (memory.fits) return { fits: true };
    const gb = (bytes: number) => (bytes / 1e9).toFixed(1);
    return {
      fits: false,
      reason: `weights ${gb(memory.weightBytesPerGpu)} GB + reserve ${gb(memory.reserveBytesPerGpu)} GB per GPU leave no KV room in ${pool.gpu.memoryGB} GB`,
    };
  };
}

interface SolvedCandidate {
  deployment: Deployment;
  solution: IlpSolution;
}

/**
 * For the attainment objectives: the SLO miss share in whole percent first, and among equal misses
 * the lower P95 latency (tenths of the SLO, weighted below one percent), so that spare GPUs go to
 * latency headroom rather than being left idle when every shape already meets the SLO.
 */
function attainmentBadness(c: Coefficient): number {
  const miss = Math.round((1 - c.sloAttainment) * 100) / 100;
  const latency = Math.round(Math.min(c.p95OverSlo, 9.9) * 10) / 10;
  return Math.round((miss + latency * 1e-3) * 1e4) / 1e4;
}

function ilpModel(plan: Plan, space: CandidateSpace, coefficients: Coefficient[], objective: PlannerObjective, rate: number): IlpModel {
  const target = plan.slo.attainmentTarget;
  const options: ReplicaOption[] = space.roles.flatMap((r) =>
    r.tps.map((t) => {
      const mine = coefficients.filter((c) => c.role === r.role && c.tp === t.tp && !c.unstable);
      const levels = mine
        .filter((c) => objective !== 'min-gpus' && objective !== 'max-rate' ? true : c.sloAttainment >= target)
        .map((c) => ({
          share: c.ratePerSec / rate,
          // Quantised so that equal-looking replicas tie, and the GPU tie-break decides between them.
          badness:
            objective === 'min-p95-latency' || objective === 'min-gpus'
              ? Math.round(c.p95OverSlo * 1e4) / 1e4
              : attainmentBadness(c),
        }))
        .filter((l) => Number.isFinite(l.badness));
      return { role: r.role, tp: t.tp, pool: r.pool, maxReplicas: t.maxReplicas, levels };
    }),
  );
  return {
    options,
    gpuBudget: space.budget,
    pools: space.pools,
    objective: objective === 'min-gpus' || objective === 'max-rate' ? 'gpus' : 'bottleneck',
    mixedTp: plan.planner.mixedTp,
  };
}

function predictionOf(result: SimResult): CandidatePrediction {
  const m = result.metrics;
  return {
    sloAttainment: m.sloAttainment,
    turn1SloAttainment: m.turn1.sloAttainment,
    turn2plusSloAttainment: m.turn2plus.sloAttainment,
    sloAttainmentCi95: m.sloAttainmentCi95,
    ttftP95Ms: m.ttftMs.p95,
    ttftP99Ms: m.ttftMs.p99,
    itlP95Ms: m.itlMs.p95,
    itlP99Ms: m.itlMs.p99,
    localPrefillRatio: m.localPrefillRatio,
    goodput: m.goodput,
    unstable: m.unstable,
  };
}

/** Sort key of a simulated candidate under the objective: smaller first. */
function rankKey(plan: Plan, objective: PlannerObjective, c: Candidate): number[] {
  const p = c.predicted;
  const unstable = p.unstable ? 1 : 0;
  const worstP95 = Math.max(p.ttftP95Ms / plan.slo.ttftMs, p.itlP95Ms / plan.slo.itlMs);
  // Headroom on both SLOs at once: a deployment that is faster on one and equal on the other wins.
  const latencyLoad = p.ttftP95Ms / plan.slo.ttftMs + p.itlP95Ms / plan.slo.itlMs;
  // Attainment in tenths of a percent: finer differences are noise, and at equal attainment the
  // deployment with more latency headroom serves load growth better.
  const attainment = Math.round(p.sloAttainment * 1000);
  switch (objective) {
    case 'min-p95-latency':
      return [unstable, worstP95, c.gpus];
    case 'max-goodput':
      return [unstable, -Math.round(p.goodput * 1000), latencyLoad, c.gpus];
    case 'min-gpus':
      return [p.sloAttainment >= plan.slo.attainmentTarget ? 0 : 1, c.gpus, -p.sloAttainment];
    default:
      return [unstable, -attainment, latencyLoad, c.gpus];
  }
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

function layout(deployment: Deployment): Pick<Candidate, 'prefill' | 'decode' | 'colocated'> {
  return deployment.kind === 'colocated'
    ? { colocated: deployment.colocated }
    : { prefill: deployment.prefill, decode: deployment.decode };
}

/** What stops every deployment from meeting the SLO even with a replica nearly idle. */
function physicsReasons(plan: Plan, coefficients: Coefficient[]): string[] {
  const reasons: string[] = [];
  // Each TP's own lightest load: the nearest to idle that shape was measured at.
  const lightest = (role: Coefficient['role']) => {
    const mine = coefficients.filter((c) => c.role === role && !c.unstable);
    if (mine.length === 0) return undefined;
    const tps = [...new Set(mine.map((c) => c.tp))];
    return tps.map((tp) => {
      const atTp = mine.filter((c) => c.tp === tp);
      return atTp.reduce((a, b) => (b.ratePerSec < a.ratePerSec ? b : a));
    });
  };
  const best = (cs: Coefficient[] | undefined, pick: (c: Coefficient) => number) =>
    cs && cs.length > 0 ? cs.reduce((a, b) => (pick(b) < pick(a) ? b : a)) : undefined;
  const prefill = best(lightest('prefill'), (c) => c.ttftP95Ms);
  const decode = best(lightest('decode'), (c) => c.itlP95Ms);
  const colocated = best(lightest('colocated'), (c) => c.p95OverSlo);
  const disaggregatedImpossible =
    (prefill !== undefined && prefill.ttftP95Ms > plan.slo.ttftMs) || (decode !== undefined && decode.itlP95Ms > plan.slo.itlMs);
  const colocatedImpossible = colocated === undefined || colocated.p95OverSlo > 1;
  if (!disaggregatedImpossible || !colocatedImpossible) return [];
  if (prefill && prefill.ttftP95Ms > plan.slo.ttftMs) {
    reasons.push(
      `the TTFT SLO of ${plan.slo.ttftMs} ms is below physics: even the fastest prefill replica (TP ${prefill.tp}, at the lightest load measured) ` +
        `has a P95 TTFT of ${prefill.ttftP95Ms.toFixed(0)} ms on this workload; raise slo.ttftMs or allow a larger TP.`,
    );
  }
  if (decode && decode.itlP95Ms > plan.slo.itlMs) {
    reasons.push(
      `the ITL SLO of ${plan.slo.itlMs} ms is below physics: even the fastest decode replica (TP ${decode.tp}, at the lightest load measured) ` +
        `has a P95 ITL of ${decode.itlP95Ms.toFixed(1)} ms; raise slo.itlMs or allow a larger TP.`,
    );
  }
  if (reasons.length === 0 && colocated) {
    reasons.push(`no replica shape meets the SLOs even nearly idle (best co-located P95 is ${colocated.p95OverSlo.toFixed(2)}× the SLO)`);
  }
  return reasons;
}

/**
 * Plans a deployment (AMPD §5): candidate replica shapes, their coefficients by short simulations,
 * the integer program on HiGHS for the objective, then the top K re-simulated end to end with the
 * plan's routing policy; the ranking returned is the simulated one.
 */
export async function planDeployment(plan: Plan, deps: PlannerDeps, options: PlannerOptions = {}): Promise<PlanResult> {
  const now = deps.now ?? (() => 0);
  const started = now();
  const objective = options.objective ?? plan.planner.objective;
  const topK = Math.max(1, options.topK ?? plan.planner.topK);
  const cache: SimCache = deps.cache ?? new Map();
  const control = deps.control;
  const solver = { status: 'not run', ms: 0, variables: 0, constraints: 0 };
  let coefficientSimulations = 0;
  const empty = (reasons: string[]): PlanResult => ({
    objective,
    recommended: { gpus: 0 },
    candidates: [],
    routerSettings: [],
    solver,
    coefficientSimulations,
    wallMs: now() - started,
    infeasibleReasons: reasons,
  });

  const space = candidateSpace(plan, deps.replicaFits ?? perfModelFit(plan));
  const notes = space.notes.length > 0 ? space.notes : undefined;
  if (space.reasons.length > 0) return { ...empty(space.reasons), notes };

  const measured = await measureCoefficients(plan, space, deps.runSimulations, cache, objective === 'max-rate', control);
  coefficientSimulations += measured.simulated;
  const coefficients = measured.coefficients;
  const physics = physicsReasons(plan, coefficients);
  if (physics.length > 0) return empty(physics);

  let rate = plan.workload.arrival.ratePerSec;
  let maxRatePerSec: number | undefined;
  let maxRateIsLowerBound: boolean | undefined;
  const solve = (model: IlpModel, exclude: number[][] = []) => {
    const t0 = now();
    const out = solveIlp(deps.highs, model, exclude);
    solver.ms += now() - t0;
    solver.variables = Math.max(solver.variables, out.variables);
    solver.constraints = Math.max(solver.constraints, out.constraints);
    return out;
  };

  if (objective === 'max-rate') {
    // Bisection over the arrival rate: the highest rate at which the fewest-GPU program at the
    // attainment target still fits the budget. Coefficients are per-replica rates, so every probe
    // reuses the same simulations.
    const feasibleAt = (r: number) => solve(ilpModel(plan, space, coefficients, 'max-rate', r)).solution !== undefined;
    let lo = 0;
    let hi = rate;
    if (feasibleAt(rate)) {
      lo = rate;
      hi = rate * 4;
      if (feasibleAt(hi)) lo = hi;
    }
    for (let i = 0; i < 12 && hi - lo > rate * 0.01 && lo !== hi; i++) {
      const mid = (lo + hi) / 2;
      if (feasibleAt(mid)) lo = mid;
      else hi = mid;
    }
    if (lo === 0) {
      return empty([
        `no deployment within ${space.budget} GPUs reaches the attainment target of ${(plan.slo.attainmentTarget * 100).toFixed(0)}% at any rate the planner measured; relax the SLO or the target, or raise the budget.`,
      ]);
    }
    maxRatePerSec = lo;
    maxRateIsLowerBound = lo === hi;
    rate = lo;
  }

  const model = ilpModel(plan, space, coefficients, objective === 'max-rate' ? 'max-attainment' : objective, rate);
  const solved: SolvedCandidate[] = [];
  const seen: number[][] = [];
  for (let k = 0; k < topK; k++) {
    const out = solve(model, seen);
    if (k === 0) solver.status = out.status;
    if (!out.solution) break;
    seen.push(out.solution.counts);
    solved.push({ deployment: deploymentFromCounts(model.options, out.solution.counts), solution: out.solution });
  }
  if (solved.length === 0) {
    return empty([
      objective === 'min-gpus'
        ? `no deployment within ${space.budget} GPUs reaches the attainment target of ${(plan.slo.attainmentTarget * 100).toFixed(0)}% at ${rate} sessions/s: ` +
          'every replica shape misses it at any load share it can be given; raise planner.gpuBudget, lower the rate, or relax the SLO.'
        : `the ${space.budget} GPUs cannot carry ${rate} sessions/s: every replica shape turned unstable at the load share it would get; raise planner.gpuBudget or lower workload.arrival.ratePerSec.`,
    ]);
  }
  if (plan.planner.includeColocated && !solved.some((s) => s.deployment.kind === 'colocated')) {
    // Always show the best co-located deployment beside the disaggregated ones (reference 003).
    const colocatedOnly = { ...model, options: model.options.map((o) => (o.role === 'colocated' ? o : { ...o, levels: [] })) };
    const out = solve(colocatedOnly);
    if (out.solution) solved.push({ deployment: deploymentFromCounts(model.options, out.solution.counts), solution: out.solution });
  }

  // End-to-end simulation of each candidate with the plan's routing policy and replications.
  const planSessions =
    plan.workload.sessions ??
    (plan.workload.durationSec !== undefined ? Math.round(plan.workload.durationSec * rate) : FULL_RUN_MAX_SESSIONS);
  const fullSessions = (ratePerSec: number) =>
    Math.max(1, Math.min(planSessions, FULL_RUN_MAX_SESSIONS, Math.max(200, Math.round(ratePerSec * FULL_RUN_WINDOW_SEC))));
  const fullJob = (deployment: Deployment, routing: RoutingSpec, ratePerSec = rate, replications = plan.planner.replications): SimJob => ({
    deployment,
    routing,
    seed: plan.workload.seed,
    ratePerSec,
    sessions: fullSessions(ratePerSec),
    replications: Math.max(1, Math.min(replications, FULL_RUN_MAX_REPLICATIONS)),
  });
  const routingFor = (d: Deployment): RoutingSpec =>
    d.kind === 'colocated'
      ? plan.policy.routing.name === 'continuum'
        ? plan.policy.routing
        : { name: 'colocated' }
      : plan.policy.routing.name === 'colocated' || plan.policy.routing.name === 'continuum'
        ? { name: 'adaptive' }
        : plan.policy.routing;
  const full = await runCached(plan, solved.map((s) => fullJob(s.deployment, routingFor(s.deployment))), deps.runSimulations, cache, control);
  let candidates: Candidate[] = solved.map((s, i) => ({
    rank: 0,
    deployment: s.deployment,
    ...layout(s.deployment),
    gpus: deploymentGpus(s.deployment),
    estimate: { objective: model.objective === 'gpus' ? s.solution.gpus : s.solution.worstBadness },
    predicted: predictionOf(full.results[i]),
    metrics: full.results[i].metrics,
  }));
  candidates = candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => compareKeys(rankKey(plan, objective, a.c), rankKey(plan, objective, b.c)) || a.i - b.i)
    .map(({ c }, i) => ({ ...c, rank: i + 1 }));
  const best = candidates[0];

  // Router settings for the recommendation: local-prefill thresholds beside the adaptive router.
  const routerSettings: RouterSetting[] = [];
  if (best.deployment.kind === 'disaggregated') {
    const thresholds = LOCAL_PREFILL_THRESHOLDS.filter((t) => t <= plan.model.maxContextTokens);
    const routings: RoutingSpec[] = [
      { name: 'adaptive' },
      ...thresholds.map((t): RoutingSpec => ({ name: 'threshold', maxLocalPrefillTokens: t })),
    ];
    const sweep = await runCached(
      plan,
      // The adaptive run repeats the recommendation's own run when the plan routes adaptively.
      routings.map((r) => fullJob(best.deployment, r, rate, r.name === 'adaptive' ? plan.planner.replications : 1)),
      deps.runSimulations,
      cache,
      control,
    );
    routings.forEach((routing, i) => {
      const m = sweep.results[i].metrics;
      routerSettings.push({
        policy: routing.name,
        settings: routing.maxLocalPrefillTokens !== undefined ? { maxLocalPrefillTokens: routing.maxLocalPrefillTokens } : {},
        sloAttainment: m.sloAttainment,
        localPrefillRatio: m.localPrefillRatio,
      });
    });
  }

  let rateSweep: PlanResult['rateSweep'];
  if (options.sweepRate) {
    const { from, to, steps } = options.sweepRate;
    const rates = Array.from({ length: Math.max(1, steps) }, (_, i) => (steps <= 1 ? from : from + ((to - from) * i) / (steps - 1)));
    const swept = candidates.slice(0, 3);
    const jobs = swept.flatMap((c) => rates.map((r) => fullJob(c.deployment, routingFor(c.deployment), r)));
    const out = await runCached(plan, jobs, deps.runSimulations, cache, control);
    rateSweep = swept.map((c, ci) => ({
      candidateRank: c.rank,
      points: rates.map((r, ri) => {
        const m = out.results[ci * rates.length + ri].metrics;
        return { ratePerSec: r, sloAttainment: m.sloAttainment, goodput: m.goodput };
      }),
    }));
  }

  return {
    objective,
    recommended: { ...layout(best.deployment), gpus: best.gpus },
    candidates,
    routerSettings,
    rateSweep,
    maxRatePerSec,
    maxRateIsLowerBound,
    notes,
    solver,
    coefficientSimulations,
    wallMs: now() - started,
  };
}
