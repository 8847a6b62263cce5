// Fits the performance model's per-op efficiencies of each GPU to a production engine's measured
// per-op times, and reports the model's error on data held out of the fit: the engine's own
// held-out shapes, our op measurements, and our whole-model profiles (docs/calibration.md).
//
//   node --import tsx scripts/calibrate.ts            print the report (markdown)
//   node --import tsx scripts/calibrate.ts --write    also store the fits in catalog/gpus.json (`calibration`)
//
// Sources:
// - catalog/reference/aiconfigurator/<GPU>.csv: TensorRT-LLM per-op databases published by
//   AIConfigurator (github.com/ai-dynamo/aiconfigurator, Apache-2.0), extracted by
//   tools/profiler/extract_aiconfigurator.mjs. The fit uses half of its shapes.
// - catalog/reference/measured/<GPU>.csv: our op timings (tools/profiler/ops_bench.py). Not fitted.
// - catalog/profiles/*.csv: our whole-model prefill/decode profiles (tools/profiler). Not fitted.
//
// Split: whole shapes are held out, never single points of a shape: GEMMs alternate by (n, k)
// pair, attention by (batch, heads, KV heads), all-reduce by message size within each
// GPU count. The loss is the median |log(predicted / measured)| of the fitted points (the median
// is what is judged; the log weighs over- and under-estimates alike).
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { AnalyticModel, parseProfile } from '../src/core/perf';
import {
  allReduceMs,
  decodeAttentionMs,
  gemmMs,
  hardwareRates,
  prefillAttentionMs,
  type HardwareRates,
} from '../src/core/perf/hardware';
import { DEFAULTS } from '../src/core/spec/defaults';
import { findGpu, findModel } from '../src/core/spec/catalog';
import type { GemmCalibration, GpuCalibration, GpuSpec, LinkSpec, ModelSpec } from '../src/core/spec/types';

const REFERENCE_DIR = 'catalog/reference/aiconfigurator';
const MEASURED_DIR = 'catalog/reference/measured';
const PROFILE_DIR = 'catalog/profiles';
const GPU_BY_PROFILE_PREFIX: Record<string, string> = { h100: 'H100-SXM', h200: 'H200' };
/** Largest query group (heads per KV head) kept: the catalog's dense and MoE models have 4–16. */
const MAX_QUERY_GROUP = 16;
/**
 * The databases repeat each call on the same tensors, so a GEMM whose weights, or a decode
 * attention whose KV, fit in the GPU's L2 cache (40–126 MB on these GPUs) can be served from
 * cache — which never happens in a model, whose every layer has its own weights and KV. A row is
 * left out of fit and error alike when it would have streamed its bytes faster than the HBM's
 * peak bandwidth: such a time cannot have come from HBM. (Rows only partly served from cache
 * remain; their count is reported.)
 */
/** Bytes an op streams from HBM once per call in a model (weights or KV); undefined when it streams little. */
function streamedBytes(row: Row): number | undefined {
  if (row.op === 'gemm') return row.n! * row.k! * (GEMM_WEIGHT_BYTES[row.dtype] ?? 2);
  if (row.op === 'decode_attention')
    return row.batch! * row.context! * 2 * row.kv_heads! * row.head_dim! * (KV_BYTES[row.dtype] ?? 2);
  return undefined;
}

const SOURCE = 'fitted by scripts/calibrate.ts to AIConfigurator TensorRT-LLM per-op data (docs/calibration.md)';

interface Row {
  op: string;
  dtype: string;
  m?: number;
  n?: number;
  k?: number;
  batch?: number;
  context?: number;
  heads?: number;
  kv_heads?: number;
  head_dim?: number;
  gpus?: number;
  bytes?: number;
  ms: number;
}

function readRows(file: string): Row[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  const header = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const values = line.split(',');
    const row: Record<string, string | number | undefined> = {};
    header.forEach((key, i) => {
      const v = values[i];
      row[key] = v === '' || v === undefined ? undefined : Number.isNaN(Number(v)) ? v : Number(v);
    });
    return row as unknown as Row;
  });
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** Bytes per element of each GEMM dtype's weights as stored in the database (NVFP4 scales included). */
const GEMM_WEIGHT_BYTES: Record<string, number> = { bf16: 2, fp8: 1, fp4: 0.5 + 1 / 16 };
const KV_BYTES: Record<string, number> = { bf16: 2, fp8: 1 };

// ---- the model of each op, from hardware.ts, under candidate parameters ----

type Params = Record<string, number>;
/**
 * One fitted parameter's range. `later`: a term added to a form the rest was fitted without; its
 * `off` value removes it. Such parameters are fitted in a second stage (see fitStaged), so that
 * the coarse grid stays over the form's first parameters and a GPU where the term does not help
 * keeps the fit it had without it.
 */
interface ParamSpec {
  name: string;
  from: number;
  to: number;
  log?: boolean;
  tiesHigh?: boolean;
  later?: { off: number };
}
interface OpFamily {
  name: string;
  rows: (rows: Row[]) => Row[];
  /** Which shape a row belongs to, for the held-out split. */
  group: (row: Row) => string;
  /** Searched linearly, or geometrically when `log` (scale parameters spanning decades). */
  params: ParamSpec[];
  /** The model of this op under parameters `p`, as a function of one row (rates made once). */
  model: (gpu: GpuSpec, p: Params) => (row: Row) => number;
  describe: (row: Row) => string;
}

const LINK_OF = (gpu: GpuSpec): LinkSpec => ({
  bandwidthGBps: gpu.nvlinkBandwidthGBps,
  latencyUs: DEFAULTS.intraNodeLatencyUs,
});

function ratesWith(gpu: GpuSpec, calibration: Partial<GpuCalibration>, dtype: 'bf16' | 'fp8' | 'fp4'): HardwareRates {
  const full: GpuCalibration = {
    source: SOURCE,
    gemm: {},
    prefillAttention: { compute: 0.45, rampTokens: 1500, overheadUs: 10 },
    decodeAttention: { memory: 0.8, rampPairs: 4, compute: 0.25, overheadUs: 10, pairUs: 0.02 },
    allReduce: { latencyUs: 5, ringLatencyUs: 20, busEfficiency: 0.7 },
    ...calibration,
  };
  const plain: GpuSpec = { ...gpu, computeEfficiency: undefined, memoryEfficiency: undefined, calibration: full };
  return hardwareRates(plain, dtype, LINK_OF(gpu));
}

const gemmFamily = (dtype: 'bf16' | 'fp8' | 'fp4'): OpFamily => ({
  name: `gemm ${dtype}`,
  rows: (rows) => rows.filter((r) => r.op === 'gemm' && r.dtype === dtype),
  group: (r) => `${r.n}x${r.k}`,
  params: [
    { name: 'compute', from: 0.2, to: 1 },
    { name: 'memory', from: 0.2, to: 1 },
    { name: 'overheadUs', from: 0, to: 40 },
    { name: 'tileGBps', from: 5, to: 2000, log: true },
  ],
  model: (gpu, p) => {
    const rates = ratesWith(gpu, { gemm: { [dtype]: p as unknown as GemmCalibration } }, dtype);
    // The database's FP8 and NVFP4 linears quantise their BF16 input in a kernel of their own: a
    // fixed cost (quantUs) and a pass over the input (read BF16, write the narrow type); serving
    // engines fuse that into the preceding norm or activation, so the model never charges it.
    const quantized = p.quantUs !== undefined;
    const quantMsPerByte = 1e3 / (gpu.hbmBandwidthGBps * 1e9 * p.memory);
    const quantMs = (r: Row) =>
      quantized ? p.quantUs / 1e3 + r.m! * r.k! * (2 + GEMM_WEIGHT_BYTES[dtype]) * quantMsPerByte : 0;
    return (r) => gemmMs(rates, r.m!, r.n!, r.k!, GEMM_WEIGHT_BYTES[dtype]) + quantMs(r);
  },
  describe: (r) => `m=${r.m} n=${r.n} k=${r.k}`,
});

/**
 * FP8 GEMMs: the same kernel fixed cost as the BF16 ones (the launch does not depend on the
 * dtype), their own compute and streaming rates, and the database's separate activation
 * quantisation (quantUs), fitted so that the comparison is fair but not stored: engines fuse it.
 */
const quantizedGemmFamily = (dtype: 'fp8' | 'fp4', bf16OverheadUs: number): OpFamily => {
  const base = gemmFamily(dtype);
  return {
    ...base,
    params: [
      { name: 'compute', from: 0.2, to: 1 },
      { name: 'memory', from: 0.2, to: 1 },
      { name: 'quantUs', from: 0, to: 30 },
      { name: 'tileGBps', from: 5, to: 2000, log: true },
    ],
    model: (gpu, p) => base.model(gpu, { ...p, overheadUs: bf16OverheadUs }),
  };
};

const contextAttention: OpFamily = {
  name: 'prefill attention',
  rows: (rows) => rows.filter((r) => r.op === 'context_attention' && r.heads! / r.kv_heads! <= MAX_QUERY_GROUP),
  group: (r) => `${r.batch}/${r.heads}/${r.kv_heads}`,
  params: [
    { name: 'compute', from: 0.1, to: 1 },
    { name: 'rampTokens', from: 50, to: 8000, log: true },
    { name: 'overheadUs', from: 0, to: 60 },
  ],
  model: (gpu, p) => {
    const rates = ratesWith(gpu, { prefillAttention: p as GpuCalibration['prefillAttention'] }, 'bf16');
    return (r) => prefillAttentionMs(rates, r.batch!, 0, r.context!, r.heads!, r.kv_heads!, r.head_dim!, 2);
  },
  describe: (r) => `batch ${r.batch} × ${r.context} tokens, ${r.heads}/${r.kv_heads} heads`,
};

/** Decode attention over a BF16 or an FP8 KV cache: two kernels, fitted apart. */
const decodeAttention = (kvDtype: 'bf16' | 'fp8'): OpFamily => ({
  name: kvDtype === 'bf16' ? 'decode attention' : 'decode attention, FP8 KV',
  rows: (rows) =>
    rows.filter((r) => r.op === 'decode_attention' && r.dtype === kvDtype && r.heads! / r.kv_heads! <= MAX_QUERY_GROUP),
  group: (r) => `${r.batch}/${r.heads}/${r.kv_heads}`,
  params: [
    { name: 'memory', from: 0.3, to: 1 },
    { name: 'rampPairs', from: 0.25, to: 64, log: true },
    // A limit the fitted shapes never reach is assumed not to bind elsewhere either.
    { name: 'compute', from: 0.01, to: 1, log: true, tiesHigh: true },
    { name: 'overheadUs', from: 0, to: 40 },
    { name: 'pairUs', from: 0, to: 0.1 },
    { name: 'pairGBps', from: 2, to: 5000, log: true, tiesHigh: true },
    // The step once a call's KV is large (types.ts largeKvUs): none where it does not help.
    { name: 'largeKvUs', from: 0, to: 40, later: { off: 0 } },
    { name: 'largeKvMB', from: 4, to: 4000, log: true, tiesHigh: true, later: { off: 4000 } },
  ],
  model: (gpu, p) => {
    const rates = ratesWith(gpu, { decodeAttention: p as unknown as GpuCalibration['decodeAttention'] }, 'bf16');
    return (r) => decodeAttentionMs(rates, r.batch!, r.context!, r.heads!, r.kv_heads!, r.head_dim!, KV_BYTES[r.dtype]);
  },
  describe: (r) => `batch ${r.batch} × ${r.context} context, ${r.heads}/${r.kv_heads} heads`,
});

const allReduce: OpFamily = {
  name: 'all-reduce',
  rows: (rows) => rows.filter((r) => r.op === 'all_reduce'),
  group: (r) => `${r.bytes}`,
  params: [
    { name: 'latencyUs', from: 0.5, to: 60, log: true },
    { name: 'ringLatencyUs', from: 1, to: 200, log: true },
    { name: 'busEfficiency', from: 0.02, to: 1.5, log: true },
    { name: 'peerLatencyUs', from: 0, to: 10 },
    { name: 'oneShotMaxBytes', from: 65536, to: 2 ** 30, log: true },
    { name: 'busScaling', from: 0, to: 3 },
  ],
  model: (gpu, p) => {
    const rates = ratesWith(gpu, { allReduce: p as GpuCalibration['allReduce'] }, 'bf16');
    return (r) => allReduceMs(rates, r.bytes!, r.gpus!);
  },
  describe: (r) => `${r.gpus} GPUs, ${r.bytes} B`,
};

const FAMILIES = [
  gemmFamily('bf16'),
  gemmFamily('fp8'),
  gemmFamily('fp4'),
  contextAttention,
  decodeAttention('bf16'),
  decodeAttention('fp8'),
  allReduce,
];

// ---- split, fit, error ----

function split(family: OpFamily, rows: Row[]): { fit: Row[]; heldOut: Row[] } {
  const groups = [...new Set(rows.map(family.group))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const heldGroups = new Set(groups.filter((_, i) => i % 2 === 1));
  return {
    fit: rows.filter((r) => !heldGroups.has(family.group(r))),
    heldOut: rows.filter((r) => heldGroups.has(family.group(r))),
  };
}

function loss(family: OpFamily, gpu: GpuSpec, p: Params, rows: Row[]): number {
  const predict = family.model(gpu, p);
  const errors = rows.map((r) => Math.abs(Math.log(predict(r) / r.ms)));
  // The all-reduce has a few dozen points over three GPU counts: a median would leave a GPU
  // count free to be fitted badly, so its loss is the mean.
  return family.name === 'all-reduce' ? errors.reduce((sum, e) => sum + e, 0) / errors.length : median(errors);
}

/**
 * Coarse grid over every parameter (geometric for `log` ones), then rounds of coordinate
 * refinement around the best point with a shrinking step: deterministic, and enough for these
 * 2–4 smooth parameters.
 */
function minimise(specs: ParamSpec[], objective: (p: Params) => number): Params {
  // Seven points a parameter, five past five parameters (the grid grows as points^parameters).
  const coarse = specs.length > 5 ? 5 : 7;
  const fromUnit = (s: ParamSpec, u: number) => {
    const c = Math.min(1, Math.max(0, u));
    return s.log ? s.from * Math.pow(s.to / s.from, c) : s.from + (s.to - s.from) * c;
  };
  const evaluate = (u: number[]) => objective(Object.fromEntries(specs.map((s, i) => [s.name, fromUnit(s, u[i])])));
  // The best few grid points, each refined: the loss (a median) has local minima a single
  // refinement can stop in.
  const starts: { u: number[]; l: number }[] = [];
  const keep = 8;
  const walk = (i: number, u: number[]) => {
    if (i === specs.length) {
      const l = evaluate(u);
      // Strictly better only: equal losses keep the earlier point (see tiesHigh).
      if (starts.length < keep || l < starts[starts.length - 1].l) {
        let at = starts.findIndex((s) => l < s.l);
        if (at < 0) at = starts.length;
        starts.splice(at, 0, { u: [...u], l });
        if (starts.length > keep) starts.pop();
      }
      return;
    }
    // Equal losses keep the first point: a parameter that is `tiesHigh` is walked from the top.
    for (let j = 0; j < coarse; j++) walk(i + 1, [...u, (specs[i].tiesHigh ? coarse - 1 - j : j) / (coarse - 1)]);
  };
  walk(0, []);
  let best: { u: number[]; l: number } = { u: [], l: Infinity };
  for (const start of starts) {
    let local = start;
    let step = 1 / (coarse - 1);
    for (let round = 0; round < 6; round++) {
      step /= 2;
      for (let sweep = 0; sweep < 2; sweep++) {
        specs.forEach((_, i) => {
          for (const j of [-2, -1, 1, 2]) {
            const u = [...local.u];
            u[i] = Math.min(1, Math.max(0, u[i] + j * step));
            const l = evaluate(u);
            if (l < local.l) local = { u, l };
          }
        });
      }
    }
    if (local.l < best.l) best = local;
  }
  // Rounded for the catalog; reports use the rounded values.
  const rounded: Params = {};
  specs.forEach((s, i) => {
    const v = fromUnit(s, best.u[i]);
    rounded[s.name] = v >= 20 ? Math.round(v) : v >= 2 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
  });
  return rounded;
}

function fit(family: OpFamily, gpu: GpuSpec, rows: Row[]): Params {
  return fitStaged(family.params, (p) => loss(family, gpu, p, rows));
}

const LATER_TERM_MIN_GAIN = 0.005;

/**
 * The form's first parameters with every `later` term off, then the later terms on top of them
 * (the first ones kept): where a later term does not help, the fit is the one without it.
 */
function fitStaged(specs: ParamSpec[], objective: (p: Params) => number): Params {
  const later = specs.filter((s) => s.later);
  if (later.length === 0) return minimise(specs, objective);
  const off = Object.fromEntries(later.map((s) => [s.name, s.later!.off]));
  const first = minimise(
    specs.filter((s) => !s.later),
    (p) => objective({ ...p, ...off }),
  );
  const both = { ...first, ...minimise(later, (p) => objective({ ...first, ...p })) };
  // Kept only where it lowers the fitted median error by half a point or more: a smaller gain is
  // the median's noise, and would add a term the data does not show.
  return objective({ ...first, ...off }) - objective(both) >= LATER_TERM_MIN_GAIN ? both : { ...first, ...off };
}

interface ErrorRow {
  label: string;
  n: number;
  median: number;
  p90: number;
  worst: number;
  worstAt: string;
  bias: number;
}

function errorRow(label: string, points: { predicted: number; measured: number; at: string }[]): ErrorRow | undefined {
  if (points.length === 0) return undefined;
  const apes = points.map((p) => Math.abs(p.predicted - p.measured) / p.measured);
  let worstIndex = 0;
  apes.forEach((e, i) => {
    if (e > apes[worstIndex]) worstIndex = i;
  });
  const w = points[worstIndex];
  return {
    label,
    n: points.length,
    median: median(apes),
    p90: quantile(apes, 0.9),
    worst: apes[worstIndex],
    worstAt: `${w.at}: ${fmt(w.predicted)} vs ${fmt(w.measured)} ms`,
    bias: median(points.map((p) => p.predicted / p.measured)),
  };
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toPrecision(3) : ms.toPrecision(2));

function table(rows: (ErrorRow | undefined)[], first = 'op'): string {
  const out = [
    `| ${first} | held-out points | median APE | p90 APE | worst APE | median predicted/measured | worst point (predicted vs measured) |`,
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows)
    if (r)
      out.push(
        `| ${r.label} | ${r.n} | ${pct(r.median)} | ${pct(r.p90)} | ${pct(r.worst)} | ${r.bias.toFixed(2)} | ${r.worstAt} |`,
      );
  return out.join('\n') + '\n';
}

// ---- calibration of one GPU ----

/** Rows timed faster than HBM could have streamed them (see streamedBytes). */
function cacheResident(gpu: GpuSpec, row: Row): boolean {
  const bytes = streamedBytes(row);
  return bytes !== undefined && bytes / (row.ms / 1e3) > gpu.hbmBandwidthGBps * 1e9;
}

/**
 * GPUs built on the same die as another: they share its compute-side fit (GEMM compute and fixed
 * costs, attention, all-reduce over the same NVLink/NVSwitch generation) and fit only their
 * memory-side rates (weight and KV streaming). The H200 is the H100's GH100 with HBM3e; fitted
 * apart, noise in the two fits made the H200 slower than the H100 on some small shapes although
 * it is at least as good in every spec.
 */
const SAME_DIE: Record<string, string> = { H200: 'H100-SXM' };
/**
 * GPUs without per-op data that are another's silicon with the same memory (the H800 is the
 * H100 SXM with NVLink cut to 200 GB/s, which the all-reduce prices through the link): `--write`
 * gives them that GPU's fit, keeping their own source line.
 */
const SAME_SILICON: Record<string, string> = { H800: 'H100-SXM' };
/** The FP8 input-quantisation time fitted per GPU (reported, not stored). */
const fittedQuant = new Map<string, number>();
const MEMORY_PARAMS = new Set(['memory', 'rampPairs']);

function calibrate(
  gpu: GpuSpec,
  rows: Row[],
  sibling?: GpuCalibration,
): { calibration: GpuCalibration; report: ErrorRow[]; excluded: Record<string, number> } {
  const fitted: Record<string, Params> = {};
  const report: ErrorRow[] = [];
  const excluded: Record<string, number> = {};
  const decodePoints: { predicted: number; measured: number; at: string }[] = [];
  for (const family of FAMILIES) {
    const all = family.rows(rows);
    const own = all.filter((r) => !cacheResident(gpu, r));
    if (all.length > own.length) excluded[family.name] = all.length - own.length;
    if (own.length === 0) continue;
    const { fit: fitRows, heldOut } = split(family, own);
    const shared = sibling ? siblingParams(sibling, family.name) : undefined;
    const quantizedDtype = family.name === 'gemm fp8' ? 'fp8' : family.name === 'gemm fp4' ? 'fp4' : undefined;
    if (quantizedDtype && fitted['gemm bf16']) {
      const quantized = quantizedGemmFamily(quantizedDtype, fitted['gemm bf16'].overheadUs);
      const key = `${gpu.name}/${quantizedDtype}`;
      const pq = shared
        ? { ...shared, quantUs: fittedQuant.get(`${SAME_DIE[gpu.name]}/${quantizedDtype}`) ?? 0 }
        : undefined;
      const p = pq
        ? {
            ...pq,
            ...minimise(
              quantized.params.filter((q) => MEMORY_PARAMS.has(q.name)),
              (free) => loss(quantized, gpu, { ...pq, ...free }, fitRows),
            ),
          }
        : fit(quantized, gpu, fitRows);
      fittedQuant.set(key, p.quantUs);
      fitted[family.name] = { ...p, overheadUs: fitted['gemm bf16'].overheadUs };
      const predict = quantized.model(gpu, p);
      const row = errorRow(
        family.name,
        heldOut.map((r) => ({ predicted: predict(r), measured: r.ms, at: family.describe(r) })),
      );
      const quantNote = `+ the database's separate input quantisation, ${p.quantUs} µs and a pass over the input, not charged by the model`;
      if (row) report.push({ ...row, label: `${family.name} (fit on ${fitRows.length}; ${quantNote})` });
      continue;
    }
    const p = shared
      ? {
          ...shared,
          ...fitStaged(
            family.params.filter((q) => MEMORY_PARAMS.has(q.name)),
            (free) => loss(family, gpu, { ...shared, ...free }, fitRows),
          ),
        }
      : fit(family, gpu, fitRows);
    fitted[family.name] = p;
    const predict = family.model(gpu, p);
    const points = heldOut.map((r) => ({
      predicted: predict(r),
      measured: r.ms,
      at: `${family.describe(r)}, KV ${r.dtype}`,
    }));
    if (family.name.startsWith('decode attention')) decodePoints.push(...points);
    const row = errorRow(family.name, points);
    if (row) report.push({ ...row, label: `${family.name} (fit on ${fitRows.length})` });
  }
  // Both KV dtypes together, as the earlier single decode-attention fit was reported.
  const pooled = fitted['decode attention, FP8 KV']
    ? errorRow('decode attention, BF16 and FP8 KV together', decodePoints)
    : undefined;
  if (pooled) report.push(pooled);
  const gemm: GpuCalibration['gemm'] = {};
  for (const dtype of ['bf16', 'fp8', 'fp4'] as const) {
    const p = fitted[`gemm ${dtype}`];
    // A tile rate past the HBM rate of the narrowest tested GEMM (8 tile columns) never limits.
    const tileLimits = p && p.tileGBps * 8 < gpu.hbmBandwidthGBps * p.memory;
    if (p)
      gemm[dtype] = {
        compute: p.compute,
        memory: p.memory,
        overheadUs: p.overheadUs,
        ...(tileLimits ? { tileGBps: p.tileGBps } : {}),
      };
  }
  // A per-pair rate at the top of its range never limited the fitted shapes: no limit is stored;
  // nor a large-KV step of no cost or past every fitted shape.
  const decode = (p: Params | undefined) => {
    if (!p) return undefined;
    const { pairGBps, largeKvUs, largeKvMB, ...rest } = p;
    return {
      ...rest,
      ...(pairGBps < 4000 ? { pairGBps } : {}),
      ...(largeKvUs > 0 && largeKvMB < 4000 ? { largeKvUs, largeKvMB } : {}),
    } as unknown as GpuCalibration['decodeAttention'];
  };
  const fp8Kv = decode(fitted['decode attention, FP8 KV']);
  const calibration: GpuCalibration = {
    source: SOURCE,
    gemm,
    prefillAttention: fitted['prefill attention'] as GpuCalibration['prefillAttention'],
    decodeAttention: { ...decode(fitted['decode attention'])!, ...(fp8Kv ? { fp8Kv } : {}) },
    allReduce: fitted['all-reduce'] as GpuCalibration['allReduce'],
  };
  return { calibration, report, excluded };
}

/** A sibling's fitted parameters of one op family, as the family's parameter record. */
function siblingParams(c: GpuCalibration, family: string): Params | undefined {
  if (family.startsWith('gemm '))
    return c.gemm[family.slice(5) as 'bf16' | 'fp8' | 'fp4'] as unknown as Params | undefined;
  if (family === 'prefill attention') return c.prefillAttention as unknown as Params;
  if (family === 'decode attention') {
    const { fp8Kv: _fp8, ...bf16 } = c.decodeAttention;
    return bf16 as unknown as Params;
  }
  if (family === 'decode attention, FP8 KV') return c.decodeAttention.fp8Kv as unknown as Params | undefined;
  return c.allReduce as unknown as Params;
}

// ---- the calibrated model against our own measurements ----

function measuredOps(gpu: GpuSpec, rows: Row[]): (ErrorRow | undefined)[] {
  const rates = (dtype: 'bf16' | 'fp8') => hardwareRates(gpu, dtype, LINK_OF(gpu));
  const groups: Record<string, { predicted: number; measured: number; at: string }[]> = {};
  for (const r of rows) {
    let predicted: number;
    let label: string;
    if (r.op === 'gemm') {
      predicted = gemmMs(rates(r.dtype as 'bf16' | 'fp8'), r.m!, r.n!, r.k!, GEMM_WEIGHT_BYTES[r.dtype]);
      label = `gemm ${r.dtype}`;
    } else if (r.op === 'decode_attention') {
      predicted = decodeAttentionMs(
        hardwareRates(gpu, 'bf16', LINK_OF(gpu), r.dtype as 'bf16' | 'fp8'),
        r.batch!,
        r.context!,
        r.heads!,
        r.kv_heads!,
        r.head_dim!,
        KV_BYTES[r.dtype],
      );
      label = 'decode attention';
    } else if (r.op === 'hbm_read') {
      predicted = (1e3 * r.bytes!) / rates('bf16').kvBytesPerSec;
      label = 'HBM read (KV streaming rate)';
    } else continue;
    (groups[label] ??= []).push({
      predicted,
      measured: r.ms,
      at:
        r.op === 'gemm'
          ? `m=${r.m} n=${r.n} k=${r.k}`
          : r.op === 'hbm_read'
            ? `${r.bytes} B`
            : `batch ${r.batch} × ${r.context}, ${r.heads}/${r.kv_heads} heads`,
    });
  }
  return Object.entries(groups).map(([label, points]) => errorRow(label, points));
}

/**
 * Our op measurements as a source of their own (PyTorch's kernels: F.linear, torch._scaled_mm on
 * FP8 inputs, SDPA): each op family fitted to half of its shapes, the error on the other half.
 */
function measuredOpsOwnFit(gpu: GpuSpec, rows: Row[]): string {
  const families = [gemmFamily('bf16'), gemmFamily('fp8'), decodeAttention('bf16')];
  const report: ErrorRow[] = [];
  const fits: string[] = [];
  for (const family of families) {
    const own = family.rows(rows);
    if (own.length === 0) continue;
    const { fit: fitRows, heldOut } = split(family, own);
    const p = fit(family, gpu, fitRows);
    fits.push(`${family.name} ${JSON.stringify(p)}`);
    const predict = family.model(gpu, p);
    const row = errorRow(
      `${family.name} (fit on ${fitRows.length})`,
      heldOut.map((r) => ({ predicted: predict(r), measured: r.ms, at: family.describe(r) })),
    );
    if (row) report.push(row);
  }
  return `Fitted: ${fits.map((f) => '`' + f + '`').join('; ')}\n\n` + table(report);
}

interface ProfilePoint {
  file: string;
  label: string;
  op: 'prefill' | 'decode';
  tp: number;
  outer: number;
  inner: number;
  ms: number;
  heldOut: boolean;
}

/** Our whole-model profiles per GPU; within each (TP, history) or (TP, batch) row the points alternate fit / held out. */
interface ProfileSet {
  gpuName: string;
  points: ProfilePoint[];
  models: Map<string, ModelSpec>;
}

function loadProfiles(gpus: Map<string, GpuSpec>): Map<string, ProfileSet> {
  const sets = new Map<string, ProfileSet>();
  for (const file of readdirSync(PROFILE_DIR)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    const gpuName = GPU_BY_PROFILE_PREFIX[file.split('-')[0]];
    if (!gpuName || !gpus.has(gpuName)) continue;
    const { profile } = parseProfile(readFileSync(path.join(PROFILE_DIR, file), 'utf8'), file);
    const model = profile && findModel((profile.metadata.model ?? '').replace(/^.*\//, ''));
    if (!profile || !model) continue;
    const fused = /fused/.test(profile.metadata.elementwise ?? '');
    const label = `${file.replace(/\.csv$/, '')} (${profile.metadata.date?.slice(0, 10) ?? '?'}, ${fused ? 'fused, split-KV profiler' : 'eager profiler'})`;
    // Each profiler generation is an engine of its own (eager vs fused kernels, NCCL all-reduces): fitted apart.
    const setKey = `${gpuName}, ${fused ? 'fused profiler' : 'eager profiler'}`;
    const set = sets.get(setKey) ?? { gpuName, points: [], models: new Map<string, ModelSpec>() };
    sets.set(setKey, set);
    set.models.set(file, model);
    const rows = new Map<string, ProfilePoint[]>();
    const add = (point: Omit<ProfilePoint, 'heldOut'>) => {
      const key = `${point.op}/${point.tp}/${point.outer}`;
      rows.set(key, [...(rows.get(key) ?? []), { ...point, heldOut: false }]);
    };
    for (const s of profile.prefill)
      add({ file, label, op: 'prefill', tp: s.tp, outer: s.history, inner: s.tokens, ms: s.ms });
    for (const s of profile.decode)
      add({ file, label, op: 'decode', tp: s.tp, outer: s.batch, inner: s.context, ms: s.ms });
    for (const row of rows.values()) {
      row.sort((a, b) => a.inner - b.inner);
      row.forEach((p, i) => set.points.push({ ...p, heldOut: i % 2 === 1 }));
    }
  }
  return sets;
}

function profilePredictor(gpu: GpuSpec, models: Map<string, ModelSpec>): (p: ProfilePoint) => number {
  const analytic = new Map<string, AnalyticModel>();
  for (const [file, model] of models)
    analytic.set(file, new AnalyticModel(model, gpu, { intraNode: LINK_OF(gpu), stepOverheadMs: 0 }));
  return (p) => {
    const m = analytic.get(p.file)!;
    return p.op === 'prefill' ? m.prefillMs(p.outer, p.inner, p.tp) : m.decodeStepMs(p.outer, p.outer * p.inner, p.tp);
  };
}

/**
 * The rates a whole-model profile pins down, set on top of an engine calibration: GEMM compute
 * and weight streaming, prefill attention, KV streaming, and (profiles at TP > 1) the all-reduce
 * latency of the profiler's own all-reduce.
 */
function withProfileRates(gpu: GpuSpec, p: Params): GpuSpec {
  const c = gpu.calibration!;
  const allReduce =
    p.allReduceUs === undefined
      ? c.allReduce
      : { ...c.allReduce, latencyUs: p.allReduceUs, ringLatencyUs: Math.max(c.allReduce.ringLatencyUs, p.allReduceUs) };
  return {
    ...gpu,
    calibration: {
      ...c,
      gemm: { ...c.gemm, bf16: { ...c.gemm.bf16!, compute: p.gemmCompute, memory: p.gemmMemory } },
      prefillAttention: { ...c.prefillAttention, compute: p.attentionCompute },
      decodeAttention: { ...c.decodeAttention, memory: p.kvMemory },
      allReduce,
    },
  };
}

function profileRows(points: ProfilePoint[], predict: (p: ProfilePoint) => number): string[] {
  const out: string[] = [];
  for (const label of [...new Set(points.map((p) => p.label))]) {
    for (const op of ['prefill', 'decode'] as const) {
      const own = points.filter((p) => p.label === label && p.op === op);
      const r = errorRow(
        `${label} ${op}`,
        own.map((p) => ({
          predicted: predict(p),
          measured: p.ms,
          at: `TP${p.tp} ${op === 'prefill' ? `h=${p.outer} n=${p.inner}` : `b=${p.outer} c=${p.inner}`}`,
        })),
      );
      if (r)
        out.push(
          `| ${r.label} | ${r.n} | ${pct(r.median)} | ${pct(r.p90)} | ${pct(r.worst)} | ${r.bias.toFixed(2)} | ${r.worstAt} |`,
        );
    }
  }
  return out;
}

function profileErrors(gpus: Map<string, GpuSpec>): string {
  const header = (points: string) => [
    `| profile / op | ${points} | median APE | p90 APE | worst APE | median predicted/measured | worst point (predicted vs measured) |`,
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  const out: string[] = [];
  for (const [setName, set] of loadProfiles(gpus)) {
    const engine = gpus.get(set.gpuName)!;
    out.push(
      `#### ${setName}: the engine-calibrated model (no profile point fitted)\n`,
      ...header('points'),
      ...profileRows(set.points, profilePredictor(engine, set.models)),
      '',
    );
    const fitPoints = set.points.filter((p) => !p.heldOut);
    const specs: OpFamily['params'] = [
      { name: 'gemmCompute', from: 0.3, to: 1 },
      { name: 'gemmMemory', from: 0.3, to: 1 },
      { name: 'attentionCompute', from: 0.1, to: 1 },
      { name: 'kvMemory', from: 0.3, to: 1 },
      ...(set.points.some((q) => q.tp > 1) ? [{ name: 'allReduceUs', from: 1, to: 60, log: true }] : []),
    ];
    const p = minimise(specs, (params) => {
      const predict = profilePredictor(withProfileRates(engine, params), set.models);
      let total = 0;
      for (const op of ['prefill', 'decode'] as const)
        total += median(fitPoints.filter((q) => q.op === op).map((q) => Math.abs(Math.log(predict(q) / q.ms))));
      return total;
    });
    out.push(
      `#### ${setName}: the model with its rates fitted to half of these profiles (${fitPoints.length} points), held-out half\n`,
      `Fitted: BF16 GEMM compute ${p.gemmCompute}, weight streaming ${p.gemmMemory}, prefill attention ${p.attentionCompute}, KV streaming ${p.kvMemory}` +
        (p.allReduceUs === undefined ? '' : `, all-reduce latency ${p.allReduceUs} µs`) +
        ` (the engine fit: ${engine.calibration!.gemm.bf16!.compute}, ${engine.calibration!.gemm.bf16!.memory}, ${engine.calibration!.prefillAttention.compute}, ${engine.calibration!.decodeAttention.memory}` +
        (p.allReduceUs === undefined ? '' : `, ${engine.calibration!.allReduce.latencyUs} µs`) +
        ').\n',
      ...header('held-out points'),
      ...profileRows(
        set.points.filter((q) => q.heldOut),
        profilePredictor(withProfileRates(engine, p), set.models),
      ),
      '',
    );
  }
  return out.join('\n') + '\n';
}

/** Replaces the `calibration` of one gpus.json entry (and drops fitted top-level efficiencies). */
function writeCalibration(entries: Record<string, unknown>[], gpuName: string, calibration: GpuCalibration): void {
  const entry = entries.find((e) => e.name === gpuName);
  if (!entry) throw new Error(`catalog/gpus.json has no entry '${gpuName}'`);
  delete entry.computeEfficiency;
  delete entry.memoryEfficiency;
  if (typeof entry.source === 'string')
    entry.source = entry.source.replace(
      / computeEfficiency\/memoryEfficiency fitted to catalog\/profiles.*?\(docs\/calibration\.md\)\./,
      '',
    );
  entry.calibration = calibration;
}

function main(): void {
  const write = process.argv.includes('--write');
  const entries = JSON.parse(readFileSync('catalog/gpus.json', 'utf8')) as Record<string, unknown>[];
  const calibrated = new Map<string, GpuSpec>();
  const out: string[] = [];
  const files = readdirSync(REFERENCE_DIR)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  // Dies first, so that a GPU sharing one finds its fit.
  files.sort((a, b) => Number(a.replace(/\.csv$/, '') in SAME_DIE) - Number(b.replace(/\.csv$/, '') in SAME_DIE));
  for (const file of files) {
    const gpuName = file.replace(/\.csv$/, '');
    const base = findGpu(gpuName);
    if (!base) throw new Error(`${file}: GPU '${gpuName}' is not in catalog/gpus.json`);
    const sibling = SAME_DIE[gpuName] ? calibrated.get(SAME_DIE[gpuName])?.calibration : undefined;
    const { calibration, report, excluded } = calibrate(base, readRows(path.join(REFERENCE_DIR, file)), sibling);
    if (sibling)
      out.push(
        `### ${gpuName} shares the compute-side fit of the ${SAME_DIE[gpuName]} (same die) and fits only its weight and KV streaming rates\n`,
      );
    const gpu: GpuSpec = { ...base, computeEfficiency: undefined, memoryEfficiency: undefined, calibration };
    calibrated.set(gpuName, gpu);
    out.push(`### ${gpuName}: TensorRT-LLM per-op data, held-out shapes\n`);
    out.push('Fitted: `' + JSON.stringify(calibration, (k, v) => (k === 'source' ? undefined : v)) + '`\n');
    out.push(table(report));
    const left = Object.entries(excluded)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    if (left) out.push(`Left out as served from cache (faster than the HBM peak could stream them): ${left} rows.\n`);
    const measuredFile = path.join(MEASURED_DIR, file);
    if (existsSync(measuredFile)) {
      out.push(
        `Our op measurements on the ${gpuName} (${measuredFile}, none fitted), against the model calibrated above:\n`,
      );
      out.push(table(measuredOps(gpu, readRows(measuredFile))));
      out.push(
        `The model fitted to half of our op measurements on the ${gpuName} (per op family, split by shape as above), held-out half:\n`,
      );
      out.push(measuredOpsOwnFit(base, readRows(measuredFile)));
    }
    if (write) writeCalibration(entries, gpuName, calibration);
  }
  if (write) {
    for (const [copy, of] of Object.entries(SAME_SILICON)) {
      const entry = entries.find((e) => e.name === copy);
      const fit = calibrated.get(of)?.calibration;
      if (!entry || !fit) continue;
      const source = (entry.calibration as GpuCalibration | undefined)?.source ?? `${of}'s fit (the same silicon)`;
      entry.calibration = { ...fit, source };
    }
  }
  out.push('### Whole-model profiles (catalog/profiles), perf.stepOverheadMs = 0\n');
  out.push(profileErrors(calibrated));
  process.stdout.write(out.join('\n'));
  if (write) {
    // One key per line, each value on one line: the file stays readable and diffs stay small.
    const entryText = (e: Record<string, unknown>) =>
      '  {\n' +
      Object.entries(e)
        .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
        .join(',\n') +
      '\n  }';
    const text = '[\n' + entries.map(entryText).join(',\n') + '\n]\n';
    writeFileSync('catalog/gpus.json', text);
    process.stdout.write('\nwrote the fitted calibrations to catalog/gpus.json\n');
  }
}

main();
