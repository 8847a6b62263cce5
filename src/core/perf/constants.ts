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
 * Fixed cost of every kernel on top of its roofline time (launch, ramp-up, tail), µs: the
 * constant aiconfigurator adds to each memory-bound op (survey §1, "bytes/(0.8·BW) + 3 µs").
 */
export const KERNEL_OVERHEAD_US = 3;

/**
 * Kernels one transformer layer launches besides its all-reduces: QKV GEMM, RoPE + KV write,
 * attention, O GEMM, gate/up GEMM, activation, down GEMM and the two fused add+RMSNorms — nine
 * in vLLM's Llama path; MoE layers add a router and replace the MLP GEMMs by grouped GEMMs
 * (about the same count).
 */
export const KERNELS_PER_LAYER = 9;

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
    source: 'InferSim H20 kernels: GEMM 83–95 % of peak at m ≥ 256, decode attention 66–72 % of HBM; survey §4 suggests η_c 0.7–0.85 on H20',
  },
  {
    match: /a100/,
    compute: 0.7,
    memory: 0.75,
    source: "DistServe's A100 OPT-13B fit implies ≈ 80 % marginal prefill throughput and 64 % streaming bandwidth (survey §1); 0.7 leaves room for short chunks",
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

/**
 * Peak dense throughput the linear layers run at, FLOP/s. FP8/INT8/FP4 weights use the FP8 tensor
 * cores (no FP4 figure in GpuSpec, so FP4 is costed conservatively at FP8); INT4 is weight-only
 * quantisation and computes in BF16.
 */
export function gemmPeakFlops(gpu: GpuSpec, weightDtype: DType): number {
  const lowPrecision = weightDtype === 'fp8' || weightDtype === 'int8' || weightDtype === 'fp4';
  return (lowPrecision ? gpu.fp8Tflops : gpu.bf16Tflops) * 1e12;
}
