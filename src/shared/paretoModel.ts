/**
 * Pure view logic of the Pareto panel: which points each chart draws in which series, the side of
 * the x axis the SLO allows, the axis type, and the table of frontier points. No DOM, no Chart.js,
 * so it is unit-tested in Node.
 */
import type { Frontier, ParetoMeasure, ParetoPoint, ParetoResult } from '../core/pareto';
import { ms, pct, tickLabel } from './panelModel';

export type ParetoView = 'session' | 'round';

export const AXIS_TITLES: Record<Frontier['against'], string> = {
  tokensPerSecPerUser: 'tokens/s per user (1000 / mean ITL)',
  ttftP90Ms: 'TTFT p90 (ms)',
  turn1TtftP90Ms: 'Turn-1 TTFT p90 (ms)',
  turn2plusTtftP90Ms: 'Turn-2+ TTFT p90 (ms)',
};

export interface XY {
  x: number;
  y: number;
  /** Index into result.points, for tooltips. */
  index: number;
}

export interface FrontierChart {
  against: Frontier['against'];
  title: string;
  /** Stable points that are not SLO-feasible for this chart's round kind. */
  other: XY[];
  /** SLO-feasible points. */
  feasible: XY[];
  /** The frontier over every stable point, and over the feasible ones only, ordered along x. */
  frontierAll: XY[];
  frontierFeasible: XY[];
  /** The side of the x axis the SLO allows: tokens/s/user at least 1000 / ITL SLO, TTFT at most its SLO. */
  sloSide: { min?: number; max?: number; label: string };
  xType: 'linear' | 'logarithmic';
  xRange: { min: number; max: number };
  yMax: number;
}

/** Whether a point is SLO-feasible for the round kind a frontier is about. */
export function feasibleFor(p: ParetoPoint, against: Frontier['against']): boolean {
  return against === 'turn1TtftP90Ms'
    ? p.turn1Feasible
    : against === 'turn2plusTtftP90Ms'
      ? p.turn2plusFeasible
      : p.feasible;
}

/** The SLO's side of a frontier's x axis. */
export function sloSide(
  against: Frontier['against'],
  slo: { ttftMs: number; itlMs: number },
): FrontierChart['sloSide'] {
  if (against === 'tokensPerSecPerUser') {
    const min = 1000 / slo.itlMs;
    return { min, label: `ITL SLO ${ms(slo.itlMs)}: ≥ ${tickLabel(min)} tokens/s/user` };
  }
  return { max: slo.ttftMs, label: `TTFT SLO ${ms(slo.ttftMs)}` };
}

/** Build one chart's series. A TTFT axis whose values span more than 20× is logarithmic. */
export function frontierChart(
  result: ParetoResult,
  f: Frontier,
  slo: { ttftMs: number; itlMs: number },
): FrontierChart {
  const x = (p: ParetoPoint) => p[f.against];
  const at = (index: number): XY => ({
    x: x(result.points[index]),
    y: result.points[index].outputTokensPerSecPerGpu,
    index,
  });
  const drawable = result.points
    .map((p, index) => ({ p, index }))
    .filter(({ p }) => !p.unstable && Number.isFinite(x(p)) && x(p) > 0);
  const feasible = drawable.filter(({ p }) => feasibleFor(p, f.against)).map(({ index }) => at(index));
  const other = drawable.filter(({ p }) => !feasibleFor(p, f.against)).map(({ index }) => at(index));
  const side = sloSide(f.against, slo);
  const xs = [...drawable.map(({ p }) => x(p)), side.min ?? side.max ?? NaN].filter((v) => Number.isFinite(v) && v > 0);
  const lo = xs.length ? Math.min(...xs) : 1;
  const hi = xs.length ? Math.max(...xs) : 10;
  const isTtft = f.against !== 'tokensPerSecPerUser';
  const xType = isTtft && hi / lo > 20 ? 'logarithmic' : 'linear';
  // A linear axis starts at 0 (speeds and latencies are read against it); a log one pads by a fifth each way.
  const pad = xType === 'logarithmic' ? { min: lo / 1.2, max: hi * 1.2 } : { min: 0, max: hi * 1.05 || 1 };
  const ys = drawable.map(({ p }) => p.outputTokensPerSecPerGpu);
  return {
    against: f.against,
    title: `output tokens/s/GPU vs ${AXIS_TITLES[f.against]}`,
    other,
    feasible,
    frontierAll: f.all.map(at),
    frontierFeasible: f.feasible.map(at),
    sloSide: side,
    xType,
    xRange: pad,
    yMax: ys.length ? Math.max(...ys) * 1.08 : 1,
  };
}

export function frontiersOf(result: ParetoResult, view: ParetoView): Frontier[] {
  return view === 'session' ? result.frontiers.session : result.frontiers.round;
}

/** The point with the most output tokens/s/GPU among the SLO-feasible ones (session view), if any. */
/** How each point was measured, in words (panel subtitle, report, command line). */
export function measureText(m: ParetoMeasure): string {
  const range = m.measuredSessions;
  const sessions = range ? ` (${range[0] === range[1] ? range[0] : `${range[0]}–${range[1]}`} measured sessions)` : '';
  const rule =
    m.sessions !== undefined
      ? `${m.sessions} measured sessions each`
      : m.trace
        ? `each the recorded trace replayed at the rate${sessions}`
        : `each a warm-up and a window of 3 mean session durations${sessions}`;
  const cells = m.cellPoints > 0 ? `, ${m.cellPoints} as a cell of their layout` : '';
  return `${rule}${cells}; ${m.maxReplications} replication`;
}

export function bestFeasible(result: ParetoResult): ParetoPoint | undefined {
  return result.points
    .filter((p) => p.feasible)
    .reduce<ParetoPoint | undefined>(
      (best, p) => (!best || p.outputTokensPerSecPerGpu > best.outputTokensPerSecPerGpu ? p : best),
      undefined,
    );
}

export const FRONTIER_COLUMNS = [
  'Layout',
  'GPUs',
  'Rate (sessions/s)',
  'Out tok/s/GPU',
  'In tok/s/GPU',
  'Tok/s/user',
  'TTFT p90',
  'Attainment',
  'Feasible',
  '$/M out',
];

/** Rows of the feasible frontier of tokens/s/user (the points a deployment may pick from), best per-user speed first. */
export function frontierRows(result: ParetoResult): string[][] {
  const f = result.frontiers.session.find((x) => x.against === 'tokensPerSecPerUser');
  if (!f) return [];
  const indices = f.feasible.length > 0 ? f.feasible : f.all;
  return [...indices].reverse().map((i) => {
    const p = result.points[i];
    return [
      p.layout,
      String(p.gpus),
      tickLabel(p.ratePerSec),
      p.outputTokensPerSecPerGpu.toFixed(1),
      p.inputTokensPerSecPerGpu.toFixed(1),
      p.tokensPerSecPerUser.toFixed(1),
      ms(p.ttftP90Ms),
      pct(p.attainment),
      p.feasible ? 'yes' : 'no',
      p.usdPerMillionOutputTokens === null ? '—' : `$${p.usdPerMillionOutputTokens.toFixed(2)}`,
    ];
  });
}

/** A log axis labels only 1, 2 and 5 times a power of ten: the others would crowd and overlap. */
export function logTickLabel(value: number): string {
  if (!(value > 0)) return '';
  const mantissa = Number((value / 10 ** Math.floor(Math.log10(value) + 1e-9)).toPrecision(3));
  return mantissa === 1 || mantissa === 2 || mantissa === 5 ? tickLabel(value) : '';
}

/** Tooltip lines of one point. */
export function pointLabel(p: ParetoPoint): string {
  const cost = p.usdPerMillionOutputTokens === null ? '' : ` · $${p.usdPerMillionOutputTokens.toFixed(2)}/M out`;
  return `${p.layout} at ${tickLabel(p.ratePerSec)} sessions/s · ${pct(p.attainment)} within SLO · ${p.outputTokensPerSecPerGpu.toFixed(0)} out tok/s/GPU${cost}`;
}
