/**
 * Pure view-model logic of the panels: no DOM, no Chart.js, so it runs (and is unit-tested) in Node.
 */
import type { Candidate } from '../core/plan/types';
import type { Measurement, Percentiles, SimMetrics } from '../core/sim/types';
import type { Deployment, ReplicaGroup } from '../core/spec/types';
import { formatDeployment } from '../core/spec/deployment';
import { perGpuFigures } from '../core/cost/perGpu';

export type GpuRole = 'prefill' | 'decode' | 'colocated' | 'idle';

export interface GpuCell {
  role: GpuRole;
  /** The simulator's worker id, e.g. `P0` (first prefill replica); empty for idle GPUs. */
  replica: string;
  tp: number;
  /** Expert-parallel replicas: the shape (`EP32`) the GPU belongs to; its `replica` is the DP-attention rank's worker id. */
  shape?: string;
}

export interface ClusterLayout {
  /** One row per node, `gpusPerNode` cells each. */
  nodes: GpuCell[][];
  /** Replicas that could not be placed (more GPUs than the cluster has). */
  unplaced: string[];
  used: number;
  total: number;
}

/**
 * Places replicas onto nodes as the simulator does (src/core/sim/engine.ts): prefill replicas
 * first, then decode, in the order the deployment lists them, each inside one node (the next node
 * when it does not fit the rest of this one). Names are the simulator's worker ids (P0, D0, C0), so
 * the GPU grid, the worker table and the charts name a replica the same way. A TP wider than a
 * node (which the simulator refuses) is drawn across whole free nodes.
 */
export function layoutCluster(
  nodeCount: number,
  gpusPerNode: number,
  deployment: Deployment | undefined,
): ClusterLayout {
  const nodes: GpuCell[][] = Array.from({ length: nodeCount }, () =>
    Array.from({ length: gpusPerNode }, () => ({ role: 'idle' as GpuRole, replica: '', tp: 0 })),
  );
  interface Placed {
    role: GpuRole;
    name: string;
    tp: number;
    /** Expert-parallel: worker ids of the ranks, one per `attentionTp` GPUs, from `firstRank`. */
    ep?: { prefix: string; firstRank: number; attentionTp: number; shape: string };
  }
  const replicas: Placed[] = [];
  const add = (role: GpuRole, prefix: string, groups: ReplicaGroup[] | undefined) => {
    let index = 0;
    for (const group of groups ?? []) {
      for (let r = 0; r < group.dp; r++) {
        if (group.ep) {
          // The simulator runs each data-parallel attention rank as a worker of its own.
          const attentionTp = group.attentionTp ?? 1;
          const shape = attentionTp > 1 ? `EP${group.tp}/TP${attentionTp}` : `EP${group.tp}`;
          replicas.push({
            role,
            name: `${prefix}${index}`,
            tp: group.tp,
            ep: { prefix, firstRank: index, attentionTp, shape },
          });
          index += group.tp / attentionTp;
        } else replicas.push({ role, name: `${prefix}${index++}`, tp: group.tp });
      }
    }
  };
  if (deployment?.kind === 'colocated') add('colocated', 'C', deployment.colocated);
  else if (deployment) {
    add('prefill', 'P', deployment.prefill);
    add('decode', 'D', deployment.decode);
  }
  const unplaced: string[] = [];
  let used = 0;
  const fill = (node: number, from: number, count: number, replica: Placed, offset = 0) => {
    for (let g = from; g < from + count; g++) {
      const ep = replica.ep;
      nodes[node][g] = ep
        ? {
            role: replica.role,
            replica: `${ep.prefix}${ep.firstRank + Math.floor((offset + g - from) / ep.attentionTp)}`,
            tp: replica.tp,
            shape: ep.shape,
          }
        : { role: replica.role, replica: replica.name, tp: replica.tp };
    }
    used += count;
  };
  const cursor = { node: 0, used: 0 };
  for (const r of replicas) {
    if (r.tp > gpusPerNode) {
      const whole = Math.ceil(r.tp / gpusPerNode);
      const start = cursor.used === 0 ? cursor.node : cursor.node + 1;
      if (start + whole > nodeCount) {
        unplaced.push(r.name);
        continue;
      }
      let left = r.tp;
      for (let n = start; n < start + whole; n++) {
        fill(n, 0, Math.min(left, gpusPerNode), r, r.tp - left);
        left -= gpusPerNode;
      }
      cursor.node = start + whole - 1;
      cursor.used = gpusPerNode;
      continue;
    }
    let node = cursor.node;
    let from = cursor.used;
    if (from + r.tp > gpusPerNode) {
      node += 1;
      from = 0;
    }
    if (node >= nodeCount) {
      unplaced.push(r.name);
      continue;
    }
    fill(node, from, r.tp, r);
    cursor.node = node;
    cursor.used = from + r.tp;
  }
  return { nodes, unplaced, used, total: nodeCount * gpusPerNode };
}

export const PERCENTILE_KEYS = ['p50', 'p90', 'p95', 'p99', 'max'] as const;

/** Bars of a latency distribution, in the order a reader scans them. */
export function percentileBars(p: Percentiles): { labels: string[]; values: number[] } {
  return { labels: PERCENTILE_KEYS.map((k) => k.toUpperCase()), values: PERCENTILE_KEYS.map((k) => p[k]) };
}

export type Better = 'higher' | 'lower' | 'none';

export interface ComparisonMetric {
  label: string;
  better: Better;
  value: (m: SimMetrics) => number;
  format: (v: number) => string;
}

export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
export const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
export const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

export const CANDIDATE_COLUMNS = [
  'Rank',
  'Deployment',
  'GPUs',
  'Attainment',
  'Turn-1',
  'Turn-2+',
  'TTFT P95',
  'ITL P95',
  'Local prefill',
  'Goodput',
  'Out tok/s/GPU',
  'Headroom (sessions/s)',
];
/** Position of the attainment cell, which the panel colours against the target. */
export const CANDIDATE_ATTAINMENT_COLUMN = 3;

/**
 * What the planner may add to a candidate (statistical ties, headroom, why a run is unstable); all
 * optional, so results from planners without them still render.
 */
export interface CandidateExtras {
  tiedWith?: number[];
  meetsTarget?: boolean;
  headroom?: { ratePerSec: number; ci95: [number, number]; isLowerBound: boolean };
  predicted: Candidate['predicted'] & {
    unstableReason?: string;
    measurement?: Measurement;
    goodputCi95?: [number, number];
  };
}
export const extras = (c: Candidate): Candidate & CandidateExtras => c as Candidate & CandidateExtras;

/** Highest rate at which the layout still meets the target: `≥ 6.2` when the search stopped growing, else `4.1 [3.9–4.4]`. */
export function headroomText(c: Candidate): string {
  const h = extras(c).headroom;
  if (!h) return '—';
  return h.isLowerBound
    ? `≥ ${tickLabel(h.ratePerSec)}`
    : `${tickLabel(h.ratePerSec)} [${tickLabel(h.ci95[0])}–${tickLabel(h.ci95[1])}]`;
}

/** Output tokens/s per GPU of a run, `—` when unstable or not measured. */
export function perGpuTokens(gpus: number, metrics: SimMetrics | undefined): string {
  const f = perGpuFigures(gpus, metrics).outputTokensPerSecPerGpu;
  return f === null ? '—' : f.toFixed(1);
}

/** One row of the ranked candidates, as the plan panel and the exported report both show it. */
export function candidateCells(c: Candidate): string[] {
  const x = extras(c);
  return [
    // `=`: statistically tied with another candidate on what the ranking compares (as `pdplan plan` marks it).
    `${c.rank}${x.tiedWith && x.tiedWith.length > 0 ? '=' : ''}`,
    formatDeployment(c.deployment),
    String(c.gpus),
    // An unstable candidate's attainment is an artefact of when the run stopped, not a figure.
    c.predicted.unstable ? 'unstable' : attainmentWithCi(c.predicted.sloAttainment, c.predicted.sloAttainmentCi95),
    pct(c.predicted.turn1SloAttainment),
    pct(c.predicted.turn2plusSloAttainment),
    ms(c.predicted.ttftP95Ms),
    ms(c.predicted.itlP95Ms),
    pct(c.predicted.localPrefillRatio),
    c.predicted.unstable ? '—' : num(c.predicted.goodput),
    perGpuTokens(c.gpus, c.metrics),
    headroomText(c),
  ];
}

export const COMPARISON_METRICS: ComparisonMetric[] = [
  { label: 'SLO attainment', better: 'higher', value: (m) => m.sloAttainment, format: pct },
  { label: 'Turn-1 attainment', better: 'higher', value: (m) => m.turn1.sloAttainment, format: pct },
  { label: 'Turn-2+ attainment', better: 'higher', value: (m) => m.turn2plus.sloAttainment, format: pct },
  { label: 'TTFT P95', better: 'lower', value: (m) => m.ttftMs.p95, format: ms },
  { label: 'TTFT P99', better: 'lower', value: (m) => m.ttftMs.p99, format: ms },
  { label: 'ITL P95', better: 'lower', value: (m) => m.itlMs.p95, format: ms },
  { label: 'ITL P99', better: 'lower', value: (m) => m.itlMs.p99, format: ms },
  { label: 'Goodput (sessions/s)', better: 'higher', value: (m) => m.goodput, format: num },
  { label: 'Throughput (tokens/s)', better: 'higher', value: (m) => m.throughputTokensPerSec, format: num },
  { label: 'Local-prefill ratio', better: 'none', value: (m) => m.localPrefillRatio, format: pct },
  { label: 'Evictions', better: 'lower', value: (m) => m.evictions, format: (v) => v.toFixed(0) },
];

export interface ComparisonCell {
  text: string;
  best: boolean;
  worst: boolean;
}

export interface ComparisonRow {
  label: string;
  cells: ComparisonCell[];
  /** The columns do not all show the same value (after formatting). */
  differs: boolean;
}

/** Rows of the side-by-side table, with differences and the best/worst column of each marked. */
export function comparisonRows(
  columns: { deployment: Deployment; gpus: number; policy: string; timesFrom?: string; metrics: SimMetrics }[],
): ComparisonRow[] {
  const textRow = (label: string, texts: string[]): ComparisonRow => ({
    label,
    cells: texts.map((text) => ({ text, best: false, worst: false })),
    differs: new Set(texts).size > 1,
  });
  const rows: ComparisonRow[] = [
    textRow(
      'Deployment',
      columns.map((c) => formatDeployment(c.deployment)),
    ),
    textRow(
      'GPUs',
      columns.map((c) => String(c.gpus)),
    ),
    textRow(
      'Routing policy',
      columns.map((c) => c.policy),
    ),
  ];
  // Only worth a row when some column ran on measured times.
  if (columns.some((c) => c.timesFrom?.startsWith('measured')))
    rows.push(
      textRow(
        'Times from',
        columns.map((c) => c.timesFrom ?? ''),
      ),
    );
  for (const metric of COMPARISON_METRICS) {
    const values = columns.map((c) => metric.value(c.metrics));
    const texts = values.map(metric.format);
    const differs = new Set(texts).size > 1;
    const finite = values.filter(Number.isFinite);
    const hi = Math.max(...finite);
    const lo = Math.min(...finite);
    const best = metric.better === 'higher' ? hi : lo;
    const worst = metric.better === 'higher' ? lo : hi;
    rows.push({
      label: metric.label,
      differs,
      cells: values.map((v, i) => ({
        text: texts[i],
        best: differs && metric.better !== 'none' && v === best,
        worst: differs && metric.better !== 'none' && v === worst,
      })),
    });
  }
  rows.splice(rows.findIndex((r) => r.label === 'Throughput (tokens/s)') + 1, 0, perGpuRow(columns));
  return rows;
}

/** Output tokens/s per GPU: what layouts of different sizes deliver per GPU, best and worst marked. */
function perGpuRow(columns: { gpus: number; metrics: SimMetrics }[]): ComparisonRow {
  const values = columns.map((c) => perGpuFigures(c.gpus, c.metrics).outputTokensPerSecPerGpu);
  const texts = values.map((v) => (v === null ? '—' : num(v)));
  const differs = new Set(texts).size > 1;
  const finite = values.filter((v): v is number => v !== null);
  const [hi, lo] = [Math.max(...finite), Math.min(...finite)];
  return {
    label: 'Output tokens/s per GPU',
    differs,
    cells: values.map((v, i) => ({ text: texts[i], best: differs && v === hi, worst: differs && v === lo })),
  };
}

/** Status of an attainment against its target, for colouring. */
export function attainmentStatus(value: number, target: number): 'ok' | 'warn' | 'bad' {
  if (value >= target) return 'ok';
  return value >= target - 0.1 ? 'warn' : 'bad';
}

/**
 * Thins a long time series into at most `maxPoints` buckets, keeping each bucket's largest value
 * and the time it occurred: a queue that reached 7 still shows 7, however long the run.
 */
export function downsampleMax(t: number[], series: number[], maxPoints = 400): { t: number[]; y: number[] } {
  return downsampleBuckets(t, series, maxPoints, (from, to) => {
    let k = from;
    for (let i = from + 1; i < to; i++) if (series[i] > series[k]) k = i;
    return { t: t[k], y: series[k] };
  });
}

/** Thins a series of fractions (utilisation) into bucket means, which keep the area under the curve. */
export function downsampleMean(t: number[], series: number[], maxPoints = 400): { t: number[]; y: number[] } {
  return downsampleBuckets(t, series, maxPoints, (from, to) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += series[i];
    return { t: t[Math.floor((from + to - 1) / 2)], y: sum / (to - from) };
  });
}

function downsampleBuckets(
  t: number[],
  series: number[],
  maxPoints: number,
  pick: (from: number, to: number) => { t: number; y: number },
): { t: number[]; y: number[] } {
  const n = Math.min(t.length, series.length);
  if (n <= maxPoints) return { t: t.slice(0, n), y: series.slice(0, n) };
  const tOut: number[] = [];
  const yOut: number[] = [];
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor((b * n) / maxPoints);
    const to = Math.floor(((b + 1) * n) / maxPoints);
    if (to <= from) continue;
    const point = pick(from, to);
    tOut.push(point.t);
    yOut.push(point.y);
  }
  return { t: tOut, y: yOut };
}

/** An axis tick as a reader wants it: at most 3 significant digits, no float noise (1.0833333 → 1.08). */
export function tickLabel(value: number): string {
  if (!Number.isFinite(value)) return '';
  if (value === 0) return '0';
  const rounded = Number(value.toPrecision(3));
  return Math.abs(rounded) >= 1000 ? rounded.toLocaleString('en-US') : String(rounded);
}

/**
 * The value axis of a latency chart: linear with the SLO drawn while the SLO is within reach of the
 * data; when the SLO is far above (or below) every bar, a log axis, so neither the bars nor the SLO
 * line is squeezed flat.
 */
export function latencyAxis(
  values: number[],
  sloMs: number,
): { type: 'linear' | 'logarithmic'; min?: number; max?: number } {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length === 0) return { type: 'linear' };
  const top = Math.max(...finite);
  // Bars up to a sixth of the SLO still read on a linear axis; smaller ones become slivers.
  if (Math.max(top, sloMs) / Math.min(top, sloMs) <= 6) return { type: 'linear', min: 0 };
  const hi = Math.max(top, sloMs);
  const lo = Math.min(...finite, sloMs);
  return { type: 'logarithmic', min: 10 ** Math.floor(Math.log10(lo)), max: 10 ** Math.ceil(Math.log10(hi * 1.05)) };
}

/** An attainment with its 95% interval when the run measured one: `97.3% (95% CI 95.1–98.8%)`. */
export function attainmentWithCi(value: number, ci?: [number, number]): string {
  return ci ? `${pct(value)} (95% CI ${(ci[0] * 100).toFixed(1)}–${pct(ci[1])})` : pct(value);
}

export { routerSettingText } from '../core/plan/describe';

/**
 * Candidates the result cannot tell apart at the top. The planner's own statistical tie
 * (`tiedWith`) when its results carry ties; for results without them, those whose attainment
 * equals the best's as shown, or whose 95% intervals overlap it.
 */
export function topTie(candidates: Candidate[]): Candidate[] {
  const best = candidates[0];
  if (!best) return [];
  const own = extras(best).tiedWith;
  if (own) return own.length > 0 ? [best, ...candidates.filter((c) => own.includes(c.rank))] : [];
  if (candidates.some((c) => extras(c).tiedWith !== undefined)) return [];
  const tied = candidates.filter((c) => {
    if (c === best) return true;
    if (c.predicted.unstable !== best.predicted.unstable) return false;
    const a = best.predicted.sloAttainmentCi95;
    const b = c.predicted.sloAttainmentCi95;
    if (a && b) return a[0] <= b[1] && b[0] <= a[1];
    return pct(c.predicted.sloAttainment) === pct(best.predicted.sloAttainment);
  });
  return tied.length > 1 ? tied : [];
}

// ---- colour contrast (WCAG 2.1) ----

export type Rgba = [number, number, number, number];

/** `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()`; undefined for anything else. */
export function parseColour(text: string): Rgba | undefined {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    const h = m[1];
    if (h.length === 3 || h.length === 4) {
      const v = [...h].map((c) => parseInt(c + c, 16));
      return [v[0], v[1], v[2], h.length === 4 ? v[3] / 255 : 1];
    }
    if (h.length === 6 || h.length === 8) {
      const v = [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2) || 'ff', 16));
      return [v[0], v[1], v[2], v[3] / 255];
    }
    return undefined;
  }
  m = /^rgba?\(([^)]+)\)$/.exec(s);
  if (m) {
    const parts = m[1]
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map((p) => (p.endsWith('%') ? (parseFloat(p) / 100) * 255 : parseFloat(p)));
    if (parts.length < 3 || parts.slice(0, 3).some((p) => !Number.isFinite(p))) return undefined;
    const alpha = parts[3] === undefined ? 1 : m[1].includes('%') && parts[3] > 1 ? parts[3] / 255 : parts[3];
    return [parts[0], parts[1], parts[2], alpha];
  }
  return undefined;
}

/** `over` composited on an opaque `under`. */
export function composite(over: Rgba, under: Rgba): Rgba {
  const a = over[3];
  return [over[0] * a + under[0] * (1 - a), over[1] * a + under[1] * (1 - a), over[2] * a + under[2] * (1 - a), 1];
}

export function relativeLuminance([r, g, b]: Rgba): number {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export const toHex = ([r, g, b]: Rgba): string =>
  `#${[r, g, b]
    .map((c) =>
      Math.round(Math.min(255, Math.max(0, c)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;

/**
 * The theme's colour, darkened on a light background or lightened on a dark one just enough to
 * reach `minRatio` against it (WCAG AA text: 4.5). A colour that already passes is kept as is.
 */
export function withContrast(colour: string, background: string, minRatio = 4.5): string {
  const bg = parseColour(background);
  const fg0 = parseColour(colour);
  if (!bg || !fg0) return colour;
  const base = composite(bg, [255, 255, 255, 1]);
  const fg = composite(fg0, base);
  if (contrastRatio(fg, base) >= minRatio) return toHex(fg);
  const target: Rgba = relativeLuminance(base) > 0.18 ? [0, 0, 0, 1] : [255, 255, 255, 1];
  for (let step = 1; step <= 50; step++) {
    const mixed = toHex(composite([target[0], target[1], target[2], step / 50], fg));
    if (contrastRatio(parseColour(mixed)!, base) >= minRatio) return mixed;
  }
  return toHex(target);
}

/** Black or white, whichever reads better on `background` (text on a coloured GPU cell). */
export function textOn(background: string): string {
  const bg = parseColour(background);
  if (!bg) return '#000000';
  const solid = composite(bg, [255, 255, 255, 1]);
  return contrastRatio(solid, [0, 0, 0, 1]) >= contrastRatio(solid, [255, 255, 255, 1]) ? '#000000' : '#ffffff';
}
