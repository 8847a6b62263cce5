import type { ModelSpec } from './types';

/**
 * Redundant expert copies an EPLB-style balancer adds to an expert-parallel replica: DeepSeek's
 * V3/R1 service and SGLang's 96-GPU reproduction both run 32. It bounds how wide EP can go: every
 * GPU must hold at least one expert.
 */
export const REDUNDANT_EXPERTS = 32;

/**
 * Why a replica of `gpus` GPUs cannot run expert-parallel (EP = gpus) with attention TP
 * `attentionTp` on nodes of `gpusPerNode`, or undefined when it can. The message says what to change.
 */
export function expertParallelProblem(
  model: ModelSpec,
  gpusPerNode: number,
  gpus: number,
  attentionTp: number,
): string | undefined {
  if (!model.moe)
    return `${model.name} has no experts: expert parallelism needs a mixture-of-experts model; use a TP replica`;
  if (!Number.isInteger(gpus) || gpus < 2) return `EP ${gpus}: an expert-parallel replica needs at least 2 GPUs`;
  if (gpus <= gpusPerNode ? gpusPerNode % gpus !== 0 : gpus % gpusPerNode !== 0) {
    return `EP ${gpus} must divide the ${gpusPerNode} GPUs of a node or take whole nodes (a multiple of ${gpusPerNode})`;
  }
  if (gpus > model.moe.experts + REDUNDANT_EXPERTS) {
    return `EP ${gpus} exceeds ${model.name}'s ${model.moe.experts} experts plus ${REDUNDANT_EXPERTS} redundant copies: some GPUs would hold none; use at most ${model.moe.experts + REDUNDANT_EXPERTS}`;
  }
  if (!Number.isInteger(attentionTp) || attentionTp < 1 || gpus % attentionTp !== 0)
    return `attention TP ${attentionTp} must divide EP ${gpus}`;
  if (attentionTp > gpusPerNode) return `attention TP ${attentionTp} exceeds the ${gpusPerNode} GPUs of a node`;
  if (model.attentionHeads % attentionTp !== 0) {
    return `attention TP ${attentionTp} does not divide ${model.name}'s ${model.attentionHeads} attention heads`;
  }
  return undefined;
}
