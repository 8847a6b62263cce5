import type { Deployment, PlannerObjective } from '../spec/types';
import type { Measurement, SimMetrics } from '../sim/types';
import type { Headroom } from './headroom';
import type { RunPrecision } from './measure';

export interface CandidatePrediction {
  sloAttainment: number;
  turn1SloAttainment: number;
  turn2plusSloAttainment: number;
  /** 95% interval across replications. */
  sloAttainmentCi95?: [number, number];
  ttftP95Ms: number;
  ttftP99Ms: number;
  itlP95Ms: number;
  itlP99Ms: number;
  localPrefillRatio: number;
  goodput: number;
  /** 95% interval on goodput, sessions/s. */
  goodputCi95?: [number, number];
  unstable: boolean;
  /** Why the run is unstable, in words. */
  unstableReason?: string;
  /** Warm-up, window and precision of these figures. */
  measurement?: Measurement;
}

export interface Candidate {
  /** 1-based rank by simulated result. */
  rank: number;
  deployment: Deployment;
  gpus: number;
  /**
   * What the integer program predicted for this candidate (its objective value; not finite, null in
   * JSON, when the coefficient model says it cannot carry the load). `source` says whether the ILP
   * proposed it or the planner's search around the ILP's answers found it.
   */
  estimate: { objective: number; worstReplicaP95Ms?: number; source?: 'ilp' | 'capacity' | 'search' };
  /** What full simulation of the candidate with the plan's policy gave. */
  predicted: CandidatePrediction;
  metrics?: SimMetrics;
  /** Simulated attainment is at least the plan's target (and the run is stable). */
  meetsTarget?: boolean;
  /** Highest arrival rate at which this layout still meets the target, by bisection on full simulations. */
  headroom?: Headroom;
  /** Ranks of the candidates whose figure the ranking compares is statistically tied with this one's. */
  tiedWith?: number[];
}

export interface RouterSetting {
  /** e.g. `threshold` with `maxLocalPrefillTokens: 512`. */
  policy: string;
  /** Engine-facing names: Dynamo/TRT-LLM `max_local_prefill_length`, llm-d non-cached-token threshold. */
  settings: Record<string, number>;
  sloAttainment: number;
  localPrefillRatio: number;
  /** The setting overloads the layout at the plan's rate: no steady-state attainment exists. */
  unstable?: boolean;
}

export interface RateSweepPoint {
  ratePerSec: number;
  sloAttainment: number;
  goodput: number;
  /** The layout is overloaded at this rate. */
  unstable?: boolean;
}

export interface PlanResult {
  objective: PlannerObjective;
  /** The best candidate's layout; absent when nothing is feasible. */
  recommended: { deployment?: Deployment; gpus: number };
  candidates: Candidate[];
  routerSettings: RouterSetting[];
  /** Attainment against arrival rate for the top candidates, when a sweep was asked for. */
  rateSweep?: { candidateRank: number; points: RateSweepPoint[] }[];
  /** Highest rate the budget serves at the attainment target (objective max-rate): the best candidate's headroom. */
  maxRatePerSec?: number;
  /** Where the true maximum lies given the bisection's bracket and its probes' 95% intervals. */
  maxRateCi95?: [number, number];
  /** The search stopped growing the rate while still meeting the target: the true maximum is higher. */
  maxRateIsLowerBound?: boolean;
  /** `status`: every solve's status (one word when they all agree, else each with its count). */
  solver: {
    status: string;
    ms: number;
    variables: number;
    constraints: number;
    solves?: number;
    statuses?: Record<string, number>;
  };
  coefficientSimulations: number;
  /** Simulations of whole layouts: screening, refinement, headroom searches, router and rate sweeps. */
  layoutSimulations?: number;
  /** Layouts simulated at the plan's rate before the top ones were refined. */
  layoutsScreened?: number;
  /** How precise each kind of run was (window, warm-up, 95% half-width of attainment). */
  precision?: { coefficients?: RunPrecision; screening?: RunPrecision; candidates?: RunPrecision };
  /** planner.timeLimitSec ran out: the answer is what was found by then (a note says what was skipped). */
  partial?: boolean;
  wallMs: number;
  /** Adjustments the planner made to the plan's settings (budget capped, TP degrees skipped…). */
  notes?: string[];
  /** Human-readable reasons when nothing feasible exists. */
  infeasibleReasons?: string[];
}
