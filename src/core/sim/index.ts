import { createPerfModel } from '../perf';
import type { MeasuredProfile, PerfModel } from '../perf/types';
import type { Deployment, Plan, RoutingSpec } from '../spec/types';
import { runEngine, SimInputError, type EngineOutput } from './engine';
import { computeMetrics } from './metrics';
import { POLICIES } from './policies';
import type { MeasureSpec, SimResult } from './types';
import { generateSessions, scaleTraceToRate, traceArrivalRate, type TraceSession } from './workload';

export interface SimInput {
  plan: Plan;
  deployment: Deployment;
  /** Overrides plan.policy.routing. */
  routing?: RoutingSpec;
  /** Default plan.workload.seed. */
  seed?: number;
  /** Overrides plan.workload.arrival.ratePerSec (rate sweeps); a replayed trace is time-scaled to it. */
  ratePerSec?: number;
  /** Overrides how many sessions are generated. */
  sessions?: number;
  /** Warm-up, measurement window and precision; defaults from the workload. */
  measure?: MeasureSpec;
  /** Replay instead of generating. */
  trace?: TraceSession[];
  /** Default: built from the plan via createPerfModel. */
  perf?: { prefill: PerfModel; decode: PerfModel };
  /** Measured profile the default perf models use. */
  profile?: MeasuredProfile;
}

export interface SimControl {
  onProgress?(fraction: number): void;
  isCancelled?(): boolean;
}

/** Generated sessions when the plan gives neither a count nor a duration. */
export const DEFAULT_SESSIONS = 1000;
/** A hard cap so a plan cannot ask for an unbounded run. */
export const MAX_SESSIONS = 200_000;
/** The slowest arrival rate simulated (one session in 32 years): below it the gaps between sessions stop being finite numbers of milliseconds. */
export const MIN_RATE_PER_SEC = 1e-9;

function checkRate(rate: number): void {
  if (!(rate >= MIN_RATE_PER_SEC)) throw new SimInputError(`the arrival rate must be at least ${MIN_RATE_PER_SEC} sessions/s (got ${rate})`);
}

export { SimInputError } from './engine';
export { parseTrace, generateSessions, fitWorkloadToTrace, planOnTrace, traceArrivalRate, scaleTraceToRate, type TraceSession, type TraceRound, type TraceFit } from './workload';
export { POLICIES } from './policies';

function sessionCount(input: SimInput, rate: number): number {
  const w = input.plan.workload;
  const n = input.sessions ?? w.sessions ?? (w.durationSec !== undefined ? Math.round(w.durationSec * rate) : DEFAULT_SESSIONS);
  return Math.max(1, Math.min(MAX_SESSIONS, n));
}

function perfModels(input: SimInput): { prefill: PerfModel; decode: PerfModel } {
  if (input.perf) return input.perf;
  const { plan } = input;
  const make = (pool = plan.cluster) => createPerfModel(plan.model, pool.gpu, { intraNode: pool.intraNode, perf: plan.perf, profile: input.profile });
  const decode = make(plan.cluster.decodePool ?? plan.cluster);
  const prefill = plan.cluster.prefillPool ? make(plan.cluster.prefillPool) : decode;
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
  if (asked === undefined) return { sessions: trace, info: { sessions: trace.length, recordedRatePerSec: recorded, replayedRatePerSec: recorded } };
  checkRate(asked);
  if (recorded === null) {
    throw new SimInputError(`the trace's ${trace.length} sessions all arrive at the same moment, so it has no arrival rate to scale to ${asked} sessions/s; replay it as recorded (no rate) or spread its arrivals`);
  }
  return { sessions: scaleTraceToRate(trace, asked), info: { sessions: trace.length, recordedRatePerSec: recorded, replayedRatePerSec: asked } };
}

function runOnce(input: SimInput, seed: number, replayed: TraceSession[] | undefined, control?: SimControl): EngineOutput {
  const routing = input.routing ?? input.plan.policy.routing;
  let sessions: TraceSession[];
  if (replayed) sessions = replayed;
  else {
    const rate = input.ratePerSec ?? input.plan.workload.arrival.ratePerSec;
    checkRate(rate);
    sessions = generateSessions(input.plan.workload, sessionCount(input, rate), rate, seed);
  }
  return runEngine({
    plan: input.plan,
    deployment: input.deployment,
    routing,
    policy: POLICIES[routing.name],
    sessions,
    perf: perfModels(input),
    isCancelled: control?.isCancelled ? () => control.isCancelled?.() ?? false : undefined,
    onProgress: control?.onProgress ? (f) => control.onProgress?.(f) : undefined,
  });
}

function warmupOf(input: SimInput, total: number): number {
  // Never let warm-up swallow most of a short run.
  return Math.min(input.plan.workload.warmupSessions, Math.floor(total / 5));
}

function toResult(input: SimInput, seed: number, outputs: EngineOutput[], replay: TraceReplay | undefined): SimResult {
  const routing = input.routing ?? input.plan.policy.routing;
  const metrics = computeMetrics(outputs, input.plan, warmupOf(input, outputs[0].sessions.length));
  return {
    deployment: input.deployment,
    policy: routing.name,
    seed,
    replications: outputs.length,
    metrics,
    simulatedSec: outputs.reduce((a, o) => a + o.endMs, 0) / outputs.length / 1000,
    events: outputs.reduce((a, o) => a + o.events, 0),
    // The core never reads the clock; shells that time the run fill this in.
    wallMs: 0,
    ...(replay ? { traceReplay: replay } : {}),
  };
}

/** One seeded run. Synchronous and pure: the same input gives the same result. */
export function simulate(input: SimInput, control?: SimControl): SimResult {
  const seed = input.seed ?? input.plan.workload.seed;
  const replay = input.trace ? replayOf(input.trace, input.ratePerSec) : undefined;
  return toResult(input, seed, [runOnce(input, seed, replay?.sessions, control)], replay?.info);
}

/** Runs seeds seed..seed+R-1, pools their metrics and gives a 95% interval on attainment. */
export function simulateReplicated(input: SimInput, replications: number, control?: SimControl): SimResult {
  const seed = input.seed ?? input.plan.workload.seed;
  const r = Math.max(1, Math.floor(replications));
  const replay = input.trace ? replayOf(input.trace, input.ratePerSec) : undefined;
  const outputs: EngineOutput[] = [];
  for (let i = 0; i < r; i++) {
    outputs.push(
      runOnce(input, seed + i, replay?.sessions, {
        isCancelled: control?.isCancelled,
        onProgress: control?.onProgress ? (f) => control.onProgress?.((i + f) / r) : undefined,
      }),
    );
  }
  return toResult(input, seed, outputs, replay?.info);
}
