import type { ClusterSpec, Deployment, Plan, PolicySpec, PoolSpec, ReplicaGroup, RoutingSpec } from '../spec/types';
import type { MeasureSpec, SimResult } from '../sim/types';
import type { CandidateSpace, RoleSpace } from './candidates';
import type { PlanRole } from './ilp';
import { asWholeLayout } from './cells';
import { measureFor } from './measure';
import { Cancelled, type RunControl } from '../control';

/** One simulation the planner asks for; the plan itself is shared once per pool of workers. */
export interface SimJob {
  deployment: Deployment;
  routing?: RoutingSpec;
  seed: number;
  ratePerSec?: number;
  sessions?: number;
  replications?: number;
  /** Warm-up, window and precision of the run (src/core/sim MeasureSpec); replaces sessions/replications when given. */
  measure?: MeasureSpec;
  /**
   * A coefficient run measures one replica beside a slice of the other role, a shape that need
   * not fit the plan's cluster: the cluster is widened to hold it (only its node count changes).
   */
  widenCluster?: boolean;
  /** Policy settings to run this job with (reordering window, α, β…), over the plan's own. */
  policy?: Partial<Omit<PolicySpec, 'routing'>>;
  /**
   * The job is a cell of a larger layout carrying 1/`cells` of its load (its deployment and rate
   * are the cell's; see plan/cells.ts `cellOf`): rates in its result (goodput, throughput) are
   * scaled back to the whole layout.
   */
  cells?: number;
}

export type RunSimulations = (jobs: SimJob[], control?: RunControl) => Promise<SimResult[]>;

/** A replica of one role and TP measured at one per-replica arrival rate. */
export interface Coefficient {
  role: PlanRole;
  tp: number;
  /** Sessions per second this one replica receives. */
  ratePerSec: number;
  /** P95 latency of the role's own metric over its SLO (TTFT for prefill, ITL for decode, the worse for co-located). */
  p95OverSlo: number;
  ttftP95Ms: number;
  itlP95Ms: number;
  sloAttainment: number;
  unstable: boolean;
}

/**
 * Load levels as divisors of the plan's rate: one replica carrying all of it, half, a third…
 * Rates above the plan's (divisors below 1) are only needed to search for the highest rate.
 */
const DIVISORS = [1, 2, 3, 4, 6, 8, 16, 32, 64, 128, 256, 512];
const ABOVE_PLAN_RATE = [0.25, 0.5];

/** FNV-1a (64-bit) of a string, hex: the cache key of a simulation job. */
export function contentHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

export function jobKey(plan: Plan, job: SimJob): string {
  // The plan's deployment, variants and planner options do not change a simulation's outcome.
  const { deployment: _d, variants: _v, planner: _p, name: _n, ...physics } = plan;
  return contentHash(JSON.stringify([physics, job]));
}

export function levelRates(plan: Plan, option: { maxReplicas: number }, searchAbovePlanRate: boolean): number[] {
  const rate = plan.workload.arrival.ratePerSec;
  const divisors = [
    ...(searchAbovePlanRate ? ABOVE_PLAN_RATE : []),
    ...DIVISORS.filter((d) => d <= option.maxReplicas),
  ];
  return divisors.map((d) => rate / d);
}

/**
 * The other role beside a measured replica: its fastest shape (largest TP), so that its latency is
 * not what the replica's attainment measures (a TP-1 decode companion misses a 20 ms ITL SLO on its
 * own and made every prefill coefficient read 0%).
 */
function companionGroups(space: RoleSpace, gpus: number): ReplicaGroup[] {
  const tp = space.tps[space.tps.length - 1].tp;
  return [{ tp, dp: Math.max(1, Math.round(gpus / tp)) }];
}

/**
 * The simulation that measures one replica (the paper's coefficient, appendix A.1): the replica
 * alone in its role, receiving `rate`, next to a slice of the other role sized like its share of
 * the cluster, so that the other role is not what limits it.
 */
export function coefficientJob(plan: Plan, space: CandidateSpace, role: PlanRole, tp: number, rate: number): SimJob {
  const seed = plan.workload.seed;
  // The window rule of every planner run (measure.ts): warm-up discarded, several session durations measured.
  const measure = measureFor(plan, rate, 'coefficient');
  const share = rate / plan.workload.arrival.ratePerSec;
  const [prefill, decode] = space.roles;
  const poolOf = (r: RoleSpace) => space.pools.find((p) => p.name === r.pool)?.gpus ?? space.budget;
  // Twice the other role's share of the cluster (the cluster is widened to hold it): a companion
  // sized like its share is loaded as heavily as the replica measured and its misses would count
  // against the replica (a decode replica's attainment failing on TTFT).
  const sliceGpus = (r: RoleSpace) => (space.pools.length > 1 ? poolOf(r) : space.budget / 2) * Math.min(1, 2 * share);
  if (role === 'colocated') {
    const routing: RoutingSpec = plan.policy.routing.name === 'continuum' ? plan.policy.routing : { name: 'colocated' };
    return {
      deployment: { kind: 'colocated', colocated: [{ tp, dp: 1 }] },
      routing,
      seed,
      ratePerSec: rate,
      measure,
      widenCluster: true,
    };
  }
  if (role === 'prefill') {
    // Every prefill remote, so the replica sees the whole prefill load of its share.
    return {
      deployment: {
        kind: 'disaggregated',
        prefill: [{ tp, dp: 1 }],
        decode: companionGroups(decode, sliceGpus(decode)),
      },
      routing: { name: 'remote' },
      seed,
      ratePerSec: rate,
      measure,
      widenCluster: true,
    };
  }
  return {
    deployment: {
      kind: 'disaggregated',
      prefill: companionGroups(prefill, sliceGpus(prefill)),
      decode: [{ tp, dp: 1 }],
    },
    routing: plan.policy.routing,
    seed,
    ratePerSec: rate,
    measure,
    widenCluster: true,
  };
}

export function coefficientFrom(plan: Plan, role: PlanRole, tp: number, rate: number, result: SimResult): Coefficient {
  const m = result.metrics;
  const ttft = m.ttftMs.p95 / plan.slo.ttftMs;
  const itl = m.itlMs.p95 / plan.slo.itlMs;
  const p95OverSlo = role === 'prefill' ? ttft : role === 'decode' ? itl : Math.max(ttft, itl);
  return {
    role,
    tp,
    ratePerSec: rate,
    p95OverSlo: Number.isFinite(p95OverSlo) ? p95OverSlo : Infinity,
    ttftP95Ms: m.ttftMs.p95,
    itlP95Ms: m.itlMs.p95,
    sloAttainment: m.sloAttainment,
    unstable: m.unstable,
  };
}

/** Simulations run so far, by job content; a planner run shares it across objectives and probes. */
export type SimCache = Map<string, SimResult>;

/** Runs the jobs not yet cached (in parallel through `run`) and returns every job's result. */
export async function runCached(
  plan: Plan,
  jobs: SimJob[],
  run: RunSimulations,
  cache: SimCache,
  control?: RunControl,
): Promise<{ results: SimResult[]; simulated: number }> {
  const keys = jobs.map((job) => jobKey(plan, job));
  const missing: SimJob[] = [];
  const missingKeys: string[] = [];
  keys.forEach((key, i) => {
    if (!cache.has(key) && !missingKeys.includes(key)) {
      missing.push(jobs[i]);
      missingKeys.push(key);
    }
  });
  if (missing.length > 0) {
    const results = await run(missing, control);
    results.forEach((result, i) => cache.set(missingKeys[i], result));
  }
  return {
    results: keys.map((key, i) => asWholeLayout(cache.get(key)!, jobs[i].cells ?? 1)),
    simulated: missing.length,
  };
}

/**
 * Coefficients of every replica shape at every load level, lowest load first; once a shape turns
 * unstable at some rate its higher rates are not simulated (queues only grow with load).
 */
export async function measureCoefficients(
  plan: Plan,
  space: CandidateSpace,
  run: RunSimulations,
  cache: SimCache,
  searchAbovePlanRate: boolean,
  control?: RunControl,
  /** False once the planner's time is up: the load levels not measured yet are left out. */
  keepGoing: () => boolean = () => true,
): Promise<{ coefficients: Coefficient[]; simulated: number; metrics: SimResult['metrics'][] }> {
  interface Pending {
    role: PlanRole;
    tp: number;
    rates: number[];
  }
  const pending: Pending[] = space.roles.flatMap((r) =>
    r.tps.map((t) => ({
      role: r.role,
      tp: t.tp,
      rates: levelRates(plan, t, searchAbovePlanRate).sort((a, b) => a - b),
    })),
  );
  const total = pending.reduce((n, p) => n + p.rates.length, 0);
  const coefficients: Coefficient[] = [];
  const metrics: SimResult['metrics'][] = [];
  let simulated = 0;
  let done = 0;
  const CHUNK = 1;
  while (pending.some((p) => p.rates.length > 0)) {
    if (control?.isCancelled?.()) throw new Cancelled('planning');
    // The lightest level of every shape is always measured (physics checks need it).
    if (coefficients.length > 0 && !keepGoing()) break;
    const batch = pending.flatMap((p) => p.rates.splice(0, CHUNK).map((rate) => ({ p, rate })));
    const jobs = batch.map(({ p, rate }) => coefficientJob(plan, space, p.role, p.tp, rate));
    const out = await runCached(plan, jobs, run, cache, {
      isCancelled: control?.isCancelled,
      onProgress: (d) => control?.onProgress?.(done + d, total),
    });
    simulated += out.simulated;
    done += batch.length;
    batch.forEach(({ p, rate }, i) => {
      const c = coefficientFrom(plan, p.role, p.tp, rate, out.results[i]);
      coefficients.push(c);
      metrics.push(out.results[i].metrics);
      if (c.unstable) {
        done += p.rates.length;
        p.rates.length = 0;
      }
    });
    control?.onProgress?.(done, total);
  }
  return { coefficients, simulated, metrics };
}

/** The plan a job runs against: the plan itself, or with `widenCluster` enough nodes for the job's deployment. */
export function planForJob(basePlan: Plan, job: SimJob): Plan {
  const plan = job.policy ? { ...basePlan, policy: { ...basePlan.policy, ...job.policy } } : basePlan;
  if (!job.widenCluster) return plan;
  const d = job.deployment;
  const sum = (groups: ReplicaGroup[]) => groups.reduce((n, g) => n + g.tp * g.dp, 0);
  const [prefillGpus, decodeGpus] = d.kind === 'colocated' ? [sum(d.colocated), 0] : [sum(d.prefill), sum(d.decode)];
  const widen = <P extends PoolSpec>(pool: P, gpus: number): P => ({
    ...pool,
    nodes: Math.max(pool.nodes, Math.ceil(gpus / pool.gpusPerNode)),
  });
  const cluster = plan.cluster;
  if (cluster.prefillPool || cluster.decodePool) {
    return {
      ...plan,
      cluster: {
        ...cluster,
        prefillPool: cluster.prefillPool && widen(cluster.prefillPool, prefillGpus),
        decodePool: cluster.decodePool && widen(cluster.decodePool, decodeGpus),
        ...widenMain(cluster, prefillGpus, decodeGpus),
      },
    };
  }
  return { ...plan, cluster: widen(cluster, prefillGpus + decodeGpus) };
}

function widenMain(cluster: ClusterSpec, prefillGpus: number, decodeGpus: number): { nodes: number } {
  // Roles without their own pool use the main one.
  const onMain = (cluster.prefillPool ? 0 : prefillGpus) + (cluster.decodePool ? 0 : decodeGpus);
  return { nodes: Math.max(cluster.nodes, Math.ceil(onMain / cluster.gpusPerNode)) };
}
