import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPerfModel, describeArchitecture, describePrecision } from '../../../src/core/perf';
import { findGpu, findModel } from '../../../src/core/spec/catalog';
import type { DType, GpuSpec, ModelSpec } from '../../../src/core/spec/types';

// Quantisation as deployed: FP8 W8A8 and FP8 KV on Hopper/Blackwell, NVFP4 on Blackwell, INT4
// weight-only anywhere. Embeddings, LM head and norms stay BF16 in every such checkpoint.

const llama70b = findModel('Llama-3.1-70B')!;
const [h200, b200, a100] = ['H200', 'B200', 'A100-80GB'].map((name) => findGpu(name)!);
const link = { bandwidthGBps: 450, latencyUs: 5 };
const with_ = (weightDtype: DType, kvDtype: DType): ModelSpec => ({ ...llama70b, weightDtype, kvDtype });
const perf = (model: ModelSpec, gpu: GpuSpec) =>
  createPerfModel(model, gpu, { intraNode: link, typicalContextTokens: 4096 });

test('FP8 weights halve the layer weights; embeddings, LM head and norms stay BF16', () => {
  const bf16 = perf(with_('bf16', 'bf16'), h200).memoryPlan(8).weightBytesPerGpu;
  const fp8 = perf(with_('fp8', 'bf16'), h200).memoryPlan(8).weightBytesPerGpu;
  const arch = describeArchitecture(llama70b);
  const unquantized = (arch.embeddingWeights + arch.lmHeadWeights) / 8 + arch.layers * arch.normWeightsPerLayer;
  assert.equal(bf16 - fp8, (bf16 - 2 * unquantized) / 2);
  // 70.6 B parameters of which 1.05 B are embedding and LM head: 51.5 % of the BF16 bytes.
  assert.ok(fp8 / bf16 > 0.5 && fp8 / bf16 < 0.52, `${fp8 / bf16}`);
});

test('an FP8 KV cache doubles the KV capacity of the same weights', () => {
  for (const tp of [2, 4, 8]) {
    const bf16 = perf(with_('fp8', 'bf16'), h200).memoryPlan(tp);
    const fp8 = perf(with_('fp8', 'fp8'), h200).memoryPlan(tp);
    assert.equal(fp8.kvBytesPerToken * 2, bf16.kvBytesPerToken);
    assert.ok(
      Math.abs(fp8.kvCapacityTokens - 2 * bf16.kvCapacityTokens) <= 1,
      `TP${tp}: ${fp8.kvCapacityTokens} vs 2 × ${bf16.kvCapacityTokens}`,
    );
  }
});

test('FP8 GEMMs run at the FP8 peak with its fitted efficiency; NVFP4 at the FP4 peak where there are FP4 tensor cores', () => {
  const fp8 = describePrecision(with_('fp8', 'fp8'), h200, link);
  assert.equal(fp8.gemmPath, 'fp8');
  assert.equal(fp8.gemmPeakTflops, h200.fp8Tflops);
  assert.equal(fp8.gemmComputeEfficiency, h200.calibration!.gemm.fp8!.compute);
  assert.equal(describePrecision(with_('fp4', 'fp8'), b200, link).gemmPeakTflops, b200.fp4Tflops);
  // Hopper has no FP4 tensor cores: FP4 weights run weight-only, like INT4 (BF16 math on fewer bytes).
  assert.equal(describePrecision(with_('fp4', 'fp8'), h200, link).gemmPath, 'bf16');
  assert.equal(describePrecision(with_('int4', 'bf16'), h200, link).gemmPath, 'bf16');
  // Ampere has no FP8 tensor cores: the catalog repeats the BF16 peak for it.
  assert.equal(describePrecision(with_('fp8', 'bf16'), a100, link).gemmPeakTflops, a100.bf16Tflops);
});

test('a compute-bound prefill is faster in FP8 by about the ratio of reached FP8 to BF16 throughput', () => {
  const bf16 = perf(with_('bf16', 'bf16'), h200).prefillMs(0, 16384, 8);
  const fp8 = perf(with_('fp8', 'fp8'), h200).prefillMs(0, 16384, 8);
  const gemm = h200.calibration!.gemm;
  const gemmSpeedup = (gemm.fp8!.compute * h200.fp8Tflops) / (gemm.bf16!.compute * h200.bf16Tflops);
  // Attention stays BF16, so the whole prefill gains less than the GEMMs do.
  assert.ok(fp8 < bf16 && bf16 / fp8 < gemmSpeedup, `${bf16} / ${fp8} vs GEMM ${gemmSpeedup}`);
});

test('a bandwidth-bound decode step is faster with fewer weight and KV bytes: FP8 < BF16, INT4 < FP8 weights', () => {
  const step = (w: DType, kv: DType) => perf(with_(w, kv), h200).decodeStepMs(8, 8 * 4096, 8);
  assert.ok(step('fp8', 'fp8') < step('fp8', 'bf16'));
  assert.ok(step('fp8', 'bf16') < step('bf16', 'bf16'));
  assert.ok(step('int4', 'bf16') < step('bf16', 'bf16'));
});
