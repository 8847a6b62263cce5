import type { Percentiles } from './types';

/** Values kept exactly before a sketch switches to log buckets. */
const EXACT_LIMIT = 4096;
/** Relative accuracy of a bucketed quantile (DDSketch's α): every estimate is within ±0.5%. */
export const SKETCH_RELATIVE_ERROR = 0.005;
const GAMMA = (1 + SKETCH_RELATIVE_ERROR) / (1 - SKETCH_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Smallest positive value bucketed apart from zero, ms; below it values count as this. */
const MIN_VALUE = 1e-6;
const OFFSET = Math.ceil(Math.log(MIN_VALUE) / LOG_GAMMA);
/** Up to ~1e12 ms (31 years): a longer latency is clamped into the last bucket (and `max` stays exact). */
const BUCKETS = Math.ceil(Math.log(1e12) / LOG_GAMMA) - OFFSET + 1;

/**
 * A latency distribution in bounded memory: exact (sorted, nearest rank) up to 4,096 values, then a
 * log-bucketed histogram whose quantiles are within ±0.5% of the true value (the DDSketch scheme).
 * Mean, max and count stay exact throughout. Long runs stream every round through one of these
 * instead of keeping a record per round.
 */
export class LatencySketch {
  private exact: Float64Array | undefined = new Float64Array(64);
  private buckets: Float64Array | undefined = undefined;
  private zeros = 0;
  count = 0;
  sum = 0;
  max = 0;

  add(value: number): void {
    const v = value > 0 ? value : 0;
    if (this.count === 0 || v > this.max) this.max = v;
    this.sum += v;
    const n = this.count++;
    const exact = this.exact;
    if (exact) {
      if (n < EXACT_LIMIT) {
        if (n === exact.length) {
          const wider = new Float64Array(Math.min(EXACT_LIMIT, exact.length * 4));
          wider.set(exact);
          this.exact = wider;
          wider[n] = v;
        } else exact[n] = v;
        return;
      }
      this.toBuckets(n);
    }
    this.bucket(v);
  }

  /** Adds every value of `other` (sketches of several replications pool into one). */
  merge(other: LatencySketch): void {
    if (other.count === 0) return;
    if (other.exact) {
      for (let i = 0; i < other.count; i++) this.add(other.exact[i]);
      return;
    }
    if (this.exact) this.toBuckets(this.count);
    const mine = this.buckets as Float64Array;
    const theirs = other.buckets as Float64Array;
    for (let i = 0; i < BUCKETS; i++) mine[i] += theirs[i];
    this.zeros += other.zeros;
    this.max = this.count === 0 ? other.max : Math.max(this.max, other.max);
    this.count += other.count;
    this.sum += other.sum;
  }

  /** Nearest-rank quantile: exact while the sketch is exact, otherwise within ±0.5%. */
  quantile(q: number): number {
    const n = this.count;
    if (n === 0) return 0;
    const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
    if (this.exact) {
      const sorted = this.exact.slice(0, n).sort();
      return sorted[rank];
    }
    return this.bucketedQuantile(rank);
  }

  summary(): Percentiles {
    const n = this.count;
    if (n === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, mean: 0, max: 0 };
    const ranks = [0.5, 0.9, 0.95, 0.99].map((q) => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1)));
    let values: number[];
    if (this.exact) {
      const sorted = this.exact.slice(0, n).sort();
      values = ranks.map((r) => sorted[r]);
    } else values = ranks.map((r) => this.bucketedQuantile(r));
    return { p50: values[0], p90: values[1], p95: values[2], p99: values[3], mean: this.sum / n, max: this.max };
  }

  private toBuckets(n: number): void {
    const exact = this.exact as Float64Array;
    this.exact = undefined;
    this.buckets = new Float64Array(BUCKETS);
    for (let i = 0; i < n; i++) this.bucket(exact[i]);
  }

  private bucket(v: number): void {
    if (v <= 0) {
      this.zeros++;
      return;
    }
    const index = Math.ceil(Math.log(v < MIN_VALUE ? MIN_VALUE : v) / LOG_GAMMA) - OFFSET;
    (this.buckets as Float64Array)[index < BUCKETS ? index : BUCKETS - 1]++;
  }

  private bucketedQuantile(rank: number): number {
    let seen = this.zeros;
    if (rank < seen) return 0;
    const buckets = this.buckets as Float64Array;
    for (let i = 0; i < BUCKETS; i++) {
      seen += buckets[i];
      if (rank < seen) {
        // The bucket (γ^(k-1), γ^k] is represented by the point with equal relative error to both ends.
        const k = i + OFFSET;
        return Math.min(this.max, (2 * Math.exp(k * LOG_GAMMA)) / (GAMMA + 1));
      }
    }
    return this.max;
  }
}
