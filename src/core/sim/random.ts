import type { Distribution } from '../spec/types';

/**
 * mulberry32: tiny, fast and good enough for workload sampling. Everything random in a simulation
 * flows from one seeded instance, so a seed fixes the run bit for bit.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in (0, 1): safe for logarithms. */
  open(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return u;
  }

  normal(): number {
    // Box–Muller; one value per call keeps the stream simple to reason about.
    return Math.sqrt(-2 * Math.log(this.open())) * Math.cos(2 * Math.PI * this.next());
  }

  exponential(mean: number): number {
    return -Math.log(this.open()) * mean;
  }

  /** Gamma with shape k and scale θ (Marsaglia–Tsang). */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * this.open() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.open();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }
}

function clamp(value: number, min?: number, max?: number): number {
  let v = value;
  if (min !== undefined && v < min) v = min;
  if (max !== undefined && v > max) v = max;
  return v;
}

type Lognormal = Extract<Distribution, { kind: 'lognormal' }>;
interface LogSpace {
  mean: number;
  std: number;
  mu: number;
  sigma: number;
}

/** Workloads draw from a handful of distributions millions of times: their log-space parameters once each. */
const logSpaceOf = new WeakMap<Lognormal, LogSpace>();

/** The log-space parameters of a lognormal stated, as users state it, by the mean and standard deviation of the value itself. */
function lognormalParameters(dist: Lognormal): LogSpace {
  const known = logSpaceOf.get(dist);
  if (known !== undefined && known.mean === dist.mean && known.std === dist.std) return known;
  const variance = dist.std * dist.std;
  let sigma2 = Math.log(1 + variance / (dist.mean * dist.mean));
  if (!Number.isFinite(sigma2)) {
    // A square overflowed: the same ln(1 + (std/mean)²) from the ratio, which is 2·ln(ratio) once that is past 1e150.
    const ratio = dist.std / dist.mean;
    sigma2 = ratio < 1e150 ? Math.log1p(ratio * ratio) : 2 * Math.log(ratio);
  }
  const parameters = { mean: dist.mean, std: dist.std, mu: Math.log(dist.mean) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
  logSpaceOf.set(dist, parameters);
  return parameters;
}

export function sample(dist: Distribution, rng: Rng): number {
  switch (dist.kind) {
    case 'constant':
      return dist.value;
    case 'uniform':
      return dist.min + (dist.max - dist.min) * rng.next();
    case 'normal':
      return clamp(dist.mean + dist.std * rng.normal(), dist.min, dist.max);
    case 'lognormal': {
      const { mu, sigma } = lognormalParameters(dist);
      return clamp(Math.exp(mu + sigma * rng.normal()), dist.min, dist.max);
    }
    case 'exponential':
      return clamp(rng.exponential(dist.mean), dist.min, dist.max);
    case 'gamma': {
      const shape = 1 / (dist.cv * dist.cv);
      return clamp(rng.gamma(shape, dist.mean / shape), dist.min, dist.max);
    }
    case 'empirical': {
      const weights = dist.weights ?? dist.values.map(() => 1);
      const total = weights.reduce((a, b) => a + b, 0);
      let u = rng.next() * total;
      for (let i = 0; i < dist.values.length; i++) {
        u -= weights[i];
        if (u < 0) return dist.values[i];
      }
      return dist.values[dist.values.length - 1];
    }
  }
}

/** A positive whole number of tokens or rounds. */
export function sampleCount(dist: Distribution, rng: Rng): number {
  return Math.max(1, Math.round(sample(dist, rng)));
}
