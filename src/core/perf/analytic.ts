import type { GpuSpec, LinkSpec, ModelSpec } from '../spec/types';
import {
  ACTIVATION_BYTES,
  BYTES_PER_GB,
  DEFAULT_MEMORY_RESERVE_FRACTION,
  DEFAULT_STEP_OVERHEAD_MS,
  DEFAULT_TYPICAL_CONTEXT_TOKENS,
  ELEMENTWISE_KERNELS_PER_LAYER,
  GEMMS_PER_LAYER,
  KERNEL_OVERHEAD_US,
  LINK_EFFICIENCY,
} from './constants';
import {
  attentionWeightsPerRank,
  describeArchitecture,
  kvBytesPerToken,
  kvBytesPerTokenPerRank,
  weightBytesPerRank,
  type Architecture,
} from './architecture';
import { allReduceForms, hardwareRates, kvParallelism, weightStreamSlowdown, type HardwareRates } from './hardware';
import { decodeAttentionFlops } from './mla';
import type { DecodeStepPiece, MemoryPlan } from './types';

export interface AnalyticOptions {
  intraNode: LinkSpec;
  stepOverheadMs?: number;
  memoryReserveFraction?: number;
  typicalContextTokens?: number;
}

/**
 * Everything a time estimate at one TP degree needs, folded into per-token and per-step constants
 * so that an estimate is a handful of multiplies and maxes (the simulator calls it millions of
 * times). Times are per TP rank, in ms; all ranks of a replica run in lock step. Each constant is
 * one of the separate terms of hardware.ts (GEMM compute, weight streaming, attention compute, KV
 * streaming, all-reduce) summed over the layers, so the per-op calibration carries over exactly.
 */
interface GemmTerms {
  /** Dense linear layers (attention projections, dense MLPs, shared experts, router). */
  linearMsPerToken: number;
  linearWeightMs: number;
  linearActivationMsPerToken: number;
  /** Routed experts: compute on the k active ones, weight reads on the distinct ones touched. */
  expertMsPerToken: number;
  expertWeightMsPerExpert: number;
  /** Fixed cost of the layers' GEMM launches. */
  fixedMs: number;
}

interface TpCoefficients {
  gemm: GemmTerms;
  /**
   * NVFP4 weights on a GPU with FP4 tensor cores can also run weight-only (dequantised to BF16 in
   * the kernel, as on GPUs without them); engines ship both kernels, so the faster one is priced.
   */
  weightOnlyGemm?: GemmTerms;
  /** Prefill attention: ms per (query, key) pair at full efficiency, all layers. */
  prefillAttentionMsPerPair: number;
  /** Decode attention compute per context token, all layers. */
  decodeAttentionMsPerContextToken: number;
  /** KV bytes of one context token, all layers of this rank, at full KV bandwidth, ms. */
  kvReadMsPerToken: number;
  /** KV heads on this rank: decode attention's parallelism is batch × these. */
  kvHeadsPerRank: number;
  /** Decode attention cost per (sequence, KV head) pair, all layers. */
  decodePairMs: number;
  /**
   * From this total context on, each layer's decode-attention call reads enough KV to pay the
   * large-KV step (hardware.ts decodeAttentionMs), all layers: decodeLargeKvMs (Infinity: never).
   */
  decodeLargeKvContext: number;
  decodeLargeKvMs: number;
  /** LM head (one logit row per sequence in prefill, one per sequence in decode; BF16 in every checkpoint). */
  lmHeadMsPerToken: number;
  lmHeadWeightMs: number;
  /** Norms, residual adds, activation function and embedding gather: memory-bound, per token. */
  elementwiseMsPerToken: number;
  /**
   * The two all-reduces of the hidden state per layer, all layers (hardware.ts allReduceMs folded):
   * one-shot latency and ms per token, two-shot latency and ms per token; the faster is taken.
   */
  oneShotMs: number;
  oneShotMsPerToken: number;
  twoShotMs: number;
  twoShotMsPerToken: number;
  /** Steps of more tokens than this send their all-reduces two-shot/ring whatever the cost (the engine's switch). */
  oneShotMaxTokens: number;
  /** −1 / the key length of prefill attention's ramp-up, for ramp = −expm1(keys · this). */
  attentionRampRate: number;
  /** Fixed per-kernel costs of all layers (GEMMs, element-wise, LM head), plus the runtime's per-step overhead. */
  fixedMsPerStep: number;
  /** Fixed cost of the attention kernels of all layers, prefill and decode kernels. */
  prefillAttentionFixedMs: number;
  decodeAttentionFixedMs: number;
}

const DISTINCT_TABLE_SIZE = 8192;
const RAMP_TABLE_SIZE = 8192;
const KEY_RAMP_TABLE_SIZE = 32768;

export class AnalyticModel {
  readonly arch: Architecture;
  readonly stepOverheadMs: number;
  readonly memoryReserveFraction: number;
  readonly typicalContextTokens: number;
  /** Rates of the weights' GEMM path, and of BF16 (LM head, which quantised checkpoints keep in BF16). */
  readonly rates: HardwareRates;
  readonly bf16Rates: HardwareRates;
  /** NVFP4 on FP4 tensor cores only: the weight-only alternative (BF16 math on FP4 bytes). */
  readonly weightOnlyRates: HardwareRates | undefined;
  private readonly coefficients: (TpCoefficients | undefined)[] = [];
  private readonly memoryPlans: (MemoryPlan | undefined)[] = [];
  private readonly logExpertMiss: number;
  /** distinctExperts(n) for whole n below DISTINCT_TABLE_SIZE, filled on first use. */
  private distinctTable: Float64Array | undefined = undefined;
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
    this.rates = hardwareRates(gpu, model.weightDtype, options.intraNode, model.kvDtype);
    this.bf16Rates = hardwareRates(gpu, 'bf16', options.intraNode);
    this.weightOnlyRates = this.rates.gemmPath === 'fp4' ? hardwareRates(gpu, 'int4', options.intraNode) : undefined;
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
    const { arch, model, rates, bf16Rates } = this;
    const d = model.hiddenSize;
    const wb = arch.weightBytesPerElement;
    const ub = arch.unquantizedBytesPerElement;
    const msPerBf16Flop = 1e3 / bf16Rates.gemmFlops;
    const msPerBf16WeightByte = 1e3 / bf16Rates.weightBytesPerSec;
    const msPerKvByte = 1e3 / rates.kvBytesPerSec;
    const msPerElementwiseByte = 1e3 / rates.elementwiseBytesPerSec;

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
    // Two fused add+RMSNorms (2 reads + 2 writes each), RoPE + KV write, SwiGLU (2 reads + write
    // of the intermediate), the embedding row.
    const elementwiseBytesPerToken =
      ACTIVATION_BYTES * arch.layers * (8 * d + 2 * attentionWidthPerRank + 3 * ffnWidthPerRank) + ACTIVATION_BYTES * d;

    const gemmTerms = (r: HardwareRates): GemmTerms => {
      const msPerGemmFlop = 1e3 / r.gemmFlops;
      const msPerWeightByte = 1e3 / r.weightBytesPerSec;
      // Narrow GEMMs stream their weights slower than HBM allows (hardware.ts weightSecondsPerByte).
      const slowdown = (n: number) => weightStreamSlowdown(r, n);
      const mlpSlowdown = (ffnPerRank: number) =>
        model.gatedMlp ? (2 * slowdown(2 * ffnPerRank) + slowdown(d)) / 3 : (slowdown(ffnPerRank) + slowdown(d)) / 2;
      const streamedAlwaysOnPerRank =
        arch.layers * attentionWeightsPerRank(arch, tp) * this.attentionSlowdown(tp, slowdown) +
        (arch.denseLayers * arch.denseMlpWeights * mlpSlowdown(model.ffnSize / tp) +
          arch.moeLayers * arch.moeAlwaysOnWeights * mlpSlowdown(expertFfnPerRank)) /
          tp;
      return {
        linearMsPerToken: 2 * alwaysOnWeightsPerRank * msPerGemmFlop,
        linearWeightMs:
          streamedAlwaysOnPerRank * wb * msPerWeightByte +
          arch.layers * arch.normWeightsPerLayer * ub * msPerElementwiseByte,
        linearActivationMsPerToken: gemmActivationBytesPerToken * msPerWeightByte,
        expertMsPerToken: (2 * arch.moeLayers * arch.activeExperts * arch.expertWeights * msPerGemmFlop) / tp,
        expertWeightMsPerExpert:
          ((arch.moeLayers * arch.expertWeights * wb) / tp) * msPerWeightByte * mlpSlowdown(expertFfnPerRank),
        fixedMs: (arch.layers * GEMMS_PER_LAYER * r.gemmOverheadUs) / 1e3,
      };
    };

    return {
      gemm: gemmTerms(rates),
      weightOnlyGemm: this.weightOnlyRates ? gemmTerms(this.weightOnlyRates) : undefined,
      prefillAttentionMsPerPair:
        ((arch.layers * arch.prefillAttentionFlopsPerPair) / tp) * (1e3 / rates.attentionFlops),
      decodeAttentionMsPerContextToken:
        ((arch.layers * arch.decodeAttentionFlopsPerPair) / tp) *
        (1e3 / decodeAttentionFlops(model, rates, this.gpu.bf16Tflops)),
      kvReadMsPerToken: kvBytesPerTokenPerRank(arch, tp) * msPerKvByte,
      kvHeadsPerRank: arch.kvShardableHeads > 0 ? Math.ceil(arch.kvShardableHeads / tp) : 1,
      decodePairMs: (arch.layers * rates.decodeAttentionPairUs) / 1e3,
      ...this.largeKvTerms(tp),
      lmHeadMsPerToken: ((2 * arch.lmHeadWeights) / tp) * msPerBf16Flop,
      lmHeadWeightMs: ((arch.lmHeadWeights * ub) / tp) * msPerBf16WeightByte,
      elementwiseMsPerToken: elementwiseBytesPerToken * msPerElementwiseByte,
      ...this.allReduceTerms(tp, d * ACTIVATION_BYTES),
      attentionRampRate: rates.attentionRampTokens > 0 ? -1 / rates.attentionRampTokens : -Infinity,
      fixedMsPerStep:
        (arch.layers * ELEMENTWISE_KERNELS_PER_LAYER * KERNEL_OVERHEAD_US +
          bf16Rates.gemmOverheadUs +
          KERNEL_OVERHEAD_US) /
          1e3 +
        this.stepOverheadMs,
      prefillAttentionFixedMs: (arch.layers * rates.attentionOverheadUs) / 1e3,
      decodeAttentionFixedMs: (arch.layers * rates.decodeAttentionOverheadUs) / 1e3,
    };
  }

  /** The large-KV step of decode attention as a threshold on the total context of a step, and its cost. */
  private largeKvTerms(tp: number): { decodeLargeKvContext: number; decodeLargeKvMs: number } {
    const { arch, rates } = this;
    if (!(rates.decodeLargeKvUs > 0) || rates.decodeLargeKvBytes === Infinity)
      return { decodeLargeKvContext: Infinity, decodeLargeKvMs: 0 };
    const bytesPerTokenPerLayer = kvBytesPerTokenPerRank(arch, tp) / arch.layers;
    return {
      // Whole tokens: a step's context is a whole number, so the comparison is exact.
      decodeLargeKvContext: Math.ceil(rates.decodeLargeKvBytes / bytesPerTokenPerLayer),
      decodeLargeKvMs: (arch.layers * rates.decodeLargeKvUs) / 1e3,
    };
  }

  /** Every GEMM of a step over `tokens` rows: dense layers, routed experts, their fixed costs. */
  private gemmMs(g: GemmTerms, tokens: number): number {
    const linear = Math.max(tokens * g.linearMsPerToken, g.linearWeightMs + tokens * g.linearActivationMsPerToken);
    const experts =
      this.arch.moeLayers > 0
        ? Math.max(tokens * g.expertMsPerToken, this.distinctExperts(tokens) * g.expertWeightMsPerExpert)
        : 0;
    return linear + experts + g.fixedMs;
  }

  /**
   * Weight-streaming slowdown of the attention projections, averaged over their bytes: QKV is
   * (heads + 2 KV heads) × head dim wide per rank, O the hidden size. MLA's projections are
   * priced at the hidden size's.
   */
  private attentionSlowdown(tp: number, slowdown: (n: number) => number): number {
    const { model, arch } = this;
    const d = model.hiddenSize;
    if (arch.kvShardableHeads === 0) return slowdown(d);
    const kvHeadsPerRank = Math.ceil(model.kvHeads / tp);
    const qkvWidth = (model.attentionHeads / tp + 2 * kvHeadsPerRank) * model.headDim;
    const outWidth = (model.attentionHeads / tp) * model.headDim;
    return (qkvWidth * slowdown(qkvWidth) + outWidth * slowdown(d)) / (qkvWidth + outWidth);
  }

  /**
   * The two all-reduces of the hidden state per layer (after attention, after the MLP), all
   * layers, as latency + per-token terms of each form of allReduceMs (hardware.ts).
   */
  private allReduceTerms(tp: number, bytesPerToken: number) {
    if (tp <= 1)
      return { oneShotMs: 0, oneShotMsPerToken: 0, twoShotMs: 0, twoShotMsPerToken: 0, oneShotMaxTokens: Infinity };
    const count = 2 * this.arch.layers;
    const f = allReduceForms(this.rates, tp);
    const msPerToken = (share: number) => (count * 1e3 * bytesPerToken * share) / f.busBytesPerSec;
    // Same as count × allReduceMs(rates, tokens · bytesPerToken, tp), without the call per step.
    return {
      oneShotMs: (count * f.oneShotUs) / 1e3,
      oneShotMsPerToken: msPerToken(f.oneShotShare),
      twoShotMs: (count * f.ringUs) / 1e3,
      twoShotMsPerToken: msPerToken(f.ringShare),
      oneShotMaxTokens: this.rates.allReduceOneShotMaxBytes / bytesPerToken,
    };
  }

  private allReduceMs(c: TpCoefficients, tokens: number): number {
    const ring = c.twoShotMs + tokens * c.twoShotMsPerToken;
    return tokens > c.oneShotMaxTokens ? ring : Math.min(c.oneShotMs + tokens * c.oneShotMsPerToken, ring);
  }

  /** Prefill attention's ramp for whole key counts below KEY_RAMP_TABLE_SIZE, filled on first use. */
  private keyRampTable: Float64Array | undefined = undefined;

  private keyRamp(keys: number, rate: number): number {
    const x = keys * rate;
    // Past 36 ramp lengths the ramp is 1 to double precision.
    if (x < -36) return 1;
    if (keys < KEY_RAMP_TABLE_SIZE && (keys | 0) === keys) {
      let table = this.keyRampTable;
      if (!table) {
        table = new Float64Array(KEY_RAMP_TABLE_SIZE);
        for (let i = 0; i < KEY_RAMP_TABLE_SIZE; i++) table[i] = -Math.expm1(i * rate);
        this.keyRampTable = table;
      }
      return table[keys];
    }
    return -Math.expm1(x);
  }

  /** Decode attention's ramp for whole pair counts below RAMP_TABLE_SIZE, filled on first use. */
  private pairRampTable: Float64Array | undefined = undefined;

  private pairRamp(pairs: number): number {
    if (pairs < RAMP_TABLE_SIZE && (pairs | 0) === pairs) {
      let table = this.pairRampTable;
      if (!table) {
        table = new Float64Array(RAMP_TABLE_SIZE);
        for (let i = 0; i < RAMP_TABLE_SIZE; i++) table[i] = kvParallelism(this.rates, i);
        this.pairRampTable = table;
      }
      return table[pairs];
    }
    return kvParallelism(this.rates, pairs);
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
    const gemms = c.weightOnlyGemm
      ? Math.min(this.gemmMs(c.gemm, n), this.gemmMs(c.weightOnlyGemm, n))
      : this.gemmMs(c.gemm, n);
    // Causal: the i-th new token attends to h + i keys (i = 1..n), n·(h + (n+1)/2) pairs; short
    // key lengths leave the attention kernel's tiles under-filled (hardware.ts `ramp`).
    const attention = Math.max(
      (n * (h + (n + 1) / 2) * c.prefillAttentionMsPerPair) / this.keyRamp(h + n, c.attentionRampRate),
      (h + n) * c.kvReadMsPerToken,
    );
    // Only the last position's logits are computed in prefill.
    const lmHead = Math.max(c.lmHeadMsPerToken, c.lmHeadWeightMs);
    return (
      gemms +
      attention +
      lmHead +
      n * c.elementwiseMsPerToken +
      this.allReduceMs(c, n) +
      c.fixedMsPerStep +
      c.prefillAttentionFixedMs
    );
  }

  decodeStepMs(batch: number, totalContextTokens: number, tp: number): number {
    if (batch <= 0) return 0;
    const c = this.coefficientsAt(tp);
    const b = batch;
    const context = totalContextTokens > 0 ? totalContextTokens : 0;
    const gemms = c.weightOnlyGemm
      ? Math.min(this.gemmMs(c.gemm, b), this.gemmMs(c.weightOnlyGemm, b))
      : this.gemmMs(c.gemm, b);
    // Few (sequence, KV head) pairs leave most SMs idle while the KV streams (hardware.ts `kvParallelism`).
    const pairs = b * c.kvHeadsPerRank;
    const attention =
      Math.max(context * c.decodeAttentionMsPerContextToken, (context * c.kvReadMsPerToken) / this.pairRamp(pairs)) +
      pairs * c.decodePairMs +
      (context >= c.decodeLargeKvContext ? c.decodeLargeKvMs : 0);
    const lmHead = Math.max(b * c.lmHeadMsPerToken, c.lmHeadWeightMs);
    return (
      gemms +
      attention +
      lmHead +
      b * c.elementwiseMsPerToken +
      this.allReduceMs(c, b) +
      c.fixedMsPerStep +
      c.decodeAttentionFixedMs
    );
  }

  /**
   * The affine piece of decodeStepMs at this batch that holds at total context `totalContextTokens`:
   * decodeStepMs(batch, x, tp) = fixedMs + msPerContextToken × x for every x in [validFromContext,
   * validBelowContext). Two pieces at most: below and from the large-KV step (decodeLargeKvContext).
   */
  decodeStepAffine(batch: number, tp: number, totalContextTokens = 0): DecodeStepPiece {
    const c = this.coefficientsAt(tp);
    const pairs = batch * c.kvHeadsPerRank;
    const large = batch > 0 && totalContextTokens >= c.decodeLargeKvContext;
    // max(x·a, x·b) = x·max(a, b) for x ≥ 0: the attention term is linear in the context.
    return {
      fixedMs: this.decodeStepMs(batch, 0, tp) + (large ? c.decodeLargeKvMs : 0),
      msPerContextToken:
        batch > 0 ? Math.max(c.decodeAttentionMsPerContextToken, c.kvReadMsPerToken / this.pairRamp(pairs)) : 0,
      validFromContext: large ? c.decodeLargeKvContext : 0,
      validBelowContext: large || batch <= 0 ? Infinity : c.decodeLargeKvContext,
    };
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
    return (
      (plan.messages * link.latencyUs) / 1e3 +
      (tokens * plan.bytesPerTokenPerPair) / (link.bandwidthGBps * 1e6 * LINK_EFFICIENCY)
    );
  }

  memoryPlan(tp: number): MemoryPlan {
    const cached = this.memoryPlans[tp];
    if (cached) return cached;
    // Frozen: the same object is handed to every caller.
    const plan: MemoryPlan = Object.freeze(this.planMemory(tp, weightBytesPerRank(this.arch, tp), tp));
    this.memoryPlans[tp] = plan;
    return plan;
  }

  /**
   * What is left of one GPU for KV after `weightBytesPerGpu` of weights and the reserve, in tokens
   * of a rank whose attention is split `kvTp` ways, and the decode batch that holds at the
   * workload's typical context. `tp` is the replica's width as reported.
   */
  planMemory(tp: number, weightBytesPerGpu: number, kvTp: number): MemoryPlan {
    const memoryBytes = this.gpu.memoryGB * BYTES_PER_GB;
    const reserveBytesPerGpu = this.memoryReserveFraction * memoryBytes;
    const freeBytes = memoryBytes - weightBytesPerGpu - reserveBytesPerGpu;
    const kvCapacityTokens = freeBytes > 0 ? Math.floor(freeBytes / kvBytesPerTokenPerRank(this.arch, kvTp)) : 0;
    const maxDecodeBatch = Math.floor(kvCapacityTokens / this.typicalContextTokens);
    return {
      tp,
      weightBytesPerGpu,
      kvBytesPerToken: kvBytesPerToken(this.arch),
      reserveBytesPerGpu,
      kvCapacityTokens,
      maxDecodeBatch,
      fits: maxDecodeBatch >= 1,
    };
  }
}
