import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPerfModel, describeArchitecture, expectedDistinctExperts } from '../../../src/core/perf';
import type { GpuSpec, ModelSpec } from '../../../src/core/spec/types';
import { DEEPSEEK_V3, H100, H200, IB_400G, LLAMA_70B, LLAMA_8B, MIXTRAL_8X7B, NVLINK } from './specs';

/** Round numbers so every term can be worked out by hand. */
const TOY_MODEL: ModelSpec = {
  name: 'toy',
  layers: 1,
  hiddenSize: 1024,
  attentionHeads: 8,
  kvHeads: 8,
  headDim: 128,
  ffnSize: 4096,
  vocabSize: 1000,
  gatedMlp: true,
  weightDtype: 'bf16',
  kvDtype: 'bf16',
  maxContextTokens: 8192,
};
const TOY_GPU: GpuSpec = {
  name: 'toy-gpu',
  memoryGB: 1,
  bf16Tflops: 100,
  fp8Tflops: 200,
  hbmBandwidthGBps: 1000,
  nvlinkBandwidthGBps: 100,
  computeEfficiency: 1,
  memoryEfficiency: 1,
};
const toy = createPerfModel(TOY_MODEL, TOY_GPU, {
  intraNode: { bandwidthGBps: 100, latencyUs: 1 },
  perf: { stepOverheadMs: 0, memoryReserveFraction: 0.1 },
  typicalContextTokens: 1000,
});

const close = (actual: number, expected: number, relative = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} should be ${expected}`);

test('hand-computed toy model: weights, KV bytes and memory plan', () => {
  // attention 4·1024² = 4,194,304; gated MLP 3·1024·4096 = 12,582,912; norms 2·1024;
  // embedding and LM head 1000·1024 each → 18,827,264 elements, 2 bytes each.
  assert.equal(describeArchitecture(TOY_MODEL).totalWeights, 18_827_264);
  const memory = toy.memoryPlan(1);
  assert.equal(memory.weightBytesPerGpu, 37_654_528);
  // K and V, 8 heads × 128, bf16, one layer: 4096 bytes per token.
  assert.equal(memory.kvBytesPerToken, 4096);
  assert.equal(toy.kvBytes(10), 40_960);
  // 1 GiB, 10 % reserved: (1,073,741,824 − 107,374,182.4 − 37,654,528) / 4096 = 226,736.6 tokens.
  assert.equal(memory.reserveBytesPerGpu, 107_374_182.4);
  assert.equal(memory.kvCapacityTokens, 226_736);
  assert.equal(memory.maxDecodeBatch, 226);
  assert.ok(memory.fits);
});

// Uncalibrated defaults the toy GPU runs on (its computeEfficiency/memoryEfficiency of 1 set GEMM
// compute and every HBM stream; constants.ts gives the rest): GEMM 5 µs and element-wise 3 µs per
// kernel, four of each per layer; attention 10 µs per kernel, 0.02 µs per (sequence, KV head),
// 45 % of BF16 peak ramping up over 1500 keys; LM head one more GEMM + norm (8 µs).
const FIXED_MS = (4 * 5 + 4 * 3 + 5 + 3) / 1e3;
const ATTENTION_FIXED_MS = 0.01;

test('hand-computed toy model: decode step at batch 1 is the weight read', () => {
  // Weights 16,777,216 linear elements + 2048 norm = 33,558,528 B at 1 TB/s = 0.033558528 ms;
  // GEMM activations 2·(4·1024 + 32·128 + 3·4096) = 40,960 B; LM head 2,048,000 B;
  // element-wise 2·(8·1024 + 2·32·128 + 3·4096) + 2·1024 = 59,392 B; 8 KV heads × 0.02 µs.
  // No context, no all-reduce, no runtime overhead.
  close(
    toy.decodeStepMs(1, 0, 1),
    0.033558528 + 0.00004096 + 0.002048 + 0.000059392 + 0.00016 + FIXED_MS + ATTENTION_FIXED_MS,
  );
});

test('hand-computed toy model: prefill of 1000 tokens is compute-bound', () => {
  // Linear: 2·16,777,216·1000 FLOP at 100 TFLOP/s = 0.33554432 ms (memory side only 0.0745 ms).
  // Attention: 1000·(0 + 1001/2) pairs × 4·8·128 FLOP = 2.050048 GFLOP at 45 % of 100 TFLOP/s,
  // ramped by 1 − exp(−1000/1500). LM head for the last token: weight read 0.002048 ms.
  // Element-wise: 1000 × 59,392 B → 0.059392 ms.
  const attention = ((2.050048e9 / (100e12 * 0.45)) * 1e3) / -Math.expm1(-1000 / 1500);
  close(toy.prefillMs(0, 1000, 1), 0.33554432 + attention + 0.002048 + 0.059392 + FIXED_MS + ATTENTION_FIXED_MS);
});

test('hand-computed toy model: α–β KV transfer and TP all-reduce cost', () => {
  const link = { bandwidthGBps: 10, latencyUs: 20 };
  // 1000 tokens × 4096 B = 4,096,000 B at 10 GB/s × 0.8 link efficiency = 0.512 ms, + 20 µs.
  close(toy.kvTransferMs(1000, link, 1, 1), 0.02 + 0.512);
  // TP 2 → 2: two rank pairs in parallel, each half the bytes.
  close(toy.kvTransferMs(1000, link, 2, 2), 0.02 + 0.256);
  // TP 1 → 2: one sender serves two receivers back to back.
  close(toy.kvTransferMs(1000, link, 1, 2), 0.04 + 0.512);
  // TP 2 adds one layer's two all-reduces of the 2 KiB hidden state; uncalibrated, one-shot: the
  // link latency (1 µs) + (t − 1) shares at 70 % of 100 GB/s. (The two-shot form, 4 µs + 2(t−1)/t
  // of the message, is slower at this size.)
  const withoutAllReduce = createPerfModel(TOY_MODEL, TOY_GPU, {
    intraNode: { bandwidthGBps: 1e12, latencyUs: 0 },
    perf: { stepOverheadMs: 0 },
  });
  const difference = toy.decodeStepMs(1, 0, 2) - withoutAllReduce.decodeStepMs(1, 0, 2);
  close(difference, 2 * (0.001 + (2048 / (100e9 * 0.7)) * 1e3), 1e-6);
  const difference4 = toy.decodeStepMs(1, 0, 4) - withoutAllReduce.decodeStepMs(1, 0, 4);
  close(difference4, 2 * (0.001 + ((3 * 2048) / (100e9 * 0.7)) * 1e3), 1e-6);
  // A message of 8 MiB takes the two-shot form: 4 µs + 2·(3/4)·8 MiB at 70 GB/s.
  const bytes = 8 * 2 ** 20;
  const big = toy.prefillMs(0, bytes / 2048, 4) - withoutAllReduce.prefillMs(0, bytes / 2048, 4);
  close(big, 2 * (0.004 + ((1.5 * bytes) / (100e9 * 0.7)) * 1e3), 1e-6);
});

test('published model sizes: Llama-3.1-70B 70.6B params, 320 KiB KV/token; DeepSeek-V3 671B, 68.6 KiB MLA', () => {
  const llama = describeArchitecture(LLAMA_70B);
  assert.ok(Math.abs(llama.totalWeights / 1e9 - 70.55) < 0.1, `${llama.totalWeights}`);
  assert.equal(createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK }).kvBytes(1), 327_680);
  const deepseek = describeArchitecture(DEEPSEEK_V3);
  assert.ok(Math.abs(deepseek.totalWeights / 1e9 - 671) < 5, `${deepseek.totalWeights}`);
  assert.ok(Math.abs(deepseek.activeWeights / 1e9 - 37.6) < 2, `${deepseek.activeWeights}`);
  assert.equal(createPerfModel(DEEPSEEK_V3, H200, { intraNode: NVLINK }).kvBytes(1), 61 * 576 * 2);
  const mixtral = describeArchitecture(MIXTRAL_8X7B);
  assert.ok(Math.abs(mixtral.totalWeights / 1e9 - 46.7) < 0.2, `${mixtral.totalWeights}`);
  assert.ok(Math.abs(mixtral.activeWeights / 1e9 - 12.9) < 0.2, `${mixtral.activeWeights}`);
});

test('time grows with new tokens and with history', () => {
  for (const model of [LLAMA_8B, LLAMA_70B, MIXTRAL_8X7B, DEEPSEEK_V3]) {
    const perf = createPerfModel(model, H200, { intraNode: NVLINK });
    for (const tp of [1, 2, 4, 8]) {
      let previous = 0;
      for (let tokens = 1; tokens <= 32768; tokens *= 2) {
        const ms = perf.prefillMs(0, tokens, tp);
        assert.ok(ms > previous, `${model.name} tp${tp} prefill(${tokens}) = ${ms} ≤ ${previous}`);
        previous = ms;
      }
      previous = 0;
      for (let history = 0; history <= 131072; history = history * 2 + 1024) {
        const ms = perf.prefillMs(history, 512, tp);
        assert.ok(ms > previous, `${model.name} tp${tp} prefill history ${history}`);
        previous = ms;
      }
      previous = 0;
      for (let batch = 1; batch <= 512; batch *= 2) {
        const ms = perf.decodeStepMs(batch, batch * 2048, tp);
        assert.ok(ms > previous, `${model.name} tp${tp} decode batch ${batch}`);
        previous = ms;
      }
      assert.ok(perf.decodeStepMs(8, 8 * 8192, tp) > perf.decodeStepMs(8, 8 * 1024, tp));
    }
  }
});

test('small-batch decode is bandwidth-bound and large prefill compute-bound', () => {
  const base = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK });
  const moreFlops = createPerfModel(LLAMA_70B, { ...H100, bf16Tflops: 2 * H100.bf16Tflops }, { intraNode: NVLINK });
  const moreBandwidth = createPerfModel(
    LLAMA_70B,
    { ...H100, hbmBandwidthGBps: 2 * H100.hbmBandwidthGBps },
    { intraNode: NVLINK },
  );
  const decode = (m: typeof base) => m.decodeStepMs(1, 2048, 4);
  const prefill = (m: typeof base) => m.prefillMs(0, 8192, 4);
  assert.ok(decode(moreFlops) / decode(base) > 0.99, 'decode barely cares about FLOPs');
  assert.ok(decode(moreBandwidth) / decode(base) < 0.65, 'decode speeds up with bandwidth');
  assert.ok(prefill(moreFlops) / prefill(base) < 0.7, 'prefill speeds up with FLOPs');
  assert.ok(prefill(moreBandwidth) / prefill(base) > 0.95, 'prefill barely cares about bandwidth');
});

test('TP speed-up is real but sublinear', () => {
  for (const model of [LLAMA_8B, LLAMA_70B, MIXTRAL_8X7B]) {
    const perf = createPerfModel(model, H200, { intraNode: NVLINK });
    for (const tp of [1, 2, 4]) {
      for (const [name, at] of [
        ['prefill', (t: number) => perf.prefillMs(0, 4096, t)],
        ['decode', (t: number) => perf.decodeStepMs(32, 32 * 4096, t)],
      ] as const) {
        const speedup = at(tp) / at(2 * tp);
        assert.ok(speedup < 2, `${model.name} ${name} tp${tp}→${2 * tp} speed-up ${speedup}`);
        // Small models stop gaining (and lose, as in practice) once all-reduces dominate.
        if (model !== LLAMA_8B) assert.ok(speedup > 1.05, `${model.name} ${name} tp${tp} speed-up ${speedup}`);
      }
    }
  }
});

test('KV capacity shrinks as weights grow, and a model too big for its GPUs does not fit', () => {
  const capacity = (model: ModelSpec, tp: number) => createPerfModel(model, H100, { intraNode: NVLINK }).memoryPlan(tp);
  const fp8 = capacity({ ...LLAMA_70B, weightDtype: 'fp8' }, 4);
  const bf16 = capacity(LLAMA_70B, 4);
  const biggerVocab = capacity({ ...LLAMA_70B, vocabSize: 4 * LLAMA_70B.vocabSize }, 4);
  assert.ok(bf16.weightBytesPerGpu > fp8.weightBytesPerGpu);
  assert.ok(bf16.kvCapacityTokens < fp8.kvCapacityTokens);
  assert.ok(biggerVocab.kvCapacityTokens < bf16.kvCapacityTokens);
  assert.ok(bf16.maxDecodeBatch <= fp8.maxDecodeBatch);
  const tp1 = capacity(LLAMA_70B, 1);
  assert.equal(tp1.fits, false);
  assert.equal(tp1.kvCapacityTokens, 0);
  assert.ok(capacity(LLAMA_70B, 2).kvCapacityTokens < bf16.kvCapacityTokens);
  // An FP8 KV cache holds twice the tokens of a BF16 one in the same free memory.
  const fp8Kv = capacity({ ...LLAMA_70B, kvDtype: 'fp8' }, 4);
  assert.ok(Math.abs(fp8Kv.kvCapacityTokens / bf16.kvCapacityTokens - 2) < 1e-4);
});

test('MoE decode reads fewer bytes than a dense model of the same total size', () => {
  // Same total parameters as Mixtral-8x7B: one dense MLP eight experts wide.
  const dense: ModelSpec = { ...MIXTRAL_8X7B, name: 'dense-46b', moe: undefined, ffnSize: 8 * 14336 };
  // Equal up to Mixtral's router (d·E per layer).
  const routerWeights = 32 * 4096 * 8;
  assert.equal(
    describeArchitecture(dense).totalWeights + routerWeights,
    describeArchitecture(MIXTRAL_8X7B).totalWeights,
  );
  const moe = createPerfModel(MIXTRAL_8X7B, H100, { intraNode: NVLINK });
  const denseModel = createPerfModel(dense, H100, { intraNode: NVLINK });
  assert.equal(moe.memoryPlan(2).weightBytesPerGpu, denseModel.memoryPlan(2).weightBytesPerGpu + routerWeights);
  // Batch 1 touches 2 of 8 experts, batch 2 on average 3.5, batch 4 5.5.
  for (const [batch, bound] of [
    [1, 0.4],
    [2, 0.6],
    [4, 0.85],
  ]) {
    const ratio = moe.decodeStepMs(batch, batch * 1024, 2) / denseModel.decodeStepMs(batch, batch * 1024, 2);
    assert.ok(ratio < bound, `batch ${batch}: ${ratio}`);
  }
  // A large batch touches every expert, so the weight reads converge to the dense model's.
  const ratio = moe.decodeStepMs(256, 256 * 1024, 2) / denseModel.decodeStepMs(256, 256 * 1024, 2);
  assert.ok(ratio > 0.7 && ratio <= 1.0001, `${ratio}`);
});

test('expected distinct experts: k for one token, all E for many, E(1−(1−k/E)^n) between', () => {
  assert.equal(expectedDistinctExperts(8, 2, 1), 2);
  close(expectedDistinctExperts(8, 2, 2), 8 * (1 - 0.75 ** 2));
  close(expectedDistinctExperts(256, 8, 1000), 256, 1e-6);
  assert.equal(expectedDistinctExperts(8, 2, 0), 0);
});

test('KV transfer: TP layouts, GQA replication and MLA', () => {
  const llama = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK });
  const bytes = llama.kvBytes(8192);
  const betaMs = (b: number, pairs: number) => (b / (pairs * IB_400G.bandwidthGBps * 1e9 * 0.8)) * 1e3;
  close(llama.kvTransferMs(8192, IB_400G, 4, 4), 0.01 + betaMs(bytes, 4));
  // 4 → 8: four pairs carry the eight destination ranks' shares, two messages each.
  close(llama.kvTransferMs(8192, IB_400G, 4, 8), 0.02 + betaMs(bytes, 4));
  // 8 → 16 ranks with 8 KV heads: every destination rank needs one head, so heads are duplicated.
  close(llama.kvTransferMs(8192, IB_400G, 8, 16), 0.02 + betaMs(2 * bytes, 8));
  assert.ok(llama.kvTransferMs(8192, IB_400G, 8, 8) < llama.kvTransferMs(8192, IB_400G, 4, 4));
  assert.equal(llama.kvTransferMs(0, IB_400G, 4, 4), 0);
  // MLA's latent is whole on every rank: 8 → 8 moves it eight times over eight pairs.
  const deepseek = createPerfModel(DEEPSEEK_V3, H200, { intraNode: NVLINK });
  close(deepseek.kvTransferMs(4096, IB_400G, 8, 8), 0.01 + betaMs(deepseek.kvBytes(4096), 1));
});

test('estimates are finite and non-negative at the edges', () => {
  const perf = createPerfModel(MIXTRAL_8X7B, H100, { intraNode: NVLINK });
  assert.equal(perf.prefillMs(0, 0, 2), 0);
  assert.equal(perf.decodeStepMs(0, 0, 2), 0);
  for (const value of [perf.prefillMs(-5, 1, 2), perf.decodeStepMs(1, -3, 8), perf.prefillMs(1e6, 1e5, 8)]) {
    assert.ok(Number.isFinite(value) && value > 0);
  }
});

test('decode step time is piecewise affine in the context at a fixed batch, with the pieces decodeStepAffine gives', async () => {
  const { createPerfModel } = await import('../../../src/core/perf');
  const { findModel, findGpu } = await import('../../../src/core/spec/catalog');
  let stepped = 0;
  for (const [modelName, gpuName] of [
    ['Llama-3.1-8B', 'H100'],
    ['Qwen3-32B', 'H200'],
    ['Llama-3.1-70B', 'H200'],
    ['Mixtral-8x7B', 'H20'],
    ['Llama-3.1-70B', 'A100-80GB'],
  ] as const) {
    const model = findModel(modelName);
    const gpu = findGpu(gpuName);
    if (!model || !gpu) throw new Error(`${modelName} / ${gpuName} not in the catalog`);
    const perf = createPerfModel(model, gpu, { intraNode: { bandwidthGBps: 450, latencyUs: 5 } });
    for (const tp of [1, 2, 4, 8]) {
      for (const batch of [1, 3, 16, 64, 256]) {
        for (const at of [0, 100, 5_000, 250_000, 4_000_000]) {
          const piece = perf.decodeStepAffine?.(batch, tp, at);
          assert.ok(piece, `${modelName} TP ${tp}`);
          const where = `${modelName} on ${gpuName} TP ${tp} batch ${batch} context ${at}`;
          assert.ok(
            piece.validFromContext <= at && at < piece.validBelowContext,
            `${where}: piece does not hold there`,
          );
          if (piece.validBelowContext < Infinity) stepped++;
          // Exact on the whole piece (no interpolation): at its ends and inside.
          const last = piece.validBelowContext < Infinity ? piece.validBelowContext - 1 : 2 * at + 10_000_000;
          for (const context of [piece.validFromContext, at, Math.floor((at + last) / 2), last]) {
            const direct = perf.decodeStepMs(batch, context, tp);
            const viaPiece = piece.fixedMs + piece.msPerContextToken * context;
            assert.ok(
              Math.abs(direct - viaPiece) <= 1e-9 * direct,
              `${where}, at ${context}: ${direct} vs ${viaPiece}`,
            );
          }
          // The next piece starts where this one ends, and takes over there.
          if (piece.validBelowContext < Infinity) {
            const next = perf.decodeStepAffine?.(batch, tp, piece.validBelowContext);
            assert.equal(next?.validFromContext, piece.validBelowContext, where);
          }
        }
      }
    }
  }
  // The H200's fit has the large-KV step: the two-piece case is exercised.
  assert.ok(stepped > 0, 'no catalog GPU here has a large-KV step');
});
