import { deploymentGpus, formatDeployment } from '../spec/deployment';
import type { Deployment, ReplicaGroup } from '../spec/types';
import type { CandidateSpace, RoleSpace } from './candidates';
import type { Coefficient } from './coefficients';
import type { PlanRole } from './ilp';

/** A layout's identity: its deployment string (groups in TP order). */
export const layoutKey = (d: Deployment): string => formatDeployment(normalise(d));

function sortGroups(groups: ReplicaGroup[]): ReplicaGroup[] {
  const byTp = new Map<number, ReplicaGroup>();
  for (const g of groups) {
    if (g.dp <= 0) continue;
    const seen = byTp.get(g.tp);
    // A width has one shape per role (an expert-parallel one keeps its ep and attentionTp).
    if (seen) seen.dp += g.dp;
    else byTp.set(g.tp, { ...g });
  }
  return [...byTp.values()].sort((a, b) => a.tp - b.tp);
}

export function normalise(d: Deployment): Deployment {
  return d.kind === 'colocated'
    ? { kind: 'colocated', colocated: sortGroups(d.colocated) }
    : { kind: 'disaggregated', prefill: sortGroups(d.prefill), decode: sortGroups(d.decode) };
}

/** Every group list of one role using at most `gpus` GPUs (at least one replica), one TP or mixed. */
function roleLayouts(role: RoleSpace, gpus: number, mixedTp: boolean): ReplicaGroup[][] {
  const out: ReplicaGroup[][] = [];
  if (!mixedTp) {
    for (const t of role.tps) {
      for (let dp = 1; dp <= t.maxReplicas && dp * t.tp <= gpus; dp++) out.push([{ tp: t.tp, dp }]);
    }
    return out;
  }
  const visit = (i: number, left: number, acc: ReplicaGroup[]) => {
    if (i === role.tps.length) {
      if (acc.length > 0) out.push([...acc]);
      return;
    }
    const t = role.tps[i];
    for (let dp = 0; dp <= t.maxReplicas && dp * t.tp <= left; dp++) {
      if (dp > 0) acc.push({ tp: t.tp, dp });
      visit(i + 1, left - dp * t.tp, acc);
      if (dp > 0) acc.pop();
    }
  };
  visit(0, gpus, []);
  return out;
}

const groupGpus = (groups: ReplicaGroup[]) => groups.reduce((n, g) => n + g.tp * g.dp, 0);

/**
 * Every deployment the planner could choose within the budget and the pools: each prefill layout
 * with each decode layout that fits beside it, and every co-located layout. Stops at `limit`
 * (`truncated` says so): the verifier's enumeration, for small budgets.
 */
export function enumerateLayouts(
  space: CandidateSpace,
  mixedTp: boolean,
  limit = Infinity,
): { layouts: Deployment[]; truncated: boolean } {
  const layouts: Deployment[] = [];
  const role = (r: PlanRole) => space.roles.find((s) => s.role === r);
  const poolGpus = (r: RoleSpace) => space.pools.find((p) => p.name === r.pool)?.gpus ?? space.budget;
  const prefill = role('prefill');
  const decode = role('decode');
  const colocated = role('colocated');
  let truncated = false;
  const push = (d: Deployment) => {
    if (layouts.length >= limit) truncated = true;
    else layouts.push(d);
  };
  if (prefill && decode && prefill.tps.length > 0 && decode.tps.length > 0) {
    const samePool = prefill.pool === decode.pool;
    for (const p of roleLayouts(prefill, Math.min(space.budget, poolGpus(prefill)), mixedTp)) {
      const left = space.budget - groupGpus(p);
      const decodeRoom = samePool ? Math.min(left, poolGpus(decode) - groupGpus(p)) : Math.min(left, poolGpus(decode));
      if (decodeRoom <= 0) continue;
      for (const d of roleLayouts(decode, decodeRoom, mixedTp)) push({ kind: 'disaggregated', prefill: p, decode: d });
    }
  }
  if (colocated && colocated.tps.length > 0) {
    for (const c of roleLayouts(colocated, Math.min(space.budget, poolGpus(colocated)), mixedTp))
      push({ kind: 'colocated', colocated: c });
  }
  return { layouts, truncated };
}

/** Whether a deployment fits the budget, the pools, the TP degrees allowed and the node shape. */
export function layoutFits(space: CandidateSpace, d: Deployment, mixedTp: boolean): boolean {
  const check = (r: PlanRole, groups: ReplicaGroup[]): boolean => {
    const role = space.roles.find((s) => s.role === r);
    if (!role || groups.length === 0) return false;
    if (!mixedTp && groups.length > 1) return false;
    return groups.every((g) => g.dp >= 1 && role.tps.some((t) => t.tp === g.tp && g.dp <= t.maxReplicas));
  };
  if (deploymentGpus(d) > space.budget) return false;
  if (d.kind === 'colocated')
    return check('colocated', d.colocated) && groupGpus(d.colocated) <= (space.pools[0]?.gpus ?? space.budget);
  if (!check('prefill', d.prefill) || !check('decode', d.decode)) return false;
  const [p, dec] = [space.roles[0], space.roles[1]];
  const poolGpus = (name: string) => space.pools.find((x) => x.name === name)?.gpus ?? space.budget;
  if (p.pool === dec.pool) return groupGpus(d.prefill) + groupGpus(d.decode) <= poolGpus(p.pool);
  return groupGpus(d.prefill) <= poolGpus(p.pool) && groupGpus(d.decode) <= poolGpus(dec.pool);
}

/**
 * Layouts one step away: one replica fewer or more in a group, one replica moved between the
 * roles, or a group at the next TP degree with the same GPUs. What a local search needs to find
 * what the coefficient model misjudges (a decode replica that also prefills locally, say).
 */
export function neighbours(space: CandidateSpace, d: Deployment, mixedTp: boolean): Deployment[] {
  const out: Deployment[] = [];
  const edit = (groups: ReplicaGroup[], i: number, dpDelta: number): ReplicaGroup[] =>
    groups.map((g, j) => (j === i ? { ...g, dp: g.dp + dpDelta } : g)).filter((g) => g.dp > 0);
  const retp = (groups: ReplicaGroup[], i: number, tp: number): ReplicaGroup[] | undefined => {
    const g = groups[i];
    const gpus = g.tp * g.dp;
    if (gpus % tp !== 0) return undefined;
    return [...groups.slice(0, i), { tp, dp: gpus / tp }, ...groups.slice(i + 1)];
  };
  const tpsOf = (r: PlanRole) => space.roles.find((s) => s.role === r)?.tps.map((t) => t.tp) ?? [];
  // Same GPUs, one replica's TP changed: two replicas merged into one of twice the TP, or one split in two.
  const reshape = (r: PlanRole, groups: ReplicaGroup[]): ReplicaGroup[][] => {
    if (!mixedTp) return [];
    const tps = tpsOf(r);
    const out: ReplicaGroup[][] = [];
    groups.forEach((g, i) => {
      const rest = groups.filter((_, j) => j !== i);
      if (g.dp >= 2 && tps.includes(g.tp * 2))
        out.push([...rest, ...(g.dp > 2 ? [{ tp: g.tp, dp: g.dp - 2 }] : []), { tp: g.tp * 2, dp: 1 }]);
      if (g.tp % 2 === 0 && tps.includes(g.tp / 2))
        out.push([...rest, ...(g.dp > 1 ? [{ tp: g.tp, dp: g.dp - 1 }] : []), { tp: g.tp / 2, dp: 2 }]);
    });
    return out;
  };
  if (d.kind === 'colocated') {
    for (const g of reshape('colocated', d.colocated)) out.push({ kind: 'colocated', colocated: g });
    if (mixedTp)
      for (const tp of tpsOf('colocated'))
        if (!d.colocated.some((g) => g.tp === tp))
          out.push({ kind: 'colocated', colocated: [...d.colocated, { tp, dp: 1 }] });
    d.colocated.forEach((_, i) => {
      out.push(
        { kind: 'colocated', colocated: edit(d.colocated, i, -1) },
        { kind: 'colocated', colocated: edit(d.colocated, i, 1) },
      );
      for (const tp of tpsOf('colocated')) {
        const g = retp(d.colocated, i, tp);
        if (g && tp !== d.colocated[i].tp) out.push({ kind: 'colocated', colocated: g });
      }
    });
  } else {
    const dis = (prefill: ReplicaGroup[], decode: ReplicaGroup[]): Deployment => ({
      kind: 'disaggregated',
      prefill,
      decode,
    });
    for (const g of reshape('prefill', d.prefill)) out.push(dis(g, d.decode));
    for (const g of reshape('decode', d.decode)) out.push(dis(d.prefill, g));
    if (mixedTp) {
      // One more replica at another TP degree.
      for (const tp of tpsOf('prefill'))
        if (!d.prefill.some((g) => g.tp === tp)) out.push(dis([...d.prefill, { tp, dp: 1 }], d.decode));
      for (const tp of tpsOf('decode'))
        if (!d.decode.some((g) => g.tp === tp)) out.push(dis(d.prefill, [...d.decode, { tp, dp: 1 }]));
    }
    d.prefill.forEach((_, i) => {
      out.push(dis(edit(d.prefill, i, -1), d.decode), dis(edit(d.prefill, i, 1), d.decode));
      for (const tp of tpsOf('prefill')) {
        const g = retp(d.prefill, i, tp);
        if (g && tp !== d.prefill[i].tp) out.push(dis(g, d.decode));
      }
      d.decode.forEach((_, j) => {
        // A replica's worth of GPUs moved between the roles, at the receiving group's TP.
        const fromP = edit(d.prefill, i, -1);
        const gainD = Math.floor(d.prefill[i].tp / d.decode[j].tp);
        if (gainD >= 1) out.push(dis(fromP, edit(d.decode, j, gainD)));
        const fromD = edit(d.decode, j, -1);
        const gainP = Math.floor(d.decode[j].tp / d.prefill[i].tp);
        if (gainP >= 1) out.push(dis(edit(d.prefill, i, gainP), fromD));
      });
    });
    d.decode.forEach((_, j) => {
      out.push(dis(d.prefill, edit(d.decode, j, -1)), dis(d.prefill, edit(d.decode, j, 1)));
      for (const tp of tpsOf('decode')) {
        const g = retp(d.decode, j, tp);
        if (g && tp !== d.decode[j].tp) out.push(dis(d.prefill, g));
      }
    });
  }
  const seen = new Set<string>([layoutKey(d)]);
  return out
    .map(normalise)
    .filter((n) => layoutFits(space, n, mixedTp))
    .filter((n) => {
      const key = layoutKey(n);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * Sessions per second one replica of a role and TP carries at the attainment target, from the
 * coefficients: the highest measured per-replica rate that met it (undefined when nothing ran stably).
 */
export function replicaCapacity(
  coefficients: Coefficient[],
  role: PlanRole,
  tp: number,
  target: number,
): number | undefined {
  const stable = coefficients.filter((c) => c.role === role && c.tp === tp && !c.unstable);
  const ok = stable.filter((c) => c.sloAttainment >= target);
  if (ok.length > 0) return Math.max(...ok.map((c) => c.ratePerSec));
  // No level met the target (the SLO is tight for this shape): the rate it completes within SLO
  // at its best, scaled to the target, still orders shapes and sizes layouts.
  const good = stable.map((c) => (c.ratePerSec * c.sloAttainment) / target).filter((x) => x > 0);
  return good.length > 0 ? Math.max(...good) : undefined;
}

/** The coefficient model's estimate of a layout's headroom: the weakest role's summed replica capacity. */
export function capacityEstimate(coefficients: Coefficient[], d: Deployment, target: number): number {
  const role = (r: PlanRole, groups: ReplicaGroup[]) =>
    groups.reduce((n, g) => n + g.dp * (replicaCapacity(coefficients, r, g.tp, target) ?? 0), 0);
  return d.kind === 'colocated'
    ? role('colocated', d.colocated)
    : Math.min(role('prefill', d.prefill), role('decode', d.decode));
}

/**
 * Single-TP layouts the coefficient model calls best for each pairing of TP degrees (and each
 * co-located TP): the fewest GPUs whose capacity estimate reaches `rate`, and the split of the
 * whole budget with the highest capacity. The two ends of each pairing's GPUs-versus-headroom line.
 */
export function capacityLayouts(
  space: CandidateSpace,
  coefficients: Coefficient[],
  target: number,
  rate: number,
): { fewest: Deployment[]; widest: Deployment[] } {
  const fewest: { d: Deployment; gpus: number; cap: number }[] = [];
  const widest: { d: Deployment; cap: number }[] = [];
  const poolGpus = (r: RoleSpace) => space.pools.find((p) => p.name === r.pool)?.gpus ?? space.budget;
  const [prefill, decode, colocated] = [
    space.roles[0],
    space.roles[1],
    space.roles.find((r) => r.role === 'colocated'),
  ];
  if (prefill && decode) {
    const samePool = prefill.pool === decode.pool;
    for (const pt of prefill.tps) {
      const pc = replicaCapacity(coefficients, 'prefill', pt.tp, target);
      if (!pc) continue;
      for (const dt of decode.tps) {
        const dc = replicaCapacity(coefficients, 'decode', dt.tp, target);
        if (!dc) continue;
        let bestWide: { d: Deployment; cap: number } | undefined;
        let bestFew: { d: Deployment; gpus: number; cap: number } | undefined;
        for (let np = 1; np <= pt.maxReplicas && np * pt.tp <= Math.min(space.budget, poolGpus(prefill)); np++) {
          const room = samePool
            ? Math.min(space.budget, poolGpus(decode)) - np * pt.tp
            : Math.min(space.budget - np * pt.tp, poolGpus(decode));
          const maxNd = Math.min(dt.maxReplicas, Math.floor(room / dt.tp));
          if (maxNd < 1) continue;
          const d = (nd: number): Deployment => ({
            kind: 'disaggregated',
            prefill: [{ tp: pt.tp, dp: np }],
            decode: [{ tp: dt.tp, dp: nd }],
          });
          const cap = Math.min(np * pc, maxNd * dc);
          if (!bestWide || cap > bestWide.cap) bestWide = { d: d(maxNd), cap };
          if (np * pc >= rate) {
            const nd = Math.ceil(rate / dc - 1e-9);
            if (nd <= maxNd) {
              const gpus = np * pt.tp + nd * dt.tp;
              if (!bestFew || gpus < bestFew.gpus) bestFew = { d: d(nd), gpus, cap: Math.min(np * pc, nd * dc) };
            }
          }
        }
        if (bestWide) widest.push(bestWide);
        if (bestFew) fewest.push(bestFew);
      }
    }
  }
  if (colocated) {
    for (const t of colocated.tps) {
      const c = replicaCapacity(coefficients, 'colocated', t.tp, target);
      if (!c) continue;
      const most = Math.min(t.maxReplicas, Math.floor(Math.min(space.budget, poolGpus(colocated)) / t.tp));
      if (most < 1) continue;
      widest.push({ d: { kind: 'colocated', colocated: [{ tp: t.tp, dp: most }] }, cap: most * c });
      const n = Math.ceil(rate / c - 1e-9);
      if (n <= most)
        fewest.push({ d: { kind: 'colocated', colocated: [{ tp: t.tp, dp: n }] }, gpus: n * t.tp, cap: n * c });
    }
  }
  fewest.sort((a, b) => a.gpus - b.gpus || b.cap - a.cap);
  widest.sort((a, b) => b.cap - a.cap);
  return { fewest: fewest.map((x) => x.d), widest: widest.map((x) => x.d) };
}
