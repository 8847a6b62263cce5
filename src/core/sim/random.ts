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

  /** A generator that continues from here independently: the same numbers this one would give next. */
  copy(): Rng {
    const twin = new Rng(0);
    twin.state = this.state;
    return twin;
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

  /** Exponential with mean 1: × a mean gives `exponential(mean)` bit for bit. */
  unitExponential(): number {
    return -Math.log(this.open());
  }

  exponential(mean: number): number {
    return this.unitExponential() * mean;
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

/** The log-space parameters of a lognormal stated, as users state it, by the mean and standard deviation of the value itself. */
function lognormalParameters(dist: Lognormal): { mu: number; sigma: number } {
  const variance = dist.std * dist.std;
  let sigma2 = Math.log(1 + variance / (dist.mean * dist.mean));
  if (!Number.isFinite(sigma2)) {
    // A square overflowed: the same ln(1 + (std/mean)²) from the ratio, which is 2·ln(ratio) once that is past 1e150.
    const ratio = dist.std / dist.mean;
    sigma2 = ratio < 1e150 ? Math.log1p(ratio * ratio) : 2 * Math.log(ratio);
  }
  return { mu: Math.log(dist.mean) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
}

/** Draws one value of a distribution: its parameters worked out once, each draw only the arithmetic. */
export type Sampler = (rng: Rng) => number;

/**
 * The sampler of `dist` as it is now (a later change to the object is not seen): a workload draws
 * from a handful of distributions millions of times, so each is resolved once into a closure of
 * its own kind instead of a switch and a parameter lookup per draw. The draws, and the random
 * numbers they consume, are those of `sample`.
 */
export function samplerOf(dist: Distribution): Sampler {
  const { min, max } = dist as { min?: number; max?: number };
  const bounded = (draw: Sampler): Sampler =>
    min === undefined && max === undefined ? draw : (rng) => clamp(draw(rng), min, max);
  switch (dist.kind) {
    case 'constant': {
      const value = dist.value;
      return () => value;
    }
    case 'uniform': {
      const low = dist.min;
      const span = dist.max - dist.min;
      return (rng) => low + span * rng.next();
    }
    case 'normal': {
      const { mean, std } = dist;
      return bounded((rng) => mean + std * rng.normal());
    }
    case 'lognormal': {
      const { mu, sigma } = lognormalParameters(dist);
      return bounded((rng) => Math.exp(mu + sigma * rng.normal()));
    }
    case 'exponential': {
      const mean = dist.mean;
      return bounded((rng) => rng.exponential(mean));
    }
    case 'gamma': {
      const shape = 1 / (dist.cv * dist.cv);
      const scale = dist.mean / shape;
      return bounded((rng) => rng.gamma(shape, scale));
    }
    case 'empirical': {
      const values = [...dist.values];
      const weights = dist.weights ? [...dist.weights] : values.map(() => 1);
      const total = weights.reduce((a, b) => a + b, 0);
      return (rng) => {
        let u = rng.next() * total;
        for (let i = 0; i < values.length; i++) {
          u -= weights[i];
          if (u < 0) return values[i];
        }
        return values[values.length - 1];
      };
    }
  }
}

/** A positive whole number of tokens or rounds. */
export function countSamplerOf(dist: Distribution): Sampler {
  const draw = samplerOf(dist);
  return (rng) => Math.max(1, Math.round(draw(rng)));
}

/** One draw of `dist` (a one-off; code that draws from the same distribution again keeps its `samplerOf`). */
export function sample(dist: Distribution, rng: Rng): number {
  return samplerOf(dist)(rng);
}

/** A positive whole number of tokens or rounds. */
export function sampleCount(dist: Distribution, rng: Rng): number {
  return countSamplerOf(dist)(rng);
}
