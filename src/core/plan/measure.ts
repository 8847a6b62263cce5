import { sessionDurations } from '../sim/measure';
import type { Plan } from '../spec/types';
import type { MeasureSpec, SimMetrics } from '../sim/types';

const durationCache = new WeakMap<Plan, number>();

/**
 * Mean session duration in seconds as the simulator's own window rule reckons it
 * (`sessionDurations`: every round at its SLO pace plus tool waits), so that the planner's windows
 * count in the same session durations as `simulate`'s.
 */
export function sloPacedSessionSec(plan: Plan): number {
  let sec = durationCache.get(plan);
  if (sec === undefined) {
    sec = sessionDurations(plan).meanMs / 1000;
    durationCache.set(plan, sec);
  }
  return sec;
}

/**
 * What each kind of planner run measures (DESIGN.md "Steady state"). Every run discards a warm-up
 * and measures a window of simulated time of at least several session durations and enough
 * arrivals; the precision asked for grows with how much a run decides:
 * - `coefficient`: one replica at one load level, ranking signal for the ILP;
 * - `screen`: a whole layout, to choose which layouts to refine, and the probes of headroom searches;
 * - `final`: the candidates shown, ranked and compared for ties;
 * - `long`: layouts just below the target on fewer GPUs than the best, where a slow transient
 *   can decide (windows as long as the verifier's, its own precision);
 * - `verify`: the brute-force verifier's long runs, the truth the planner is held to.
 */
export type RunLevel = 'coefficient' | 'screen' | 'final' | 'long' | 'verify';

interface LevelRule {
  /** Window in session durations (the warm-up is the simulator's: the 95th percentile of session durations). */
  windowSessions: number;
  /** Arrivals the window holds at least. */
  minArrivals: number;
  /** …and at most (a cap on run cost at high rates; the duration rule still holds below it). */
  maxArrivals: number;
  halfWidth: number;
  maxReplications: number;
  /**
   * Arrivals a whole-layout run's window may hold before the layout is run as a cell of it
   * (plan/cells.ts `cellOf`); coefficient runs are one replica already and the verifier runs whole
   * layouts.
   */
  cellArrivals: number;
}

export const LEVEL_RULES: Record<RunLevel, LevelRule> = {
  coefficient: {
    windowSessions: 3,
    minArrivals: 100,
    maxArrivals: 1500,
    halfWidth: 0,
    maxReplications: 1,
    cellArrivals: Infinity,
  },
  screen: {
    windowSessions: 3,
    minArrivals: 400,
    maxArrivals: 3000,
    halfWidth: 0.03,
    maxReplications: 2,
    cellArrivals: 2000,
  },
  final: {
    windowSessions: 5,
    minArrivals: 1000,
    maxArrivals: 6000,
    halfWidth: 0.01,
    maxReplications: 4,
    cellArrivals: 4000,
  },
  long: {
    windowSessions: 8,
    minArrivals: 3000,
    maxArrivals: 20000,
    halfWidth: 0.01,
    maxReplications: 4,
    cellArrivals: 10000,
  },
  verify: {
    windowSessions: 8,
    minArrivals: 3000,
    maxArrivals: 20000,
    halfWidth: 0.005,
    maxReplications: 8,
    cellArrivals: Infinity,
  },
};

/** The measurement spec of a planner run of `level` at `ratePerSec` sessions/s. */
export function measureFor(plan: Plan, ratePerSec: number, level: RunLevel): MeasureSpec {
  const rule = LEVEL_RULES[level];
  const session = sloPacedSessionSec(plan);
  const byDuration = rule.windowSessions * session;
  const byArrivals = rule.minArrivals / ratePerSec;
  // The arrival cap only shortens a window that the arrival floor made long, never below the duration rule.
  const windowSec = Math.max(byDuration, Math.min(byArrivals, rule.maxArrivals / ratePerSec));
  const round = (x: number) => Number(x.toPrecision(6));
  return {
    windowSec: round(windowSec),
    halfWidth: rule.halfWidth,
    minReplications: 1,
    maxReplications: rule.maxReplications,
  };
}

/** Half-width of a run's 95% attainment interval (from the measurement, else from the interval). */
export function attainmentHalfWidth(m: SimMetrics): number | undefined {
  if (m.measurement) return m.measurement.attainmentHalfWidth;
  if (m.sloAttainmentCi95) return (m.sloAttainmentCi95[1] - m.sloAttainmentCi95[0]) / 2;
  return undefined;
}

/** What the runs of one kind measured over, for the result: how precise the figures are. */
export interface RunPrecision {
  runs: number;
  /** Window per replication, simulated seconds (smallest and largest). */
  windowSec: [number, number];
  warmupSec: [number, number];
  /** Median and largest 95% half-width of attainment, in points of percent. */
  medianHalfWidthPts: number;
  maxHalfWidthPts: number;
  /** Runs whose interval stayed wider than asked (a replication cap stopped them). */
  precisionNotMet: number;
  unstable: number;
}

export function summarisePrecision(metrics: SimMetrics[], precisionAsked = true): RunPrecision | undefined {
  if (metrics.length === 0) return undefined;
  const widths = metrics
    .map((m) => attainmentHalfWidth(m))
    .filter((w): w is number => w !== undefined && Number.isFinite(w))
    .sort((a, b) => a - b);
  const windows = metrics.map((m) => m.measurement?.windowSec).filter((w): w is number => w !== undefined);
  const warmups = metrics.map((m) => m.measurement?.warmupSec).filter((w): w is number => w !== undefined);
  const range = (xs: number[]): [number, number] => (xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 0]);
  const pts = (x: number | undefined) => (x === undefined ? 0 : Math.round(x * 1000) / 10);
  return {
    runs: metrics.length,
    windowSec: range(windows),
    warmupSec: range(warmups),
    medianHalfWidthPts: pts(widths[Math.floor(widths.length / 2)]),
    maxHalfWidthPts: pts(widths[widths.length - 1]),
    precisionNotMet: precisionAsked
      ? metrics.filter((m) => m.measurement && !m.measurement.precisionMet && !m.unstable).length
      : 0,
    unstable: metrics.filter((m) => m.unstable).length,
  };
}
