import type { ModelSpec } from '../spec/types';
import { DTYPE_BYTES, WEIGHT_BYTES } from './constants';

/**
 * Parameter and KV-cache counts derived from a ModelSpec. Element counts, not bytes, so the
 * same numbers serve FLOPs (2 per multiply-add per weight element) and bytes (× dtype size).
 */
export interface Architecture {
  layers: number;
  denseLayers: number;
  moeLayers: number;
  /** QKV + output projection weights of one layer (MLA: its down/up projections). */
  attentionWeights: number;
  /** The K and V projections inside attentionWeights: replicated, not split, once TP > kv heads. */
  kvProjectionWeights: number;
  /** MLP weights of one dense layer. */
  denseMlpWeights: number;
  /** Weights of one routed expert. */
  expertWeights: number;
  /** Weights every token of a MoE layer uses: shared experts and the router. */
  moeAlwaysOnWeights: number;
  experts: number;
  activeExperts: number;
  /** Embedding table and LM head (untied, as in Llama 3.1 8B/70B, Qwen3-32B, Mixtral, DeepSeek-V3). */
  embeddingWeights: number;
  lmHeadWeights: number;
  normWeightsPerLayer: number;
  totalWeights: number;
  /** Weights one token touches (dense layers + k experts + shared). */
  activeWeights: number;
  /** Attention FLOPs per (query token, key token) pair per layer, over all heads, prefill form. */
  prefillAttentionFlopsPerPair: number;
  /** The same for decode; MLA decodes in the absorbed latent form (DeepSeek-V2 §2.1.2). */
  decodeAttentionFlopsPerPair: number;
  /** KV elements one token stores per layer across the whole replica. */
  kvElementsPerTokenLayer: number;
  /** KV heads that TP shards across ranks; 0 for MLA whose latent is replicated on every rank. */
  kvShardableHeads: number;
  /** Bytes per element of the quantised layer weights (scales included) and of the KV cache. */
  weightBytesPerElement: number;
  kvBytesPerElement: number;
  /**
   * Bytes per element of the embedding, LM head and norms: quantised checkpoints (FP8, NVFP4,
   * AWQ/GPTQ INT4) keep them in BF16.
   */
  unquantizedBytesPerElement: number;
}

export function describeArchitecture(model: ModelSpec): Architecture {
  const d = model.hiddenSize;
  const heads = model.attentionHeads;
  const kvHeads = model.kvHeads;
  const headDim = model.headDim;
  const mlpMatrices = model.gatedMlp ? 3 : 2;

  let attentionWeights: number;
  let prefillAttentionFlopsPerPair: number;
  let decodeAttentionFlopsPerPair: number;
  let kvElementsPerTokenLayer: number;
  let kvShardableHeads: number;
  let kvProjectionWeights = 0;
  if (model.mla) {
    // DeepSeek-V2/V3 MLA: qk head = nope (headDim) + rope part, v head = headDim.
    const { kvLoraRank, qLoraRank, ropeHeadDim } = model.mla;
    const qHead = headDim + ropeHeadDim;
    const qProj = qLoraRank > 0 ? d * qLoraRank + qLoraRank * heads * qHead : d * heads * qHead;
    const kvDown = d * (kvLoraRank + ropeHeadDim);
    const kvUp = kvLoraRank * heads * (headDim + headDim);
    const out = heads * headDim * d;
    attentionWeights = qProj + kvDown + kvUp + out;
    prefillAttentionFlopsPerPair = 2 * heads * (qHead + headDim);
    decodeAttentionFlopsPerPair = 2 * heads * (kvLoraRank + ropeHeadDim + kvLoraRank);
    kvElementsPerTokenLayer = kvLoraRank + ropeHeadDim;
    kvShardableHeads = 0;
  } else {
    kvProjectionWeights = 2 * d * kvHeads * headDim;
    attentionWeights = d * heads * headDim + kvProjectionWeights + heads * headDim * d;
    prefillAttentionFlopsPerPair = 2 * heads * headDim * 2;
    decodeAttentionFlopsPerPair = prefillAttentionFlopsPerPair;
    kvElementsPerTokenLayer = 2 * kvHeads * headDim;
    kvShardableHeads = kvHeads;
  }

  const denseMlpWeights = mlpMatrices * d * model.ffnSize;
  const moe = model.moe;
  const moeLayers = moe ? Math.max(0, model.layers - moe.denseLayers) : 0;
  const denseLayers = model.layers - moeLayers;
  const expertWeights = moe ? mlpMatrices * d * moe.expertFfnSize : 0;
  const moeAlwaysOnWeights = moe ? moe.sharedExperts * expertWeights + d * moe.experts : 0;
  const experts = moe?.experts ?? 0;
  const activeExperts = moe?.activeExperts ?? 0;
  const embeddingWeights = model.vocabSize * d;
  const lmHeadWeights = model.vocabSize * d;
  const normWeightsPerLayer = 2 * d;

  const perLayerCommon = attentionWeights + normWeightsPerLayer;
  const totalWeights =
    model.layers * perLayerCommon +
    denseLayers * denseMlpWeights +
    moeLayers * (moeAlwaysOnWeights + experts * expertWeights) +
    embeddingWeights +
    lmHeadWeights;
  const activeWeights =
    model.layers * perLayerCommon +
    denseLayers * denseMlpWeights +
    moeLayers * (moeAlwaysOnWeights + activeExperts * expertWeights) +
    embeddingWeights +
    lmHeadWeights;

  return {
    layers: model.layers,
    denseLayers,
    moeLayers,
    attentionWeights,
    kvProjectionWeights,
    denseMlpWeights,
    expertWeights,
    moeAlwaysOnWeights,
    experts,
    activeExperts,
    embeddingWeights,
    lmHeadWeights,
    normWeightsPerLayer,
    totalWeights,
    activeWeights,
    prefillAttentionFlopsPerPair,
    decodeAttentionFlopsPerPair,
    kvElementsPerTokenLayer,
    kvShardableHeads,
    weightBytesPerElement: WEIGHT_BYTES[model.weightDtype],
    kvBytesPerElement: DTYPE_BYTES[model.kvDtype],
    unquantizedBytesPerElement: Math.max(DTYPE_BYTES.bf16, DTYPE_BYTES[model.weightDtype]),
  };
}

/** KV bytes of one token for the whole replica, all layers (independent of TP). */
export function kvBytesPerToken(arch: Architecture): number {
  return arch.layers * arch.kvElementsPerTokenLayer * arch.kvBytesPerElement;
}

/**
 * KV bytes of one token held by one TP rank. GQA heads are split across ranks, but a rank holds at
 * least one KV head (vLLM replicates KV heads when TP > kv heads); the MLA latent is not split.
 */
export function kvBytesPerTokenPerRank(arch: Architecture, tp: number): number {
  if (arch.kvShardableHeads === 0) return kvBytesPerToken(arch);
  const headsPerRank = Math.ceil(arch.kvShardableHeads / tp);
  return (kvBytesPerToken(arch) * headsPerRank) / arch.kvShardableHeads;
}

/**
 * Expected number of distinct experts that `tokens` tokens route to in one MoE layer, each token
 * choosing k of E experts uniformly: E·(1 − (1 − k/E)^tokens).
 */
export function expectedDistinctExperts(experts: number, activeExperts: number, tokens: number): number {
  if (experts <= 0 || tokens <= 0) return 0;
  return experts * (1 - Math.pow(1 - activeExperts / experts, tokens));
}

/**
 * Attention weights one TP rank holds: everything is split across ranks except K/V projections,
 * of which a rank keeps ceil(kvHeads/tp) heads (at least one).
 */
export function attentionWeightsPerRank(arch: Architecture, tp: number): number {
  const split = (arch.attentionWeights - arch.kvProjectionWeights) / tp;
  if (arch.kvShardableHeads === 0) return split + arch.kvProjectionWeights / tp;
  const headsPerRank = Math.ceil(arch.kvShardableHeads / tp);
  return split + (arch.kvProjectionWeights * headsPerRank) / arch.kvShardableHeads;
}

/**
 * Weight bytes one TP rank holds: quantised layer weights, plus the embedding, LM head and
 * (replicated) norms at their unquantised width.
 */
export function weightBytesPerRank(arch: Architecture, tp: number): number {
  const layerWeights =
    arch.layers * attentionWeightsPerRank(arch, tp) +
    (arch.denseLayers * arch.denseMlpWeights +
      arch.moeLayers * (arch.moeAlwaysOnWeights + arch.experts * arch.expertWeights)) /
      tp;
  const unquantized = arch.layers * arch.normWeightsPerLayer + (arch.embeddingWeights + arch.lmHeadWeights) / tp;
  return layerWeights * arch.weightBytesPerElement + unquantized * arch.unquantizedBytesPerElement;
}

/** Weight elements one TP rank holds; norms are replicated, everything else split. */
export function weightElementsPerRank(arch: Architecture, tp: number): number {
  return (
    arch.layers * (attentionWeightsPerRank(arch, tp) + arch.normWeightsPerLayer) +
    (arch.denseLayers * arch.denseMlpWeights +
      arch.moeLayers * (arch.moeAlwaysOnWeights + arch.experts * arch.expertWeights) +
      arch.embeddingWeights +
      arch.lmHeadWeights) /
      tp
  );
}
