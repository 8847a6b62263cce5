import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPerfModel, type PerfModel } from '../../../src/core/perf';
import { listGpus, listModels, findGpu, findModel } from '../../../src/core/spec/catalog';
import type {
  DecodeAttentionCalibration,
  DType,
  GpuCalibration,
  GpuSpec,
  LinkSpec,
  ModelSpec,
} from '../../../src/core/spec/types';

// Hardware invariants of the performance model, over every GPU and model of the catalog, in every
// precision a user can deploy: a better GPU is never slower, more bandwidth never slows decode,
// more TP never raises what one GPU holds.

const TPS = [1, 2, 4, 8];
const PRECISIONS: { weightDtype: DType; kvDtype: DType }[] = [
  { weightDtype: 'bf16', kvDtype: 'bf16' },
  { weightDtype: 'fp8', kvDtype: 'fp8' },
  { weightDtype: 'fp4', kvDtype: 'fp8' },
  { weightDtype: 'int4', kvDtype: 'bf16' },
];
const PREFILLS: [number, number][] = [
  [0, 1],
  [0, 128],
  [0, 2048],
  [8192, 512],
  [0, 16384],
  [32768, 8192],
];
const DECODES: [number, number][] = [
  [1, 512],
  [1, 32768],
  [8, 4096],
  [64, 2048],
  [256, 8192],
];
/** Relative slack for floating-point noise only. */
const EPS = 1e-9;

const linkOf = (gpu: GpuSpec): LinkSpec => ({ bandwidthGBps: gpu.nvlinkBandwidthGBps, latencyUs: 5 });
const perf = (model: ModelSpec, gpu: GpuSpec, link: LinkSpec = linkOf(gpu)): PerfModel =>
  createPerfModel(model, gpu, { intraNode: link, perf: { stepOverheadMs: 0.15 } });

const variants = (): { label: string; model: ModelSpec }[] =>
  listModels().flatMap((m) =>
    PRECISIONS.map((p) => ({ label: `${m.name} ${p.weightDtype}/${p.kvDtype}`, model: { ...m, ...p } })),
  );

/** Every op time of `faster` is at most that of `slower`, on every shape; returns the first counterexample. */
function neverSlower(faster: PerfModel, slower: PerfModel, ops: 'all' | 'decode' = 'all'): string | undefined {
  for (const tp of TPS) {
    if (ops === 'all') {
      for (const [h, n] of PREFILLS) {
        const a = faster.prefillMs(h, n, tp);
        const b = slower.prefillMs(h, n, tp);
        if (a > b * (1 + EPS)) return `prefill h=${h} n=${n} TP${tp}: ${a} > ${b}`;
      }
    }
    for (const [batch, context] of DECODES) {
      const a = faster.decodeStepMs(batch, batch * context, tp);
      const b = slower.decodeStepMs(batch, batch * context, tp);
      if (a > b * (1 + EPS)) return `decode b=${batch} c=${context} TP${tp}: ${a} > ${b}`;
    }
  }
  return undefined;
}

/** A calibration with every rate raised and every fixed cost lowered by `factor` (> 1 is better). */
function betterCalibration(c: GpuCalibration, factor: number): GpuCalibration {
  const gemm = Object.fromEntries(
    Object.entries(c.gemm).map(([k, g]) => [
      k,
      {
        compute: g.compute * factor,
        memory: g.memory * factor,
        overheadUs: g.overheadUs / factor,
        ...(g.tileGBps ? { tileGBps: g.tileGBps * factor } : {}),
      },
    ]),
  );
  const decode = (d: DecodeAttentionCalibration): DecodeAttentionCalibration => ({
    memory: d.memory * factor,
    rampPairs: d.rampPairs / factor,
    compute: d.compute * factor,
    overheadUs: d.overheadUs / factor,
    pairUs: d.pairUs / factor,
    // The same threshold: moving it would trade small calls for large ones, not improve both.
    ...(d.largeKvUs !== undefined ? { largeKvUs: d.largeKvUs / factor, largeKvMB: d.largeKvMB } : {}),
  });
  const a = c.allReduce;
  return {
    ...c,
    gemm,
    prefillAttention: {
      compute: c.prefillAttention.compute * factor,
      rampTokens: c.prefillAttention.rampTokens / factor,
      overheadUs: c.prefillAttention.overheadUs / factor,
    },
    decodeAttention: {
      ...decode(c.decodeAttention),
      ...(c.decodeAttention.fp8Kv ? { fp8Kv: decode(c.decodeAttention.fp8Kv) } : {}),
    },
    allReduce: {
      latencyUs: a.latencyUs / factor,
      ringLatencyUs: a.ringLatencyUs / factor,
      busEfficiency: a.busEfficiency * factor,
      peerLatencyUs: (a.peerLatencyUs ?? 0) / factor,
      // Same switch point: a different one would trade one form for the other, not improve both.
      oneShotMaxBytes: a.oneShotMaxBytes,
      busScaling: a.busScaling,
    },
  };
}

test('raising any one spec of any catalog GPU never makes any op of any catalog model slower', () => {
  const fields = [
    'bf16Tflops',
    'fp8Tflops',
    'fp4Tflops',
    'hbmBandwidthGBps',
    'nvlinkBandwidthGBps',
    'memoryGB',
  ] as const;
  let checked = 0;
  for (const gpu of listGpus()) {
    for (const field of fields) {
      const base = gpu[field] ?? gpu.fp8Tflops;
      // FP8 and FP4 peaks are at least the next wider one's; keep that ordering when raising.
      const better: GpuSpec = { ...gpu, [field]: base * 1.5 };
      if (field === 'bf16Tflops') {
        better.fp8Tflops = Math.max(gpu.fp8Tflops, better.bf16Tflops);
        if (gpu.fp4Tflops) better.fp4Tflops = Math.max(gpu.fp4Tflops, better.fp8Tflops);
      }
      if (field === 'fp8Tflops' && gpu.fp4Tflops) better.fp4Tflops = Math.max(gpu.fp4Tflops, better.fp8Tflops);
      for (const { label, model } of variants()) {
        const failure = neverSlower(perf(model, better, linkOf(better)), perf(model, gpu));
        assert.equal(failure, undefined, `${gpu.name} with ${field} × 1.5, ${label}: ${failure}`);
        checked++;
      }
    }
    if (gpu.calibration) {
      const better = { ...gpu, calibration: betterCalibration(gpu.calibration, 1.2) };
      for (const { label, model } of variants()) {
        assert.equal(
          neverSlower(perf(model, better), perf(model, gpu)),
          undefined,
          `${gpu.name} with every fitted rate × 1.2, ${label}`,
        );
      }
    }
  }
  assert.ok(checked >= 7 * 6 * 6 * 4, `checked ${checked}`);
});

/** `a` is at least as good as `b` in every datasheet spec. */
function atLeastAsGood(a: GpuSpec, b: GpuSpec): boolean {
  const specs = ['memoryGB', 'bf16Tflops', 'fp8Tflops', 'hbmBandwidthGBps', 'nvlinkBandwidthGBps'] as const;
  return specs.every((k) => a[k] >= b[k]) && (a.fp4Tflops ?? a.fp8Tflops) >= (b.fp4Tflops ?? b.fp8Tflops);
}

test('between catalog GPUs, one at least as good in every spec is never slower, under either one’s fitted efficiencies', () => {
  // The fitted efficiencies and fixed costs are measured engine behaviour and differ by GPU
  // (docs/calibration.md lists where a better datasheet measures slower); the model itself must
  // be monotone in the specs: with the same achieved fractions, better specs never cost time.
  const gpus = listGpus();
  const pairs: string[] = [];
  for (const a of gpus) {
    for (const b of gpus) {
      if (a === b || !atLeastAsGood(a, b)) continue;
      pairs.push(`${a.name} ≥ ${b.name}`);
      for (const efficiencies of [a, b]) {
        const same = {
          calibration: efficiencies.calibration,
          computeEfficiency: efficiencies.computeEfficiency,
          memoryEfficiency: efficiencies.memoryEfficiency,
        };
        for (const { label, model } of variants()) {
          const failure = neverSlower(
            perf(model, { ...a, ...same, name: `${a.name}'` }),
            perf(model, { ...b, ...same, name: `${b.name}'` }),
          );
          assert.equal(
            failure,
            undefined,
            `${a.name} vs ${b.name} with ${efficiencies.name}'s efficiencies, ${label}: ${failure}`,
          );
        }
      }
    }
  }
  // The catalog holds such pairs (H200 ≥ H100, B200 ≥ H200, …): the test is not vacuous.
  assert.ok(pairs.includes('H200 ≥ H100-SXM') && pairs.includes('B200 ≥ H200'), pairs.join(', '));
});

test('H200 (the H100 die with more, faster memory) is never slower than the H100 under their own calibrations', () => {
  const [h200, h100] = ['H200', 'H100-SXM'].map((name) => findGpu(name)!);
  for (const { label, model } of variants()) {
    assert.equal(neverSlower(perf(model, h200), perf(model, h100)), undefined, label);
  }
});

test('more HBM bandwidth never slows a decode step, on any catalog GPU and model', () => {
  for (const gpu of listGpus()) {
    for (const factor of [1.1, 2]) {
      const faster = { ...gpu, hbmBandwidthGBps: gpu.hbmBandwidthGBps * factor };
      for (const { label, model } of variants()) {
        assert.equal(
          neverSlower(perf(model, faster), perf(model, gpu), 'decode'),
          undefined,
          `${gpu.name} bandwidth × ${factor}, ${label}`,
        );
      }
    }
  }
});

test('doubling TP never raises what one GPU holds: weights, KV per token, and never lowers KV capacity', () => {
  for (const gpu of listGpus()) {
    for (const { label, model } of variants()) {
      const p = perf(model, gpu);
      for (const tp of [1, 2, 4]) {
        const one = p.memoryPlan(tp);
        const two = p.memoryPlan(2 * tp);
        assert.ok(two.weightBytesPerGpu <= one.weightBytesPerGpu, `${gpu.name} ${label} weights TP${tp}→${2 * tp}`);
        assert.ok(two.reserveBytesPerGpu <= one.reserveBytesPerGpu, `${gpu.name} ${label} reserve TP${tp}→${2 * tp}`);
        // KV bytes one GPU stores per token: the replica's bytes over its ranks, GQA heads replicated past TP = KV heads.
        const perGpuKv = (plan: typeof one) =>
          plan.kvCapacityTokens > 0
            ? (gpu.memoryGB * 1024 ** 3 - plan.weightBytesPerGpu - plan.reserveBytesPerGpu) / plan.kvCapacityTokens
            : 0;
        if (one.kvCapacityTokens > 0)
          assert.ok(perGpuKv(two) <= perGpuKv(one) * (1 + 1e-6), `${gpu.name} ${label} KV/token/GPU TP${tp}→${2 * tp}`);
        assert.ok(two.kvCapacityTokens >= one.kvCapacityTokens, `${gpu.name} ${label} KV capacity TP${tp}→${2 * tp}`);
      }
    }
  }
});

test('the comparisons users reported as nonsense now come out the right way round', () => {
  const qwen = findModel('Qwen3-32B')!;
  const llama8b = findModel('Llama-3.1-8B')!;
  const [h200, h20, h100] = ['H200', 'H20', 'H100-SXM'].map((name) => findGpu(name)!);
  // Batch-1 decode streams the weights: H200 (4.8 TB/s) must beat H20 (4.0 TB/s) by most of the ratio.
  const decode = (gpu: GpuSpec) => perf(qwen, gpu).decodeStepMs(1, 4096, 1);
  assert.ok(decode(h200) < decode(h20) * 0.9, `H200 ${decode(h200)} vs H20 ${decode(h20)}`);
  // Same tensor cores, more bandwidth: H200 prefill is never slower than H100's.
  const prefill = (gpu: GpuSpec) => perf(llama8b, gpu).prefillMs(0, 2048, 1);
  assert.ok(prefill(h200) <= prefill(h100), `H200 ${prefill(h200)} vs H100 ${prefill(h100)}`);
});
