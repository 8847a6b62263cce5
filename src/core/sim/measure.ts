import type { Plan, WorkloadSpec } from '../spec/types';
import { SimInputError, tooLargeTimeMessage } from './errors';
import { LatencySketch } from './sketch';
import type { MeasureSpec } from './types';
import { sessionGenerator, type TraceSession } from './workload';

/** Default precision: the 95% interval on attainment is at most ±1 point. */
export const DEFAULT_HALF_WIDTH = 0.01;
export const DEFAULT_MAX_REPLICATIONS = 4;
/** The measurement window spans at least this many mean session durations by default… */
export const WINDOW_SESSION_DURATIONS = 3;
/** …and at least this many arrivals. */
export const MIN_WINDOW_SESSIONS = 400;
/** Batches per replication for batch means: each about a session duration long, between these. */
const MIN_BATCHES = 3;
const MAX_BATCHES = 20;

/** Sessions expected to last longer than this (about 3,000 years) cannot be simulated to steady state. */
const MAX_SESSION_MS = 1e14;

/** A measurement resolved for one run: times in simulated ms. */
export interface MeasurePlan {
  warmupMs: number;
  windowMs: number;
  batches: number;
  /** A session's expected time in the system (its SLO-bound latencies and tool waits), ms. */
  sessionMs: number;
  /** The 95th percentile of that time, ms. */
  longSessionMs: number;
  /** Sessions per second arriving (for a trace: as replayed). */
  ratePerSec: number;
  halfWidth: number;
  minReplications: number;
  maxReplications: number;
  /** Said when the window is shorter than the rule wants (the caller asked for it). */
  note?: string;
  /**
   * Count mode: the window closes at the arrival of this many measured sessions (a trace's
   * sessions after warm-up, or the count a caller asked for); `windowMs` is then only the expected
   * length until the run knows the real one.
   */
  sessions?: number;
  /** Replaying a trace: its own arrivals end the run, and the drain after them is measured too. */
  trace: boolean;
}

/** Sessions drawn to estimate how long sessions last (a fixed stream: the estimate does not depend on the run's seed). */
const DURATION_SAMPLE = 1000;
const DURATION_SEED = 0x5eed;

/**
 * The sessions the estimate is drawn from, once per workload: the planner runs hundreds of
 * simulations of one plan, and drawing them is most of the estimate's cost.
 */
const samples = new WeakMap<WorkloadSpec, TraceSession[]>();
function durationSample(workload: WorkloadSpec): TraceSession[] {
  let drawn = samples.get(workload);
  if (!drawn) {
    drawn = [];
    const source = sessionGenerator(workload, 1, DURATION_SEED, DURATION_SAMPLE);
    for (let s = source.next(); s; s = source.next()) drawn.push(s);
    samples.set(workload, drawn);
  }
  return drawn;
}

/**
 * How long sessions last, mean and 95th percentile: every round's TTFT and decode at the SLO's
 * pace plus the tool waits between rounds, over sessions drawn from the workload (or the trace's
 * own). The SLOs bound latency from above for the load that matters, so the estimate errs long,
 * which only lengthens warm-up and window. The percentile sets the warm-up: the number of
 * sessions in the system settles only once the long ones that arrived at the start have left.
 */
export function sessionDurations(plan: Plan, trace?: readonly TraceSession[]): { meanMs: number; p95Ms: number } {
  if (trace && trace.length > 0) return durationsOf(trace, plan.slo);
  // A planner asks once per simulation, with the same workload and SLO objects each time.
  let bySlo = durationsByWorkload.get(plan.workload);
  if (!bySlo) {
    bySlo = new WeakMap();
    durationsByWorkload.set(plan.workload, bySlo);
  }
  let known = bySlo.get(plan.slo);
  if (!known) {
    known = durationsOf(durationSample(plan.workload), plan.slo);
    bySlo.set(plan.slo, known);
  }
  return known;
}

const durationsByWorkload = new WeakMap<WorkloadSpec, WeakMap<Plan['slo'], { meanMs: number; p95Ms: number }>>();

function durationsOf(sessions: readonly TraceSession[], slo: Plan['slo']): { meanMs: number; p95Ms: number } {
  const n = Math.min(sessions.length, 5000);
  const durations = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let ms = 0;
    for (const r of sessions[i].rounds) ms += r.thinkMs + slo.ttftMs + r.outputTokens * slo.itlMs;
    durations[i] = ms;
    total += ms;
  }
  durations.sort();
  const meanMs = total / Math.max(1, n);
  const p95Ms = n > 0 ? durations[Math.min(n - 1, Math.ceil(0.95 * n) - 1)] : meanMs;
  if (!(meanMs <= MAX_SESSION_MS) || !(p95Ms <= MAX_SESSION_MS)) {
    throw new SimInputError(
      tooLargeTimeMessage(`a session would last about ${Math.max(meanMs, p95Ms).toPrecision(3)} ms`),
    );
  }
  return { meanMs: Math.max(meanMs, 1), p95Ms: Math.max(p95Ms, 1) };
}

/** Windows arrive rounded (the planner's to 6 significant digits): a hair short of a duration is not short. */
const ROUNDING = 1e-6;

/**
 * Warm-up, window, batches and precision for a run at `ratePerSec` (DESIGN.md "Steady state"):
 * - warm-up: the 95th percentile of session durations (the time the system takes to fill), or
 *   the plan's warmupSessions' worth of arrivals if longer;
 * - window: several session durations and enough arrivals — or exactly what the caller asked
 *   (`sessions` or `windowSec`), with a note when that is shorter than the rule;
 * - batches of about one session duration each for the batch-means interval.
 */
export function resolveMeasure(
  plan: Plan,
  spec: MeasureSpec | undefined,
  ratePerSec: number,
  trace?: readonly TraceSession[],
): MeasurePlan {
  const durations = sessionDurations(plan, trace);
  const sessionMs = durations.meanMs;
  const halfWidth = Math.max(0, spec?.halfWidth ?? DEFAULT_HALF_WIDTH);
  const minReplications = Math.max(1, Math.floor(spec?.minReplications ?? 1));
  const maxReplications = Math.max(
    minReplications,
    Math.floor(spec?.maxReplications ?? Math.max(minReplications, DEFAULT_MAX_REPLICATIONS)),
  );
  const w = plan.workload;
  if (trace) {
    const first = trace.length ? trace[0].arrivalMs : 0;
    const last = trace.length ? trace[trace.length - 1].arrivalMs : 0;
    // A recorded trace is short as often as not: warm-up never takes more than a fifth of it.
    let skip = Math.min(w.warmupSessions, Math.floor(trace.length / 5));
    if (spec?.warmupSec !== undefined) {
      const warmupEnd = first + spec.warmupSec * 1000;
      skip = Math.max(
        0,
        Math.min(
          trace.length - 1,
          trace.findIndex((s) => s.arrivalMs >= warmupEnd),
        ),
      );
    }
    const warmupMs = trace.length ? trace[skip].arrivalMs : 0;
    const windowMs = Math.max(1e-6, last - warmupMs);
    const batches = Math.min(clampBatches(Math.floor(windowMs / sessionMs)), Math.max(1, trace.length - skip));
    // A recorded trace is what it is: one replication, its batches give the interval.
    return {
      warmupMs,
      windowMs,
      batches,
      sessionMs,
      longSessionMs: durations.p95Ms,
      halfWidth,
      minReplications: 1,
      maxReplications: 1,
      sessions: trace.length - skip,
      trace: true,
      ratePerSec,
    };
  }
  const gapMs = 1000 / ratePerSec;
  const warmupMs =
    spec?.warmupSec !== undefined ? spec.warmupSec * 1000 : Math.max(durations.p95Ms, w.warmupSessions * gapMs);
  const ruleMs = Math.max(WINDOW_SESSION_DURATIONS * sessionMs, MIN_WINDOW_SESSIONS * gapMs);
  let windowMs: number;
  let note: string | undefined;
  const sessions = spec?.sessions !== undefined ? Math.max(1, Math.round(spec.sessions)) : undefined;
  const asked =
    sessions !== undefined ? sessions * gapMs : spec?.windowSec !== undefined ? spec.windowSec * 1000 : undefined;
  if (asked !== undefined) {
    windowMs = asked;
    if (asked < WINDOW_SESSION_DURATIONS * sessionMs * (1 - ROUNDING)) {
      note = `the measurement window (${(asked / 1000).toPrecision(3)} s) is shorter than ${WINDOW_SESSION_DURATIONS} mean session durations (${((WINDOW_SESSION_DURATIONS * sessionMs) / 1000).toPrecision(3)} s): figures may not be steady-state`;
    }
  } else {
    // The plan's own span (durationSec or sessions) is a floor on the window, not a cap.
    const planned =
      w.sessions !== undefined ? w.sessions * gapMs : w.durationSec !== undefined ? w.durationSec * 1000 : 0;
    windowMs = Math.max(ruleMs, planned);
  }
  // Count mode batches by arrival order, so even a few sessions make several batches.
  const durationsInWindow = Math.floor((windowMs / sessionMs) * (1 + ROUNDING));
  const batches =
    sessions !== undefined
      ? Math.min(clampBatches(durationsInWindow), Math.max(1, sessions))
      : clampBatches(durationsInWindow);
  return {
    warmupMs,
    windowMs,
    batches,
    sessionMs,
    longSessionMs: durations.p95Ms,
    halfWidth,
    minReplications,
    maxReplications,
    note,
    sessions,
    trace: false,
    ratePerSec,
  };
}

function clampBatches(n: number): number {
  return Math.min(MAX_BATCHES, Math.max(MIN_BATCHES, n));
}

/** Per-turn latency distributions and SLO counts. */
export class TurnTally {
  readonly ttft = new LatencySketch();
  readonly itl = new LatencySketch();
  met = 0;
  rounds = 0;

  merge(other: TurnTally): void {
    this.ttft.merge(other.ttft);
    this.itl.merge(other.itl);
    this.met += other.met;
    this.rounds += other.rounds;
  }
}

/**
 * Everything one replication measured, in memory independent of its length: counts per batch of
 * the window (for batch means), latency sketches, token and byte totals.
 */
export class RunTally {
  readonly batchSessions: Float64Array;
  readonly batchMet: Float64Array;
  readonly batchRounds: Float64Array;
  readonly batchRoundsMet: Float64Array;
  readonly batchCompleted: Float64Array;
  /** Where each batch starts in simulated time, and (last entry) where the window ends, ms. */
  readonly batchEdgesMs: Float64Array;
  readonly turn1 = new TurnTally();
  readonly turn2 = new TurnTally();
  readonly e2e = new LatencySketch();
  sessions = 0;
  completed = 0;
  failed = 0;
  met = 0;
  tokensRequested = 0;
  tokensDecoded = 0;
  /** Output tokens decoded inside the window by every session (throughput). */
  windowTokens = 0;
  sojournMs = 0;
  /** Time integral of sessions in the system over the window, session·ms (Little's law). */
  inSystemMs = 0;
  arrivalsInWindow = 0;
  evictions = 0;
  recomputedTokens = 0;
  localPrefills = 0;
  remotePrefills = 0;
  /** Prefills started in the window from a reorderable queue, and those reordering moved ahead of the head. */
  prefillStarts = 0;
  reorderedPrefills = 0;
  /** Measured sessions still unfinished when the run stopped. */
  unfinished = 0;

  constructor(readonly batches: number) {
    this.batchSessions = new Float64Array(batches);
    this.batchMet = new Float64Array(batches);
    this.batchRounds = new Float64Array(batches);
    this.batchRoundsMet = new Float64Array(batches);
    this.batchCompleted = new Float64Array(batches);
    this.batchEdgesMs = new Float64Array(batches + 1);
  }
}
