import type { ModelSpec } from '../spec/types';
import type { HardwareRates } from './hardware';

/**
 * Multi-head latent attention (DeepSeek-V2/V3, reference: DeepSeek-V2 paper §2.1) caches one
 * latent of kv_lora_rank values plus the decoupled RoPE key of qk_rope_head_dim values per token
 * per layer — 512 + 64 = 576 for DeepSeek-V3/R1 — shared by all heads, so tensor parallelism
 * cannot split it: every attention-TP rank holds the whole latent (architecture.ts). Decode runs in
 * the absorbed form, where each (query, key) pair costs 2·heads·(2·kv_lora_rank + rope) FLOPs:
 * with 128 heads that is compute-bound on H100-class GPUs, unlike GQA decode.
 */

/**
 * FlashMLA's compute-bound decode reaches 580 TFLOPS on H800 SXM5 (BF16 peak 989): 0.59 of peak
 * (github.com/deepseek-ai/FlashMLA README). The GPUs' decode-attention calibration (docs/calibration.md)
 * was fitted to GQA kernels, which are memory-bound and reach a far lower share of peak compute.
 */
export const MLA_DECODE_COMPUTE_EFFICIENCY = 0.59;

/** FLOP/s of decode attention for this model: the MLA kernel's rate for MLA models, the calibrated one otherwise. */
export function decodeAttentionFlops(model: ModelSpec, rates: HardwareRates, bf16PeakTflops: number): number {
  if (!model.mla) return rates.decodeAttentionFlops;
  return Math.max(rates.decodeAttentionFlops, bf16PeakTflops * 1e12 * MLA_DECODE_COMPUTE_EFFICIENCY);
}
