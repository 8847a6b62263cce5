import type { Deployment, PlannerObjective, ReplicaGroup } from '../spec/types';
import type { SimMetrics } from '../sim/types';

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
  unstable: boolean;
}

export interface Candidate {
  /** 1-based rank by simulated result. */
  rank: number;
  deployment: Deployment;
  /** Flat layout fields for tables and JSON consumers. */
  prefill?: ReplicaGroup[];
  decode?: ReplicaGroup[];
  colocated?: ReplicaGroup[];
  gpus: number;
  /** What the integer program predicted for this candidate (its objective value). */
  estimate: { objective: number; worstReplicaP95Ms?: number };
  /** What full simulation of the candidate with the plan's policy gave. */
  predicted: CandidatePrediction;
  metrics?: SimMetrics;
}

export interface RouterSetting {
  /** e.g. `threshold` with `maxLocalPrefillTokens: 512`. */
  policy: string;
  /** Engine-facing names: Dynamo/TRT-LLM `max_local_prefill_length`, llm-d non-cached-token threshold. */
  settings: Record<string, number>;
  sloAttainment: number;
  localPrefillRatio: number;
}

export interface RateSweepPoint {
  ratePerSec: number;
  sloAttainment: number;
  goodput: number;
}

export interface PlanResult {
  objective: PlannerObjective;
  recommended: { prefill?: ReplicaGroup[]; decode?: ReplicaGroup[]; colocated?: ReplicaGroup[]; gpus: number };
  candidates: Candidate[];
  routerSettings: RouterSetting[];
  /** Attainment against arrival rate for the top candidates, when a sweep was asked for. */
  rateSweep?: { candidateRank: number; points: RateSweepPoint[] }[];
  /** Highest rate the budget serves at the attainment target (objective max-rate). */
  maxRatePerSec?: number;
  /** The budget still met the target at the highest rate the planner measured (4× the plan's): the true maximum is higher. */
  maxRateIsLowerBound?: boolean;
  solver: { status: string; ms: number; variables: number; constraints: number };
  coefficientSimulations: number;
  wallMs: number;
  /** Adjustments the planner made to the plan's settings (budget capped, TP degrees skipped…). */
  notes?: string[];
  /** Human-readable reasons when nothing feasible exists. */
  infeasibleReasons?: string[];
}
