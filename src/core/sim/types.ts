import type { Deployment, RoutingPolicyName } from '../spec/types';

export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export interface TurnMetrics {
  /** Share of sessions (or rounds, with round scope) meeting both SLOs. */
  sloAttainment: number;
  rounds: number;
  ttftMs: Percentiles;
  itlMs: Percentiles;
}

export interface WorkerMetrics {
  id: string;
  role: 'prefill' | 'decode' | 'colocated';
  tp: number;
  /** Busy fraction of simulated time. */
  utilization: number;
  /** Incremental prefills this decode worker ran itself / all incremental prefills of its sessions. */
  localPrefillRatio?: number;
  localPrefills?: number;
  remotePrefills?: number;
  maxQueueLength: number;
}

export interface TimeSeries {
  /** Sample times, seconds of simulated time. */
  tSec: number[];
  /** One series per worker id. */
  queueLength: Record<string, number[]>;
  utilization: Record<string, number[]>;
}

export interface SimMetrics {
  sessions: number;
  completedSessions: number;
  sloAttainment: number;
  turn1: TurnMetrics;
  turn2plus: TurnMetrics;
  ttftMs: Percentiles;
  itlMs: Percentiles;
  e2eLatencyMs: Percentiles;
  /** Output tokens per second. */
  throughputTokensPerSec: number;
  /** Completed sessions per second. */
  throughputSessionsPerSec: number;
  /** Sessions per second completed within SLO. */
  goodput: number;
  localPrefillRatio: number;
  /**
   * Share of the prefills started in the window at which reordering (AMPD §4.2) ran a task other
   * than its queue's head: 0 with W = 1, or when FCFS was already the best order every time.
   */
  reorderedPrefillRatio: number;
  /** KV bytes moved per link kind. */
  kvBytesMoved: { intraNode: number; interNode: number; crossCluster: number };
  evictions: number;
  recomputedTokens: number;
  workers: WorkerMetrics[];
  timeSeries: TimeSeries;
  /** Queues grew without bound (the offered load exceeds capacity). */
  unstable: boolean;
  /** Time-average sessions in the system, their arrival rate and mean time in the system (L = λW). */
  littlesLaw: { meanInSystem: number; arrivalRatePerSec: number; meanSojournSec: number };
  /** Output tokens requested by the measured sessions and decoded for them. */
  tokens: { requested: number; decoded: number };
  /** Sessions that could not be served at all (their KV exceeds a worker's capacity). */
  failedSessions: number;
  /** 95% interval on attainment (batch means over the measurement window, across replications). */
  sloAttainmentCi95?: [number, number];
  /** 95% interval on goodput, sessions/s. */
  goodputCi95?: [number, number];
  /** Why the run is unstable, in words (backlog growing through the window, a wait past any burst…). */
  unstableReason?: string;
  /** Warm-up, window and precision of these figures. */
  measurement?: Measurement;
}

export interface SimResult {
  deployment: Deployment;
  policy: RoutingPolicyName;
  seed: number;
  replications: number;
  metrics: SimMetrics;
  simulatedSec: number;
  events: number;
  wallMs: number;
  /** Present when a trace was replayed: its sessions, and its arrival rate as recorded and as replayed (null when they all arrive at once). */
  traceReplay?: { sessions: number; recordedRatePerSec: number | null; replayedRatePerSec: number | null };
}

/**
 * How a simulation measures (DESIGN.md "Steady state"): arrivals run continuously; sessions that
 * arrive during a discarded warm-up are not measured; sessions arriving in the measurement window
 * are, and arrivals go on until they have all finished, so the system stays loaded while they
 * drain. Attainment gets a 95% interval from batch means over the window (pooled across
 * replications); replications are added until the interval is narrow enough or a cap is hit.
 * Every field has a default derived from the workload (see `resolveMeasure`).
 */
export interface MeasureSpec {
  /** Simulated seconds discarded before measuring. Default: a few mean session durations. */
  warmupSec?: number;
  /** Simulated seconds of measured arrivals per replication. Default: long enough for many sessions and several session durations. */
  windowSec?: number;
  /** Sessions expected to arrive in the window: sets the window to sessions / rate (overrides windowSec). */
  sessions?: number;
  /** Stop adding replications once the 95% half-width of attainment is at most this (fraction; default 0.01). 0 runs exactly minReplications. */
  halfWidth?: number;
  /** Replications run at least (default 1). */
  minReplications?: number;
  /** Replications run at most while the interval is wider than halfWidth (default 4). */
  maxReplications?: number;
}

/** What a simulation measured over, and how precise its attainment is. */
export interface Measurement {
  /** Per replication, simulated seconds. */
  warmupSec: number;
  windowSec: number;
  replications: number;
  /** Batches (over all replications) the interval comes from. */
  batches: number;
  /** Sessions that arrived in the measurement windows. */
  measuredSessions: number;
  /** Half-width of the 95% interval on attainment (fraction). */
  attainmentHalfWidth: number;
  /** The interval reached the requested half-width (false: a cap stopped the run first; `note` says which). */
  precisionMet: boolean;
  /** Why the interval is wider than asked, or why the run stopped early (unstable). */
  note?: string;
}
