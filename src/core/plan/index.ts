import { perfForWidth, smallestFittingReplica } from '../perf/fit';
import { applyExpertParallel } from '../perf/moe';
import { deploymentGpus } from '../spec/deployment';
import type { Deployment, Plan, PlannerObjective, PoolSpec, RoutingSpec } from '../spec/types';
import type { SimMetrics, SimResult } from '../sim/types';
import { candidateSpace, deploymentFromCounts, type CandidateSpace, type FitCheck } from './candidates';
import {
  measureCoefficients,
  runCached,
  type Coefficient,
  type RunSimulations,
  type SimCache,
  type SimJob,
} from './coefficients';
import { evaluateCounts, solveIlp, type HighsSolver, type IlpModel, type ReplicaOption } from './ilp';
import { DEFAULT_HEADROOM, HeadroomSearch, probeOf, type Headroom } from './headroom';
import { capacityEstimate, capacityLayouts, layoutKey, neighbours, normalise } from './layouts';
import { cellOf } from './cells';
import { measureFor, summarisePrecision, type RunLevel } from './measure';
import { meetsTarget, rankOrder, tied, type Ranked } from './rank';
import { layoutCost } from '../cost';
import type { Candidate, CandidatePrediction, PlanResult, RouterSetting } from './types';
import type { RunControl } from '../control';

export type { SimJob, RunSimulations, SimCache } from './coefficients';
export { Cancelled, type RunControl } from '../control';
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
  control?: RunControl;
}

export interface PlannerOptions {
  topK?: number;
  objective?: PlannerObjective;
  sweepRate?: { from: number; to: number; steps: number };
}

/** Uncached-token thresholds tried for conditional disaggregation (Dynamo/TRT-LLM max_local_prefill_length). */
export const LOCAL_PREFILL_THRESHOLDS = [256, 512, 1024, 2048, 4096];

/** Most layouts simulated at the plan's rate before the best are refined (planner.maxCandidates caps it lower). */
export const SCREEN_MAX_LAYOUTS = 24;
/** Rounds of the local search for fewer GPUs (or more headroom) around the best layout so far, and layouts each round may add. */
export const SEARCH_ROUNDS = 4;
export const SEARCH_ROUND_LAYOUTS = 12;
/** Candidates refined beyond the K shown, so that a close runner-up can still overtake. */
export const REFINE_EXTRA = 1;
/** Layouts on fewer GPUs that missed the target by at most this much (fraction) get a long run… */
export const BOUNDARY_POINTS = 0.1;
/** …at most this many per round. */
export const BOUNDARY_LAYOUTS = 3;

/** Memory fit of one replica from the perf model's memory plan. */
export function perfModelFit(plan: Plan): FitCheck {
  return (pool: PoolSpec, tp: number) => {
    const memory = perfForWidth(plan, pool, tp, 'decode').memoryPlan(tp);
    if (memory.fits) return { fits: true };
    const gb = (bytes: number) => (bytes / 1e9).toFixed(1);
    return {
      fits: false,
      reason: `weights ${gb(memory.weightBytesPerGpu)} GB + reserve ${gb(memory.reserveBytesPerGpu)} GB per GPU leave no KV room in ${pool.gpu.memoryGB} GB`,
    };
  };
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

/** min-cost searches like min-gpus (the ILP minimises GPUs, cost's proxy within one price) and ranks by $/hour (rank.ts). */
function seeksFewest(objective: PlannerObjective): boolean {
  return objective === 'min-gpus' || objective === 'min-cost';
}

function ilpModel(
  plan: Plan,
  space: CandidateSpace,
  coefficients: Coefficient[],
  objective: PlannerObjective,
  rate: number,
): IlpModel {
  const target = plan.slo.attainmentTarget;
  const options: ReplicaOption[] = space.roles.flatMap((r) =>
    r.tps.map((t) => {
      const mine = coefficients.filter((c) => c.role === r.role && c.tp === t.tp && !c.unstable);
      const levels = mine
        .filter((c) => (!seeksFewest(objective) && objective !== 'max-rate' ? true : c.sloAttainment >= target))
        .map((c) => ({
          share: c.ratePerSec / rate,
          // Quantised so that equal-looking replicas tie, and the GPU tie-break decides between them.
          badness:
            objective === 'min-p95-latency' || seeksFewest(objective)
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
    objective: seeksFewest(objective) || objective === 'max-rate' ? 'gpus' : 'bottleneck',
    mixedTp: plan.planner.mixedTp,
  };
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
    (prefill !== undefined && prefill.ttftP95Ms > plan.slo.ttftMs) ||
    (decode !== undefined && decode.itlP95Ms > plan.slo.itlMs);
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
    reasons.push(
      `no replica shape meets the SLOs even nearly idle (best co-located P95 is ${colocated.p95OverSlo.toFixed(2)}× the SLO)`,
    );
  }
  return reasons;
}

export function predictionOf(m: SimMetrics): CandidatePrediction {
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
    goodputCi95: m.goodputCi95,
    unstable: m.unstable,
    ...(m.unstableReason ? { unstableReason: m.unstableReason } : {}),
    ...(m.measurement ? { measurement: m.measurement } : {}),
  };
}

const half = (ci: [number, number] | undefined) => (ci ? Math.max(0, (ci[1] - ci[0]) / 2) : 0);

/** What ranking reads from a simulated layout. */
export function rankedOf(gpus: number, m: SimMetrics, headroom?: number, usdPerHour?: number | null): Ranked {
  return {
    gpus,
    ...(usdPerHour != null ? { usdPerHour } : {}),
    sloAttainment: m.sloAttainment,
    halfWidth: m.measurement?.attainmentHalfWidth ?? half(m.sloAttainmentCi95),
    goodput: m.goodput,
    goodputHalfWidth: half(m.goodputCi95),
    unstable: m.unstable,
    ttftP95Ms: m.ttftMs.p95,
    itlP95Ms: m.itlMs.p95,
    headroom,
  };
}

/** The routing a layout runs with: co-located layouts their own policy, disaggregated ones the plan's (adaptive when it names a co-located one). */
export function routingFor(plan: Plan, d: Deployment): RoutingSpec {
  return d.kind === 'colocated'
    ? plan.policy.routing.name === 'continuum'
      ? plan.policy.routing
      : { name: 'colocated' }
    : plan.policy.routing.name === 'colocated' || plan.policy.routing.name === 'continuum'
      ? { name: 'adaptive' }
      : plan.policy.routing;
}

/** A whole-layout simulation at a rate, measured per `level` (measure.ts). */
export function layoutJob(
  plan: Plan,
  deployment: Deployment,
  ratePerSec: number,
  level: RunLevel,
  routing = routingFor(plan, deployment),
): SimJob {
  const split = level === 'verify' ? undefined : cellOf(plan, deployment, ratePerSec, level);
  const cellRate = split ? ratePerSec / split.cells : ratePerSec;
  const measure = measureFor(plan, cellRate, level);
  if (level === 'final') measure.maxReplications = Math.max(measure.maxReplications ?? 1, plan.planner.replications);
  return {
    deployment: split?.cell ?? deployment,
    routing,
    seed: plan.workload.seed,
    ratePerSec: cellRate,
    measure,
    ...(split ? { cells: split.cells } : {}),
  };
}

/** Headroom searches of several layouts in lockstep, so that every step is one parallel batch. */
export async function searchHeadrooms(
  plan: Plan,
  layouts: { deployment: Deployment; guess: number; known: { rate: number; metrics: SimMetrics }[] }[],
  simulate: (jobs: SimJob[]) => Promise<SimResult[]>,
  level: RunLevel,
  keepGoing: () => boolean = () => true,
  relativeTolerance = DEFAULT_HEADROOM.relativeTolerance,
): Promise<Headroom[]> {
  const options = { ...DEFAULT_HEADROOM, target: plan.slo.attainmentTarget, relativeTolerance };
  const searches = layouts.map(
    (l) =>
      new HeadroomSearch(
        options,
        l.guess,
        l.known.map((k) => probeOf(k.rate, k.metrics)),
      ),
  );
  for (;;) {
    const active = searches.map((s, i) => ({ s, i })).filter(({ s }) => s.next !== undefined);
    if (active.length === 0 || !keepGoing()) break;
    const results = await simulate(active.map(({ s, i }) => layoutJob(plan, layouts[i].deployment, s.next!, level)));
    active.forEach(({ s, i }, j) => s.advance(probeOf(s.next!, results[j].metrics), layouts[i].guess));
  }
  return searches.map((s) => s.result());
}

interface Screened {
  deployment: Deployment;
  key: string;
  gpus: number;
  source: 'ilp' | 'capacity' | 'search';
  /** At the screening rate. */
  screen: SimMetrics;
  estimate: number;
}

function countsOf(model: IlpModel, d: Deployment): number[] {
  const groups =
    d.kind === 'colocated'
      ? d.colocated.map((g) => ({ role: 'colocated', ...g }))
      : [...d.prefill.map((g) => ({ role: 'prefill', ...g })), ...d.decode.map((g) => ({ role: 'decode', ...g }))];
  return model.options.map((o) =>
    groups.filter((g) => g.role === o.role && g.tp === o.tp).reduce((n, g) => n + g.dp, 0),
  );
}

/**
 * Plans a deployment (AMPD §5, extended): candidate replica shapes, their coefficients by
 * simulations that obey the window rule, the integer program on HiGHS to screen layouts, then
 * simulation decides. The layouts the ILP proposes (its top solutions under shape cuts), the ends
 * of each TP pairing's GPUs-versus-capacity line, and a local search around the best so far are
 * simulated at the plan's rate; the best few are refined with longer runs and their headroom found
 * by bisection on full simulations; the ranking returned is the simulated one, ties called ties.
 */
export async function planDeployment(plan: Plan, deps: PlannerDeps, options: PlannerOptions = {}): Promise<PlanResult> {
  const run = startRun(plan, deps, options);
  const { objective, target, rate, notes } = run;

  const space = candidateSpace(plan, deps.replicaFits ?? perfModelFit(plan), (pool) =>
    smallestFittingReplica(plan, pool),
  );
  notes.push(...space.notes);
  if (space.reasons.length > 0) return run.empty(space.reasons);

  const measured = await measureCoefficients(
    plan,
    space,
    deps.runSimulations,
    run.cache,
    objective === 'max-rate',
    deps.control,
    () => run.inTime('the coefficients of the heavier load levels'),
  );
  run.countCoefficientSimulations(measured.simulated);
  const coefficients = measured.coefficients;
  const physics = physicsReasons(plan, coefficients);
  if (physics.length > 0) return run.empty(physics);

  // 1. The layouts worth simulating (proposeLayouts), screened at the plan's rate and the best refined.
  const mainObjective = objective === 'max-rate' ? 'max-attainment' : objective;
  const model = ilpModel(plan, space, coefficients, mainObjective, rate);
  const proposals = proposeLayouts(run, space, coefficients, model);
  if (proposals.length === 0) {
    return run.empty([
      seeksFewest(objective)
        ? `no deployment within ${space.budget} GPUs reaches the attainment target of ${(target * 100).toFixed(0)}% at ${rate} sessions/s: ` +
          'every replica shape misses it at any load share it can be given; raise planner.gpuBudget, lower the rate, or relax the SLO.'
        : `the ${space.budget} GPUs cannot carry ${rate} sessions/s: every replica shape turned unstable at the load share it would get; raise planner.gpuBudget or lower workload.arrival.ratePerSec.`,
    ]);
  }
  const search = layoutSearch(run, space, coefficients, model);
  await search.screen(proposals);
  if (search.cap() < new Set(proposals.map((p) => layoutKey(p.d))).size)
    notes.push(`planner.maxCandidates (${plan.planner.maxCandidates}) capped the layouts simulated`);
  if (objective !== 'max-rate') await search.refineTop();

  // 2. Towards fewer GPUs, and long runs at the fewest-GPU boundary (max-rate searches on headroom instead, below).
  if (objective !== 'min-p95-latency' && objective !== 'max-rate') {
    await searchFewerGpus(run, search);
    await boundaryRuns(run, search);
  }

  // 3. The best few (refined above) and their headroom.
  const { shortlist, headrooms } = await shortlistWithHeadroom(run, search);

  // 4. The simulated ranking of the refined layouts; ties on the objective's figure are reported.
  const candidates = rankCandidates(run, search, shortlist, headrooms);
  const best = candidates[0];
  const refused = verdict(run, space.budget, search.screened.size, candidates);
  if (refused) return refused;

  const screenedMetrics = [...search.screened.values()].map((s) => s.screen);
  const h = best.headroom;
  return run.result({
    objective,
    recommended: { deployment: applyExpertParallel(plan, best.deployment), gpus: best.gpus },
    candidates,
    routerSettings: await routerSettingsFor(run, best),
    rateSweep: await rateSweepFor(run, candidates, options.sweepRate),
    maxRatePerSec: objective === 'max-rate' ? h?.ratePerSec : undefined,
    ...(objective === 'max-rate' && h?.ci95 ? { maxRateCi95: h.ci95 } : {}),
    maxRateIsLowerBound: objective === 'max-rate' ? h?.isLowerBound : undefined,
    layoutsScreened: search.screened.size,
    precision: {
      coefficients: summarisePrecision(measured.metrics, false),
      screening: summarisePrecision(screenedMetrics),
      candidates: summarisePrecision(candidates.map((c) => c.metrics!).filter(Boolean)),
    },
  });
}

/** What every phase of one planner run shares: the plan and its settings, the time limit, the simulations, the bookkeeping. */
interface PlannerRun {
  plan: Plan;
  deps: PlannerDeps;
  objective: PlannerObjective;
  topK: number;
  target: number;
  rate: number;
  cache: SimCache;
  notes: string[];
  /** Whether there is time left for `what`; records what the time limit cut. */
  inTime(what: string): boolean;
  /** Whole-layout simulations, through the cache and counted. */
  simulate(jobs: SimJob[]): Promise<SimResult[]>;
  /** The ILP's best `n` layouts, each solve excluding the ones before it. */
  ilpTop(model: IlpModel, n: number): Deployment[];
  countCoefficientSimulations(n: number): void;
  /** The result, with the run's solver statistics, simulation counts, notes and wall time. */
  result(
    fields: Omit<
      PlanResult,
      'solver' | 'coefficientSimulations' | 'layoutSimulations' | 'wallMs' | 'notes' | 'partial'
    >,
  ): PlanResult;
  /** The answer when nothing can be recommended, and why. */
  empty(reasons: string[]): PlanResult;
}

function startRun(plan: Plan, deps: PlannerDeps, options: PlannerOptions): PlannerRun {
  const now = deps.now ?? (() => 0);
  const started = now();
  const limitMs = plan.planner.timeLimitSec * 1000;
  const objective = options.objective ?? plan.planner.objective;
  const cache: SimCache = deps.cache ?? new Map();
  const statuses: Record<string, number> = {};
  const solver: PlanResult['solver'] = { status: 'not run', ms: 0, variables: 0, constraints: 0, solves: 0, statuses };
  const notes: string[] = [];
  let partial = false;
  let coefficientSimulations = 0;
  let layoutSimulations = 0;
  const skipped: string[] = [];
  const inTime = (what: string): boolean => {
    if (now() - started <= limitMs) return true;
    partial = true;
    if (!skipped.includes(what)) skipped.push(what);
    return false;
  };
  const finishNotes = () => {
    if (skipped.length > 0) {
      notes.push(
        `planner.timeLimitSec (${plan.planner.timeLimitSec} s) ran out: skipped ${skipped.join(', ')}; this answer is partial — raise planner.timeLimitSec for the full search`,
      );
    }
    return notes.length > 0 ? notes : undefined;
  };
  const statusText = () => {
    const entries = Object.entries(statuses);
    if (entries.length === 0) return 'not run';
    if (entries.length === 1) return entries[0][0];
    return entries.map(([k, n]) => `${k} ×${n}`).join(', ');
  };
  const solve = (model: IlpModel, exclude: number[][] = []) => {
    const t0 = now();
    const out = solveIlp(deps.highs, model, exclude);
    solver.ms += now() - t0;
    solver.solves = (solver.solves ?? 0) + 1;
    statuses[out.status] = (statuses[out.status] ?? 0) + 1;
    solver.variables = Math.max(solver.variables, out.variables);
    solver.constraints = Math.max(solver.constraints, out.constraints);
    return out;
  };
  const result: PlannerRun['result'] = (fields) => ({
    ...fields,
    notes: finishNotes(),
    solver: { ...solver, status: statusText() },
    coefficientSimulations,
    layoutSimulations,
    ...(partial ? { partial } : {}),
    wallMs: now() - started,
  });
  return {
    plan,
    deps,
    objective,
    topK: Math.max(1, options.topK ?? plan.planner.topK),
    target: plan.slo.attainmentTarget,
    rate: plan.workload.arrival.ratePerSec,
    cache,
    notes,
    inTime,
    simulate: async (jobs) => {
      const out = await runCached(plan, jobs, deps.runSimulations, cache, deps.control);
      layoutSimulations += out.simulated;
      return out.results;
    },
    ilpTop: (model, n) => {
      const found: Deployment[] = [];
      const seen: number[][] = [];
      for (let k = 0; k < n; k++) {
        const out = solve(model, seen);
        if (!out.solution) break;
        seen.push(out.solution.counts);
        found.push(deploymentFromCounts(model.options, out.solution.counts));
      }
      return found;
    },
    countCoefficientSimulations: (n) => {
      coefficientSimulations += n;
    },
    result,
    empty: (reasons) =>
      result({ objective, recommended: { gpus: 0 }, candidates: [], routerSettings: [], infeasibleReasons: reasons }),
  };
}

type Proposal = { d: Deployment; source: Screened['source'] };

/**
 * The layouts worth simulating: the ILP's top solutions for the objective (and, for the
 * target-first objectives, its fewest-GPU ones), the best co-located one, and per TP pairing the
 * fewest GPUs and the widest split the coefficients say reach the rate.
 */
function proposeLayouts(
  run: PlannerRun,
  space: CandidateSpace,
  coefficients: Coefficient[],
  model: IlpModel,
): Proposal[] {
  const { plan, objective, topK, target, rate } = run;
  const gpuModel = ilpModel(plan, space, coefficients, 'min-gpus', rate);
  const proposals: Proposal[] = [];
  const propose = (ds: Deployment[], source: Screened['source']) =>
    ds.forEach((d) => proposals.push({ d: normalise(d), source }));
  const top = run.ilpTop(model, Math.min(Math.max(topK, 2), 3));
  propose(top, 'ilp');
  if (plan.planner.includeColocated) {
    // The best of each family, whichever the ILP prefers overall: shape cuts alone can stay inside one family.
    if (!top.some((d) => d.kind === 'colocated')) {
      propose(
        run.ilpTop(
          { ...model, options: model.options.map((o) => (o.role === 'colocated' ? o : { ...o, levels: [] })) },
          1,
        ),
        'ilp',
      );
    }
    if (!top.some((d) => d.kind === 'disaggregated')) {
      propose(
        run.ilpTop(
          { ...model, options: model.options.map((o) => (o.role !== 'colocated' ? o : { ...o, levels: [] })) },
          1,
        ),
        'ilp',
      );
    }
  }
  if (objective !== 'min-p95-latency') propose(run.ilpTop(gpuModel, 1), 'ilp');
  const capacity = capacityLayouts(space, coefficients, target, rate);
  if (objective === 'max-rate') propose(capacity.widest.slice(0, 8), 'capacity');
  else {
    propose(capacity.fewest.slice(0, 6), 'capacity');
    propose(capacity.widest.slice(0, 4), 'capacity');
  }
  return proposals;
}

/** The layouts simulated so far, what their screening and refined (longer) runs gave, and the ranking on those. */
interface LayoutSearch {
  space: CandidateSpace;
  coefficients: Coefficient[];
  screened: Map<string, Screened>;
  /** Refined (longer) runs replace a layout's screening figures wherever it has one. */
  refined: Map<string, SimMetrics>;
  /** The best few are refined: the K shown and a runner-up or so. */
  refineCount: number;
  /** Simulates the layouts not screened yet at the plan's rate, up to the cap on layouts. */
  screen(list: Proposal[]): Promise<Screened[]>;
  cap(): number;
  /** Lets a search round add more layouts. */
  growCap(): void;
  metricsAtRate(s: Screened): SimMetrics;
  /** Best first, by the objective on the most precise figures so far. */
  order(items: Screened[]): Screened[];
  /**
   * Longer runs for the best few until the best few all have one: a layout that looked fine in a
   * short run can fall below the target in a longer one (a decode replica's KV filling after
   * minutes), and the next ones in line are refined in its place.
   */
  refineTop(): Promise<void>;
}

function layoutSearch(
  run: PlannerRun,
  space: CandidateSpace,
  coefficients: Coefficient[],
  model: IlpModel,
): LayoutSearch {
  const { plan, objective, target, rate } = run;
  let screenCap = Math.min(SCREEN_MAX_LAYOUTS, plan.planner.maxCandidates);
  const screened = new Map<string, Screened>();
  const refined = new Map<string, SimMetrics>();
  const estimateOf = (d: Deployment) => {
    if (model.objective === 'gpus') return deploymentGpus(d);
    return evaluateCounts(model, countsOf(model, d))?.worstBadness ?? Infinity;
  };
  const metricsAtRate = (s: Screened): SimMetrics => refined.get(s.key) ?? s.screen;
  const order = (items: Screened[]) =>
    rankOrder(
      plan,
      objective,
      items.map((s) =>
        rankedOf(
          s.gpus,
          metricsAtRate(s),
          capacityEstimate(coefficients, s.deployment, target),
          layoutCost(plan, s.deployment).usdPerHour,
        ),
      ),
    ).map((i) => items[i]);
  const refineCount = run.topK + REFINE_EXTRA;
  return {
    space,
    coefficients,
    screened,
    refined,
    refineCount,
    screen: async (list) => {
      const fresh: (Proposal & { key: string })[] = [];
      for (const p of list) {
        const key = layoutKey(p.d);
        if (screened.has(key) || fresh.some((f) => f.key === key)) continue;
        if (screened.size + fresh.length >= screenCap) break;
        fresh.push({ ...p, key });
      }
      if (fresh.length === 0) return [];
      const results = await run.simulate(fresh.map((f) => layoutJob(plan, f.d, rate, 'screen')));
      return fresh.map((f, i) => {
        const s: Screened = {
          deployment: f.d,
          key: f.key,
          gpus: deploymentGpus(f.d),
          source: f.source,
          screen: results[i].metrics,
          estimate: estimateOf(f.d),
        };
        screened.set(f.key, s);
        return s;
      });
    },
    cap: () => screenCap,
    growCap: () => {
      screenCap = Math.min(plan.planner.maxCandidates, screenCap + SEARCH_ROUND_LAYOUTS);
    },
    metricsAtRate,
    order,
    refineTop: async () => {
      for (let pass = 0; pass < 4; pass++) {
        const todo = order([...screened.values()])
          .slice(0, refineCount)
          .filter((s) => !refined.has(s.key));
        if (todo.length === 0 || !run.inTime('the longer runs of the best layouts')) return;
        const results = await run.simulate(todo.map((s) => layoutJob(plan, s.deployment, rate, 'final')));
        todo.forEach((s, i) => refined.set(s.key, results[i].metrics));
      }
    },
  };
}

/**
 * Local search from the best layout so far, towards fewer GPUs while the target holds; when
 * nothing meets it yet, one step every way.
 */
async function searchFewerGpus(run: PlannerRun, search: LayoutSearch): Promise<void> {
  const { plan, target } = run;
  const { space, coefficients, screened } = search;
  const mixedTp = plan.planner.mixedTp;
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    if (!run.inTime('the local search for fewer GPUs')) break;
    const ranked = search.order([...screened.values()]);
    const meeting = ranked.filter((s) => meetsTarget(plan, rankedOf(s.gpus, search.metricsAtRate(s))));
    let next: Deployment[];
    if (meeting.length === 0) {
      next = neighbours(space, ranked[0].deployment, mixedTp);
    } else {
      // Down from every layout meeting the target on the fewest GPUs found so far, and sideways
      // (same GPUs, another shape) from the best of them.
      const fewest = meeting[0].gpus;
      const bases = meeting.filter((s) => s.gpus === fewest).slice(0, 3);
      next = [
        ...bases.flatMap((b) => neighbours(space, b.deployment, mixedTp).filter((d) => deploymentGpus(d) < fewest)),
        ...neighbours(space, bases[0].deployment, mixedTp).filter((d) => deploymentGpus(d) === fewest),
      ];
    }
    const seen = new Set<string>();
    next = next
      .filter((d) => {
        const key = layoutKey(d);
        if (screened.has(key) || seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort(
        (x, y) =>
          capacityEstimate(coefficients, y, target) / deploymentGpus(y) -
          capacityEstimate(coefficients, x, target) / deploymentGpus(x),
      )
      .slice(0, SEARCH_ROUND_LAYOUTS);
    if (next.length === 0) break;
    search.growCap();
    const added = await search.screen(next.map((d) => ({ d, source: 'search' as const })));
    if (added.length === 0) break;
    await search.refineTop();
  }
}

/**
 * The boundary: layouts on fewer GPUs than the best one meeting the target that missed it narrowly
 * get a long run (as long as the verifier's windows), since a slow transient can hold a layout
 * below the target in shorter ones; one that meets it in the long run takes its place and the local
 * search continues from it.
 */
async function boundaryRuns(run: PlannerRun, search: LayoutSearch): Promise<void> {
  const { plan, target, rate } = run;
  const { screened, refined } = search;
  const long = new Set<string>();
  for (let round = 0; round < 2; round++) {
    if (!run.inTime('the long runs at the fewest-GPU boundary')) break;
    const ranked = search.order([...screened.values()]);
    const bestMeeting = ranked.find((s) => meetsTarget(plan, rankedOf(s.gpus, search.metricsAtRate(s))));
    if (!bestMeeting) break;
    const nearMisses = ranked
      .filter((s) => s.gpus < bestMeeting.gpus && !long.has(s.key))
      .filter((s) => {
        const m = search.metricsAtRate(s);
        return !m.unstable && m.sloAttainment >= target - BOUNDARY_POINTS;
      })
      .sort((a, b) => a.gpus - b.gpus || search.metricsAtRate(b).sloAttainment - search.metricsAtRate(a).sloAttainment)
      .slice(0, BOUNDARY_LAYOUTS);
    if (nearMisses.length === 0) break;
    const results = await run.simulate(nearMisses.map((s) => layoutJob(plan, s.deployment, rate, 'long')));
    nearMisses.forEach((s, i) => {
      long.add(s.key);
      refined.set(s.key, results[i].metrics);
    });
    const moved = search.order([...screened.values()])[0];
    if (!nearMisses.some((s) => s.key === moved.key)) break;
    // Around the new best: its smaller neighbours, screened and refined like the rest.
    const next = neighbours(search.space, moved.deployment, plan.planner.mixedTp).filter(
      (d) => !screened.has(layoutKey(d)) && deploymentGpus(d) <= moved.gpus,
    );
    search.growCap();
    await search.screen(next.map((d) => ({ d, source: 'search' as const })));
    await search.refineTop();
  }
}

/**
 * The layouts whose headroom is searched and the headroom found. For max-rate, the survivors of a
 * race on rising rates, then a local search on headroom around the best; otherwise the K best by
 * the refined runs and any runner-up whose headroom could decide against the K-th.
 */
async function shortlistWithHeadroom(
  run: PlannerRun,
  search: LayoutSearch,
): Promise<{ shortlist: Screened[]; headrooms: Map<string, Headroom> }> {
  const { plan, objective, topK, target, rate } = run;
  const { coefficients, refined } = search;
  const race = objective === 'max-rate' ? await raceForRate(run, search) : undefined;
  let shortlist = race?.shortlist ?? search.order([...search.screened.values()]).slice(0, search.refineCount);
  if (objective === 'max-rate' && run.inTime('the longer runs of the best layouts')) {
    const todo = shortlist.filter((s) => !refined.has(s.key));
    const results = await run.simulate(todo.map((s) => layoutJob(plan, s.deployment, rate, 'final')));
    todo.forEach((s, i) => refined.set(s.key, results[i].metrics));
  }
  // The most precise run at the plan's rate stands for it (a screening run can disagree with a longer one).
  const known = (s: Screened) => [
    ...(refined.has(s.key) ? [] : [{ rate, metrics: s.screen }]),
    ...(refined.has(s.key) ? [{ rate, metrics: refined.get(s.key)! }] : []),
    ...(race?.probes.get(s.key) ?? []),
  ];
  const headrooms = new Map<string, Headroom>();
  const searchFor = async (items: Screened[]) => {
    const found = await searchHeadrooms(
      plan,
      items.map((s) => ({
        deployment: s.deployment,
        guess: capacityEstimate(coefficients, s.deployment, target) || rate,
        known: known(s),
      })),
      run.simulate,
      'screen',
      () => run.inTime('part of the headroom searches'),
    );
    items.forEach((s, i) => headrooms.set(s.key, found[i]));
  };
  if (objective === 'max-rate') shortlist = shortlist.slice(0, topK + 1);
  else {
    // Headroom only where it can matter: the K best by the refined runs (the coefficient model's
    // capacity standing in for headroom), and any runner-up meeting the target on as few GPUs as
    // the K-th, whose headroom decides between them. The rest drop out.
    const proxy = shortlist.map((s) =>
      rankedOf(
        s.gpus,
        search.metricsAtRate(s),
        capacityEstimate(coefficients, s.deployment, target),
        layoutCost(plan, s.deployment).usdPerHour,
      ),
    );
    const byProxy = rankOrder(plan, objective, proxy);
    const kth = proxy[byProxy[Math.min(topK, byProxy.length) - 1]];
    const keep = byProxy.filter(
      (i, r) => r < topK || (meetsTarget(plan, proxy[i]) && meetsTarget(plan, kth) && proxy[i].gpus <= kth.gpus),
    );
    shortlist = keep.map((i) => shortlist[i]);
  }
  await searchFor(shortlist);
  if (objective === 'max-rate')
    shortlist = [...shortlist, ...(await searchMoreHeadroom(run, search, headrooms, searchFor))];
  return { shortlist, headrooms };
}

/**
 * A race on rising rates: every layout that met the target runs at 25% more load, and again,
 * until at most the few to refine still meet it. What is left has the most headroom; its probes
 * seed the bisections.
 */
async function raceForRate(
  run: PlannerRun,
  search: LayoutSearch,
): Promise<{ shortlist: Screened[]; probes: Map<string, { rate: number; metrics: SimMetrics }[]> }> {
  const { plan, rate } = run;
  const { screened, refineCount } = search;
  const probes = new Map<string, { rate: number; metrics: SimMetrics }[]>();
  let alive = [...screened.values()].filter((s) => meetsTarget(plan, rankedOf(s.gpus, s.screen)));
  if (alive.length === 0) alive = search.order([...screened.values()]).slice(0, refineCount);
  let raceRate = rate;
  let lastAttainment = new Map<string, number>(alive.map((s) => [s.key, s.screen.sloAttainment]));
  for (
    let step = 0;
    step < 16 && alive.length > refineCount && alive.every((s) => meetsTarget(plan, rankedOf(s.gpus, s.screen)));
    step++
  ) {
    if (!run.inTime('part of the race for the highest rate')) break;
    raceRate *= 1.25;
    const results = await run.simulate(alive.map((s) => layoutJob(plan, s.deployment, raceRate, 'screen')));
    alive.forEach((s, i) =>
      probes.set(s.key, [...(probes.get(s.key) ?? []), { rate: raceRate, metrics: results[i].metrics }]),
    );
    const still = alive.filter((_, i) => meetsTarget(plan, rankedOf(0, results[i].metrics)));
    lastAttainment = new Map(
      alive.map((s, i) => [s.key, results[i].metrics.unstable ? -1 : results[i].metrics.sloAttainment]),
    );
    if (still.length === 0) break;
    alive = still;
  }
  return {
    shortlist: [...alive]
      .sort((a, b) => (lastAttainment.get(b.key) ?? 0) - (lastAttainment.get(a.key) ?? 0))
      .slice(0, refineCount),
    probes,
  };
}

/**
 * Local search on headroom (max-rate): a neighbour of the best that still meets the target just
 * above the best headroom gets its own search. Returns the layouts it added.
 */
async function searchMoreHeadroom(
  run: PlannerRun,
  search: LayoutSearch,
  headrooms: Map<string, Headroom>,
  searchFor: (items: Screened[]) => Promise<void>,
): Promise<Screened[]> {
  const { plan, target, rate } = run;
  const { screened, coefficients } = search;
  const added: Screened[] = [];
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    if (!run.inTime('the local search for more headroom')) break;
    const best = [...headrooms.entries()].sort((a, b) => b[1].ratePerSec - a[1].ratePerSec)[0];
    const bestLayout = screened.get(best[0])!;
    const probeRate = best[1].ratePerSec * (1 + DEFAULT_HEADROOM.relativeTolerance);
    const next = neighbours(search.space, bestLayout.deployment, plan.planner.mixedTp)
      .filter((d) => !headrooms.has(layoutKey(d)))
      .sort((a, b) => capacityEstimate(coefficients, b, target) - capacityEstimate(coefficients, a, target))
      .slice(0, SEARCH_ROUND_LAYOUTS);
    if (next.length === 0 || probeRate <= 0) break;
    const results = await run.simulate(next.map((d) => layoutJob(plan, d, probeRate, 'screen')));
    const better = next.filter((_, i) => meetsTarget(plan, rankedOf(0, results[i].metrics)));
    if (better.length === 0) break;
    search.growCap();
    const screenedNow = await search.screen(better.map((d) => ({ d, source: 'search' as const })));
    const fresh = better
      .map((d) => screened.get(layoutKey(d)))
      .filter((s): s is Screened => s !== undefined && !headrooms.has(s.key));
    if (screenedNow.length === 0 && fresh.length === 0) break;
    await searchFor(fresh);
    if (run.inTime('the longer runs of the best layouts')) {
      const more = await run.simulate(fresh.map((s) => layoutJob(plan, s.deployment, rate, 'final')));
      fresh.forEach((s, i) => search.refined.set(s.key, more[i].metrics));
    }
    added.push(...fresh);
  }
  return added;
}

/** The K best by the simulated ranking, ties marked; a note when the best co-located layout is not among them. */
function rankCandidates(
  run: PlannerRun,
  search: LayoutSearch,
  shortlist: Screened[],
  headrooms: Map<string, Headroom>,
): Candidate[] {
  const { plan, objective, topK, notes } = run;
  const items = shortlist.map((s) =>
    rankedOf(
      s.gpus,
      search.metricsAtRate(s),
      headrooms.get(s.key)?.ratePerSec,
      layoutCost(plan, s.deployment).usdPerHour,
    ),
  );
  const ranked = rankOrder(plan, objective, items);
  const shown = ranked.slice(0, topK);
  let candidates: Candidate[] = shown.map((i, r) => {
    const s = shortlist[i];
    const m = search.metricsAtRate(s);
    const h = headrooms.get(s.key);
    return {
      rank: r + 1,
      // EP widths shown as the simulations ran them (EP32).
      deployment: applyExpertParallel(plan, s.deployment),
      gpus: s.gpus,
      estimate: { objective: s.estimate, source: s.source },
      predicted: predictionOf(m),
      metrics: m,
      meetsTarget: meetsTarget(plan, items[i]),
      ...(h ? { headroom: h } : {}),
    };
  });
  candidates = candidates.map((c, i) => {
    const me = items[shown[i]];
    const ties = candidates
      .map((o, j) => ({ o, r: items[shown[j]] }))
      .filter(({ o, r }) => o !== c && tiedOn(plan, objective, me, r))
      .map(({ o }) => o.rank);
    return ties.length > 0 ? { ...c, tiedWith: ties } : c;
  });
  const bestColocated =
    ranked.map((i) => shortlist[i]).find((s) => s.deployment.kind === 'colocated') ??
    [...search.screened.values()]
      .filter((s) => s.deployment.kind === 'colocated')
      .sort((a, b) => b.screen.sloAttainment - a.screen.sloAttainment)[0];
  if (plan.planner.includeColocated && bestColocated && !candidates.some((c) => c.deployment.kind === 'colocated')) {
    const m = search.metricsAtRate(bestColocated);
    notes.push(
      `the best co-located layout simulated, ${layoutKey(applyExpertParallel(plan, bestColocated.deployment))} (${bestColocated.gpus} GPUs), reached ${(m.sloAttainment * 100).toFixed(1)}% and ranks below the ${topK} shown`,
    );
  }
  return candidates;
}

/** The answer when the ranked candidates cannot be recommended (none meets what the objective asks), else undefined. */
function verdict(run: PlannerRun, budget: number, screened: number, candidates: Candidate[]): PlanResult | undefined {
  const { objective, target, rate } = run;
  const best = candidates[0];
  const h = best.headroom;
  if (objective === 'max-rate' && (!h || h.ratePerSec <= 0)) {
    return run.empty([
      `no layout within ${budget} GPUs reaches the attainment target of ${(target * 100).toFixed(0)}% at any rate the planner simulated; relax the SLO or the target, or raise the budget.`,
    ]);
  }
  if (objective !== 'max-rate' && candidates.every((c) => c.predicted.unstable)) {
    return {
      ...run.empty([
        `the ${budget} GPUs cannot carry ${rate} sessions/s: every layout simulated (${screened}) is unstable at that rate` +
          (h && h.ratePerSec > 0
            ? ` (the best, ${layoutKey(best.deployment)}, meets the target up to about ${Number(h.ratePerSec.toPrecision(3))} sessions/s)`
            : '') +
          '; raise planner.gpuBudget or lower workload.arrival.ratePerSec.',
      ]),
      candidates,
    };
  }
  if (seeksFewest(objective) && !best.meetsTarget) {
    return {
      ...run.empty([
        `none of the ${screened} layouts simulated within ${budget} GPUs (the ILP's, each TP pairing's widest, and a local search around the best) reaches the attainment target of ${(target * 100).toFixed(0)}% at ${rate} sessions/s ` +
          `(best: ${layoutKey(best.deployment)} at ${(best.predicted.sloAttainment * 100).toFixed(1)}%); raise planner.gpuBudget, lower the rate, or relax the SLO.`,
      ]),
      candidates,
    };
  }
  return undefined;
}

/** Router settings for the recommendation: local-prefill thresholds beside the adaptive router. */
async function routerSettingsFor(run: PlannerRun, best: Candidate): Promise<RouterSetting[]> {
  const { plan, rate } = run;
  const routerSettings: RouterSetting[] = [];
  if (best.deployment.kind === 'disaggregated' && run.inTime('the router-setting sweep')) {
    const thresholds = LOCAL_PREFILL_THRESHOLDS.filter((t) => t <= plan.model.maxContextTokens);
    // The plan's own adaptive routing (with its slack setting) so that its run is the candidate's, from the cache.
    const adaptive: RoutingSpec = plan.policy.routing.name === 'adaptive' ? plan.policy.routing : { name: 'adaptive' };
    const routings: RoutingSpec[] = [
      adaptive,
      ...thresholds.map((t): RoutingSpec => ({ name: 'threshold', maxLocalPrefillTokens: t })),
    ];
    const sweep = await run.simulate(
      routings.map((r, i) => layoutJob(plan, best.deployment, rate, i === 0 ? 'final' : 'screen', r)),
    );
    routings.forEach((routing, i) => {
      const m = sweep[i].metrics;
      routerSettings.push({
        policy: routing.name,
        settings:
          routing.name === 'threshold' && routing.maxLocalPrefillTokens !== undefined
            ? { maxLocalPrefillTokens: routing.maxLocalPrefillTokens }
            : {},
        sloAttainment: m.sloAttainment,
        localPrefillRatio: m.localPrefillRatio,
        ...(m.unstable ? { unstable: true } : {}),
      });
    });
  }
  return routerSettings;
}

/** Attainment against arrival rate for the top three candidates, when a sweep was asked for. */
async function rateSweepFor(
  run: PlannerRun,
  candidates: Candidate[],
  sweepRate: PlannerOptions['sweepRate'],
): Promise<PlanResult['rateSweep']> {
  if (!sweepRate || !run.inTime('the rate sweep')) return undefined;
  const { from, to, steps } = sweepRate;
  const rates = Array.from({ length: Math.max(1, steps) }, (_, i) =>
    steps <= 1 ? from : from + ((to - from) * i) / (steps - 1),
  );
  const swept = candidates.slice(0, 3);
  const out = await run.simulate(
    swept.flatMap((c) => rates.map((r) => layoutJob(run.plan, c.deployment, r, 'screen'))),
  );
  return swept.map((c, ci) => ({
    candidateRank: c.rank,
    points: rates.map((r, ri) => {
      const m = out[ci * rates.length + ri].metrics;
      return {
        ratePerSec: r,
        sloAttainment: m.sloAttainment,
        goodput: m.goodput,
        ...(m.unstable ? { unstable: true } : {}),
      };
    }),
  }));
}

/** Whether two simulated layouts tie on the figure the objective ranks by. */
function tiedOn(plan: Plan, objective: PlannerObjective, a: Ranked, b: Ranked): boolean {
  switch (objective) {
    case 'max-goodput':
      return tied(a.goodput, a.goodputHalfWidth, b.goodput, b.goodputHalfWidth);
    case 'max-rate':
      return (
        a.headroom !== undefined &&
        b.headroom !== undefined &&
        Math.abs(a.headroom - b.headroom) <= DEFAULT_HEADROOM.relativeTolerance * Math.max(a.headroom, b.headroom)
      );
    case 'min-p95-latency': {
      const worst = (r: Ranked) => Math.max(r.ttftP95Ms / plan.slo.ttftMs, r.itlP95Ms / plan.slo.itlMs);
      return Math.abs(worst(a) - worst(b)) <= 0.05 * Math.max(worst(a), worst(b));
    }
    default:
      return !a.unstable && !b.unstable && tied(a.sloAttainment, a.halfWidth, b.sloAttainment, b.halfWidth);
  }
}
