/**
 * The planner's integer program (AMPD §5, Eq. 5, generalised) and a brute-force enumerator of the
 * same model, which the tests hold the solver to.
 *
 * Decision variables: x[o][j] = replicas of option o (a role at one TP degree) that each carry the
 * share `levels[j].share` of the plan's load. A replica at level j has a "badness" coefficient from
 * simulation (its P95 latency over the SLO for the paper's objective, its SLO miss rate for the
 * attainment objectives). As in Eq. 5, W bounds the badness of every instantiated replica (C1, C2)
 * and the GPUs used stay within the budget (C3); unlike Eq. 5, whose coefficients are per TP only,
 * every role must carry the whole load (Σ share·x ≥ 1), which is what ties the latency of a replica
 * to how many replicas share the load. Co-located replicas form a third role, switched on by a
 * binary mode variable so that one solve compares both families.
 */

export type PlanRole = 'prefill' | 'decode' | 'colocated';

/** The part of a HiGHS instance the planner uses (the `highs` package's one-shot API). */
export interface HighsSolver {
  solve(
    problem: string,
    options?: Record<string, unknown>,
  ): { Status: string; ObjectiveValue: number; Columns: Record<string, { Primal: number }> };
}

export interface LoadLevel {
  /** Fraction of the plan's arrival rate one replica carries. */
  share: number;
  /** Lower is better; the objective bounds the worst instantiated replica's value. */
  badness: number;
}

export interface ReplicaOption {
  role: PlanRole;
  tp: number;
  /** Name of the GPU pool the replica takes its GPUs from. */
  pool: string;
  /** Most replicas of this TP the pool can place (node shape). */
  maxReplicas: number;
  /** Load levels this replica can run at (unstable ones already left out). */
  levels: LoadLevel[];
}

export interface IlpModel {
  options: ReplicaOption[];
  gpuBudget: number;
  pools: { name: string; gpus: number }[];
  /** `bottleneck`: minimise the worst replica's badness, then GPUs; `gpus`: minimise GPUs, then badness. */
  objective: 'bottleneck' | 'gpus';
  /** Allow different TP degrees inside one role. */
  mixedTp: boolean;
}

export interface IlpSolution {
  /** Replicas per option index (0 where unused). */
  counts: number[];
  gpus: number;
  /** Worst badness over the instantiated replicas at their chosen levels. */
  worstBadness: number;
}

export interface IlpOutcome {
  solution?: IlpSolution;
  status: string;
  variables: number;
  constraints: number;
}

const DISAGGREGATED_ROLES: PlanRole[] = ['prefill', 'decode'];

function fmt(value: number): string {
  // LP format wants plain decimals; 12 significant digits keep coefficients exact enough.
  return Number(value.toPrecision(12)).toString();
}

function linear(terms: [number, string][]): string {
  const parts = terms
    .filter(([c]) => c !== 0)
    .map(([c, v], i) => {
      const sign = c < 0 ? '-' : i === 0 ? '' : '+';
      return `${sign} ${fmt(Math.abs(c))} ${v}`;
    });
  return parts.length > 0 ? parts.join(' ') : '0 W';
}

function levelCap(option: ReplicaOption, level: LoadLevel): number {
  return Math.min(option.maxReplicas, Math.ceil(1 / level.share - 1e-9));
}

interface Formulation {
  lp: string;
  variables: number;
  constraints: number;
}

/**
 * Writes the model in CPLEX LP format. `stage` picks the primary objective or, with a bound, the
 * secondary one under the primary's optimum. `exclude` holds earlier solutions' counts: their
 * shapes (which role uses which TP) are cut off, so the next-best candidates differ in structure
 * rather than by one replica.
 */
export function formulate(
  model: IlpModel,
  stage: {
    minimise: 'badness' | 'gpus' | 'weighted';
    weights?: { badness: number; gpus: number };
    badnessBound?: number;
    gpuBound?: number;
  },
  exclude: number[][] = [],
): Formulation {
  const rows: string[] = [];
  const general: string[] = [];
  const binary: string[] = [];
  const bounds: string[] = [];
  const gpuTerms: [number, string][] = [];
  const hasColocated = model.options.some((o) => o.role === 'colocated' && o.levels.length > 0);
  const hasDisaggregated = DISAGGREGATED_ROLES.every((r) =>
    model.options.some((o) => o.role === r && o.levels.length > 0),
  );
  const needsMode = hasColocated && hasDisaggregated;
  // A role whose partner role has no usable option cannot be part of any deployment.
  const active = (option: ReplicaOption): boolean =>
    option.levels.length > 0 &&
    option.maxReplicas > 0 &&
    (option.role === 'colocated' ? hasColocated : hasDisaggregated);
  if (needsMode) binary.push('m');
  const coverage = new Map<PlanRole, [number, string][]>();
  const usedByRole = new Map<PlanRole, string[]>();

  // W takes one of the badness values: y_k = 1 means W ≥ θ_k (cumulative, so y_k ≥ y_k+1), and
  // W = θ_0 + Σ (θ_k − θ_k−1)·y_k. Far tighter than a big-M indicator per level.
  const thresholds = [...new Set(model.options.filter(active).flatMap((o) => o.levels.map((l) => l.badness)))].sort(
    (a, b) => a - b,
  );
  const thresholdIndex = new Map(thresholds.map((t, k) => [t, k]));
  if (thresholds.length > 0) {
    const wTerms: [number, string][] = [[1, 'W']];
    for (let k = 1; k < thresholds.length; k++) {
      binary.push(`y_${k}`);
      wTerms.push([-(thresholds[k] - thresholds[k - 1]), `y_${k}`]);
      if (k > 1) rows.push(`y_${k - 1} - y_${k} >= 0`);
    }
    rows.push(`${linear(wTerms)} = ${fmt(thresholds[0])}`);
  }

  model.options.forEach((option, o) => {
    if (!active(option)) return;
    const used = `u_${o}`;
    binary.push(used);
    usedByRole.set(option.role, [...(usedByRole.get(option.role) ?? []), used]);
    const levelVars: string[] = [];
    option.levels.forEach((level, j) => {
      const x = `x_${o}_${j}`;
      // ceil(1/share) replicas at one level already carry the role's whole load, so no optimum
      // needs more; the tighter bound keeps the LP relaxation close to the integer hull.
      const most = levelCap(option, level);
      general.push(x);
      bounds.push(`0 <= ${x} <= ${most}`);
      levelVars.push(x);
      // A level is usable only when W has reached its badness (y of its threshold is 1).
      const k = thresholdIndex.get(level.badness)!;
      if (k > 0) rows.push(`${x} - ${most} y_${k} <= 0`);
      coverage.set(option.role, [...(coverage.get(option.role) ?? []), [level.share, x]]);
      gpuTerms.push([option.tp, x]);
    });
    rows.push(`${linear(levelVars.map((v) => [1, v]))} - ${option.maxReplicas} ${used} <= 0`);
    // …and a used shape has at least one replica, so a shape cut cannot be dodged with an empty one.
    rows.push(`${linear(levelVars.map((v) => [1, v]))} - ${used} >= 0`);
    if (needsMode) {
      // Co-located replicas only in co-located mode (m = 1), disaggregated ones only outside it.
      rows.push(option.role === 'colocated' ? `${used} - m <= 0` : `${used} + m <= 1`);
    }
  });

  for (const [role, terms] of coverage) {
    if (!needsMode) rows.push(`${linear(terms)} >= 1`);
    else if (role === 'colocated') rows.push(`${linear(terms)} - m >= 0`);
    else rows.push(`${linear(terms)} + m >= 1`);
  }
  if (!model.mixedTp) {
    for (const used of usedByRole.values()) if (used.length > 1) rows.push(`${linear(used.map((u) => [1, u]))} <= 1`);
  }
  if (gpuTerms.length > 0) rows.push(`${linear(gpuTerms)} <= ${model.gpuBudget}`);
  for (const pool of model.pools) {
    const terms: [number, string][] = [];
    model.options.forEach((option, o) => {
      if (option.pool === pool.name && active(option))
        option.levels.forEach((_, j) => terms.push([option.tp, `x_${o}_${j}`]));
    });
    if (terms.length > 0 && pool.gpus < model.gpuBudget) rows.push(`${linear(terms)} <= ${pool.gpus}`);
  }
  if (stage.badnessBound !== undefined) rows.push(`W <= ${fmt(stage.badnessBound)}`);
  if (stage.gpuBound !== undefined && gpuTerms.length > 0) rows.push(`${linear(gpuTerms)} <= ${stage.gpuBound}`);

  exclude.forEach((counts) => {
    // A new shape: some (role, TP) used that was not, or not used that was.
    const terms: [number, string][] = [];
    let constant = 0;
    model.options.forEach((option, o) => {
      if (!active(option)) return;
      if ((counts[o] ?? 0) > 0) {
        terms.push([-1, `u_${o}`]);
        constant += 1;
      } else terms.push([1, `u_${o}`]);
    });
    rows.push(`${linear(terms)} >= ${1 - constant}`);
  });

  const objective =
    stage.minimise === 'badness'
      ? 'W'
      : stage.minimise === 'weighted' && stage.weights
        ? linear([
            [stage.weights.badness, 'W'],
            ...gpuTerms.map(([c, v]): [number, string] => [c * stage.weights!.gpus, v]),
          ])
        : gpuTerms.length > 0
          ? linear(gpuTerms)
          : '0 W';
  const lp = [
    'Minimize',
    ` obj: ${objective}`,
    'Subject To',
    ...rows.map((r, i) => ` c${i}: ${r}`),
    'Bounds',
    ' W >= 0',
    ...bounds.map((b) => ` ${b}`),
    ...(general.length > 0 ? ['General', ` ${general.join(' ')}`] : []),
    ...(binary.length > 0 ? ['Binary', ` ${binary.join(' ')}`] : []),
    'End',
    '',
  ].join('\n');
  const variables = 1 + general.length + binary.length;
  return { lp, variables, constraints: rows.length };
}

function readSolution(model: IlpModel, columns: Record<string, { Primal: number }>): IlpSolution {
  const counts = model.options.map((option, o) =>
    option.levels.reduce((n, _, j) => n + Math.round(columns[`x_${o}_${j}`]?.Primal ?? 0), 0),
  );
  let worst = 0;
  let gpus = 0;
  model.options.forEach((option, o) => {
    gpus += counts[o] * option.tp;
    option.levels.forEach((level, j) => {
      if (Math.round(columns[`x_${o}_${j}`]?.Primal ?? 0) > 0) worst = Math.max(worst, level.badness);
    });
  });
  return { counts, gpus, worstBadness: worst };
}

const SOLVER_OPTIONS = {
  mip_rel_gap: 0,
  mip_abs_gap: 1e-9,
  output_flag: false,
  log_to_console: false,
  parallel: 'off',
  threads: 1,
  mip_heuristic_run_feasibility_jump: false,
};

/** Lexicographic solve: the primary objective, then the secondary one at the primary's optimum. */
export function solveIlp(highs: HighsSolver, model: IlpModel, exclude: number[][] = []): IlpOutcome {
  const primary = model.objective === 'bottleneck' ? 'badness' : 'gpus';
  const usable = (role: PlanRole) =>
    model.options.some((o) => o.role === role && o.levels.length > 0 && o.maxReplicas > 0);
  if (!(usable('prefill') && usable('decode')) && !usable('colocated')) {
    return { status: 'Infeasible', variables: 0, constraints: 0 };
  }
  // One solve, lexicographic through weights: both objectives take discrete values (badness
  // thresholds at least `step` apart, whole GPUs), so the primary's weight can dominate every
  // difference in the secondary, and a gap below the smallest step still proves optimality.
  const badnessValues = [...new Set(model.options.flatMap((o) => o.levels.map((l) => l.badness)))].sort(
    (x, y) => x - y,
  );
  const step = badnessValues.slice(1).reduce((m, v, i) => Math.min(m, v - badnessValues[i]), 1);
  const maxBadness = badnessValues[badnessValues.length - 1] ?? 0;
  const weights =
    primary === 'badness'
      ? { badness: (2 * (model.gpuBudget + 1)) / step, gpus: 1, gap: 0.5 }
      : { badness: 0.5 / (maxBadness + 1), gpus: 1, gap: Math.min(0.5, (0.5 / (maxBadness + 1)) * step) / 2 };
  const first = formulate(model, { minimise: 'weighted', weights }, exclude);
  const r1 = highs.solve(first.lp, { ...SOLVER_OPTIONS, mip_abs_gap: weights.gap });
  if (r1.Status !== 'Optimal') return { status: r1.Status, variables: first.variables, constraints: first.constraints };
  const solution = readSolution(model, r1.Columns);
  return { solution, status: 'Optimal', variables: first.variables, constraints: first.constraints };
}

/** Score of a fixed set of replica counts under the model, or undefined when it cannot carry the load. */
export function evaluateCounts(model: IlpModel, counts: number[]): IlpSolution | undefined {
  const used = model.options.map((_, o) => (counts[o] ?? 0) > 0);
  const roles = new Set(model.options.filter((_, o) => used[o]).map((o) => o.role));
  const colocated = roles.has('colocated');
  if (colocated && roles.size > 1) return undefined;
  if (!colocated && !(roles.has('prefill') && roles.has('decode'))) return undefined;
  let gpus = 0;
  const poolGpus = new Map<string, number>();
  for (const [o, option] of model.options.entries()) {
    const n = counts[o] ?? 0;
    if (n > option.maxReplicas || (n > 0 && option.levels.length === 0)) return undefined;
    gpus += n * option.tp;
    poolGpus.set(option.pool, (poolGpus.get(option.pool) ?? 0) + n * option.tp);
  }
  if (gpus > model.gpuBudget) return undefined;
  for (const pool of model.pools) if ((poolGpus.get(pool.name) ?? 0) > pool.gpus) return undefined;
  if (!model.mixedTp) {
    for (const role of roles)
      if (model.options.filter((o, i) => used[i] && o.role === role).length > 1) return undefined;
  }
  // The smallest bound W under which every used replica has a level and each role covers the load.
  const thresholds = [
    ...new Set(model.options.flatMap((o, i) => (used[i] ? o.levels.map((l) => l.badness) : []))),
  ].sort((a, b) => a - b);
  for (const bound of thresholds) {
    let ok = true;
    const covered = new Map<PlanRole, number>();
    model.options.forEach((option, o) => {
      if (!used[o]) return;
      const shares = option.levels.filter((l) => l.badness <= bound).map((l) => l.share);
      if (shares.length === 0) ok = false;
      else covered.set(option.role, (covered.get(option.role) ?? 0) + counts[o] * Math.max(...shares));
    });
    if (ok && [...covered.values()].every((c) => c >= 1 - 1e-9)) {
      return { counts: [...counts], gpus, worstBadness: Math.max(0, bound) };
    }
  }
  return undefined;
}

/** Every count vector within the pools' limits (for small models: tests and tiny budgets). */
export function bruteForce(model: IlpModel): IlpSolution | undefined {
  let best: IlpSolution | undefined;
  const counts = model.options.map(() => 0);
  const better = (a: IlpSolution, b: IlpSolution | undefined): boolean => {
    if (!b) return true;
    const [a1, a2, b1, b2] =
      model.objective === 'bottleneck'
        ? [a.worstBadness, a.gpus, b.worstBadness, b.gpus]
        : [a.gpus, a.worstBadness, b.gpus, b.worstBadness];
    return a1 < b1 - 1e-9 || (Math.abs(a1 - b1) <= 1e-9 && a2 < b2 - 1e-9);
  };
  const visit = (o: number, gpusLeft: number): void => {
    if (o === model.options.length) {
      const scored = evaluateCounts(model, counts);
      if (scored && better(scored, best)) best = scored;
      return;
    }
    const option = model.options[o];
    const most = option.levels.length === 0 ? 0 : Math.min(option.maxReplicas, Math.floor(gpusLeft / option.tp));
    for (let n = 0; n <= most; n++) {
      counts[o] = n;
      visit(o + 1, gpusLeft - n * option.tp);
    }
    counts[o] = 0;
  };
  visit(0, model.gpuBudget);
  return best;
}
