/** Mean of the values recorded in the last `windowMs`: the windowed TTFT/ITL statistics of AMPD §4.1. */
export class RollingWindow {
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;
  private sum = 0;
  /**
   * The last mean and the time of the oldest value it covers: until that value leaves the window
   * or a new one is recorded, the mean cannot change. Routers read every prefill worker's mean for
   * every task, so on a large cluster this saves walking hundreds of windows per prefill.
   */
  private cachedMean = 0;
  private cachedOldest = NaN;

  constructor(private readonly windowMs: number) {}

  record(now: number, value: number): void {
    this.times.push(now);
    this.values.push(value);
    this.sum += value;
    this.cachedOldest = NaN;
  }

  /**
   * Mean over the window counting one more value still being observed (a gap that is still open),
   * so a worker whose statistic stopped updating because it is stuck does not look idle.
   */
  meanWith(now: number, pending: number): number {
    const n = this.count(now);
    return (this.sum + pending) / (n + 1);
  }

  /** Mean over the window, or 0 with no samples (an idle worker has full slack). */
  mean(now: number): number {
    // The same test count() trims by, so the cached value is exactly what a recount would give.
    if (!(this.cachedOldest < now - this.windowMs) && this.cachedOldest === this.cachedOldest) return this.cachedMean;
    const n = this.count(now);
    this.cachedMean = n > 0 ? this.sum / n : 0;
    this.cachedOldest = n > 0 ? this.times[this.head] : Infinity;
    return this.cachedMean;
  }

  private count(now: number): number {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && this.times[this.head] < cutoff) {
      this.sum -= this.values[this.head];
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }
}

/** Nearest-rank percentile of an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** Two-sided 97.5% Student-t quantiles for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * 95% interval for a mean from (approximately) independent batch values, centred on `center` (the
 * pooled estimate) and clamped to `bounds`. With fewer than two batches nothing is known about the
 * spread: the interval is the whole range.
 */
export function meanInterval95(values: number[], center: number, bounds: [number, number]): [number, number] {
  const n = values.length;
  if (n < 2) return [bounds[0], Number.isFinite(bounds[1]) ? bounds[1] : Math.max(center, 0) * 2];
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const t = n - 1 <= T975.length ? T975[n - 2] : 1.96;
  const half = (t * Math.sqrt(variance)) / Math.sqrt(n);
  return [Math.max(bounds[0], center - half), Math.min(bounds[1], center + half)];
}
