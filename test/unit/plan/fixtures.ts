// A plan and a stand-in simulator for the planner's tests. The stand-in is a closed-form queueing
// model (each role a pool of servers whose speed grows with TP), not the project's simulator: it
// lets the planner's own logic be tested with known answers while the simulator is elsewhere.
import * as path from 'node:path';
import loadHighs = require('highs');
import type { Deployment, Plan, ReplicaGroup } from '../../../src/core/spec/types';
import type { SimResult, SimMetrics, Percentiles } from '../../../src/core/sim/types';
import type { HighsSolver } from '../../../src/core/plan/ilp';
import type { SimJob } from '../../../src/core/plan/coefficients';

export const highsReady = loadHighs.default({
  locateFile: () => path.join(__dirname, '..', '..', '..', 'node_modules', 'highs', 'build', 'highs.wasm'),
}) as unknown as Promise<HighsSolver>;

export function testPlan(
  overrides: { budget?: number; rate?: number; ttftMs?: number; itlMs?: number; nodes?: number } = {},
): Plan {
  const link = { bandwidthGBps: 400, latencyUs: 2 };
  const gpu = {
    name: 'H100',
    memoryGB: 80,
    bf16Tflops: 989,
    fp8Tflops: 1979,
    hbmBandwidthGBps: 3350,
    nvlinkBandwidthGBps: 450,
  };
  const constant = (value: number) => ({ kind: 'constant' as const, value });
  return {
    version: 1,
    name: 'test',
    model: {
      name: 'test-32b',
      layers: 64,
      hiddenSize: 5120,
      attentionHeads: 64,
      kvHeads: 8,
      headDim: 128,
      ffnSize: 25600,
      vocabSize: 151936,
      gatedMlp: true,
      weightDtype: 'bf16',
      kvDtype: 'bf16',
      maxContextTokens: 32768,
    },
    cluster: {
      gpu,
      gpusPerNode: 8,
      nodes: overrides.nodes ?? 1,
      intraNode: link,
      interNode: { bandwidthGBps: 50, latencyUs: 5 },
    },
    workload: {
      arrival: { process: 'poisson', ratePerSec: overrides.rate ?? 2 },
      rounds: constant(3),
      initialPromptTokens: constant(2000),
      incrementalTokens: constant(500),
      outputTokens: constant(200),
      toolLatencyMs: constant(1000),
      warmupSessions: 0,
      seed: 7,
    },
    slo: {
      ttftMs: overrides.ttftMs ?? 1000,
      itlMs: overrides.itlMs ?? 50,
      attainmentTarget: 0.9,
      scope: 'session',
      itlStatistic: 'mean',
    },
    policy: {
      routing: { name: 'adaptive' },
      reorderWindow: 4,
      maxPostpone: 3,
      statsWindowSec: 10,
      alpha: 0.8,
      beta: 0.8,
      maxDecodeBatch: 128,
      maxBatchTokens: 8192,
    },
    planner: {
      gpuBudget: overrides.budget ?? 8,
      tpDegrees: [1, 2, 4, 8],
      objective: 'max-attainment',
      topK: 3,
      includeColocated: true,
      mixedTp: true,
      replications: 1,
      maxCandidates: 100,
      timeLimitSec: 60,
    },
    perf: {},
  };
}

const pct = (base: number): Percentiles => ({
  p50: base * 0.6,
  p90: base * 0.9,
  p95: base,
  p99: base * 1.3,
  mean: base * 0.7,
  max: base * 2,
});

/** Service rates (sessions/s) of one replica: sublinear in TP, as all-reduce eats into scaling. */
const prefillRate = (tp: number) => 1.0 * tp ** 0.85;
const decodeRate = (tp: number) => 1.5 * tp ** 0.7;
const colocatedRate = (tp: number) => 0.55 * tp ** 0.8;

function capacity(groups: ReplicaGroup[], speed: (tp: number) => number): number {
  return groups.reduce((n, g) => n + g.dp * speed(g.tp), 0);
}

/** Closed-form stand-in for simulate(): latency grows like 1/(1-ρ), unstable at ρ ≥ 1. */
export function fakeSimulate(plan: Plan, job: SimJob): SimResult {
  const rate = job.ratePerSec ?? plan.workload.arrival.ratePerSec;
  const d: Deployment = job.deployment;
  let ttftBase: number;
  let itlBase: number;
  let rhoP: number;
  let rhoD: number;
  let localRatio = 0;
  if (d.kind === 'colocated') {
    rhoP = rhoD = rate / capacity(d.colocated, colocatedRate);
    const tp = Math.max(...d.colocated.map((g) => g.tp));
    ttftBase = 400 / tp ** 0.8;
    itlBase = 30 / tp ** 0.6;
  } else {
    const local =
      job.routing?.name === 'threshold'
        ? Math.min(1, (job.routing.maxLocalPrefillTokens ?? 0) / 2000)
        : job.routing?.name === 'remote'
          ? 0
          : 0.3;
    localRatio = local;
    rhoP = (rate * (1 - 0.4 * local)) / capacity(d.prefill, prefillRate);
    rhoD = (rate * (1 + 0.3 * local)) / capacity(d.decode, decodeRate);
    ttftBase = 300 / Math.max(...d.prefill.map((g) => g.tp)) ** 0.8;
    itlBase = 25 / Math.max(...d.decode.map((g) => g.tp)) ** 0.6;
  }
  const unstable = rhoP >= 1 || rhoD >= 1;
  const ttftP95 = unstable ? 1e6 : ttftBase / (1 - rhoP);
  const itlP95 = unstable ? 1e6 : itlBase / (1 - 0.8 * rhoD);
  const meet = (p95: number, slo: number) => Math.max(0, Math.min(1, 1 - 0.05 * (p95 / slo) ** 3));
  const attain = unstable ? 0 : meet(ttftP95, plan.slo.ttftMs) * meet(itlP95, plan.slo.itlMs);
  // Precision as a run of this many measured arrivals would have it (binomial), so ties are testable.
  const measured = job.measure ? Math.max(1, Math.round(rate * (job.measure.windowSec ?? 60))) : (job.sessions ?? 100);
  const halfWidth = unstable ? 0 : Math.min(0.5, 1.96 * Math.sqrt((attain * (1 - attain)) / measured) + 0.002);
  const turn = (a: number) => ({ sloAttainment: a, rounds: 100, ttftMs: pct(ttftP95), itlMs: pct(itlP95) });
  const metrics: SimMetrics = {
    sessions: job.sessions ?? 100,
    completedSessions: job.sessions ?? 100,
    sloAttainment: attain,
    turn1: turn(Math.min(1, attain * 1.05)),
    turn2plus: turn(attain * 0.95),
    ttftMs: pct(ttftP95),
    itlMs: pct(itlP95),
    e2eLatencyMs: pct(10000),
    throughputTokensPerSec: rate * 600,
    throughputSessionsPerSec: rate,
    goodput: rate * attain,
    localPrefillRatio: localRatio,
    reorderedPrefillRatio: 0,
    kvBytesMoved: { intraNode: 0, interNode: 0, crossCluster: 0 },
    evictions: 0,
    recomputedTokens: 0,
    workers: [],
    timeSeries: { tSec: [], queueLength: {}, utilization: {} },
    unstable,
    littlesLaw: { meanInSystem: 0, arrivalRatePerSec: rate, meanSojournSec: 0 },
    tokens: { requested: 0, decoded: 0 },
    failedSessions: 0,
    ...(unstable
      ? { unstableReason: 'backlog grows through the window' }
      : {
          sloAttainmentCi95: [Math.max(0, attain - halfWidth), Math.min(1, attain + halfWidth)] as [number, number],
          goodputCi95: [rate * Math.max(0, attain - halfWidth), rate * Math.min(1, attain + halfWidth)] as [
            number,
            number,
          ],
        }),
    measurement: {
      warmupSec: job.measure?.warmupSec ?? 0,
      windowSec: job.measure?.windowSec ?? 0,
      replications: 1,
      batches: 10,
      measuredSessions: measured,
      attainmentHalfWidth: halfWidth,
      precisionMet: halfWidth <= (job.measure?.halfWidth ?? 1) || job.measure?.halfWidth === 0,
    },
  };
  return {
    deployment: d,
    policy: job.routing?.name ?? plan.policy.routing.name,
    seed: job.seed,
    replications: job.replications ?? 1,
    metrics,
    simulatedSec: 100,
    events: 1000,
    wallMs: 1,
  };
}

export function fakeDeps(plan: Plan, highs: HighsSolver) {
  const calls: SimJob[] = [];
  return {
    calls,
    deps: {
      highs,
      runSimulations: async (jobs: SimJob[]) => {
        calls.push(...jobs);
        return jobs.map((job) => fakeSimulate(plan, job));
      },
    },
  };
}
