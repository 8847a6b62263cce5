import type { SimMetrics } from '../sim/types';

/** One simulation of a headroom search. */
export interface Probe {
  ratePerSec: number;
  sloAttainment: number;
  ci95?: [number, number];
  unstable: boolean;
}

/** The highest arrival rate at which a layout still meets the attainment target. */
export interface Headroom {
  /** Highest rate probed that met the target (0 when none did). */
  ratePerSec: number;
  /**
   * Where the true headroom lies, given the probes and their 95% intervals: from the highest rate
   * whose whole interval met the target (else 0) to the lowest rate whose whole interval missed it
   * (else the lowest that missed).
   */
  ci95: [number, number];
  /** Every rate probed met the target: the headroom is at least `ratePerSec` (the search stopped growing). */
  isLowerBound: boolean;
  probes: Probe[];
}

export interface HeadroomOptions {
  target: number;
  /** Stop when the bracket's high end is within this factor of its low end (0.04: 4%). */
  relativeTolerance: number;
  /** Factor the first bracket grows or shrinks by. */
  expand: number;
  /** Most doublings upwards before calling the result a lower bound. */
  maxExpansions: number;
  /** Most probes per layout. */
  maxProbes: number;
}

export const DEFAULT_HEADROOM: HeadroomOptions = {
  target: 0.9,
  relativeTolerance: 0.05,
  expand: 1.5,
  maxExpansions: 12,
  maxProbes: 14,
};

const meets = (p: Probe, target: number) => !p.unstable && p.sloAttainment >= target;

export function probeOf(ratePerSec: number, m: SimMetrics): Probe {
  return { ratePerSec, sloAttainment: m.sloAttainment, ci95: m.sloAttainmentCi95, unstable: m.unstable };
}

/** A bisection over the arrival rate for one layout, advanced one probe at a time. */
export class HeadroomSearch {
  private lo?: number;
  private hi?: number;
  private expansions = 0;
  readonly probes: Probe[] = [];
  next?: number;

  constructor(
    private readonly options: HeadroomOptions,
    guess: number,
    known: Probe[] = [],
  ) {
    for (const p of known) this.absorb(p);
    this.next = this.probes.length > 0 ? this.choose(guess) : guess;
  }

  private absorb(p: Probe): void {
    this.probes.push(p);
    if (meets(p, this.options.target)) this.lo = Math.max(this.lo ?? 0, p.ratePerSec);
    else this.hi = Math.min(this.hi ?? Infinity, p.ratePerSec);
    // Noise can put a met probe above a missed one; the missed one wins (conservative).
    if (this.lo !== undefined && this.hi !== undefined && this.lo >= this.hi)
      this.lo =
        Math.max(
          ...this.probes
            .filter((q) => q.ratePerSec < this.hi! && meets(q, this.options.target))
            .map((q) => q.ratePerSec),
          0,
        ) || undefined;
  }

  private choose(guess: number): number | undefined {
    const { expand, relativeTolerance, maxExpansions, maxProbes } = this.options;
    if (this.probes.length >= maxProbes) return undefined;
    if (this.lo !== undefined && this.hi !== undefined) {
      if (this.hi / this.lo <= 1 + relativeTolerance) return undefined;
      return Math.sqrt(this.lo * this.hi);
    }
    if (this.lo !== undefined) {
      // Grow past the guess quickly when it was met, then bisect.
      if (this.expansions >= maxExpansions) return undefined;
      this.expansions++;
      return this.lo < guess ? guess : this.lo * expand ** Math.min(this.expansions, 3);
    }
    if (this.hi !== undefined) {
      if (this.hi < guess * 1e-4) return undefined;
      return this.hi > guess ? guess : this.hi / expand ** Math.min(this.probes.length, 3);
    }
    return guess;
  }

  /** Records the probe at `next` and picks the following rate (undefined when done). */
  advance(p: Probe, guess: number): void {
    this.absorb(p);
    this.next = this.choose(guess);
  }

  result(): Headroom {
    const target = this.options.target;
    const sureMet = this.probes
      .filter((p) => (p.ci95 ? p.ci95[0] >= target && !p.unstable : meets(p, target)))
      .map((p) => p.ratePerSec);
    const sureMissed = this.probes
      .filter((p) => p.unstable || (p.ci95 ? p.ci95[1] < target : !meets(p, target)))
      .map((p) => p.ratePerSec);
    const rate = this.lo ?? 0;
    const low = Math.min(rate, sureMet.length > 0 ? Math.max(...sureMet.filter((r) => r <= rate), 0) : 0);
    const high =
      this.hi === undefined
        ? Infinity
        : Math.max(this.hi, sureMissed.length > 0 ? Math.min(...sureMissed.filter((r) => r >= this.hi!)) : this.hi);
    return {
      ratePerSec: rate,
      ci95: [low, Number.isFinite(high) ? high : rate],
      isLowerBound: this.hi === undefined,
      probes: [...this.probes].sort((a, b) => a.ratePerSec - b.ratePerSec),
    };
  }
}
