/**
 * Large layouts simulated as a cell of themselves: the planner's runs and the Pareto sweep's. A
 * cell keeps the layout's shapes and per-replica load, so per-GPU and per-user figures carry over;
 * rates (goodput, throughput) are scaled back by the load the cell stands for.
 */

import type { Deployment, Plan } from '../spec/types';
import type { SimResult } from '../sim/types';
import { LEVEL_RULES, measureFor, type RunLevel } from './measure';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A slice of a layout simulated in its place: `cell` carries 1/`cells` of the load. */
export interface CellSplit {
  cell: Deployment;
  cells: number;
}

/**
 * The cell a large layout is simulated as, when its window at `ratePerSec` would hold more
 * arrivals than the level's `cellArrivals` (measure.ts): 2,000 for screening, 4,000 for the
 * candidates shown, 10,000 for long runs. Where every group's replica count shares a factor k, the cell is 1/k of
 * every group at 1/k of the rate (the smallest such k). Otherwise the cell keeps ⌊replicas / k⌋ of
 * every group and carries the load share of its thinnest group, so that no role in it has less
 * than its share of the capacity. Sessions in a cell never use another cell's replicas, which a
 * real router would; measured, small cells read slightly high (docs/planner.md: `C:2x252` 99.4% as
 * cells of 4 against 99.25% whole). The verifier never uses cells.
 */
export function cellOf(plan: Plan, d: Deployment, ratePerSec: number, level: RunLevel): CellSplit | undefined {
  const groups = d.kind === 'colocated' ? d.colocated : [...d.prefill, ...d.decode];
  const limit = LEVEL_RULES[level].cellArrivals;
  const arrivals = (cells: number) =>
    (ratePerSec / cells) * (measureFor(plan, ratePerSec / cells, level).windowSec ?? 0);
  if (arrivals(1) <= limit) return undefined;
  const common = groups.reduce((g, r) => gcd(g, r.dp), 0);
  for (let k = 2; k <= common; k++)
    if (common % k === 0 && arrivals(k) <= limit) return { cell: sliceDeployment(d, k), cells: k };
  const fewest = Math.min(...groups.map((g) => g.dp));
  let split: CellSplit | undefined;
  for (let k = 2; k <= fewest; k++) {
    const share = Math.min(...groups.map((g) => keptReplicas(g.dp, k) / g.dp));
    split = { cell: sliceDeployment(d, k), cells: 1 / share };
    if (arrivals(split.cells) <= limit) return split;
  }
  return common > 1 && (!split || arrivals(common) <= arrivals(split.cells))
    ? { cell: sliceDeployment(d, common), cells: common }
    : split;
}

/** ⌊replicas / k⌋ of a group, at least one. */
const keptReplicas = (dp: number, k: number) => Math.max(1, Math.floor(dp / k));

/** ⌊replicas / k⌋ of every group (at least one). */
function sliceDeployment(d: Deployment, k: number): Deployment {
  const slice = (groups: { tp: number; dp: number }[]) => groups.map((g) => ({ tp: g.tp, dp: keptReplicas(g.dp, k) }));
  return d.kind === 'colocated'
    ? { kind: 'colocated', colocated: slice(d.colocated) }
    : { kind: 'disaggregated', prefill: slice(d.prefill), decode: slice(d.decode) };
}

/** A cell's result as the whole layout's: sessions per second and tokens per second times the load it stands for. */
export function asWholeLayout(result: SimResult, cells: number): SimResult {
  if (cells <= 1) return result;
  const m = result.metrics;
  const times = (ci?: [number, number]): [number, number] | undefined =>
    ci ? [ci[0] * cells, ci[1] * cells] : undefined;
  return {
    ...result,
    metrics: {
      ...m,
      goodput: m.goodput * cells,
      goodputCi95: times(m.goodputCi95),
      throughputSessionsPerSec: m.throughputSessionsPerSec * cells,
      throughputTokensPerSec: m.throughputTokensPerSec * cells,
      measurement: m.measurement
        ? {
            ...m.measurement,
            note: [
              m.measurement.note,
              `simulated as one cell carrying 1/${Number(cells.toFixed(2))} of the layout's load, every role in it with at least its share of the replicas`,
            ]
              .filter(Boolean)
              .join('; '),
          }
        : m.measurement,
    },
  };
}
