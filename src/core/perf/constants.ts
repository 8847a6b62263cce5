import type { DType, GpuSpec } from '../spec/types';

/** Bytes one element of each dtype occupies (int4/fp4 pack two per byte). */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  int4: 0.5,
  fp4: 0.5,
};

/**
 * Bytes one weight occupies as quantised checkpoints ship it, scales included: FP8 (per-tensor or
 * per-channel scales, negligible) 1; NVFP4 0.5 plus one FP8 scale per 16 elements; INT4 AWQ/GPTQ
 * 0.5 plus a BF16 scale and zero point per group of 128. Embeddings, LM head and norms stay BF16
 * in every quantised checkpoint (architecture.ts).
 */
export const WEIGHT_BYTES: Readonly<Record<DType, number>> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  int4: 0.5 + 4 / 128,
  fp4: 0.5 + 1 / 16,
};

/** Activations travel in bf16 between layers and through the TP all-reduces. */
export const ACTIVATION_BYTES = 2;

/**
 * Achievable fraction of peak tensor throughput when a GPU spec gives none. The survey's measured
 * H100 linear layers reach 65–79 % of peak at n ≥ 512 and causal attention 58–62 % at 4k–16k
 * tokens; 0.6 is the planning default it recommends for prefill (perf-model-survey.md §4).
 */
export const DEFAULT_COMPUTE_EFFICIENCY = 0.6;

/**
 * Achievable fraction of HBM bandwidth when a GPU spec gives none: measured weight streaming on
 * H100 is 77–88 % (survey §4), aiconfigurator and InferSim both use 0.8.
 */
export const DEFAULT_MEMORY_EFFICIENCY = 0.8;

/**
 * Achievable fraction of the per-GPU NVLink bandwidth in a ring all-reduce. Vidur's H100 DGX
 * all-reduce table gives bus bandwidths of 293/343/374 GB/s at TP 2/4/8 against 450 GB/s, i.e.
 * 0.65–0.83 (survey §4); InferSim uses 0.8.
 */
export const LINK_EFFICIENCY = 0.8;

/**
 * Fixed cost of a memory-bound element-wise kernel on top of its roofline time (launch, ramp-up,
 * tail), µs: the constant aiconfigurator adds to each memory-bound op (survey §1, "bytes/(0.8·BW)
 * + 3 µs").
 */
export const KERNEL_OVERHEAD_US = 3;

/**
 * Element-wise kernels of one layer in a serving engine: two fused add+RMSNorms, RoPE with the
 * KV-cache write, and SiLU·mul (vLLM, SGLang and TensorRT-LLM all fuse to about these four).
 */
export const ELEMENTWISE_KERNELS_PER_LAYER = 4;

/** GEMMs of one layer: QKV, O, gate/up, down (MoE: router plus grouped gate/up and down). */
export const GEMMS_PER_LAYER = 4;

/**
 * Defaults for a GPU without a calibration (docs/calibration.md gives the fitted values of the
 * calibrated ones; these are about their medians). GEMM fixed cost per call, µs.
 */
export const DEFAULT_GEMM_OVERHEAD_US = 5;
/** Prefill attention: fraction of BF16 peak at long key lengths (fitted 0.38–0.50). */
export const DEFAULT_ATTENTION_COMPUTE_EFFICIENCY = 0.45;
/** Key length over which prefill attention ramps up to that fraction, tokens (fitted 1000–2000). */
export const DEFAULT_ATTENTION_RAMP_TOKENS = 1500;
/** Fixed cost of one attention kernel, µs (fitted 8–15). */
export const DEFAULT_ATTENTION_OVERHEAD_US = 10;
/**
 * Decode attention compute as a fraction of BF16 peak: its tensor-core tiles are mostly padding
 * for query groups of 4–16 heads. Only matters for large groups; 0.25 keeps it off the critical
 * path of an uncalibrated GPU.
 */
export const DEFAULT_DECODE_ATTENTION_COMPUTE_EFFICIENCY = 0.25;
/** (sequence × KV head) pairs over which decode attention ramps up to full KV bandwidth (fitted 1–8). */
export const DEFAULT_DECODE_RAMP_PAIRS = 4;
/** Decode attention cost per (sequence, KV head) pair, µs (fitted 0.005–0.03). */
export const DEFAULT_DECODE_PAIR_US = 0.02;
/** All-reduce bus bandwidth as a fraction of the link's per-direction bandwidth (fitted 0.64–0.74 on NVLink). */
export const DEFAULT_ALL_REDUCE_BUS_EFFICIENCY = 0.7;

/** Per-step runtime overhead when the plan gives none: survey §4 (BLIS fits 0.1–0.2 ms). */
export const DEFAULT_STEP_OVERHEAD_MS = 0.15;

/** Share of GPU memory kept for activations, CUDA graphs, NCCL and the allocator (vLLM's 0.9). */
export const DEFAULT_MEMORY_RESERVE_FRACTION = 0.1;

/** Context length used for "max decode batch" when the caller does not give one. */
export const DEFAULT_TYPICAL_CONTEXT_TOKENS = 4096;

/** GPU memory in the catalog is in GiB-sized units as nvidia-smi reports them (80 GB H100 = 80 GiB). */
export const BYTES_PER_GB = 1024 ** 3;

/**
 * Achievable fractions for GPUs with better evidence than the defaults, used when the GPU spec
 * gives none. Keys are matched against the GPU name with case and punctuation ignored.
 */
export const KNOWN_GPU_EFFICIENCIES: readonly { match: RegExp; compute: number; memory: number; source: string }[] = [
  {
    match: /h20(?!0)/,
    compute: 0.75,
    memory: 0.8,
    source:
      'InferSim H20 kernels: GEMM 83–95 % of peak at m ≥ 256, decode attention 66–72 % of HBM; survey §4 suggests η_c 0.7–0.85 on H20',
  },
  {
    match: /a100/,
    compute: 0.7,
    memory: 0.75,
    source:
      "DistServe's A100 OPT-13B fit implies ≈ 80 % marginal prefill throughput and 64 % streaming bandwidth (survey §1); 0.7 leaves room for short chunks",
  },
  {
    match: /h100|h200|h800/,
    compute: DEFAULT_COMPUTE_EFFICIENCY,
    memory: DEFAULT_MEMORY_EFFICIENCY,
    source: 'survey §4: measured H100 linear layers 65–79 %, causal attention 58–62 %; weight streaming 77–88 % of HBM',
  },
];

function knownEfficiency(gpu: GpuSpec) {
  const name = gpu.name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return KNOWN_GPU_EFFICIENCIES.find((entry) => entry.match.test(name));
}

export function computeEfficiency(gpu: GpuSpec): number {
  return gpu.computeEfficiency ?? knownEfficiency(gpu)?.compute ?? DEFAULT_COMPUTE_EFFICIENCY;
}

export function memoryEfficiency(gpu: GpuSpec): number {
  return gpu.memoryEfficiency ?? knownEfficiency(gpu)?.memory ?? DEFAULT_MEMORY_EFFICIENCY;
}
