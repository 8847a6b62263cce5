import type { LinkSpec } from '../spec/types';

/** How a replica's memory is spent, per GPU unless the name says otherwise. */
export interface MemoryPlan {
  tp: number;
  weightBytesPerGpu: number;
  /** KV cache bytes one token occupies across the whole replica (all layers, all TP ranks). */
  kvBytesPerToken: number;
  reserveBytesPerGpu: number;
  /** Tokens of KV the replica can hold after weights and reserve; 0 when it does not fit. */
  kvCapacityTokens: number;
  /** Largest decode batch at the workload's typical context that fits. */
  maxDecodeBatch: number;
  fits: boolean;
  /**
   * Expert-parallel shapes (moe.ts): the replica's data-parallel attention ranks. kvCapacityTokens
   * and maxDecodeBatch are then per rank, the unit the simulator runs as a worker.
   */
  dpRanks?: number;
}

/** decodeStepMs(batch, x, tp) = fixedMs + msPerContextToken × x for every total context x in [validFromContext, validBelowContext). */
export interface DecodeStepPiece {
  fixedMs: number;
  msPerContextToken: number;
  validFromContext: number;
  validBelowContext: number;
}

/**
 * Time estimates for one model on one GPU type. Every call is pure and cheap: the simulator
 * calls these millions of times.
 */
export interface PerfModel {
  /** Prefill of `newTokens` on top of `historyTokens` already in KV, one sequence, ms. */
  prefillMs(historyTokens: number, newTokens: number, tp: number): number;
  /**
   * One decode step of `batch` sequences whose contexts add up to `totalContextTokens`, ms.
   */
  decodeStepMs(batch: number, totalContextTokens: number, tp: number): number;
  /**
   * Where decodeStepMs is piecewise affine in the context at a fixed batch (the analytical model:
   * weights and kernels cost per step, KV streaming per context token, a step up once a layer's
   * KV is large), the piece that holds at total context `totalContextTokens`, so that a simulator
   * can time a run of steps without a call per step. Undefined where it is not (measured tables).
   */
  decodeStepAffine?(batch: number, tp: number, totalContextTokens: number): DecodeStepPiece | undefined;
  /** Moving `tokens` tokens of KV between replicas of TP `srcTp` and `dstTp` over `link`, ms. */
  kvTransferMs(tokens: number, link: LinkSpec, srcTp: number, dstTp: number): number;
  /** KV bytes of `tokens` tokens for the whole replica (independent of TP). */
  kvBytes(tokens: number): number;
  memoryPlan(tp: number): MemoryPlan;
  /** Workers a replica of this width runs as: its data-parallel attention ranks (1 unless expert-parallel). */
  dpRanks?(tp: number): number;
  /** GPUs one worker's KV is laid out over, for KV transfers (the width unless expert-parallel). */
  kvTp?(tp: number): number;
}

/** One measured prefill: `tokens` new tokens on top of `history` cached ones, one sequence. */
export interface PrefillSample {
  tp: number;
  history: number;
  tokens: number;
  ms: number;
  /** 1-based line in the profile text, for diagnostics. */
  line: number;
}

/** One measured decode step: `batch` sequences of `context` tokens each. */
export interface DecodeSample {
  tp: number;
  batch: number;
  context: number;
  ms: number;
  line: number;
}

/** One measured KV copy of `tokens` tokens between two replicas of the same TP. */
export interface KvCopySample {
  tp: number;
  tokens: number;
  ms: number;
  line: number;
}

/**
 * A measured profile (`# pdplan-profile v1` CSV, see docs/perf-model.md): its `#` metadata
 * (`gpu`, `model`, `torch`, `date`, …) and its samples.
 */
export interface MeasuredProfile {
  metadata: Record<string, string>;
  prefill: PrefillSample[];
  decode: DecodeSample[];
  kvCopy: KvCopySample[];
}
