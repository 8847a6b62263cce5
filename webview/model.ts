/**
 * Pure view-model logic of the panels: no DOM, no Chart.js, so it runs (and is unit-tested) in Node.
 */
import type { Candidate } from '../src/core/plan/types';
import type { Percentiles, SimMetrics } from '../src/core/sim/types';
import type { ReplicaGroup } from '../src/core/spec/types';
import { formatRecommended } from './protocol';

export type GpuRole = 'prefill' | 'decode' | 'colocated' | 'idle';

export interface GpuCell {
  role: GpuRole;
  /** e.g. `P1` (first prefill replica); empty for idle GPUs. */
  replica: string;
  tp: number;
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
 * Places replicas onto nodes the way a scheduler would: largest TP first, each replica inside one
 * node when it fits (TP groups stay on NVLink), spilling across nodes only when TP exceeds a node.
 */
export function layoutCluster(
  nodeCount: number,
  gpusPerNode: number,
  split: { prefill?: ReplicaGroup[]; decode?: ReplicaGroup[]; colocated?: ReplicaGroup[] },
): ClusterLayout {
  const nodes: GpuCell[][] = Array.from({ length: nodeCount }, () =>
    Array.from({ length: gpusPerNode }, () => ({ role: 'idle' as GpuRole, replica: '', tp: 0 })),
  );
  const replicas: { role: GpuRole; name: string; tp: number }[] = [];
  const add = (role: GpuRole, prefix: string, groups: ReplicaGroup[] | undefined) => {
    let index = 0;
    for (const group of groups ?? []) {
      for (let r = 0; r < group.dp; r++) replicas.push({ role, name: `${prefix}${++index}`, tp: group.tp });
    }
  };
  add('prefill', 'P', split.prefill);
  add('decode', 'D', split.decode);
  add('colocated', 'C', split.colocated);
  // Largest first keeps big TP groups from being fragmented by small ones; stable within a size.
  const order = replicas.map((r, i) => ({ r, i })).sort((a, b) => b.r.tp - a.r.tp || a.i - b.i);
  const free = nodes.map(() => gpusPerNode);
  const unplaced: string[] = [];
  let used = 0;
  const fill = (node: number, count: number, replica: { role: GpuRole; name: string; tp: number }) => {
    const row = nodes[node];
    let left = count;
    for (let g = 0; g < row.length && left > 0; g++) {
      if (row[g].role === 'idle') {
        row[g] = { role: replica.role, replica: replica.name, tp: replica.tp };
        left--;
      }
    }
    free[node] -= count;
    used += count;
  };
  for (const { r } of order) {
    if (r.tp <= gpusPerNode) {
      const node = free.findIndex((f) => f >= r.tp);
      if (node < 0) unplaced.push(r.name);
      else fill(node, r.tp, r);
    } else {
      const whole = Math.ceil(r.tp / gpusPerNode);
      const start = free.findIndex((_, n) => n + whole <= free.length && free.slice(n, n + whole).every((f) => f === gpusPerNode));
      if (start < 0) unplaced.push(r.name);
      else {
        let left = r.tp;
        for (let n = start; n < start + whole; n++) {
          const take = Math.min(left, gpusPerNode);
          fill(n, take, r);
          left -= take;
        }
      }
    }
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

export const CANDIDATE_COLUMNS = ['Rank', 'Deployment', 'GPUs', 'Attainment', 'Turn-1', 'Turn-2+', 'TTFT P95', 'ITL P95', 'Local prefill', 'Goodput'];
/** Position of the attainment cell, which the panel colours against the target. */
export const CANDIDATE_ATTAINMENT_COLUMN = 3;

/** One row of the ranked candidates, as the plan panel and the exported report both show it. */
export function candidateCells(c: Candidate): string[] {
  return [
    String(c.rank),
    formatRecommended({ prefill: c.prefill, decode: c.decode, colocated: c.colocated, gpus: c.gpus }),
    String(c.gpus),
    pct(c.predicted.sloAttainment),
    pct(c.predicted.turn1SloAttainment),
    pct(c.predicted.turn2plusSloAttainment),
    ms(c.predicted.ttftP95Ms),
    ms(c.predicted.itlP95Ms),
    pct(c.predicted.localPrefillRatio),
    num(c.predicted.goodput),
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
  columns: { deployment: string; gpus: number; policy: string; timesFrom?: string; metrics: SimMetrics }[],
): ComparisonRow[] {
  const textRow = (label: string, texts: string[]): ComparisonRow => ({
    label,
    cells: texts.map((text) => ({ text, best: false, worst: false })),
    differs: new Set(texts).size > 1,
  });
  const rows: ComparisonRow[] = [
    textRow('Deployment', columns.map((c) => c.deployment)),
    textRow('GPUs', columns.map((c) => String(c.gpus))),
    textRow('Routing policy', columns.map((c) => c.policy)),
  ];
  // Only worth a row when some column ran on measured times.
  if (columns.some((c) => c.timesFrom?.startsWith('measured'))) rows.push(textRow('Times from', columns.map((c) => c.timesFrom ?? '')));
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
  return rows;
}

/** Status of an attainment against its target, for colouring. */
export function attainmentStatus(value: number, target: number): 'ok' | 'warn' | 'bad' {
  if (value >= target) return 'ok';
  return value >= target - 0.1 ? 'warn' : 'bad';
}

/** Thins a long time series so a chart stays responsive; keeps the first and last sample. */
export function downsample(t: number[], series: number[], maxPoints = 400): { t: number[]; y: number[] } {
  if (t.length <= maxPoints) return { t, y: series };
  const step = (t.length - 1) / (maxPoints - 1);
  const tOut: number[] = [];
  const yOut: number[] = [];
  for (let i = 0; i < maxPoints; i++) {
    const k = Math.round(i * step);
    tOut.push(t[k]);
    yOut.push(series[k]);
  }
  return { t: tOut, y: yOut };
}
