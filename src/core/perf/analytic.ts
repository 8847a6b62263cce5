import type { GpuSpec, LinkSpec, ModelSpec } from '../spec/types';
import {
  ACTIVATION_BYTES,
  BYTES_PER_GB,
  DEFAULT_MEMORY_RESERVE_FRACTION,
  DEFAULT_STEP_OVERHEAD_MS,
  DEFAULT_TYPICAL_CONTEXT_TOKENS,
  KERNEL_OVERHEAD_US,
  KERNELS_PER_LAYER,
  LINK_EFFICIENCY,
  computeEfficiency,
  gemmPeakFlops,
  memoryEfficiency,
} from './constants';
import {
  attentionWeightsPerRank,
  describeArchitecture,
  kvBytesPerToken,
  kvBytesPerTokenPerRank,
  weightElementsPerRank,
  type Architecture,
} from './architecture';
import type { MemoryPlan } from './types';

export interface AnalyticOptions {
  intraNode: LinkSpec;
  stepOverheadMs?: number;
  memoryReserveFraction?: number;
  typicalContextTokens?: number;
}

/**
 * Everything a time estimate at one TP degree needs, folded into per-token and per-step constants
 * so that an estimate is a handful of multiplies and maxes (the simulator calls it millions of
 * times). Times are per TP rank, in ms; all ranks of a replica run in lock step.
 */
interface TpCoefficients {
  /** Dense linear layers (attention projections, dense MLPs, shared experts, router). */
  linearMsPerToken: number;
  linearWeightMs: number;
  linearActivationMsPerToken: number;
  /** Routed experts: compute on the k active ones, weight reads on the distinct ones touched. */
  expertMsPerToken: number;
  expertWeightMsPerExpert: number;
  /** Attention core: FLOPs per (query, key) pair and KV bytes per context token, as ms. */
  prefillAttentionMsPerPair: number;
  decodeAttentionMsPerContextToken: number;
  kvReadMsPerToken: number;
  /** LM head (one logit row per sequence in prefill, one per sequence in decode). */
  lmHeadMsPerToken: number;
  lmHeadWeightMs: number;
  /** Norms, residual adds, activation function and embedding gather: memory-bound, per token. */
  elementwiseMsPerToken: number;
  /** Two all-reduces per layer: latency part per step and bandwidth part per token. */
  allReduceMsPerStep: number;
  /** Fixed per-kernel costs of all layers, plus the runtime's per-step overhead. */
  fixedMsPerStep: number;
  allReduceMsPerToken: number;
}

const DISTINCT_TABLE_SIZE = 8192;

export class AnalyticModel {
  readonly arch: Architecture;
  readonly stepOverheadMs: number;
  readonly memoryReserveFraction: number;
  readonly typicalContextTokens: number;
  private readonly coefficients: (TpCoefficients | undefined)[] = [];
  private readonly memoryPlans: (MemoryPlan | undefined)[] = [];
  private readonly logExpertMiss: number;
  /** distinctExperts(n) for whole n below DISTINCT_TABLE_SIZE, filled on first use. */
  private distinctTable: Float64Array | undefined;
  /** Per (srcTp, dstTp): KV bytes delivered per token per rank pair, and messages per pair. */
  private readonly transferPlans = new Map<number, { bytesPerTokenPerPair: number; messages: number }>();

  constructor(
    readonly model: ModelSpec,
    readonly gpu: GpuSpec,
    readonly options: AnalyticOptions,
  ) {
    this.arch = describeArchitecture(model);
    this.stepOverheadMs = options.stepOverheadMs ?? DEFAULT_STEP_OVERHEAD_MS;
    this.memoryReserveFraction = options.memoryReserveFraction ?? DEFAULT_MEMORY_RESERVE_FRACTION;
    this.typicalContextTokens = Math.max(1, options.typicalContextTokens ?? DEFAULT_TYPICAL_CONTEXT_TOKENS);
    const { experts, activeExperts } = this.arch;
    // ln(1 − k/E): the probability a given expert is missed by one token, in log form so that the
    // expected distinct-expert count is one exp per call.
    this.logExpertMiss = experts > 0 ? Math.log1p(-Math.min(activeExperts, experts) / experts) : 0;
  }

  /** Per-TP constants, computed once per TP degree. */
  coefficientsAt(tp: number): TpCoefficients {
    const cached = this.coefficients[tp];
    if (cached) return cached;
    const built = this.buildCoefficients(tp);
    this.coefficients[tp] = built;
    return built;
  }

  private buildCoefficients(tp: number): TpCoefficients {
    const { arch, model, gpu } = this;
    const d = model.hiddenSize;
    const wb = arch.weightBytesPerElement;
    const msPerGemmFlop = 1e3 / (gemmPeakFlops(gpu, model.weightDtype) * computeEfficiency(gpu));
    // Attention runs in BF16 (FlashAttention) whatever the weight dtype.
    const msPerAttentionFlop = 1e3 / (gpu.bf16Tflops * 1e12 * computeEfficiency(gpu));
    const msPerByte = 1e3 / (gpu.hbmBandwidthGBps * 1e9 * memoryEfficiency(gpu));

    const alwaysOnWeightsPerRank =
      arch.layers * attentionWeightsPerRank(arch, tp) +
      (arch.denseLayers * arch.denseMlpWeights + arch.moeLayers * arch.moeAlwaysOnWeights) / tp;
    const expertFfnPerRank = model.moe ? model.moe.expertFfnSize / tp : 0;
    const sharedExperts = model.moe?.sharedExperts ?? 0;
    // FFN width a token passes through, per rank, averaged over layers (for activation traffic).
    const ffnWidthPerRank =
      (arch.denseLayers * (model.ffnSize / tp) +
        arch.moeLayers * (arch.activeExperts + sharedExperts) * expertFfnPerRank) /
      Math.max(1, arch.layers);
    const attentionWidthPerRank = ((model.attentionHeads * 2 + model.kvHeads * 2) * model.headDim) / tp;
    const mlpMatrices = model.gatedMlp ? 3 : 2;

    // GEMM inputs/outputs per token: hidden in/out of QKV, O, up/gate and down, plus the
    // per-rank intermediate widths.
    const gemmActivationBytesPerToken =
      ACTIVATION_BYTES * arch.layers * (4 * d + attentionWidthPerRank + mlpMatrices * ffnWidthPerRank);
    // Two RMSNorms (read+write), two residual adds (2 reads + write), SwiGLU (2 reads + write of
    // the intermediate), the embedding row, and the norm weights themselves.
    const elementwiseBytesPerToken =
      ACTIVATION_BYTES * arch.layers * (4 * d + 6 * d + 3 * ffnWidthPerRank) + ACTIVATION_BYTES * d;

    // Rabenseifner's all-reduce (reduce-scatter + all-gather by recursive halving/doubling):
    // 2·⌈log2 t⌉ latency steps and 2(t−1)/t of the message over each link (Thakur, Rabenseifner
    // & Gropp 2005, "Optimization of collective communication operations in MPICH").
    const allReduceLatencyMs = tp > 1 ? (2 * Math.ceil(Math.log2(tp)) * this.options.intraNode.latencyUs) / 1e3 : 0;
    const allReduceBytesPerToken = tp > 1 ? ((2 * (tp - 1)) / tp) * d * ACTIVATION_BYTES : 0;
    const linkMsPerByte = 1e3 / (this.options.intraNode.bandwidthGBps * 1e9 * LINK_EFFICIENCY);

    return {
      linearMsPerToken: 2 * alwaysOnWeightsPerRank * msPerGemmFlop,
      linearWeightMs: (alwaysOnWeightsPerRank * wb + arch.layers * arch.normWeightsPerLayer * wb) * msPerByte,
      linearActivationMsPerToken: gemmActivationBytesPerToken * msPerByte,
      expertMsPerToken: (2 * arch.moeLayers * arch.activeExperts * arch.expertWeights * msPerGemmFlop) / tp,
      expertWeightMsPerExpert: ((arch.moeLayers * arch.expertWeights * wb) / tp) * msPerByte,
      prefillAttentionMsPerPair: ((arch.layers * arch.prefillAttentionFlopsPerPair) / tp) * msPerAttentionFlop,
      decodeAttentionMsPerContextToken:
        ((arch.layers * arch.decodeAttentionFlopsPerPair) / tp) * msPerAttentionFlop,
      kvReadMsPerToken: kvBytesPerTokenPerRank(arch, tp) * msPerByte,
      lmHeadMsPerToken: ((2 * arch.lmHeadWeights) / tp) * msPerGemmFlop,
      lmHeadWeightMs: ((arch.lmHeadWeights * wb) / tp) * msPerByte,
      elementwiseMsPerToken: elementwiseBytesPerToken * msPerByte,
      allReduceMsPerStep: 2 * arch.layers * allReduceLatencyMs,
      fixedMsPerStep: (arch.layers * KERNELS_PER_LAYER * KERNEL_OVERHEAD_US) / 1e3 + this.stepOverheadMs,
      allReduceMsPerToken: 2 * arch.layers * allReduceBytesPerToken * linkMsPerByte,
    };
  }

  /** Expected distinct routed experts `tokens` tokens touch in one MoE layer (uniform routing). */
  distinctExperts(tokens: number): number {
    if (tokens <= 0 || this.arch.experts === 0) return 0;
    // Batch sizes and chunk lengths are whole numbers, mostly small: a table saves the exp.
    if (tokens < DISTINCT_TABLE_SIZE && (tokens | 0) === tokens) {
      const table = this.distinctTable ?? (this.distinctTable = this.buildDistinctTable());
      return table[tokens];
    }
    return this.arch.experts * (1 - Math.exp(tokens * this.logExpertMiss));
  }

  private buildDistinctTable(): Float64Array {
    const table = new Float64Array(DISTINCT_TABLE_SIZE);
    for (let n = 1; n < DISTINCT_TABLE_SIZE; n++) table[n] = this.arch.experts * (1 - Math.exp(n * this.logExpertMiss));
    return table;
  }

  prefillMs(historyTokens: number, newTokens: number, tp: number): number {
    if (newTokens <= 0) return 0;
    const c = this.coefficientsAt(tp);
    const n = newTokens;
    const h = historyTokens > 0 ? historyTokens : 0;
    const linear = Math.max(n * c.linearMsPerToken, c.linearWeightMs + n * c.linearActivationMsPerToken);
    const experts =
      this.arch.moeLayers > 0
        ? Math.max(n * c.expertMsPerToken, this.distinctExperts(n) * c.expertWeightMsPerExpert)
        : 0;
    // Causal: the i-th new token attends to h + i keys (i = 1..n), n·(h + (n+1)/2) pairs.
    const attention = Math.max(n * (h + (n + 1) / 2) * c.prefillAttentionMsPerPair, (h + n) * c.kvReadMsPerToken);
    // Only the last position's logits are computed in prefill.
    const lmHead = Math.max(c.lmHeadMsPerToken, c.lmHeadWeightMs);
    return (
      linear +
      experts +
      attention +
      lmHead +
      n * c.elementwiseMsPerToken +
      c.allReduceMsPerStep +
      n * c.allReduceMsPerToken +
      c.fixedMsPerStep
    );
  }

  decodeStepMs(batch: number, totalContextTokens: number, tp: number): number {
    if (batch <= 0) return 0;
    const c = this.coefficientsAt(tp);
    const b = batch;
    const context = totalContextTokens > 0 ? totalContextTokens : 0;
    const linear = Math.max(b * c.linearMsPerToken, c.linearWeightMs + b * c.linearActivationMsPerToken);
    const experts =
      this.arch.moeLayers > 0
        ? Math.max(b * c.expertMsPerToken, this.distinctExperts(b) * c.expertWeightMsPerExpert)
        : 0;
    const attention = Math.max(context * c.decodeAttentionMsPerContextToken, context * c.kvReadMsPerToken);
    const lmHead = Math.max(b * c.lmHeadMsPerToken, c.lmHeadWeightMs);
    return (
      linear +
      experts +
      attention +
      lmHead +
      b * c.elementwiseMsPerToken +
      c.allReduceMsPerStep +
      b * c.allReduceMsPerToken +
      c.fixedMsPerStep
    );
  }

  kvBytes(tokens: number): number {
    return tokens * kvBytesPerToken(this.arch);
  }

  /**
   * α–β (Hockney) transfer of `tokens` tokens of KV. Assumptions: every GPU has its own path of
   * `link.bandwidthGBps` (one NIC or NVLink port per GPU); source and destination ranks pair up
   * and move their shares in parallel over min(srcTp, dstTp) pairs; what must arrive is each
   * destination rank's own layout (GQA heads split by dstTp, at least one head per rank; the MLA
   * latent whole on every rank), so a layout change costs the bytes the destination needs, not
   * the bytes the source holds; each pair pays the latency once per message, and a rank that
   * serves several peers sends ceil(max/min) messages back to back.
   */
  kvTransferMs(tokens: number, link: LinkSpec, srcTp: number, dstTp: number): number {
    if (tokens <= 0) return 0;
    const key = srcTp * 4096 + dstTp;
    let plan = this.transferPlans.get(key);
    if (!plan) {
      const pairs = Math.min(srcTp, dstTp);
      plan = {
        messages: Math.ceil(Math.max(srcTp, dstTp) / pairs),
        bytesPerTokenPerPair: (kvBytesPerTokenPerRank(this.arch, dstTp) * dstTp) / pairs,
      };
      this.transferPlans.set(key, plan);
    }
    return (plan.messages * link.latencyUs) / 1e3 + (tokens * plan.bytesPerTokenPerPair) / (link.bandwidthGBps * 1e6 * LINK_EFFICIENCY);
  }

  memoryPlan(tp: number): MemoryPlan {
    const cached = this.memoryPlans[tp];
    if (cached) return cached;
    const arch = this.arch;
    const memoryBytes = this.gpu.memoryGB * BYTES_PER_GB;
    const weightBytesPerGpu = weightElementsPerRank(arch, tp) * arch.weightBytesPerElement;
    const reserveBytesPerGpu = this.memoryReserveFraction * memoryBytes;
    const freeBytes = memoryBytes - weightBytesPerGpu - reserveBytesPerGpu;
    const perRankTokenBytes = kvBytesPerTokenPerRank(arch, tp);
    const kvCapacityTokens = freeBytes > 0 ? Math.floor(freeBytes / perRankTokenBytes) : 0;
    const maxDecodeBatch = Math.floor(kvCapacityTokens / this.typicalContextTokens);
    // Frozen: the same object is handed to every caller.
    const plan: MemoryPlan = Object.freeze({
      tp,
      weightBytesPerGpu,
      kvBytesPerToken: kvBytesPerToken(arch),
      reserveBytesPerGpu,
      kvCapacityTokens,
      maxDecodeBatch,
      fits: maxDecodeBatch >= 1,
    });
    this.memoryPlans[tp] = plan;
    return plan;
  }
}
