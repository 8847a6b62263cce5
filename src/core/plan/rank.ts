import type { Plan, PlannerObjective } from '../spec/types';

/** What ranking needs to know of a simulated layout. */
export interface Ranked {
  gpus: number;
  /** $/hour of the layout when its GPU types have prices (min-cost ranks by it). */
  usdPerHour?: number;
  sloAttainment: number;
  /** 95% half-width of attainment (fraction), 0 when unknown. */
  halfWidth: number;
  goodput: number;
  /** 95% half-width of goodput, sessions/s. */
  goodputHalfWidth: number;
  unstable: boolean;
  ttftP95Ms: number;
  itlP95Ms: number;
  /** Highest rate still meeting the target (sessions/s), when searched. */
  headroom?: number;
}

/**
 * Two estimates are a statistical tie when their difference is within the 95% interval of the
 * difference (independent runs: the half-widths add in quadrature). A small floor keeps runs with
 * no reported interval from splitting on noise below a tenth of a point.
 */
export function tied(a: number, aHalf: number, b: number, bHalf: number, floor = 0.001): boolean {
  return Math.abs(a - b) <= Math.max(floor, Math.hypot(aHalf, bHalf));
}

export function meetsTarget(plan: Plan, r: Ranked): boolean {
  return !r.unstable && r.sloAttainment >= plan.slo.attainmentTarget;
}

/**
 * Tier of each item by a noisy score (higher is better): items tied with the best unplaced one
 * share its tier. Returns tier numbers in input order.
 */
function tiers<T>(items: T[], score: (t: T) => number, half: (t: T) => number): number[] {
  const order = items.map((_, i) => i).sort((i, j) => score(items[j]) - score(items[i]));
  const tier = new Array<number>(items.length).fill(-1);
  let t = 0;
  for (const lead of order) {
    if (tier[lead] >= 0) continue;
    for (const i of order) {
      if (tier[i] < 0 && tied(score(items[lead]), half(items[lead]), score(items[i]), half(items[i]))) tier[i] = t;
    }
    t++;
  }
  return tier;
}

/**
 * Sort keys of simulated layouts under an objective, smaller first. The rule a serving engineer
 * applies: among layouts that meet the attainment target, fewer GPUs, then more headroom;
 * statistical ties on the objective's figure are ties, decided by the same rule.
 * - `max-attainment`, `min-gpus`: layouts meeting the target first (fewest GPUs, most headroom);
 *   below the target, the attainment tier, then fewer GPUs.
 * - `max-goodput`: the goodput tier, then as above inside it.
 * - `min-p95-latency`: the worst P95 over its SLO (5% steps count as ties), then fewer GPUs.
 * - `max-rate`: the highest headroom, then fewer GPUs.
 * - `min-cost`: as `min-gpus` with $/hour in place of GPUs (GPUs when a price is missing).
 */
export function rankKeys(plan: Plan, objective: PlannerObjective, items: Ranked[]): number[][] {
  const attainmentTier = tiers(
    items,
    (r) => (r.unstable ? -1 : r.sloAttainment),
    (r) => r.halfWidth,
  );
  const goodputTier = tiers(
    items,
    (r) => (r.unstable ? -1 : r.goodput),
    (r) => r.goodputHalfWidth,
  );
  return items.map((r, i) => {
    const meets = meetsTarget(plan, r);
    const headroom = -(r.headroom ?? 0);
    const byTarget = meets ? [0, r.gpus, headroom, -r.sloAttainment] : [1, attainmentTier[i], r.gpus, -r.sloAttainment];
    switch (objective) {
      case 'min-p95-latency': {
        const worst = Math.max(r.ttftP95Ms / plan.slo.ttftMs, r.itlP95Ms / plan.slo.itlMs);
        return [r.unstable ? 1 : 0, Math.round(Math.log(Math.max(worst, 1e-6)) / Math.log(1.05)), r.gpus, headroom];
      }
      case 'max-goodput':
        return [goodputTier[i], ...byTarget];
      case 'max-rate':
        return [headroom, r.gpus, -r.sloAttainment];
      case 'min-cost': {
        const cost = r.usdPerHour ?? r.gpus;
        return meets
          ? [0, cost, r.gpus, headroom, -r.sloAttainment]
          : [1, attainmentTier[i], cost, r.gpus, -r.sloAttainment];
      }
      default:
        return byTarget;
    }
  });
}

export function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i] ?? 0, b[i] ?? 0];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Indices of `items` in ranked order (stable). */
export function rankOrder(plan: Plan, objective: PlannerObjective, items: Ranked[]): number[] {
  const keys = rankKeys(plan, objective, items);
  return items.map((_, i) => i).sort((i, j) => compareKeys(keys[i], keys[j]) || i - j);
}
