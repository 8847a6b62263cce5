/**
 * The brute-force verifier: every layout the planner could choose within the budget, each
 * simulated with long runs, and the planner's answers measured against that truth — how far its
 * pick is from the best layout, whether its fewest-GPU answer is really the fewest, and how far its
 * highest rate is from the highest any layout sustains (bisection with long runs).
 */
import { deploymentGpus } from '../spec/deployment';
import type { Deployment, Plan, PlannerObjective } from '../spec/types';
import type { SimMetrics, SimResult } from '../sim/types';
import { candidateSpace } from './candidates';
import { runCached, type SimJob } from './coefficients';
import { smallestFittingReplica } from '../perf/fit';
import type { Headroom } from './headroom';
import { layoutJob, perfModelFit, planDeployment, rankedOf, searchHeadrooms, type PlannerDeps } from './index';
import { enumerateLayouts, layoutKey } from './layouts';
import { meetsTarget, rankOrder } from './rank';
import type { PlanResult } from './types';

/** Most layouts the verifier enumerates by default: it is meant for small budgets. */
export const VERIFY_MAX_LAYOUTS = 400;
/** The verifier's bisections stop within 2%: the truth the planner's 5% searches are held to. */
export const VERIFY_TOLERANCE = 0.02;

export interface VerifiedLayout {
  deployment: string;
  gpus: number;
  sloAttainment: number;
  ci95?: [number, number];
  goodput: number;
  unstable: boolean;
  meetsTarget: boolean;
  /** Found by bisection with long runs, for the layouts whose headroom decides something. */
  headroom?: Headroom;
}

export interface VerifyCheck {
  name: 'pick' | 'min-gpus' | 'max-rate';
  pass: boolean;
  /** The planner's answer and the truth, in words with numbers. */
  detail: string;
  /** pick: points of attainment below the best; max-rate: relative error (fraction); min-gpus: GPUs above the fewest. */
  distance: number;
  tolerance: number;
}

export interface VerifyReport {
  objective: PlannerObjective;
  ratePerSec: number;
  target: number;
  layouts: VerifiedLayout[];
  /** The enumeration stopped at its limit: the truth is over the layouts listed only. */
  truncated: boolean;
  best?: VerifiedLayout;
  fewestGpus?: VerifiedLayout;
  maxRate?: { ratePerSec: number; ci95: [number, number]; isLowerBound: boolean; deployment: string };
  planner: {
    pick?: VerifiedLayout;
    minGpus?: VerifiedLayout;
    maxRatePerSec?: number;
    results: { objective: PlannerObjective; result: PlanResult }[];
  };
  checks: VerifyCheck[];
  simulations: number;
  pass: boolean;
}

export interface VerifyOptions {
  limit?: number;
  /** Tolerances of the checks (defaults: 2 points, 15%, 0 GPUs). */
  pickPoints?: number;
  maxRateRelative?: number;
  /** Planner results to verify instead of running the planner (tests use this to see the checks fail). */
  plannerResults?: Partial<Record<'pick' | 'min-gpus' | 'max-rate', PlanResult>>;
}

const pts = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function verifyPlan(plan: Plan, deps: PlannerDeps, options: VerifyOptions = {}): Promise<VerifyReport> {
  const objective = plan.planner.objective;
  const rate = plan.workload.arrival.ratePerSec;
  const target = plan.slo.attainmentTarget;
  const cache = deps.cache ?? new Map();
  let simulations = 0;
  const simulate = async (jobs: SimJob[]): Promise<SimResult[]> => {
    const out = await runCached(plan, jobs, deps.runSimulations, cache, deps.control);
    simulations += out.simulated;
    return out.results;
  };

  const space = candidateSpace(plan, deps.replicaFits ?? perfModelFit(plan), (pool) =>
    smallestFittingReplica(plan, pool),
  );
  const { layouts: deployments, truncated } = enumerateLayouts(
    space,
    plan.planner.mixedTp,
    options.limit ?? Math.min(VERIFY_MAX_LAYOUTS, plan.planner.maxCandidates),
  );
  const long = await simulate(deployments.map((d) => layoutJob(plan, d, rate, 'verify')));
  const layouts: VerifiedLayout[] = deployments.map((d, i) => verified(plan, d, long[i].metrics));
  const byKey = new Map(layouts.map((l, i) => [l.deployment, { l, d: deployments[i], m: long[i].metrics }]));

  // Headroom of what decides the ranking: the fewest-GPU layouts meeting the target (ties among
  // them go to headroom) and the best attainment tier when none meets it.
  const meeting = layouts.filter((l) => l.meetsTarget);
  const fewest = meeting.length > 0 ? Math.min(...meeting.map((l) => l.gpus)) : undefined;
  const headroomFor = async (keys: string[], guess: (key: string) => number) => {
    const todo = keys.filter((k) => !byKey.get(k)!.l.headroom);
    const found = await searchHeadrooms(
      plan,
      todo.map((k) => ({ deployment: byKey.get(k)!.d, guess: guess(k), known: [{ rate, metrics: byKey.get(k)!.m }] })),
      simulate,
      'verify',
      () => true,
      VERIFY_TOLERANCE,
    );
    todo.forEach((k, i) => (byKey.get(k)!.l.headroom = found[i]));
  };
  if (fewest !== undefined)
    await headroomFor(
      meeting.filter((l) => l.gpus === fewest).map((l) => l.deployment),
      () => rate * 1.5,
    );

  // The highest rate any layout sustains: layouts are probed just above the best headroom so far
  // (one long run each); those that still meet the target get their own bisection. Attainment
  // falls with load, so a layout missing the target at some rate is out for every higher one.
  let bestHeadroom = Math.max(0, ...layouts.map((l) => l.headroom?.ratePerSec ?? 0));
  if (bestHeadroom === 0) {
    // Nothing searched yet (no layout meets the target at the plan's rate): start from the best attainment there.
    const lead =
      layouts[
        rankOrder(
          plan,
          'max-attainment',
          layouts.map((l) => rankedOf(l.gpus, byKey.get(l.deployment)!.m)),
        )[0]
      ];
    if (lead) {
      await headroomFor([lead.deployment], () => (lead.meetsTarget ? rate * 1.5 : rate / 1.5));
      bestHeadroom = lead.headroom?.ratePerSec ?? 0;
    }
  }
  // Above the plan's rate only layouts meeting the target there can compete; below it, any can.
  let contenders = layouts.filter((l) => !l.headroom && (bestHeadroom < rate || l.meetsTarget));
  for (let round = 0; contenders.length > 0 && round < 50; round++) {
    const probeRate = Math.max(bestHeadroom, rate * 1e-3) * (1 + VERIFY_TOLERANCE);
    const probes = await simulate(
      contenders.map((l) => layoutJob(plan, byKey.get(l.deployment)!.d, probeRate, 'verify')),
    );
    const stillMeet = contenders.filter((_, i) => meetsTarget(plan, rankedOf(0, probes[i].metrics)));
    if (stillMeet.length === 0) break;
    const first = stillMeet[0];
    await headroomFor([first.deployment], () => probeRate * 1.5);
    bestHeadroom = Math.max(bestHeadroom, first.headroom?.ratePerSec ?? 0);
    contenders = stillMeet.slice(1).filter((l) => !l.headroom);
  }
  const top = layouts.filter((l) => l.headroom).sort((a, b) => b.headroom!.ratePerSec - a.headroom!.ratePerSec)[0];
  const maxRate =
    top?.headroom && top.headroom.ratePerSec > 0
      ? {
          ratePerSec: top.headroom.ratePerSec,
          ci95: top.headroom.ci95,
          isLowerBound: top.headroom.isLowerBound,
          deployment: top.deployment,
        }
      : undefined;

  const rankedItems = layouts.map((l) => rankedOf(l.gpus, byKey.get(l.deployment)!.m, l.headroom?.ratePerSec));
  const best = layouts[rankOrder(plan, objective, rankedItems)[0]];
  const fewestLayout = fewest !== undefined ? layouts[rankOrder(plan, 'min-gpus', rankedItems)[0]] : undefined;

  // The planner's answers, measured with the same long runs.
  const results: { objective: PlannerObjective; result: PlanResult }[] = [];
  const run = async (which: 'pick' | 'min-gpus' | 'max-rate', obj: PlannerObjective) => {
    const given = options.plannerResults?.[which];
    const result = given ?? (await planDeployment(plan, { ...deps, cache }, { objective: obj }));
    results.push({ objective: obj, result });
    return result;
  };
  const longRunOf = async (d: Deployment | undefined): Promise<VerifiedLayout | undefined> => {
    if (!d) return undefined;
    const key = layoutKey(d);
    const hit = byKey.get(key);
    if (hit) return hit.l;
    const [r] = await simulate([layoutJob(plan, d, rate, 'verify')]);
    return verified(plan, d, r.metrics);
  };
  const pickResult = await run('pick', objective);
  const minResult = objective === 'min-gpus' ? pickResult : await run('min-gpus', 'min-gpus');
  const rateResult = objective === 'max-rate' ? pickResult : await run('max-rate', 'max-rate');
  const pick = await longRunOf(pickResult.candidates[0]?.deployment);
  const minGpus = minResult.infeasibleReasons ? undefined : await longRunOf(minResult.candidates[0]?.deployment);

  const checks: VerifyCheck[] = [
    ...(best ? [pickCheck(objective, best, pick, options.pickPoints ?? 2)] : []),
    minGpusCheck(layouts, target, fewestLayout, minGpus),
    maxRateCheck(rateResult.maxRatePerSec, maxRate, options.maxRateRelative ?? 0.15),
  ];
  // A planner run cut short by planner.timeLimitSec answered with what it had: say so beside its check.
  const partial = (r: PlanResult) => (r.partial ? ' (planner run partial: planner.timeLimitSec ran out)' : '');
  for (const c of checks)
    c.detail += partial(c.name === 'pick' ? pickResult : c.name === 'min-gpus' ? minResult : rateResult);
  return {
    objective,
    ratePerSec: rate,
    target,
    layouts,
    truncated,
    best,
    fewestGpus: fewestLayout,
    maxRate,
    planner: { pick, minGpus, maxRatePerSec: rateResult.maxRatePerSec, results },
    checks,
    simulations,
    pass: checks.every((c) => c.pass),
  };
}

/** The planner's pick against the brute-force best under the objective, in attainment points. */
function pickCheck(
  objective: PlannerObjective,
  best: VerifiedLayout,
  pick: VerifiedLayout | undefined,
  pickPoints: number,
): VerifyCheck {
  const distance = pick ? (best.sloAttainment - pick.sloAttainment) * 100 : Infinity;
  return {
    name: 'pick',
    pass: distance <= pickPoints,
    distance,
    tolerance: pickPoints,
    detail: pick
      ? `planner picks ${pick.deployment} (${pick.gpus} GPUs, ${pts(pick.sloAttainment)} in long runs); brute-force best under ${objective} is ${best.deployment} (${best.gpus} GPUs, ${pts(best.sloAttainment)}): ${distance.toFixed(1)} points apart`
      : `planner recommends nothing; brute-force best is ${best.deployment} at ${pts(best.sloAttainment)}`,
  };
}

/** The planner's fewest-GPU answer against the fewest GPUs that clearly meet the target in long runs. */
function minGpusCheck(
  layouts: VerifiedLayout[],
  target: number,
  fewestLayout: VerifiedLayout | undefined,
  minGpus: VerifiedLayout | undefined,
): VerifyCheck {
  // A layout whose long-run interval straddles the target meets it or not by chance: the planner
  // is held to the fewest GPUs among layouts that clearly meet it, and may stop at a marginal one.
  const clearly = (l: VerifiedLayout) => l.meetsTarget && (l.ci95 ? l.ci95[0] >= target : true);
  const marginal = (l: VerifiedLayout) => !l.unstable && (l.ci95 ? l.ci95[1] >= target : l.meetsTarget);
  const clearFewest = layouts.filter(clearly).sort((a, b) => a.gpus - b.gpus)[0];
  const truth = fewestLayout?.gpus;
  const bound = clearFewest?.gpus ?? truth;
  const answer = minGpus?.gpus;
  const pass =
    answer === undefined
      ? clearFewest === undefined
      : bound !== undefined
        ? answer <= bound && marginal(minGpus!)
        : false;
  const margin =
    fewestLayout && clearFewest && clearFewest.gpus !== fewestLayout.gpus
      ? `; fewest clearly meeting it (whole 95% interval above): ${clearFewest.deployment} (${clearFewest.gpus} GPUs)`
      : '';
  return {
    name: 'min-gpus',
    pass,
    distance: bound !== undefined && answer !== undefined ? answer - bound : pass ? 0 : Infinity,
    tolerance: 0,
    detail:
      truth === undefined
        ? `no layout within the budget meets ${pts(target)} in long runs; planner ${answer === undefined ? 'agrees (no answer)' : `answers ${minGpus!.deployment}`}`
        : answer === undefined
          ? `planner finds no layout meeting the target; brute force: ${fewestLayout!.deployment} (${truth} GPUs, ${pts(fewestLayout!.sloAttainment)})${margin || (clearFewest ? '' : ', only marginally (its interval straddles the target)')}`
          : `planner: ${minGpus!.deployment} (${answer} GPUs, ${pts(minGpus!.sloAttainment)} in long runs${minGpus!.meetsTarget ? '' : ', below the target'}); brute-force fewest: ${fewestLayout!.deployment} (${truth} GPUs)${margin}`,
  };
}

/** The planner's highest rate against bisection with long runs over every layout, relative. */
function maxRateCheck(answer: number | undefined, maxRate: VerifyReport['maxRate'], tolerance: number): VerifyCheck {
  const truth = maxRate?.ratePerSec;
  const distance =
    truth && answer !== undefined
      ? (answer - truth) / truth
      : truth === undefined && answer === undefined
        ? 0
        : Infinity;
  return {
    name: 'max-rate',
    pass: Math.abs(distance) <= tolerance,
    distance,
    tolerance,
    detail:
      truth === undefined
        ? `no layout meets the target at any rate in long runs; planner ${answer === undefined ? 'agrees' : `claims ${answer.toFixed(3)}/s`}`
        : `planner ${answer === undefined ? 'gives no rate' : `≈ ${answer.toFixed(3)}/s`}; bisection with long runs over every layout: ${truth.toFixed(3)}/s on ${maxRate!.deployment} ` +
          `[${maxRate!.ci95[0].toFixed(3)}–${maxRate!.ci95[1].toFixed(3)}]${maxRate!.isLowerBound ? ' (lower bound)' : ''}: ${(distance * 100).toFixed(1)}%`,
  };
}

function verified(plan: Plan, d: Deployment, m: SimMetrics): VerifiedLayout {
  return {
    deployment: layoutKey(d),
    gpus: deploymentGpus(d),
    sloAttainment: m.sloAttainment,
    ...(m.sloAttainmentCi95 ? { ci95: m.sloAttainmentCi95 } : {}),
    goodput: m.goodput,
    unstable: m.unstable,
    meetsTarget: meetsTarget(plan, rankedOf(0, m)),
  };
}
