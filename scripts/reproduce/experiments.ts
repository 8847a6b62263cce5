// The experiments behind docs/validation.md. Simulations run in parallel on the planner's worker
// pool (one pool per plan); every run is seeded, so the report regenerates identically.

import * as path from 'node:path';
import { createPerfModel, distributionMean } from '../../src/core/perf';
import type { SimJob } from '../../src/core/plan';
import type { SimResult } from '../../src/core/sim/types';
import type { Deployment, Plan, RoutingSpec } from '../../src/core/spec/types';
import { formatDeployment } from '../../src/core/spec/deployment';
import { SimPool } from '../../src/workers/pool';

/** The bundled worker: `npm run reproduce` builds before it runs. */
export const WORKER_SCRIPT = path.join(__dirname, '..', '..', 'dist', 'simWorker.js');

/** Shortest arrival window of a run: long enough for queues to show whether they settle. */
const MIN_WINDOW_SEC = 120;

export interface RunSettings {
  /** Rounds per simulation; sessions = rounds / mean rounds per session, so long sessions cost the same. */
  rounds: number;
  seeds: number[];
}

export interface PolicyVariant {
  label: string;
  routing: RoutingSpec;
  /** Overrides of the plan's policy section (reordering window, α, β). */
  policy?: SimJob['policy'];
}

export interface Point {
  ratePerSec: number;
  sloAttainment: number;
  turn1: number;
  turn2plus: number;
  ttftP90Ms: number;
  turn2plusTtftP50Ms: number;
  turn2plusTtftMeanMs: number;
  turn2plusTtftP90Ms: number;
  itlMeanMs: number;
  localPrefillRatio: number;
  /** Share of prefill starts at which reordering ran a task other than the queue's head. */
  reorderedShare: number;
  goodput: number;
  unstable: boolean;
}

export interface Request {
  deployment: Deployment;
  variant: PolicyVariant;
  ratePerSec: number;
}

function mean(runs: SimResult[], f: (r: SimResult) => number): number {
  return runs.reduce((s, r) => s + f(r), 0) / runs.length;
}

function toPoint(ratePerSec: number, runs: SimResult[]): Point {
  return {
    ratePerSec,
    sloAttainment: mean(runs, (r) => r.metrics.sloAttainment),
    turn1: mean(runs, (r) => r.metrics.turn1.sloAttainment),
    turn2plus: mean(runs, (r) => r.metrics.turn2plus.sloAttainment),
    ttftP90Ms: mean(runs, (r) => r.metrics.ttftMs.p90),
    turn2plusTtftP50Ms: mean(runs, (r) => r.metrics.turn2plus.ttftMs.p50),
    turn2plusTtftMeanMs: mean(runs, (r) => r.metrics.turn2plus.ttftMs.mean),
    turn2plusTtftP90Ms: mean(runs, (r) => r.metrics.turn2plus.ttftMs.p90),
    itlMeanMs: mean(runs, (r) => r.metrics.itlMs.mean),
    localPrefillRatio: mean(runs, (r) => r.metrics.localPrefillRatio),
    reorderedShare: mean(runs, (r) => r.metrics.reorderedPrefillRatio),
    goodput: mean(runs, (r) => r.metrics.goodput),
    unstable: runs.some((r) => r.metrics.unstable),
  };
}

/** Runs batches of simulations of plans on worker pools and averages each point over the seeds. */
export class Runner {
  private readonly pools = new Map<Plan, SimPool>();
  simulations = 0;

  constructor(readonly settings: RunSettings) {}

  private pool(plan: Plan): SimPool {
    let pool = this.pools.get(plan);
    if (!pool) {
      pool = new SimPool(plan, { script: WORKER_SCRIPT });
      this.pools.set(plan, pool);
    }
    return pool;
  }

  /**
   * Sessions for a run at `ratePerSec`: arrivals over a fixed window of at least two minutes and
   * three mean session lengths (rounds × (tool wait + 1 s of service)), so a higher rate is a
   * heavier steady load rather than the same sessions in a shorter burst. Capped at six times the base count to bound the cost;
   * `maxSteadyRate` is where the cap starts to bite.
   */
  private windowSec(plan: Plan): number {
    const w = plan.workload;
    return Math.max(MIN_WINDOW_SEC, 3 * distributionMean(w.rounds) * (distributionMean(w.toolLatencyMs) / 1000 + 1));
  }

  private maxSessions(plan: Plan): number {
    return 6 * Math.max(60, this.settings.rounds / Math.max(1, distributionMean(plan.workload.rounds)));
  }

  maxSteadyRate(plan: Plan): number {
    return this.maxSessions(plan) / this.windowSec(plan);
  }

  sessionsFor(plan: Plan, ratePerSec: number): number {
    return Math.round(Math.min(this.maxSessions(plan), Math.max(60, ratePerSec * this.windowSec(plan))));
  }

  async measure(plan: Plan, requests: Request[], seeds = this.settings.seeds): Promise<Point[]> {
    const jobs: SimJob[] = requests.flatMap((r) =>
      seeds.map((seed) => ({
        deployment: r.deployment,
        routing: r.variant.routing,
        policy: r.variant.policy,
        seed,
        ratePerSec: r.ratePerSec,
        sessions: this.sessionsFor(plan, r.ratePerSec),
      })),
    );
    this.simulations += jobs.length;
    const results = await this.pool(plan).runSimulations(jobs);
    return requests.map((r, i) => toPoint(r.ratePerSec, results.slice(i * seeds.length, (i + 1) * seeds.length)));
  }

  async sweep(plan: Plan, deployment: Deployment, variant: PolicyVariant, rates: number[]): Promise<Point[]> {
    return this.measure(
      plan,
      rates.map((ratePerSec) => ({ deployment, variant, ratePerSec })),
    );
  }

  /**
   * The layout with the best mean attainment over `rates` (the anchor and a heavier load, so a tie
   * at 100% is broken by who holds up longer); ties go to the higher goodput.
   */
  async bestLayout(plan: Plan, layouts: Deployment[], variant: PolicyVariant, rates: number[]) {
    const points = await this.measure(
      plan,
      layouts.flatMap((deployment) => rates.map((ratePerSec) => ({ deployment, variant, ratePerSec }))),
    );
    const scores = layouts.map((_, i) => {
      const own = points.slice(i * rates.length, (i + 1) * rates.length);
      return {
        attainment: own.reduce((a, p) => a + p.sloAttainment, 0) / rates.length,
        goodput: own.reduce((a, p) => a + p.goodput, 0) / rates.length,
      };
    });
    let best = 0;
    scores.forEach((s, i) => {
      const b = scores[best];
      if (
        s.attainment > b.attainment + 1e-9 ||
        (Math.abs(s.attainment - b.attainment) <= 1e-9 && s.goodput > b.goodput)
      )
        best = i;
    });
    return {
      deployment: layouts[best],
      tried: layouts.map((d, i) => ({ layout: formatDeployment(d), sloAttainment: scores[i].attainment })),
    };
  }

  /**
   * The arrival rate at which `variant` on `deployment` falls to 50% attainment: a geometric grid
   * run in parallel, then three rounds of refinement inside the bracketing pair.
   */
  async halfAttainmentRate(
    plan: Plan,
    deployment: Deployment,
    variant: PolicyVariant,
  ): Promise<{ rate: number; reached: boolean }> {
    const seed = this.settings.seeds.slice(0, 1);
    const cap = this.maxSteadyRate(plan);
    // A geometric grid up to the highest rate a run can hold steadily, then refinement in the bracket.
    const rates = Array.from({ length: 10 }, (_, k) => cap / 2 ** (9 - k));
    let low = 0;
    let high = Infinity;
    const points = await this.measure(
      plan,
      rates.map((ratePerSec) => ({ deployment, variant, ratePerSec })),
      seed,
    );
    for (const p of points) {
      if (p.sloAttainment >= 0.5) low = Math.max(low, p.ratePerSec);
      else high = Math.min(high, p.ratePerSec);
    }
    if (high === Infinity) return { rate: cap, reached: false };
    if (low >= high) low = 0;
    for (let round = 0; round < 3; round++) {
      const inner = [1, 2, 3].map((i) => low + ((high - low) * i) / 4);
      const refined = await this.measure(
        plan,
        inner.map((ratePerSec) => ({ deployment, variant, ratePerSec })),
        seed,
      );
      for (const p of refined) {
        if (p.sloAttainment >= 0.5) low = Math.max(low, p.ratePerSec);
        else high = Math.min(high, p.ratePerSec);
      }
    }
    return { rate: (low + high) / 2, reached: true };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

/** TP degrees at which one replica of the model fits in memory. */
export function feasibleTps(plan: Plan, pool = plan.cluster): number[] {
  const perf = createPerfModel(plan.model, pool.gpu, { intraNode: pool.intraNode, perf: plan.perf });
  return plan.planner.tpDegrees.filter((tp) => tp <= pool.gpusPerNode && perf.memoryPlan(tp).fits);
}

/**
 * Single-TP-per-role layouts that use the whole budget, with a quarter, half or three quarters of
 * the GPUs on prefill: the space the baselines are tuned over (§7.1).
 */
export function disaggregatedLayouts(plan: Plan, gpus: number): Deployment[] {
  const tps = feasibleTps(plan);
  const layouts: Deployment[] = [];
  const seen = new Set<string>();
  for (const ptp of tps) {
    for (const dtp of tps) {
      for (const share of [0.25, 0.5, 0.75]) {
        const prefillGpus = Math.max(ptp, Math.round((gpus * share) / ptp) * ptp);
        const rest = gpus - prefillGpus;
        if (rest < dtp || rest % dtp !== 0) continue;
        const d: Deployment = {
          kind: 'disaggregated',
          prefill: [{ tp: ptp, dp: prefillGpus / ptp }],
          decode: [{ tp: dtp, dp: rest / dtp }],
        };
        const key = formatDeployment(d);
        if (!seen.has(key)) {
          seen.add(key);
          layouts.push(d);
        }
      }
    }
  }
  return layouts;
}

export function colocatedLayouts(plan: Plan, gpus: number): Deployment[] {
  return feasibleTps(plan)
    .filter((tp) => gpus % tp === 0)
    .map((tp) => ({ kind: 'colocated', colocated: [{ tp, dp: gpus / tp }] }) as Deployment);
}
