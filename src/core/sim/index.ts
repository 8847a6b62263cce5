import { createPerfModel } from '../perf';
import type { MeasuredProfile, PerfModel } from '../perf/types';
import { applyExpertParallel, expertParallelOptions } from '../perf/moe';
import type { Deployment, Plan, PoolSpec, ReplicaGroup, RoutingSpec } from '../spec/types';
import { runEngine, SimInputError, type EngineOutput } from './engine';
import { attainmentInterval, computeMetrics } from './metrics';
import { policyFor } from './policies';
import type { MeasureSpec, SimResult } from './types';
import { resolveMeasure, type MeasurePlan } from './measure';
import { replaySource, scaleTraceToRate, sharedSessionSource, traceArrivalRate, type TraceSession } from './workload';
import type { RunControl } from '../control';

export interface SimInput {
  plan: Plan;
  deployment: Deployment;
  /** Overrides plan.policy.routing. */
  routing?: RoutingSpec;
  /** Default plan.workload.seed. */
  seed?: number;
  /** Overrides plan.workload.arrival.ratePerSec (rate sweeps); a replayed trace is time-scaled to it. */
  ratePerSec?: number;
  /** Sessions to measure (the window is sessions / rate); same as measure.sessions. */
  sessions?: number;
  /** Warm-up, measurement window and precision; defaults from the workload. */
  measure?: MeasureSpec;
  /** Sample queue lengths and utilization over time (charts). */
  timeSeries?: boolean;
  /** false: one event per decode step instead of runs of steps (the same results; for tests). */
  stepRuns?: boolean;
  /** Replay instead of generating. */
  trace?: TraceSession[];
  /** Default: built from the plan via createPerfModel. */
  perf?: { prefill: PerfModel; decode: PerfModel };
  /** Measured profile the default perf models use. */
  profile?: MeasuredProfile;
}

export type { RunControl } from '../control';

/** A hard cap so a plan cannot ask for an unbounded run. */
export const MAX_SESSIONS = 1_000_000;
/** The slowest arrival rate simulated (one session in 32 years): below it the gaps between sessions stop being finite numbers of milliseconds. */
export const MIN_RATE_PER_SEC = 1e-9;

function checkRate(rate: number): void {
  if (!(rate >= MIN_RATE_PER_SEC))
    throw new SimInputError(`the arrival rate must be at least ${MIN_RATE_PER_SEC} sessions/s (got ${rate})`);
}

export { SimInputError } from './engine';
export {
  parseTrace,
  generateSessions,
  sessionGenerator,
  fitWorkloadToTrace,
  planOnTrace,
  traceArrivalRate,
  scaleTraceToRate,
  type TraceSession,
  type TraceRound,
  type TraceFit,
} from './workload';
export { POLICIES } from './policies';

function perfModels(input: SimInput): { prefill: PerfModel; decode: PerfModel } {
  if (input.perf) return input.perf;
  const { plan } = input;
  const { deployment } = input;
  const make = (pool: PoolSpec, role: 'prefill' | 'decode' | 'colocated', groups: ReplicaGroup[]) =>
    createPerfModel(plan.model, pool.gpu, {
      intraNode: pool.intraNode,
      perf: plan.perf,
      profile: input.profile,
      expertParallel: expertParallelOptions(pool, groups, role),
    });
  const decodePool = plan.cluster.decodePool ?? plan.cluster;
  const prefillPool = plan.cluster.prefillPool ?? plan.cluster;
  if (deployment.kind === 'colocated') {
    const colocated = make(decodePool, 'colocated', deployment.colocated);
    return { prefill: colocated, decode: colocated };
  }
  const expertParallel = [...deployment.prefill, ...deployment.decode].some((g) => g.ep);
  const decode = make(decodePool, 'decode', deployment.decode);
  const prefill =
    prefillPool === decodePool && !expertParallel ? decode : make(prefillPool, 'prefill', deployment.prefill);
  return { prefill, decode };
}

type TraceReplay = NonNullable<SimResult['traceReplay']>;

/**
 * The sessions a trace replay runs and how: at its recorded rate, or time-scaled to an asked-for
 * one. A trace sets its own rate, so the plan's written one does not apply to it. Prepared once per
 * simulation: every seed replays the same sessions.
 */
function replayOf(trace: TraceSession[], asked: number | undefined): { sessions: TraceSession[]; info: TraceReplay } {
  const recorded = traceArrivalRate(trace) ?? null;
  if (asked === undefined)
    return {
      sessions: trace,
      info: { sessions: trace.length, recordedRatePerSec: recorded, replayedRatePerSec: recorded },
    };
  checkRate(asked);
  if (recorded === null) {
    throw new SimInputError(
      `the trace's ${trace.length} sessions all arrive at the same moment, so it has no arrival rate to scale to ${asked} sessions/s; replay it as recorded (no rate) or spread its arrivals`,
    );
  }
  return {
    sessions: scaleTraceToRate(trace, asked),
    info: { sessions: trace.length, recordedRatePerSec: recorded, replayedRatePerSec: asked },
  };
}

function inArrivalOrder(trace: TraceSession[]): TraceSession[] {
  for (let i = 1; i < trace.length; i++)
    if (trace[i - 1].arrivalMs > trace[i].arrivalMs) return [...trace].sort((a, b) => a.arrivalMs - b.arrivalMs);
  return trace;
}

/** Everything a run needs that does not change between its replications. */
interface Prepared {
  routing: RoutingSpec;
  rate: number;
  measure: MeasurePlan;
  perf: { prefill: PerfModel; decode: PerfModel };
  replay?: { sessions: TraceSession[]; info: TraceReplay };
}

function prepare(input: SimInput, replications?: number): Prepared {
  const routing = input.routing ?? input.plan.policy.routing;
  const replay = input.trace ? replayOf(inArrivalOrder(input.trace), input.ratePerSec) : undefined;
  if (replay && replay.sessions.length > MAX_SESSIONS) {
    throw new SimInputError(
      `the trace holds ${replay.sessions.length} sessions, more than the ${MAX_SESSIONS.toLocaleString('en-US')} a run may hold; replay a part of it`,
    );
  }
  const rate = input.ratePerSec ?? input.plan.workload.arrival.ratePerSec;
  if (!replay) checkRate(rate);
  let spec: MeasureSpec = { ...input.measure };
  if (input.sessions !== undefined && spec.sessions === undefined) spec.sessions = input.sessions;
  if (replications !== undefined)
    spec = {
      ...spec,
      minReplications: replications,
      maxReplications: Math.max(replications, spec.maxReplications ?? replications),
    };
  if (spec.sessions !== undefined) spec.sessions = Math.max(1, Math.min(MAX_SESSIONS, spec.sessions));
  const measure = resolveMeasure(input.plan, spec, rate, replay?.sessions);
  if (!measure.trace && ((measure.warmupMs + measure.windowMs) / 1000) * rate > MAX_SESSIONS * 1.05) {
    throw new SimInputError(
      `the run would measure about ${Math.round((measure.windowMs / 1000) * rate)} sessions (window ${(measure.windowMs / 1000).toFixed(0)} s at ${rate} sessions/s), more than the ${MAX_SESSIONS.toLocaleString('en-US')} a run may hold; lower workload.durationSec or sessions`,
    );
  }
  return { routing, rate, measure, perf: perfModels(input), replay };
}

function runOnce(input: SimInput, prepared: Prepared, seed: number, control?: RunControl): EngineOutput {
  const source = prepared.replay
    ? replaySource(prepared.replay.sessions)
    : sharedSessionSource(input.plan.workload, prepared.rate, seed);
  return runEngine({
    plan: input.plan,
    deployment: input.deployment,
    routing: prepared.routing,
    policy: policyFor(prepared.routing),
    source,
    measure: prepared.measure,
    perf: prepared.perf,
    timeSeries: input.timeSeries,
    stepRuns: input.stepRuns,
    isCancelled: control?.isCancelled ? () => control.isCancelled?.() ?? false : undefined,
    onProgress: control?.onProgress ? (f) => control.onProgress?.(f, 1) : undefined,
  });
}

function toResult(input: SimInput, prepared: Prepared, seed: number, outputs: EngineOutput[]): SimResult {
  const metrics = computeMetrics(outputs, input.plan, prepared.measure.halfWidth);
  return {
    deployment: input.deployment,
    policy: prepared.routing.name,
    seed,
    replications: outputs.length,
    metrics,
    simulatedSec: outputs.reduce((a, o) => a + o.endMs, 0) / outputs.length / 1000,
    events: outputs.reduce((a, o) => a + o.events, 0),
    // The core never reads the clock; shells that time the run fill this in.
    wallMs: 0,
    ...(prepared.replay ? { traceReplay: prepared.replay.info } : {}),
  };
}

/**
 * Simulates to the plan's (or `input.measure`'s) precision: replications with seeds seed, seed+1, …
 * until the 95% interval on attainment is as narrow as asked or the replication cap is reached;
 * an unstable replication ends the run (more of them would not change that verdict). Synchronous
 * and pure: the same input gives the same result.
 */
export function simulate(given: SimInput, control?: RunControl, replications?: number): SimResult {
  const input = { ...given, deployment: applyExpertParallel(given.plan, given.deployment) };
  const seed = input.seed ?? input.plan.workload.seed;
  const prepared = prepare(input, replications);
  const { minReplications, maxReplications, halfWidth } = prepared.measure;
  const outputs: EngineOutput[] = [];
  for (let i = 0; i < maxReplications; i++) {
    // Progress runs over the replications the precision rule may need.
    const share = i < minReplications ? minReplications : maxReplications;
    const output = runOnce(input, prepared, seed + i, {
      isCancelled: control?.isCancelled,
      onProgress: control?.onProgress ? (f) => control.onProgress?.(Math.min(0.99, (i + f) / share), 1) : undefined,
    });
    outputs.push(output);
    if (output.cancelled || output.unstable || outputs.length === maxReplications) break;
    if (outputs.length >= minReplications && attainmentInterval(outputs, input.plan).halfWidth <= halfWidth) break;
  }
  return toResult(input, prepared, seed, outputs);
}

/** At least `replications` replications (more while the interval is wider than asked, up to the cap). */
export function simulateReplicated(input: SimInput, replications: number, control?: RunControl): SimResult {
  return simulate(input, control, Math.max(1, Math.floor(replications)));
}
