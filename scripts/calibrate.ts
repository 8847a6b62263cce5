// Fits the analytical performance model's efficiency factors (computeEfficiency η_c and
// memoryEfficiency η_m) of each GPU to the measured profiles in catalog/profiles, and reports the
// error on points held out of the fit (docs/calibration.md).
//
//   node --import tsx scripts/calibrate.ts            print the report (markdown)
//   node --import tsx scripts/calibrate.ts --write    also store the fitted factors in catalog/gpus.json
//
// Split: within each measured row (prefill: one TP and history; decode: one TP and batch size) the
// points sorted along the other axis alternate fit, held-out, fit, … so held-out points lie
// between fitted ones and every row has both. The profiles time GPU work only (CUDA-graph
// replays), so the comparison runs the analytical model with perf.stepOverheadMs = 0; its
// per-kernel fixed costs stay, they are GPU time.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AnalyticModel, parseProfile, type MeasuredProfile } from '../src/core/perf';
import { DEFAULTS } from '../src/core/spec/defaults';
import { findGpu, findModel } from '../src/core/spec/catalog';
import type { GpuSpec, LinkSpec, ModelSpec } from '../src/core/spec/types';

const PROFILE_DIR = 'catalog/profiles';
const GPU_BY_PREFIX: Record<string, string> = { h100: 'H100-SXM', h200: 'H200' };
const GRID = { from: 0.3, to: 1.2, step: 0.01 };
/** What the model used for H100/H200 before calibration (constants.ts). */
const UNCALIBRATED = { computeEfficiency: 0.6, memoryEfficiency: 0.8 };
const CALIBRATION_NOTE = 'computeEfficiency/memoryEfficiency fitted to catalog/profiles by scripts/calibrate.ts (docs/calibration.md).';

type Op = 'prefill' | 'decode' | 'kv_copy';
type Factors = { computeEfficiency: number; memoryEfficiency: number };

interface Point {
  file: string;
  op: Op;
  tp: number;
  /** prefill: history, decode: batch, kv_copy: 0. */
  outer: number;
  /** prefill: new tokens, decode: context per sequence, kv_copy: tokens. */
  inner: number;
  ms: number;
  heldOut: boolean;
  /** kv_copy measured between two GPUs (comparable with the link model); intra-GPU copies are not. */
  crossGpu: boolean;
}

interface ProfileSet {
  gpu: GpuSpec;
  models: Map<string, ModelSpec>;
  points: Point[];
}

function modelOf(profile: MeasuredProfile, file: string): ModelSpec {
  const id = profile.metadata.model ?? '';
  const model = findModel(id.replace(/^.*\//, ''));
  if (!model) throw new Error(`${file}: model '${id}' is not in catalog/models.json`);
  return model;
}

type Sample = { tp: number; outer: number; inner: number; ms: number };

function splitRows(file: string, op: Op, samples: Sample[], crossGpu: boolean): Point[] {
  const rows = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.tp}/${s.outer}`;
    const row = rows.get(key);
    if (row) row.push(s);
    else rows.set(key, [s]);
  }
  const points: Point[] = [];
  for (const row of rows.values()) {
    row.sort((a, b) => a.inner - b.inner);
    row.forEach((s, index) => points.push({ file, op, ...s, heldOut: index % 2 === 1, crossGpu }));
  }
  return points;
}

function loadProfiles(): Map<string, ProfileSet> {
  const sets = new Map<string, ProfileSet>();
  for (const file of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.csv')).sort()) {
    const gpuName = GPU_BY_PREFIX[file.split('-')[0]];
    if (!gpuName) continue;
    const { profile, diagnostics } = parseProfile(readFileSync(path.join(PROFILE_DIR, file), 'utf8'), file);
    if (!profile) throw new Error(diagnostics.map((d) => d.message).join('\n'));
    const gpu = findGpu(gpuName);
    if (!gpu) throw new Error(`GPU '${gpuName}' is not in catalog/gpus.json`);
    const set = sets.get(gpuName) ?? { gpu, models: new Map<string, ModelSpec>(), points: [] };
    sets.set(gpuName, set);
    set.models.set(file, modelOf(profile, file));
    const crossGpu = /GPU 0 -> GPU 1/.test(profile.metadata['kv_copy'] ?? '');
    set.points.push(
      ...splitRows(file, 'prefill', profile.prefill.map((s) => ({ tp: s.tp, outer: s.history, inner: s.tokens, ms: s.ms })), false),
      ...splitRows(file, 'decode', profile.decode.map((s) => ({ tp: s.tp, outer: s.batch, inner: s.context, ms: s.ms })), false),
      ...splitRows(file, 'kv_copy', profile.kvCopy.map((s) => ({ tp: s.tp, outer: 0, inner: s.tokens, ms: s.ms })), crossGpu),
    );
  }
  return sets;
}

/** Analytical prediction of every point under the given factors. */
function predictor(set: ProfileSet, factors: Factors): (p: Point) => number {
  const gpu: GpuSpec = { ...set.gpu, ...factors };
  const link: LinkSpec = { bandwidthGBps: gpu.nvlinkBandwidthGBps, latencyUs: DEFAULTS.intraNodeLatencyUs };
  const analytic = new Map<string, AnalyticModel>();
  for (const [file, model] of set.models) analytic.set(file, new AnalyticModel(model, gpu, { intraNode: link, stepOverheadMs: 0 }));
  return (p) => {
    const m = analytic.get(p.file) as AnalyticModel;
    if (p.op === 'prefill') return m.prefillMs(p.outer, p.inner, p.tp);
    if (p.op === 'decode') return m.decodeStepMs(p.outer, p.outer * p.inner, p.tp);
    return m.kvTransferMs(p.inner, link, p.tp, p.tp);
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Sum over prefill and decode of the median |log(predicted/measured)| of the fitted points: the
 * median is what the report judges, and the log weighs over- and under-estimates alike.
 */
function loss(points: Point[], predict: (p: Point) => number): number {
  let total = 0;
  for (const op of ['prefill', 'decode'] as const) {
    total += median(points.filter((p) => p.op === op).map((p) => Math.abs(Math.log(predict(p) / p.ms))));
  }
  return total;
}

function fit(set: ProfileSet): Factors {
  const fitPoints = set.points.filter((p) => !p.heldOut && p.op !== 'kv_copy');
  let best = { factors: UNCALIBRATED, loss: Infinity };
  const steps = Math.round((GRID.to - GRID.from) / GRID.step);
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; j <= steps; j++) {
      const factors = { computeEfficiency: +(GRID.from + i * GRID.step).toFixed(2), memoryEfficiency: +(GRID.from + j * GRID.step).toFixed(2) };
      const l = loss(fitPoints, predictor(set, factors));
      if (l < best.loss) best = { factors, loss: l };
    }
  }
  return best.factors;
}

interface ErrorRow {
  label: string;
  n: number;
  median: number;
  worst: number;
  worstAt: string;
  bias: number;
}

function where(p: Point): string {
  return p.op === 'prefill' ? `h=${p.outer} n=${p.inner}` : p.op === 'decode' ? `b=${p.outer} c=${p.inner}` : `n=${p.inner}`;
}

function errors(label: string, points: Point[], predict: (p: Point) => number): ErrorRow | undefined {
  if (points.length === 0) return undefined;
  let worst = -1;
  let worstAt = '';
  const apes: number[] = [];
  const ratios: number[] = [];
  for (const p of points) {
    const predicted = predict(p);
    const e = Math.abs(predicted - p.ms) / p.ms;
    apes.push(e);
    ratios.push(predicted / p.ms);
    if (e > worst) {
      worst = e;
      worstAt = `${p.file.replace(/\.csv$/, '')} ${where(p)}: ${predicted.toPrecision(3)} vs ${p.ms} ms`;
    }
  }
  return { label, n: points.length, median: median(apes), worst, worstAt, bias: median(ratios) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function report(set: ProfileSet, factors: Factors): string {
  const predict = predictor(set, factors);
  const chosen = set.points.filter((p) => p.heldOut && (p.op !== 'kv_copy' || p.crossGpu));
  const rows: (ErrorRow | undefined)[] = [];
  for (const op of ['prefill', 'decode', 'kv_copy'] as const) rows.push(errors(`**all ${op}**`, chosen.filter((p) => p.op === op), predict));
  for (const file of set.models.keys()) {
    for (const op of ['prefill', 'decode', 'kv_copy'] as const) {
      const own = chosen.filter((p) => p.file === file && p.op === op);
      for (const tp of [...new Set(own.map((p) => p.tp))].sort((a, b) => a - b)) {
        rows.push(errors(`${file.replace(/\.csv$/, '')} TP ${tp} ${op}`, own.filter((p) => p.tp === tp), predict));
      }
    }
  }
  const lines = [
    `η_c = ${factors.computeEfficiency}, η_m = ${factors.memoryEfficiency}`,
    '',
    '| profile / op | held-out points | median APE | worst APE | median predicted/measured | worst point (predicted vs measured) |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    if (r) lines.push(`| ${r.label} | ${r.n} | ${pct(r.median)} | ${pct(r.worst)} | ${r.bias.toFixed(2)} | ${r.worstAt} |`);
  }
  return lines.join('\n') + '\n';
}

/** Sets computeEfficiency/memoryEfficiency of one gpus.json entry, keeping the file's layout. */
function writeFactors(text: string, gpuName: string, factors: Factors): string {
  const start = text.indexOf(`"name": "${gpuName}"`);
  if (start < 0) throw new Error(`catalog/gpus.json has no entry '${gpuName}'`);
  const end = text.indexOf('}', start);
  let entry = text.slice(start, end).replace(/\n\s*"(computeEfficiency|memoryEfficiency)": [0-9.]+,/g, '');
  const indent = /\n(\s*)"source"/.exec(entry)?.[1] ?? '    ';
  entry = entry.replace(
    /\n(\s*)"source"/,
    `\n${indent}"computeEfficiency": ${factors.computeEfficiency},\n${indent}"memoryEfficiency": ${factors.memoryEfficiency},\n${indent}"source"`,
  );
  if (!entry.includes(CALIBRATION_NOTE)) entry = entry.replace(/("source": ".*?)"(\s*)$/, `$1 ${CALIBRATION_NOTE}"$2`);
  return text.slice(0, start) + entry + text.slice(end);
}

function main(): void {
  const write = process.argv.includes('--write');
  let gpusJson = readFileSync('catalog/gpus.json', 'utf8');
  const out: string[] = [];
  for (const [gpuName, set] of loadProfiles()) {
    const fitted = fit(set);
    const fittedCount = set.points.filter((p) => !p.heldOut && p.op !== 'kv_copy').length;
    const heldCount = set.points.filter((p) => p.heldOut && p.op !== 'kv_copy').length;
    out.push(`### ${gpuName} (${[...set.models.keys()].join(', ')}; prefill + decode: ${fittedCount} points fitted, ${heldCount} held out)\n`);
    out.push(`Fitted factors, held-out error:\n\n${report(set, fitted)}`);
    out.push(`Uncalibrated factors, same held-out points:\n\n${report(set, UNCALIBRATED)}`);
    if (write) gpusJson = writeFactors(gpusJson, gpuName, fitted);
  }
  process.stdout.write(out.join('\n'));
  if (write) {
    writeFileSync('catalog/gpus.json', gpusJson);
    process.stdout.write('\nwrote the fitted factors to catalog/gpus.json\n');
  }
}

main();
