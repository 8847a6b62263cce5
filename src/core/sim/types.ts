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
  /** 95% interval on attainment across replications, when replications > 1. */
  sloAttainmentCi95?: [number, number];
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
