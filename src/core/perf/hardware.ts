import type { DType, GemmCalibration, GpuSpec, LinkSpec, ModelSpec } from '../spec/types';
import {
  DEFAULT_ALL_REDUCE_BUS_EFFICIENCY,
  DEFAULT_ATTENTION_COMPUTE_EFFICIENCY,
  DEFAULT_ATTENTION_OVERHEAD_US,
  DEFAULT_ATTENTION_RAMP_TOKENS,
  DEFAULT_DECODE_ATTENTION_COMPUTE_EFFICIENCY,
  DEFAULT_DECODE_PAIR_US,
  DEFAULT_DECODE_RAMP_PAIRS,
  DEFAULT_GEMM_OVERHEAD_US,
  DTYPE_BYTES,
  WEIGHT_BYTES,
  computeEfficiency,
  memoryEfficiency,
} from './constants';

/** The tensor-core path a GEMM of the given weight dtype runs on. */
export type GemmPath = 'bf16' | 'fp8' | 'fp4';

/**
 * FP8 and INT8 weights run W8A8 on the FP8/INT8 tensor cores; FP4 (NVFP4) on FP4 tensor cores
 * where the GPU has them (Blackwell), else weight-only like INT4 (AWQ/GPTQ/Marlin: dequantised
 * to BF16 in the kernel), which computes in BF16 and only reads fewer bytes.
 */
export function gemmPath(gpu: GpuSpec, weightDtype: DType): GemmPath {
  if (weightDtype === 'fp4') return gpu.fp4Tflops ? 'fp4' : 'bf16';
  if (weightDtype === 'fp8' || weightDtype === 'int8') return 'fp8';
  return 'bf16';
}

export function gemmPeakTflops(gpu: GpuSpec, path: GemmPath): number {
  if (path === 'fp4') return gpu.fp4Tflops ?? gpu.fp8Tflops;
  return path === 'fp8' ? gpu.fp8Tflops : gpu.bf16Tflops;
}

/**
 * What one GPU achieves, term by term, as the rates the analytical model divides by: GEMM compute
 * and weight streaming on the weights' tensor-core path, prefill-attention compute, KV streaming
 * in decode attention, and the TP all-reduce. Each comes from the GPU's calibration (per-op data,
 * docs/calibration.md) unless the user set `computeEfficiency`/`memoryEfficiency`, which then
 * override GEMM compute and every HBM stream; GPUs without a calibration use the defaults in
 * constants.ts.
 */
export interface HardwareRates {
  gemmPath: GemmPath;
  gemmPeakTflops: number;
  /** FLOP/s of compute-bound GEMMs, and bytes/s streaming their weights. */
  gemmFlops: number;
  weightBytesPerSec: number;
  gemmOverheadUs: number;
  /** Weight bytes/s per column of 128-wide output tiles (Infinity: no limit; see GemmCalibration.tileGBps). */
  gemmTileBytesPerSec: number;
  /** Prefill attention FLOP/s at long key lengths, and the key length scale of its ramp-up. */
  attentionFlops: number;
  attentionRampTokens: number;
  attentionOverheadUs: number;
  /** Decode attention: KV bytes/s at full parallelism, the (sequence × KV head) scale of its ramp, FLOP/s. */
  kvBytesPerSec: number;
  kvRampPairs: number;
  /** KV bytes/s per (sequence, KV head) pair (Infinity: no limit; see DecodeAttentionCalibration.pairGBps). */
  kvPairBytesPerSec: number;
  decodeAttentionFlops: number;
  decodeAttentionOverheadUs: number;
  decodeAttentionPairUs: number;
  /** Added to a decode-attention call reading at least `decodeLargeKvBytes` of KV (0 and Infinity: no step). */
  decodeLargeKvUs: number;
  decodeLargeKvBytes: number;
  /** Memory-bound element-wise kernels and activation traffic stream at the weight rate. */
  elementwiseBytesPerSec: number;
  allReduceLatencyUs: number;
  allReduceRingLatencyUs: number;
  allReducePeerLatencyUs: number;
  allReduceOneShotMaxBytes: number;
  /** Bytes/s on the all-reduce bus at 2 GPUs: the link's per-direction bandwidth × the bus efficiency. */
  allReduceBusBytesPerSec: number;
  /** Bus bandwidth at t GPUs: allReduceBusBytesPerSec × (2 / t)^this. */
  allReduceBusScaling: number;
  /** Where the efficiencies come from, for reports. */
  source: string;
}

function gemmCalibration(gpu: GpuSpec, path: GemmPath): GemmCalibration | undefined {
  const gemm = gpu.calibration?.gemm;
  // An FP4 path without its own fit borrows the FP8 one (same kernel family, half the bytes).
  return gemm?.[path] ?? (path === 'fp4' ? gemm?.fp8 : undefined);
}

/** Rates of the GEMMs of `weightDtype` weights, and of decode attention over a `kvDtype` KV cache. */
export function hardwareRates(
  gpu: GpuSpec,
  weightDtype: DType,
  intraNode: LinkSpec,
  kvDtype: DType = 'bf16',
): HardwareRates {
  const path = gemmPath(gpu, weightDtype);
  const peak = gemmPeakTflops(gpu, path);
  const calibration = gpu.calibration;
  const gemm = gemmCalibration(gpu, path);
  const hbm = gpu.hbmBandwidthGBps * 1e9;
  const bf16 = gpu.bf16Tflops * 1e12;
  // A user's override wins over the calibration; the catalog never sets these two fields.
  const userCompute = gpu.computeEfficiency;
  const userMemory = gpu.memoryEfficiency;
  const gemmCompute = userCompute ?? gemm?.compute ?? computeEfficiency(gpu);
  const weightStream = userMemory ?? gemm?.memory ?? memoryEfficiency(gpu);
  const prefill = calibration?.prefillAttention;
  // FP8 (and narrower) KV caches run their own kernel where it was measured.
  const decode =
    (DTYPE_BYTES[kvDtype] <= 1 ? calibration?.decodeAttention.fp8Kv : undefined) ?? calibration?.decodeAttention;
  const allReduce = calibration?.allReduce;
  const source =
    userCompute !== undefined || userMemory !== undefined
      ? 'efficiencies set in the plan'
      : calibration
        ? calibration.source
        : 'uncalibrated defaults (src/core/perf/constants.ts)';
  return {
    gemmPath: path,
    gemmPeakTflops: peak,
    gemmFlops: peak * 1e12 * gemmCompute,
    weightBytesPerSec: hbm * weightStream,
    gemmOverheadUs: gemm?.overheadUs ?? DEFAULT_GEMM_OVERHEAD_US,
    gemmTileBytesPerSec: (gemm?.tileGBps ?? Infinity) * 1e9,
    attentionFlops: bf16 * (prefill?.compute ?? DEFAULT_ATTENTION_COMPUTE_EFFICIENCY),
    attentionRampTokens: prefill?.rampTokens ?? DEFAULT_ATTENTION_RAMP_TOKENS,
    attentionOverheadUs: prefill?.overheadUs ?? DEFAULT_ATTENTION_OVERHEAD_US,
    kvBytesPerSec: hbm * (userMemory ?? decode?.memory ?? memoryEfficiency(gpu)),
    kvRampPairs: decode?.rampPairs ?? DEFAULT_DECODE_RAMP_PAIRS,
    kvPairBytesPerSec: (decode?.pairGBps ?? Infinity) * 1e9,
    decodeAttentionFlops: bf16 * (decode?.compute ?? DEFAULT_DECODE_ATTENTION_COMPUTE_EFFICIENCY),
    decodeAttentionOverheadUs: decode?.overheadUs ?? DEFAULT_ATTENTION_OVERHEAD_US,
    decodeAttentionPairUs: decode?.pairUs ?? DEFAULT_DECODE_PAIR_US,
    decodeLargeKvUs: decode?.largeKvUs ?? 0,
    decodeLargeKvBytes: decode?.largeKvMB !== undefined ? decode.largeKvMB * 1e6 : Infinity,
    // Element-wise kernels stream BF16 activations whatever the weights' path.
    elementwiseBytesPerSec: hbm * (userMemory ?? calibration?.gemm.bf16?.memory ?? memoryEfficiency(gpu)),
    allReduceLatencyUs: allReduce?.latencyUs ?? intraNode.latencyUs,
    // Without a calibration the two-shot form is given four link latencies (reduce-scatter and
    // all-gather, each a send and a barrier); calibrated GPUs fit 2–4× the one-shot latency.
    allReduceRingLatencyUs: allReduce?.ringLatencyUs ?? 4 * intraNode.latencyUs,
    allReducePeerLatencyUs: allReduce?.peerLatencyUs ?? 0,
    allReduceOneShotMaxBytes: allReduce?.oneShotMaxBytes ?? Infinity,
    allReduceBusBytesPerSec:
      intraNode.bandwidthGBps * 1e9 * (allReduce?.busEfficiency ?? DEFAULT_ALL_REDUCE_BUS_EFFICIENCY),
    allReduceBusScaling: allReduce?.busScaling ?? 0,
    source,
  };
}

/** Fraction of its long-sequence rate an attention kernel reaches at `work` (tokens or pairs). */
export function ramp(work: number, scale: number): number {
  return scale > 0 ? -Math.expm1(-work / scale) : 1;
}

/** Width of the output tiles whose columns stream a GEMM's weights in parallel (CUTLASS/cuBLAS on Hopper and Blackwell). */
export const GEMM_TILE_N = 128;

/**
 * How much slower than the HBM rate a GEMM with `n` output columns streams its weights (≥ 1):
 * its ⌈n / 128⌉ tile columns may not reach that rate (a narrow GEMM leaves SMs idle).
 */
export function weightStreamSlowdown(rates: HardwareRates, n: number): number {
  const tiles = Math.max(1, Math.ceil(n / GEMM_TILE_N));
  return Math.max(1, rates.weightBytesPerSec / (tiles * rates.gemmTileBytesPerSec));
}

/**
 * One GEMM y[m, n] = x[m, k] · Wᵀ: compute-bound or weight-streaming, whichever is slower, plus
 * its fixed cost. Activations in and out are BF16; weights `weightBytes` per element.
 */
export function gemmMs(rates: HardwareRates, m: number, n: number, k: number, weightBytes: number): number {
  const compute = (2 * m * n * k) / rates.gemmFlops;
  const stream = (n * k * weightBytes * weightStreamSlowdown(rates, n) + 2 * m * (n + k)) / rates.weightBytesPerSec;
  return 1e3 * Math.max(compute, stream) + rates.gemmOverheadUs / 1e3;
}

/**
 * Causal prefill attention of `batch` sequences, each `tokens` new queries over `history + tokens`
 * keys, `heads` query heads and `kvHeads` KV heads of `headDim` (per TP rank).
 */
export function prefillAttentionMs(
  rates: HardwareRates,
  batch: number,
  history: number,
  tokens: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  kvBytesPerElement: number,
): number {
  const keys = history + tokens;
  const flops = batch * tokens * (history + (tokens + 1) / 2) * 4 * heads * headDim;
  const compute = flops / (rates.attentionFlops * ramp(keys, rates.attentionRampTokens));
  const kvRead = (batch * keys * 2 * kvHeads * headDim * kvBytesPerElement) / rates.kvBytesPerSec;
  return 1e3 * Math.max(compute, kvRead) + rates.attentionOverheadUs / 1e3;
}

/**
 * Fraction of the full KV streaming rate decode attention reaches with `pairs` (sequence, KV
 * head) pairs: the kernel's ramp-up, capped by what that many pairs stream on their own.
 */
export function kvParallelism(rates: HardwareRates, pairs: number): number {
  return Math.min(ramp(pairs, rates.kvRampPairs), (pairs * rates.kvPairBytesPerSec) / rates.kvBytesPerSec);
}

/** Decode attention: one query per sequence over `context` cached tokens (per TP rank). */
export function decodeAttentionMs(
  rates: HardwareRates,
  batch: number,
  context: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  kvBytesPerElement: number,
): number {
  const kvBytes = batch * context * 2 * kvHeads * headDim * kvBytesPerElement;
  const kvRead = kvBytes / (rates.kvBytesPerSec * kvParallelism(rates, batch * kvHeads));
  const compute = (batch * context * 4 * heads * headDim) / rates.decodeAttentionFlops;
  const largeKv = kvBytes >= rates.decodeLargeKvBytes ? rates.decodeLargeKvUs : 0;
  return (
    1e3 * Math.max(kvRead, compute) +
    (rates.decodeAttentionOverheadUs + largeKv + batch * kvHeads * rates.decodeAttentionPairUs) / 1e3
  );
}

/**
 * One all-reduce of `bytes` over `tp` GPUs: the faster of the one-shot exchange (latency, then
 * t − 1 shares read by every GPU) and the two-shot/ring form (its own latency, then 2(t − 1)/t of
 * the message), as engines' custom all-reduces switch between them by message size.
 */
export function allReduceMs(rates: HardwareRates, bytes: number, tp: number): number {
  if (tp <= 1) return 0;
  const f = allReduceForms(rates, tp);
  const msPerByte = 1e3 / f.busBytesPerSec;
  const ring = f.ringUs / 1e3 + bytes * f.ringShare * msPerByte;
  return bytes > rates.allReduceOneShotMaxBytes
    ? ring
    : Math.min(f.oneShotUs / 1e3 + bytes * f.oneShotShare * msPerByte, ring);
}

/**
 * The two forms of an all-reduce over `tp` GPUs: latency, the share of the message each GPU
 * moves, and the bus rate at that GPU count.
 */
export function allReduceForms(rates: HardwareRates, tp: number) {
  // Without per-peer latency or fabric scaling these are exactly the 2-GPU figures (no rounding).
  const peers = rates.allReducePeerLatencyUs > 0 ? (tp - 2) * rates.allReducePeerLatencyUs : 0;
  const scaling = rates.allReduceBusScaling > 0 ? Math.pow(2 / tp, rates.allReduceBusScaling) : 1;
  return {
    oneShotUs: rates.allReduceLatencyUs + peers,
    oneShotShare: tp - 1,
    ringUs: rates.allReduceRingLatencyUs,
    ringShare: (2 * (tp - 1)) / tp,
    busBytesPerSec: rates.allReduceBusBytesPerSec * scaling,
  };
}

/** What a model's precision means on a GPU, for reports: bytes, tensor-core path, peak and the efficiencies' source. */
export interface PrecisionSummary {
  weightDtype: DType;
  kvDtype: DType;
  /** Bytes per quantised layer weight (scales included) and per KV element. */
  weightBytesPerParam: number;
  kvBytesPerElement: number;
  gemmPath: GemmPath;
  gemmPeakTflops: number;
  /** Fraction of that peak compute-bound GEMMs reach. */
  gemmComputeEfficiency: number;
  efficiencySource: string;
}

export function describePrecision(model: ModelSpec, gpu: GpuSpec, intraNode: LinkSpec): PrecisionSummary {
  const rates = hardwareRates(gpu, model.weightDtype, intraNode);
  return {
    weightDtype: model.weightDtype,
    kvDtype: model.kvDtype,
    weightBytesPerParam: WEIGHT_BYTES[model.weightDtype],
    kvBytesPerElement: DTYPE_BYTES[model.kvDtype],
    gemmPath: rates.gemmPath,
    gemmPeakTflops: rates.gemmPeakTflops,
    gemmComputeEfficiency: rates.gemmFlops / (rates.gemmPeakTflops * 1e12),
    efficiencySource: rates.source,
  };
}
