import type { SimMetrics } from '../sim/types';

/**
 * A layout's figures per GPU: what each GPU delivers, independent of how long a run lasted and
 * comparable across layouts of different sizes. From steady-state window rates only; null for an
 * unstable run (no steady state) or a figure the run did not measure. No imports beyond types, so
 * the panels (webview) use the same function as the CLI.
 */
export interface PerGpuFigures {
  /** Output tokens/s per GPU over the measurement window. */
  outputTokensPerSecPerGpu: number | null;
  /** Sessions/s completed within SLO, per GPU. */
  goodputPerGpu: number | null;
  /** Headroom (highest rate still meeting the target) per GPU, sessions/s. */
  headroomPerGpu: number | null;
}

export function perGpuFigures(
  gpus: number,
  metrics: Pick<SimMetrics, 'unstable' | 'throughputTokensPerSec' | 'goodput'> | undefined,
  headroomRatePerSec?: number,
): PerGpuFigures {
  const per = (value: number | undefined) =>
    gpus > 0 && value !== undefined && Number.isFinite(value) ? value / gpus : null;
  const stable = metrics !== undefined && !metrics.unstable;
  return {
    outputTokensPerSecPerGpu: stable ? per(metrics.throughputTokensPerSec) : null,
    goodputPerGpu: stable ? per(metrics.goodput) : null,
    headroomPerGpu: headroomRatePerSec !== undefined && headroomRatePerSec > 0 ? per(headroomRatePerSec) : null,
  };
}
