import type {
  Deployment,
  GpuSpec,
  LinkSpec,
  ModelSpec,
  MoeServingSpec,
  Plan,
  PoolSpec,
  ReplicaGroup,
} from '../spec/types';
import { REDUNDANT_EXPERTS } from '../spec/parallelism';
import { AnalyticModel, type AnalyticOptions } from './analytic';
import { weightBytesPerRank } from './architecture';
import { LINK_EFFICIENCY } from './constants';
import type { MemoryPlan, PerfModel } from './types';

/**
 * Wide expert parallelism with data-parallel attention, as SGLang and DeepSeek serve DeepSeek-V3/R1
 * (docs/perf-model.md, "Large MoE"): a replica of `gpus` GPUs shards the routed experts over all
 * of them (EP = gpus) and runs attention, dense layers, shared experts and the LM head as
 * `gpus / attentionTp` data-parallel ranks of `attentionTp` GPUs each. Tokens reach their experts
 * by an all-to-all dispatch and come back by a combine, once per MoE layer.
 *
 * The simulator runs each DP rank as its own worker (its own queue, batch and KV), and a rank's
 * time is priced as if its peers carry the same load: the MoE layers of a step process every
 * rank's tokens at once, so a rank cannot be faster than the replica's step.
 */
export interface ExpertParallelShape {
  gpus: number;
  attentionTp: number;
  /**
   * DeepEP's two kernels: `normal` (prefill: throughput-oriented, inter-node copies deduplicated
   * per node then forwarded over NVLink) and `low-latency` (decode: every copy sent straight to its
   * expert's GPU, no CPU sync, CUDA-graph friendly).
   */
  mode: 'normal' | 'low-latency';
}

/** The MoE serving settings a replica runs with; plan `perf.moe` (docs/plan-file.md). */
export interface MoeServing {
  eplb: boolean;
  /** Expected max/mean token load across a replica's GPUs (1 = perfectly even). */
  imbalance: number;
  /** Redundant expert copies over the replica (EPLB replicates hot experts). */
  redundantExperts: number;
  /** Two micro-batches interleaved so the all-to-all hides behind compute. */
  twoBatchOverlap: boolean;
}

/**
 * Expected max/mean load across GPUs with an EPLB-style balancer (hot experts replicated and
 * placed by measured load) and without (uniform placement under skewed routing). Stated
 * assumptions, not fits (SGLang's large-scale EP post, lmsys.org 2025-05-05, shows EPLB raising
 * the balancedness of GPU load); plans set perf.moe.expertImbalance from their own statistics.
 */
export const EPLB_IMBALANCE = 1.1;
export const UNBALANCED_IMBALANCE = 1.5;
/**
 * Fixed cost of one all-to-all kernel beyond the link latency, µs. DeepEP's low-latency kernels
 * dispatch 128 tokens over EP 8–256 in 77–194 µs, bandwidth-bound; its normal kernels add a
 * notify round (sizes exchanged, CPU waits) before the copies.
 */
export const LOW_LATENCY_A2A_US = 10;
export const NORMAL_A2A_US = 40;
/** Dispatch sends FP8 activations with one FP32 scale per 128 elements; combine returns BF16. */
export const DISPATCH_BYTES_PER_ELEMENT = 1 + 4 / 128;
export const COMBINE_BYTES_PER_ELEMENT = 2;
/**
 * Share of the smaller of compute and all-to-all that two-batch overlap fails to hide. Derived
 * from SGLang's measurement (lmsys.org 2025-05-05): TBO raised prefill throughput by 27–35 %, in a
 * regime where this model puts compute and communication about equal; perfect overlap would have
 * doubled it, none would have gained nothing. t = max + 0.5·min reproduces a ~30 % gain there.
 */
export const OVERLAP_EXPOSED_SHARE = 0.5;
/**
 * SMs DeepEP's normal (prefill) kernels occupy while they run: DeepSeek-V3's report (§3.2.2) needs
 * 20 of H800's 132 SMs to saturate IB and NVLink, and compute overlapped with them runs on the
 * rest. The low-latency kernels use no SMs while in flight (DeepEP README, hook-based overlap).
 */
export const NORMAL_A2A_SM_SHARE = 20 / 132;
const MOE_TABLE_SIZE = 16384;
/** DeepGEMM's grouped-GEMM row block: an expert's tokens are padded up to a multiple of it. */
export const GROUPED_GEMM_BLOCK_ROWS = 64;

export function resolveMoeServing(spec: MoeServingSpec | undefined, experts: number, ep: number): MoeServing {
  const eplb = spec?.eplb ?? true;
  return {
    eplb,
    imbalance: spec?.expertImbalance ?? (eplb ? EPLB_IMBALANCE : UNBALANCED_IMBALANCE),
    // DeepSeek's service and SGLang's reproduction both add 32; at most one per GPU.
    redundantExperts: eplb && experts >= ep ? Math.min(REDUNDANT_EXPERTS, ep) : 0,
    twoBatchOverlap: spec?.twoBatchOverlap ?? true,
  };
}

/** The links an all-to-all crosses: NVLink inside a domain, the scale-out network beyond it. */
export interface A2aLinks {
  /** GPUs one NVLink domain connects: the node, or 72 on a GB200 NVL72 rack. */
  nvlinkDomainGpus: number;
  intraNode: LinkSpec;
  interNode: LinkSpec;
}

export interface A2aBreakdown {
  /** Bytes one GPU sends over NVLink and over the scale-out network, dispatch plus combine. */
  nvlinkBytes: number;
  networkBytes: number;
  ms: number;
}

/**
 * One MoE layer's dispatch plus combine on one GPU sending `tokens` tokens, each to `topK`
 * experts spread uniformly over `epGpus` GPUs. Each direction is latency + the slower of its
 * NVLink and network shares, both paths running at once at LINK_EFFICIENCY of their bandwidth.
 * Low-latency mode sends every copy whose expert lies outside the NVLink domain over the network;
 * normal mode sends a token once per remote domain it needs (DeepEP forwards inside the domain
 * over NVLink), and every copy crosses NVLink once.
 */
export function allToAllMs(
  tokens: number,
  hiddenSize: number,
  topK: number,
  epGpus: number,
  mode: ExpertParallelShape['mode'],
  links: A2aLinks,
): A2aBreakdown {
  if (tokens <= 0 || epGpus <= 1) return { nvlinkBytes: 0, networkBytes: 0, ms: 0 };
  const domain = Math.min(links.nvlinkDomainGpus, epGpus);
  const domains = Math.ceil(epGpus / domain);
  const localShare = domain / epGpus;
  let nvlinkCopies: number;
  let networkCopies: number;
  if (mode === 'low-latency') {
    nvlinkCopies = topK * localShare;
    networkCopies = topK * (1 - localShare);
  } else {
    // Expected remote domains a token's k experts fall in: (D − 1)·(1 − (1 − 1/D)^k).
    networkCopies = domains > 1 ? (domains - 1) * (1 - Math.pow(1 - 1 / domains, topK)) : 0;
    nvlinkCopies = topK;
  }
  const direction = (bytesPerElement: number) => {
    const nvlink = tokens * nvlinkCopies * hiddenSize * bytesPerElement;
    const network = tokens * networkCopies * hiddenSize * bytesPerElement;
    const nvlinkMs = nvlink / (links.intraNode.bandwidthGBps * 1e6 * LINK_EFFICIENCY);
    const networkMs = network > 0 ? network / (links.interNode.bandwidthGBps * 1e6 * LINK_EFFICIENCY) : 0;
    const latencyUs =
      (network > 0 ? links.interNode.latencyUs : links.intraNode.latencyUs) +
      (mode === 'low-latency' ? LOW_LATENCY_A2A_US : NORMAL_A2A_US);
    return { nvlink, network, ms: latencyUs / 1e3 + Math.max(nvlinkMs, networkMs) };
  };
  const dispatch = direction(DISPATCH_BYTES_PER_ELEMENT);
  const combine = direction(COMBINE_BYTES_PER_ELEMENT);
  return {
    nvlinkBytes: dispatch.nvlink + combine.nvlink,
    networkBytes: dispatch.network + combine.network,
    ms: dispatch.ms + combine.ms,
  };
}

/**
 * Share of a grouped GEMM's padded rows that carry tokens when each of its experts gets
 * `tokensPerExpert` tokens: the rest is the padding of the last row block.
 */
export function groupedGemmEfficiency(tokensPerExpert: number): number {
  if (tokensPerExpert <= 0) return 1;
  return tokensPerExpert / (GROUPED_GEMM_BLOCK_ROWS * Math.ceil(tokensPerExpert / GROUPED_GEMM_BLOCK_ROWS));
}

/** The routed experts removed, so that the analytical model prices everything but them. */
function withoutRoutedExperts(model: ModelSpec): ModelSpec {
  if (!model.moe) return model;
  return { ...model, moe: { ...model.moe, experts: 0, activeExperts: 0 } };
}

export interface ExpertParallelBreakdown {
  /** Attention, dense layers, shared experts, LM head, TP all-reduces and overheads, ms. */
  denseMs: number;
  /** Routed-expert grouped GEMMs on the busiest GPU, ms. */
  expertMs: number;
  /** Dispatch and combine over all MoE layers, ms. */
  allToAllMs: number;
  totalMs: number;
  tokensPerExpert: number;
}

/** One replica shape's times and memory, per DP rank. */
export class ExpertParallelModel {
  readonly dense: AnalyticModel;
  readonly serving: MoeServing;
  readonly expertsPerGpu: number;
  readonly dpRanks: number;
  private readonly msPerExpertFlop: number;
  private readonly msPerExpertByte: number;
  private readonly expertBytes: number;
  private readonly expertGemmFixedMs: number;
  private plan: MemoryPlan | undefined;

  constructor(
    readonly model: ModelSpec,
    readonly gpu: GpuSpec,
    readonly shape: ExpertParallelShape,
    readonly links: A2aLinks,
    options: AnalyticOptions,
    spec: MoeServingSpec | undefined,
  ) {
    const moe = model.moe;
    if (!moe) throw new Error(`${model.name} has no experts`);
    this.dense = new AnalyticModel(withoutRoutedExperts(model), gpu, options);
    this.serving = resolveMoeServing(spec, moe.experts, shape.gpus);
    this.expertsPerGpu = Math.ceil((moe.experts + this.serving.redundantExperts) / shape.gpus);
    this.dpRanks = shape.gpus / shape.attentionTp;
    const arch = this.dense.arch;
    const rates = this.dense.rates;
    this.expertBytes = (model.gatedMlp ? 3 : 2) * model.hiddenSize * moe.expertFfnSize * arch.weightBytesPerElement;
    this.msPerExpertFlop = 1e3 / rates.gemmFlops;
    this.msPerExpertByte = 1e3 / rates.weightBytesPerSec;
    // Two grouped GEMMs per layer (fused gate/up, then down).
    this.expertGemmFixedMs = (arch.moeLayers * 2 * rates.gemmOverheadUs) / 1e3;
  }

  /** Routed-expert GEMMs of all MoE layers on the busiest GPU when each rank runs `tokens` tokens. */
  private expertMs(tokens: number): { ms: number; tokensPerExpert: number } {
    const moe = this.model.moe!;
    const layers = this.dense.arch.moeLayers;
    const expertElements = this.expertBytes / this.dense.arch.weightBytesPerElement;
    // Every rank sends tokens·k copies; the replica's GPUs share them, the busiest by `imbalance`.
    const copies = ((tokens * moe.activeExperts) / this.shape.attentionTp) * this.serving.imbalance;
    const perExpert = copies / this.expertsPerGpu;
    const touched = this.expertsPerGpu * (1 - Math.pow(1 - 1 / this.expertsPerGpu, copies));
    const compute = (2 * copies * expertElements * this.msPerExpertFlop) / groupedGemmEfficiency(perExpert);
    const weights = touched * this.expertBytes * this.msPerExpertByte;
    return { ms: layers * Math.max(compute, weights) + this.expertGemmFixedMs, tokensPerExpert: perExpert };
  }

  /**
   * Memory traffic of the MoE glue on the busiest GPU, all MoE layers: each received copy is
   * permuted into its expert's rows (FP8, read and write) and un-permuted and weighted on the way
   * back (BF16, read and write).
   */
  private permuteMs(tokens: number): number {
    const moe = this.model.moe!;
    const copies = ((tokens * moe.activeExperts) / this.shape.attentionTp) * this.serving.imbalance;
    const bytes = copies * this.model.hiddenSize * 2 * (DISPATCH_BYTES_PER_ELEMENT + COMBINE_BYTES_PER_ELEMENT);
    return (this.dense.arch.moeLayers * bytes * 1e3) / this.dense.rates.elementwiseBytesPerSec;
  }

  private a2aMs(tokens: number): number {
    const moe = this.model.moe!;
    const perGpu = tokens / this.shape.attentionTp;
    return (
      this.dense.arch.moeLayers *
      allToAllMs(perGpu, this.model.hiddenSize, moe.activeExperts, this.shape.gpus, this.shape.mode, this.links).ms
    );
  }

  /** Expert GEMMs + MoE glue, and all-to-all, for whole token counts below MOE_TABLE_SIZE, filled on use (the simulator asks millions of times). */
  private readonly expertTable = new Float64Array(MOE_TABLE_SIZE).fill(-1);
  private readonly a2aTable = new Float64Array(MOE_TABLE_SIZE).fill(-1);

  /** Fills the tables at `tokens` (or computes past their end) and returns the table index, −1 past the end. */
  private moeIndex(tokens: number): number {
    if (tokens < MOE_TABLE_SIZE && (tokens | 0) === tokens) {
      if (this.expertTable[tokens] < 0) {
        this.expertTable[tokens] = this.expertMs(tokens).ms + this.permuteMs(tokens);
        this.a2aTable[tokens] = this.a2aMs(tokens);
      }
      return tokens;
    }
    return -1;
  }

  /** A rank's step: compute (dense part, experts, MoE glue) and the all-to-all, overlapped or not. */
  private stepMs(denseMs: number, tokens: number): number {
    const i = this.moeIndex(tokens);
    const expertsMs = i >= 0 ? this.expertTable[i] : this.expertMs(tokens).ms + this.permuteMs(tokens);
    const a2a = i >= 0 ? this.a2aTable[i] : this.a2aMs(tokens);
    const compute = denseMs + expertsMs;
    // Two-batch overlap (two micro-batches, so at least two tokens) hides part of the smaller phase;
    // compute overlapped with normal-mode kernels runs on the SMs they leave.
    if (this.serving.twoBatchOverlap && tokens >= 2 && a2a > 0) {
      const overlapped = this.shape.mode === 'normal' ? compute / (1 - NORMAL_A2A_SM_SHARE) : compute;
      const hidden = Math.max(overlapped, a2a) + OVERLAP_EXPOSED_SHARE * Math.min(overlapped, a2a);
      return hidden < compute + a2a ? hidden : compute + a2a;
    }
    return compute + a2a;
  }

  private breakdown(denseMs: number, tokens: number): ExpertParallelBreakdown {
    const experts = this.expertMs(tokens);
    return {
      denseMs,
      expertMs: experts.ms,
      allToAllMs: this.a2aMs(tokens),
      totalMs: this.stepMs(denseMs, tokens),
      tokensPerExpert: experts.tokensPerExpert,
    };
  }

  prefillBreakdown(history: number, tokens: number): ExpertParallelBreakdown {
    return this.breakdown(this.dense.prefillMs(history, tokens, this.shape.attentionTp), tokens);
  }

  decodeBreakdown(batch: number, totalContext: number): ExpertParallelBreakdown {
    return this.breakdown(this.dense.decodeStepMs(batch, totalContext, this.shape.attentionTp), batch);
  }

  prefillMs(history: number, tokens: number): number {
    return tokens <= 0 ? 0 : this.stepMs(this.dense.prefillMs(history, tokens, this.shape.attentionTp), tokens);
  }

  decodeStepMs(batch: number, totalContext: number): number {
    return batch <= 0 ? 0 : this.stepMs(this.dense.decodeStepMs(batch, totalContext, this.shape.attentionTp), batch);
  }

  /** Memory of one GPU and the KV one DP rank holds (the simulator's worker is the rank). */
  memoryPlan(): MemoryPlan {
    if (this.plan) return this.plan;
    const arch = this.dense.arch;
    const a = this.shape.attentionTp;
    const weightBytesPerGpu = weightBytesPerRank(arch, a) + arch.moeLayers * this.expertsPerGpu * this.expertBytes;
    this.plan = Object.freeze({
      ...this.dense.planMemory(this.shape.gpus, weightBytesPerGpu, a),
      dpRanks: this.dpRanks,
    });
    return this.plan;
  }
}

/**
 * A role's perf model with some replica widths run as expert-parallel shapes: calls at those
 * widths go to their ExpertParallelModel (per DP rank), every other width to `base`. KV transfers
 * are priced by the base model between the ranks' attention-TP layouts (`kvTp`).
 */
export function withExpertParallel(base: PerfModel, shapes: Map<number, ExpertParallelModel>): PerfModel {
  if (shapes.size === 0) return base;
  const byWidth: (ExpertParallelModel | undefined)[] = [];
  for (const [gpus, m] of shapes) byWidth[gpus] = m;
  return {
    prefillMs: (history, tokens, tp) => {
      const ep = byWidth[tp];
      return ep ? ep.prefillMs(history, tokens) : base.prefillMs(history, tokens, tp);
    },
    decodeStepMs: (batch, context, tp) => {
      const ep = byWidth[tp];
      return ep ? ep.decodeStepMs(batch, context) : base.decodeStepMs(batch, context, tp);
    },
    // max(compute, all-to-all) is not affine in the context: EP widths are timed step by step.
    decodeStepAffine: (batch, tp, context) => (byWidth[tp] ? undefined : base.decodeStepAffine?.(batch, tp, context)),
    kvTransferMs: (tokens, link, srcTp, dstTp) => base.kvTransferMs(tokens, link, srcTp, dstTp),
    kvBytes: (tokens) => base.kvBytes(tokens),
    memoryPlan: (tp) => byWidth[tp]?.memoryPlan() ?? base.memoryPlan(tp),
    dpRanks: (tp) => byWidth[tp]?.dpRanks ?? 1,
    kvTp: (tp) => byWidth[tp]?.shape.attentionTp ?? tp,
  };
}

/** The expert-parallel shapes of one role's replica groups, and the links of its pool. */
export function expertParallelOptions(
  pool: PoolSpec,
  groups: readonly ReplicaGroup[],
  role: 'prefill' | 'decode' | 'colocated',
): { shapes: ExpertParallelShape[]; links: A2aLinks } | undefined {
  const shapes: ExpertParallelShape[] = [];
  for (const g of groups) {
    if (!g.ep || shapes.some((s) => s.gpus === g.tp)) continue;
    shapes.push({ gpus: g.tp, attentionTp: g.attentionTp ?? 1, mode: role === 'decode' ? 'low-latency' : 'normal' });
  }
  if (shapes.length === 0) return undefined;
  return { shapes, links: a2aLinks(pool) };
}

export function a2aLinks(pool: PoolSpec): A2aLinks {
  return {
    nvlinkDomainGpus: Math.max(pool.gpusPerNode, pool.nvlinkDomainGpus ?? pool.gpusPerNode),
    intraNode: pool.intraNode,
    interNode: pool.interNode,
  };
}

/**
 * The deployment as the plan runs it: a group whose width the plan lists in planner.epDegrees is
 * expert-parallel (attention TP planner.attentionTp) unless it already says how it runs. The planner
 * enumerates widths; this is where a width becomes a shape, for every simulation and every report.
 */
export function applyExpertParallel(plan: Pick<Plan, 'planner' | 'model'>, deployment: Deployment): Deployment {
  const widths = plan.planner.epDegrees;
  if (!plan.model.moe || !widths || widths.length === 0) return deployment;
  const shape = (groups: ReplicaGroup[]): ReplicaGroup[] =>
    groups.map((g) =>
      g.ep || !widths.includes(g.tp) ? g : { ...g, ep: g.tp, attentionTp: plan.planner.attentionTp ?? 1 },
    );
  return deployment.kind === 'colocated'
    ? { kind: 'colocated', colocated: shape(deployment.colocated) }
    : { kind: 'disaggregated', prefill: shape(deployment.prefill), decode: shape(deployment.decode) };
}
