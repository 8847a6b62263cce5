import {
  findGpu,
  findModel,
  findWorkloadProfile,
  gpuSpellings,
  modelSpellings,
  suggest,
  suggestSpelling,
  workloadProfileNames,
  workloadProfileSpellings,
  type Spellings,
} from './catalog';
import type { SpecCode } from './codes';
import { COLOCATED_POLICIES, DEFAULTS, ROUTING_PARAMETERS } from './defaults';
import { deploymentGpus, deploymentReplicas, MAX_REPLICAS, parseDeploymentSpec } from './deployment';
import { clusterGpus, maxGpusPerNode, resolveDeployment, totalGpus, tpSuitsModel, type Raw } from './resolve';
import type { Distribution, FileReference, ModelSpec, Plan, PoolSpec, ReplicaGroup } from './types';
import { displayPath } from './yamlSource';
import { expertParallelProblem } from './parallelism';

/** Where a check reports: a JSON path inside the plan (the loader turns it into a range). */
export interface Report {
  (
    code: SpecCode,
    path: string,
    message: string,
    options?: { at?: 'value' | 'key'; fix?: { replacement: string; title: string } },
  ): void;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Catalog names, deployment notation and file references, checked on the plan as written (before
 * normalisation) so each problem points at the text the user typed. `prefix` is `/variants/<name>`
 * for a variant's overrides. Defensive: runs even when the schema found errors elsewhere.
 */
export function checkNames(
  raw: Raw,
  prefix: string,
  report: Report,
  references: FileReference[] | undefined,
  options: { profileNames?: readonly string[] },
): void {
  if (!isObject(raw)) return;
  checkName(raw.model, `${prefix}/model`, 'model', findModel, modelSpellings(), 'PDP020', report);
  if (isObject(raw.cluster)) {
    for (const pool of ['', '/prefillPool', '/decodePool']) {
      const node = pool === '' ? raw.cluster : raw.cluster[pool.slice(1)];
      if (isObject(node))
        checkName(node.gpu, `${prefix}/cluster${pool}/gpu`, 'GPU', findGpu, gpuSpellings(), 'PDP021', report);
    }
  }
  const workloadRaw = raw.workload;
  if (typeof workloadRaw === 'string') {
    checkCatalogName(
      workloadRaw,
      `${prefix}/workload`,
      'workload profile',
      findWorkloadProfile,
      workloadProfileSpellings(),
      'PDP022',
      report,
    );
  } else if (isObject(workloadRaw) && typeof workloadRaw.profile === 'string') {
    checkCatalogName(
      workloadRaw.profile,
      `${prefix}/workload/profile`,
      'workload profile',
      findWorkloadProfile,
      workloadProfileSpellings(),
      'PDP022',
      report,
    );
  }
  if (isObject(workloadRaw) && typeof workloadRaw.trace === 'string' && workloadRaw.trace !== '') {
    references?.push({ kind: 'trace', path: workloadRaw.trace, jsonPath: `${prefix}/workload/trace`, range: ZERO });
  }
  if (isObject(raw.perf) && typeof raw.perf.profile === 'string' && raw.perf.profile !== '') {
    checkProfile(raw.perf.profile, `${prefix}/perf/profile`, report, references, options.profileNames);
  }
  checkDeploymentShape(raw.deployment, `${prefix}/deployment`, report);
}

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function checkName(
  value: unknown,
  path: string,
  what: string,
  find: (name: string) => unknown,
  names: Spellings[],
  code: SpecCode,
  report: Report,
): void {
  if (typeof value === 'string') checkCatalogName(value, path, what, find, names, code, report);
  else if (isObject(value) && typeof value.preset === 'string') {
    checkCatalogName(value.preset, `${path}/preset`, what, find, names, code, report);
  }
}

function checkCatalogName(
  name: string,
  path: string,
  what: string,
  find: (name: string) => unknown,
  entries: Spellings[],
  code: SpecCode,
  report: Report,
): void {
  if (find(name)) return;
  const guess = suggestSpelling(name, entries);
  const names = entries.map((spellings) => spellings[0]);
  const shown = name.length > 40 ? name.slice(0, 37) + '...' : name;
  report(
    code,
    path,
    `unknown ${what} '${shown}'` +
      (guess ? `; did you mean '${guess}'?` : `; use one of ${names.join(', ')}, or describe it inline.`),
    guess ? { fix: { replacement: guess, title: `Change to '${guess}'` } } : undefined,
  );
}

function checkProfile(
  profile: string,
  path: string,
  report: Report,
  references: FileReference[] | undefined,
  profileNames: readonly string[] | undefined,
): void {
  const isPath = /\.(csv|json)$/i.test(profile) || profile.includes('/') || profile.includes('\\');
  if (isPath) {
    references?.push({ kind: 'profile', path: profile, jsonPath: path, range: ZERO });
    return;
  }
  if (profileNames && !profileNames.some((n) => n.toLowerCase() === profile.toLowerCase())) {
    const guess = suggest(profile, profileNames);
    report(
      'PDP023',
      path,
      `unknown performance profile '${profile}'` +
        (guess
          ? `; did you mean '${guess}'?`
          : profileNames.length > 0
            ? `; use one of ${profileNames.join(', ')}, or a .csv/.json path relative to the plan.`
            : '; give a .csv/.json path relative to the plan.'),
      guess ? { fix: { replacement: guess, title: `Change to '${guess}'` } } : undefined,
    );
    return;
  }
  const name = profileNames?.find((n) => n.toLowerCase() === profile.toLowerCase()) ?? profile;
  references?.push({
    kind: 'profile',
    path: `catalog/profiles/${name}.csv`,
    builtIn: true,
    jsonPath: path,
    range: ZERO,
  });
}

function checkDeploymentShape(value: unknown, path: string, report: Report): void {
  if (typeof value === 'string') {
    const parsed = parseDeploymentSpec(value);
    if ('error' in parsed) report('PDP024', path, `invalid deployment: ${parsed.error}.`);
    return;
  }
  if (!isObject(value)) return;
  const has = (key: string) => value[key] !== undefined;
  if (has('colocated') && (has('prefill') || has('decode'))) {
    report(
      'PDP024',
      path,
      "a deployment is either co-located ('colocated') or disaggregated ('prefill' and 'decode'), not both; remove one.",
    );
  } else if (!has('colocated') && !(has('prefill') && has('decode'))) {
    const missing = has('prefill') ? 'decode' : has('decode') ? 'prefill' : 'prefill and decode';
    report(
      'PDP024',
      path,
      `a disaggregated deployment needs both 'prefill' and 'decode' groups; add '${missing}' (or use 'colocated').`,
      {
        at: 'key',
      },
    );
  }
}

/**
 * Mean of a workload distribution, clipped to its bounds: the "typical" size the physical checks,
 * the performance model's memory plan and the planner use. Clipping the mean rather than
 * integrating the truncated distribution is an approximation, good enough for that.
 */
export function distributionMean(distribution: Distribution): number {
  switch (distribution.kind) {
    case 'constant':
      return distribution.value;
    case 'uniform':
      return (distribution.min + distribution.max) / 2;
    case 'empirical': {
      const { values, weights } = distribution;
      let sum = 0;
      let total = 0;
      for (let i = 0; i < values.length; i++) {
        const weight = weights?.[i] ?? 1;
        sum += values[i] * weight;
        total += weight;
      }
      return total > 0 ? sum / total : 0;
    }
    default: {
      let mean = distribution.mean;
      if (distribution.min !== undefined) mean = Math.max(mean, distribution.min);
      if (distribution.max !== undefined) mean = Math.min(mean, distribution.max);
      return mean;
    }
  }
}

const DISTRIBUTION_FLOORS: Record<string, { floor: number; what: string; ceiling: number; unit: string }> = {
  rounds: { floor: 1, what: 'a session has at least 1 round', ceiling: 10_000, unit: 'rounds' },
  initialPromptTokens: { floor: 1, what: 'a prompt has at least 1 token', ceiling: 10_000_000, unit: 'tokens' },
  incrementalTokens: { floor: 0, what: 'token counts cannot be negative', ceiling: 10_000_000, unit: 'tokens' },
  outputTokens: { floor: 1, what: 'a round outputs at least 1 token', ceiling: 10_000_000, unit: 'tokens' },
  toolLatencyMs: { floor: 0, what: 'a latency cannot be negative', ceiling: 1e9, unit: 'ms' },
};

/** The first value of a distribution above its quantity's ceiling (sizes a simulation can hold), if any. */
function aboveCeiling(d: Record<string, unknown>, ceiling: number): { at: string; value: number } | undefined {
  for (const key of ['value', 'min', 'max', 'mean', 'std']) {
    const v = d[key];
    if (typeof v === 'number' && v > ceiling) return { at: key, value: v };
  }
  if (Array.isArray(d.values)) {
    const i = d.values.findIndex((v) => typeof v === 'number' && v > ceiling);
    if (i >= 0) return { at: `values/${i}`, value: d.values[i] as number };
  }
  return undefined;
}

function checkDistribution(raw: unknown, path: string, key: string, report: Report): void {
  if (raw === undefined) return;
  const { floor, what, ceiling, unit } = DISTRIBUTION_FLOORS[key];
  if (typeof raw === 'number') {
    if (raw < floor)
      report('PDP041', path, `${displayPath(path)} is ${raw}, but ${what}; use a value of at least ${floor}.`);
    else if (raw > ceiling)
      report(
        'PDP041',
        path,
        `${displayPath(path)} is ${raw}; at most ${ceiling.toLocaleString('en-US')} ${unit} are simulated — lower it.`,
      );
    return;
  }
  if (!isObject(raw)) return;
  const high = aboveCeiling(raw, ceiling);
  if (high) {
    report(
      'PDP041',
      `${path}/${high.at}`,
      `${high.at.replace(/\/\d+$/, '')} ${high.value} is above ${ceiling.toLocaleString('en-US')} ${unit}, the most a simulation holds; lower it.`,
    );
    return;
  }
  const d = raw as unknown as Distribution & { min?: number; max?: number; mean?: number };
  if (d.min !== undefined && d.max !== undefined && d.min > d.max) {
    report('PDP040', `${path}/min`, `min (${d.min}) is above max (${d.max}); swap them or fix one.`);
    return;
  }
  if ((d.kind === 'lognormal' || d.kind === 'exponential' || d.kind === 'gamma') && d.mean <= 0) {
    report(
      'PDP040',
      `${path}/mean`,
      `a ${d.kind} distribution has a positive mean, not ${d.mean}; give a mean above 0.`,
    );
    return;
  }
  if (d.kind !== 'uniform' && d.mean !== undefined) {
    if ((d.min !== undefined && d.mean < d.min) || (d.max !== undefined && d.mean > d.max)) {
      report(
        'PDP040',
        `${path}/mean`,
        `mean ${d.mean} lies outside [${d.min ?? '-inf'}, ${d.max ?? 'inf'}]; clipping would change it — widen the bounds or move the mean.`,
      );
      return;
    }
  }
  if (d.kind === 'empirical') {
    if (d.weights !== undefined && d.weights.length !== d.values.length) {
      report(
        'PDP040',
        `${path}/weights`,
        `${d.weights.length} weights for ${d.values.length} values; give one weight per value.`,
      );
      return;
    }
    const weightSum = d.weights?.reduce((a, b) => a + b, 0);
    if (weightSum !== undefined && weightSum <= 0) {
      report('PDP040', `${path}/weights`, 'the weights sum to 0; give at least one positive weight.');
      return;
    }
    if (weightSum !== undefined && !(Number.isFinite(weightSum) && Number.isFinite(distributionMean(d) * weightSum))) {
      report(
        'PDP040',
        `${path}/weights`,
        'the weights are so large that their sum is not a finite number; only their ratios matter — scale them down.',
      );
      return;
    }
    const low = d.values.findIndex((v) => v < floor);
    if (low >= 0)
      report(
        'PDP041',
        `${path}/values/${low}`,
        `value ${d.values[low]} is below ${floor}: ${what}; remove or raise it.`,
      );
    return;
  }
  const lowest =
    d.kind === 'constant'
      ? { value: d.value, at: 'value' }
      : d.kind === 'uniform'
        ? { value: d.min, at: 'min' }
        : d.min !== undefined
          ? { value: d.min, at: 'min' }
          : undefined;
  if (lowest && lowest.value < floor) {
    report(
      'PDP041',
      `${path}/${lowest.at}`,
      `${lowest.at} ${lowest.value} is below ${floor}: ${what}; raise it to at least ${floor}.`,
    );
  } else if (d.kind === 'normal' && d.min === undefined && d.mean - 2 * d.std < floor) {
    report(
      'PDP041',
      path,
      `a normal distribution with mean ${d.mean} and std ${d.std} often falls below ${floor} (${what}); add 'min: ${floor}' or use lognormal.`,
      {
        at: 'key',
      },
    );
  }
}

/**
 * Checks a schema cannot express, on a resolved plan. `raw` is the normalised plan as written (to
 * know what the user wrote and where); paths are relative to the plan root.
 */
export function checkSemantics(plan: Plan, raw: Raw, report: Report): void {
  checkModel(plan.model, raw, report);
  checkTpDegrees(plan, raw, report);
  checkDeployment(plan, raw, report);
  checkBudget(plan, raw, report);
  checkWorkload(plan, raw, report);
  checkPolicy(plan, raw, report);
}

function checkModel(model: ModelSpec, raw: Raw, report: Report): void {
  const at = (field: string) =>
    isObject(raw.model) && field.split('/')[0] in raw.model ? `/model/${field}` : '/model';
  if (!model.mla && model.attentionHeads % model.kvHeads !== 0) {
    report(
      'PDP036',
      at('kvHeads'),
      `attentionHeads (${model.attentionHeads}) is not a multiple of kvHeads (${model.kvHeads}); grouped-query attention needs it to be — check the model's config.json.`,
    );
  }
  if (model.moe && model.moe.activeExperts > model.moe.experts) {
    report(
      'PDP036',
      at('moe'),
      `activeExperts (${model.moe.activeExperts}) exceeds experts (${model.moe.experts}); a token cannot use more experts than exist.`,
    );
  }
  if (model.moe && model.moe.denseLayers > model.layers) {
    report('PDP036', at('moe'), `denseLayers (${model.moe.denseLayers}) exceeds layers (${model.layers}); lower it.`);
  }
}

function tpProblems(
  tp: number,
  model: ModelSpec,
  gpusPerNode: number,
  path: string,
  report: Report,
  poolName: string,
): void {
  // The one number to type instead fixes every TP problem at once; offered where the TP is a number of its own.
  const nearest = nearestValidTp(tp, model, gpusPerNode);
  const fix =
    nearest !== undefined && /\/tp$|\/tpDegrees\/\d+$/.test(path)
      ? { fix: { replacement: String(nearest), title: `Change TP to ${nearest} (the nearest valid TP)` } }
      : undefined;
  if (model.attentionHeads % tp !== 0) {
    report(
      'PDP030',
      path,
      `TP ${tp} does not divide the ${model.attentionHeads} attention heads of ${model.name}; use a divisor such as ${divisors(model.attentionHeads, gpusPerNode).join(', ')}.`,
      fix,
    );
  } else if (!model.mla && !tpSuitsModel(tp, model)) {
    report(
      'PDP031',
      path,
      `TP ${tp} neither divides the ${model.kvHeads} KV heads of ${model.name} nor is a multiple of them; use one of ${divisors(
        model.attentionHeads,
        gpusPerNode,
      )
        .filter((t) => tpSuitsModel(t, model))
        .join(', ')}.`,
      fix,
    );
  }
  if (tp > gpusPerNode) {
    report(
      'PDP032',
      path,
      `TP ${tp} exceeds the ${gpusPerNode} GPUs per node of the ${poolName}; a TP group stays within one node — use at most ${gpusPerNode}.`,
      fix,
    );
  }
}

/** The valid TP closest to `tp` (the smaller one on a tie: it fits more places). */
export function nearestValidTp(tp: number, model: ModelSpec, gpusPerNode: number): number | undefined {
  const valid = divisors(model.attentionHeads, gpusPerNode).filter((t) => tpSuitsModel(t, model));
  let best: number | undefined;
  for (const t of valid) if (best === undefined || Math.abs(t - tp) < Math.abs(best - tp)) best = t;
  return best;
}

function divisors(n: number, limit: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, limit); d++) if (n % d === 0) out.push(d);
  return out;
}

function checkTpDegrees(plan: Plan, raw: Raw, report: Report): void {
  checkEpDegrees(plan, raw, report);
  const written: unknown = raw.planner?.tpDegrees;
  if (!Array.isArray(written)) return;
  const limit = maxGpusPerNode(plan.cluster);
  written.forEach((tp, i) => {
    if (typeof tp === 'number') tpProblems(tp, plan.model, limit, `/planner/tpDegrees/${i}`, report, 'cluster');
  });
}

function checkEpDegrees(plan: Plan, raw: Raw, report: Report): void {
  const written: unknown = raw.planner?.epDegrees;
  if (!Array.isArray(written)) return;
  const pools = [plan.cluster.prefillPool ?? plan.cluster, plan.cluster.decodePool ?? plan.cluster];
  written.forEach((width, i) => {
    if (typeof width !== 'number') return;
    const problem = pools
      .map((p) => expertParallelProblem(plan.model, p.gpusPerNode, width, plan.planner.attentionTp ?? 1))
      .find((x) => x);
    if (problem) report('PDP037', `/planner/epDegrees/${i}`, `${problem}.`);
  });
}

function poolFor(plan: Plan, role: 'prefill' | 'decode' | 'colocated'): { pool: PoolSpec; name: string } {
  if (role === 'prefill' && plan.cluster.prefillPool) return { pool: plan.cluster.prefillPool, name: 'prefill pool' };
  if (role === 'decode' && plan.cluster.decodePool) return { pool: plan.cluster.decodePool, name: 'decode pool' };
  return { pool: plan.cluster, name: 'cluster' };
}

function deploymentRoles(
  deployment: NonNullable<Plan['deployment']>,
): ['prefill' | 'decode' | 'colocated', ReplicaGroup[]][] {
  return deployment.kind === 'colocated'
    ? [['colocated', deployment.colocated]]
    : [
        ['prefill', deployment.prefill],
        ['decode', deployment.decode],
      ];
}

function checkDeploymentTp(plan: Pick<Plan, 'model' | 'cluster' | 'deployment'>, raw: Raw, report: Report): void {
  if (!plan.deployment) return;
  const asObject = isObject(raw.deployment);
  for (const [role, groups] of deploymentRoles(plan.deployment)) {
    const { pool, name } = poolFor(plan as Plan, role);
    groups.forEach((group, i) => {
      if (group.ep !== undefined) {
        const at = asObject ? `/deployment/${role}/${i}` : '/deployment';
        const problem =
          group.ep !== group.tp
            ? `ep (${group.ep}) must equal tp (${group.tp}): an expert-parallel replica shards its experts over all its GPUs`
            : expertParallelProblem(plan.model, pool.gpusPerNode, group.tp, group.attentionTp ?? 1);
        if (problem) report('PDP037', at, `${role} replicas: ${problem}.`);
        return;
      }
      if (Number.isInteger(group.tp) && group.tp >= 1)
        tpProblems(
          group.tp,
          plan.model,
          pool.gpusPerNode,
          asObject ? `/deployment/${role}/${i}/tp` : '/deployment',
          report,
          name,
        );
    });
  }
}

/**
 * The TP checks of a plan that has errors elsewhere (a misspelt GPU, a bad SLO…), which stop the
 * full semantic checks: a TP that does not suit the model is an independent mistake and is shown
 * with the others, not after they are fixed. Runs on what the raw plan settles — the model by name
 * or with its heads written out, GPUs per node as written — and skips anything it cannot settle.
 */
export function checkTpIndependently(raw: Raw, report: Report, hasErrorAt: (path: string) => boolean): void {
  if (!isObject(raw) || hasErrorAt('/model')) return;
  const modelRaw = raw.model;
  const preset =
    typeof modelRaw === 'string'
      ? modelRaw
      : isObject(modelRaw) && typeof modelRaw.preset === 'string'
        ? modelRaw.preset
        : undefined;
  const base = preset !== undefined ? findModel(preset) : undefined;
  const heads = (key: 'attentionHeads' | 'kvHeads'): number | undefined => {
    const written = isObject(modelRaw) ? modelRaw[key] : undefined;
    return typeof written === 'number' && Number.isInteger(written) && written > 0 ? written : base?.[key];
  };
  const attentionHeads = heads('attentionHeads');
  const kvHeads = heads('kvHeads');
  if (attentionHeads === undefined || kvHeads === undefined) return;
  const model = {
    ...(base ?? {}),
    name: base?.name ?? (isObject(modelRaw) && typeof modelRaw.name === 'string' ? modelRaw.name : 'the model'),
    attentionHeads,
    kvHeads,
  } as ModelSpec;
  if (isObject(modelRaw) && modelRaw.mla !== undefined) model.mla = modelRaw.mla as ModelSpec['mla'];
  const perNode = (pool: unknown, fallback: number): number =>
    isObject(pool) && typeof pool.gpusPerNode === 'number' && Number.isInteger(pool.gpusPerNode) && pool.gpusPerNode > 0
      ? pool.gpusPerNode
      : fallback;
  const clusterRaw = isObject(raw.cluster) ? raw.cluster : {};
  if (hasErrorAt('/cluster/gpusPerNode')) return;
  const main = perNode(clusterRaw, DEFAULTS.cluster.gpusPerNode);
  const cluster = { gpusPerNode: main } as Plan['cluster'];
  for (const key of ['prefillPool', 'decodePool'] as const) {
    if (isObject(clusterRaw[key])) cluster[key] = { gpusPerNode: perNode(clusterRaw[key], main) } as PoolSpec;
  }
  const tpDegrees: unknown = isObject(raw.planner) ? raw.planner.tpDegrees : undefined;
  if (Array.isArray(tpDegrees) && !hasErrorAt('/planner/tpDegrees')) {
    const limit = Math.max(cluster.prefillPool?.gpusPerNode ?? main, cluster.decodePool?.gpusPerNode ?? main);
    tpDegrees.forEach((tp, i) => {
      if (typeof tp === 'number' && Number.isInteger(tp) && tp >= 1)
        tpProblems(tp, model, limit, `/planner/tpDegrees/${i}`, report, 'cluster');
    });
  }
  if (!hasErrorAt('/deployment')) {
    const deployment = resolveDeployment(raw.deployment);
    if (deployment) checkDeploymentTp({ model, cluster, deployment }, raw, report);
  }
}

export function checkDeployment(plan: Plan, raw: Raw, report: Report): void {
  const deployment = plan.deployment;
  if (!deployment) return;
  const asObject = isObject(raw.deployment);
  const replicas = deploymentReplicas(deployment);
  if (replicas > MAX_REPLICAS) {
    // Refused before anything is allocated per replica.
    report(
      'PDP033',
      '/deployment',
      `the deployment has ${replicas.toLocaleString('en-US')} replicas; at most ${MAX_REPLICAS.toLocaleString('en-US')} are simulated — use fewer, larger replicas.`,
    );
    return;
  }
  const roles = deploymentRoles(deployment);
  checkDeploymentTp(plan, raw, report);
  const separate = plan.cluster.prefillPool || plan.cluster.decodePool;
  if (deployment.kind === 'disaggregated' && separate) {
    for (const [role, groups] of roles) {
      const { pool, name } = poolFor(plan, role);
      const used = groups.reduce((n, g) => n + g.tp * g.dp, 0);
      if (used > totalGpus(pool)) {
        report(
          'PDP033',
          asObject ? `/deployment/${role}` : '/deployment',
          `the ${role} replicas use ${used} GPUs but the ${name} has ${totalGpus(pool)} (${pool.nodes} x ${pool.gpusPerNode}); remove replicas or add nodes.`,
        );
      }
    }
  } else {
    const used = deploymentGpus(deployment);
    const available = clusterGpus(plan.cluster);
    if (used > available) {
      report(
        'PDP033',
        '/deployment',
        `the deployment uses ${used} GPUs but the cluster has ${available} (${plan.cluster.nodes} x ${plan.cluster.gpusPerNode}); remove replicas or add nodes.`,
      );
    }
  }
}

function checkBudget(plan: Plan, raw: Raw, report: Report): void {
  if (raw.planner?.gpuBudget === undefined) return;
  const budget = plan.planner.gpuBudget;
  const available = clusterGpus(plan.cluster);
  if (budget > available) {
    report(
      'PDP035',
      '/planner/gpuBudget',
      `the GPU budget (${budget}) exceeds the ${available} GPUs of the cluster; the planner will use at most ${available} — raise 'cluster.nodes' or lower the budget.`,
    );
  }
  const usable = plan.planner.tpDegrees.filter((tp) => tpSuitsModel(tp, plan.model));
  if (usable.length === 0) return;
  const smallestTp = Math.min(...usable);
  const smallest = plan.planner.includeColocated ? smallestTp : 2 * smallestTp;
  if (budget < smallest) {
    const shape = plan.planner.includeColocated
      ? `one replica of TP ${smallestTp}`
      : `one prefill and one decode replica of TP ${smallestTp}`;
    report(
      'PDP034',
      '/planner/gpuBudget',
      `a GPU budget of ${budget} is below the smallest deployment (${shape} = ${smallest} GPUs); raise it to at least ${smallest}.`,
    );
  }
}

/** The schema's most sessions (workload.sessions), the simulator's cap on one run. */
const MAX_RUN_SESSIONS = 1_000_000;

const DISTRIBUTION_KEYS = [
  'rounds',
  'initialPromptTokens',
  'incrementalTokens',
  'outputTokens',
  'toolLatencyMs',
] as const;

function checkWorkload(plan: Plan, raw: Raw, report: Report): void {
  const w = raw.workload ?? {};
  for (const key of DISTRIBUTION_KEYS) checkDistribution(w[key], `/workload/${key}`, key, report);
  const hasTrace = w.trace !== undefined;
  if (!hasTrace && w.profile === undefined) {
    // rounds may be left out: one round per session.
    const missing = DISTRIBUTION_KEYS.filter((k) => k !== 'rounds' && w[k] === undefined);
    if (w.arrival?.ratePerSec === undefined) missing.unshift('arrival.ratePerSec' as never);
    if (missing.length > 0) {
      report(
        'PDP042',
        '/workload',
        `the workload has no profile or trace, so it needs ${missing.join(', ')}; add them, or set 'profile' (${workloadProfileNames().join(', ')}) or 'trace'.`,
        {
          at: 'key',
        },
      );
    }
  }
  if (hasTrace) {
    const extra = [
      w.profile !== undefined ? 'profile' : undefined,
      ...DISTRIBUTION_KEYS.filter((k) => w[k] !== undefined),
    ].filter(Boolean);
    if (extra.length > 0) {
      report(
        'PDP044',
        '/workload/trace',
        `the trace replaces the synthetic workload, so ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} ignored; remove ${extra.length === 1 ? 'it' : 'them'} or drop the trace.`,
      );
    }
  }
  const { sessions, warmupSessions, durationSec } = plan.workload;
  const rate = plan.workload.arrival.ratePerSec;
  if (
    !hasTrace &&
    sessions === undefined &&
    w.durationSec !== undefined &&
    durationSec !== undefined &&
    durationSec * rate > MAX_RUN_SESSIONS
  ) {
    report(
      'PDP014',
      '/workload/durationSec',
      `durationSec ${durationSec} at ${rate} sessions/s generates about ${Math.round(durationSec * rate).toLocaleString('en-US')} sessions; a run holds at most ${MAX_RUN_SESSIONS.toLocaleString('en-US')} — shorten it or set 'sessions'.`,
    );
  }
  if (sessions !== undefined && warmupSessions >= sessions) {
    report(
      'PDP043',
      '/workload/warmupSessions',
      `warmupSessions (${warmupSessions}) leaves none of the ${sessions} sessions to measure; lower it below ${sessions}.`,
    );
  }
  if (plan.workload.arrival.process === 'gamma' && plan.workload.arrival.cv === undefined) {
    report(
      'PDP045',
      '/workload/arrival/process',
      "gamma arrivals need 'cv' (coefficient of variation of the gaps; 1 is Poisson, 2 is bursty); add it.",
    );
  }
  if (plan.workload.arrival.process === 'poisson' && plan.workload.arrival.cv !== undefined) {
    report(
      'PDP046',
      '/workload/arrival/cv',
      "Poisson arrivals have a cv of 1, so 'cv' is ignored; set 'process: gamma' to use it, or remove it.",
    );
  }
}

export function checkPolicy(plan: Plan, raw: Raw, report: Report): void {
  const routing = plan.policy.routing;
  const routingRaw = raw.policy?.routing;
  const routingPath =
    isObject(routingRaw) && routingRaw.name !== undefined ? '/policy/routing/name' : '/policy/routing';
  const colocatedPolicy = COLOCATED_POLICIES.includes(routing.name);
  const separate = plan.cluster.prefillPool !== undefined || plan.cluster.decodePool !== undefined;
  if (plan.deployment) {
    if (colocatedPolicy && plan.deployment.kind === 'disaggregated') {
      report(
        'PDP050',
        routingPath,
        `policy '${routing.name}' serves co-located replicas but the deployment is disaggregated; write the deployment as 'C:TPxN' or pick a disaggregated policy such as 'adaptive'.`,
      );
    } else if (!colocatedPolicy && plan.deployment.kind === 'colocated') {
      report(
        'PDP050',
        routingPath,
        `policy '${routing.name}' routes prefills between prefill and decode replicas but the deployment is co-located; use 'colocated' or 'continuum', or a 'P:…,D:…' deployment.`,
      );
    }
    if (plan.deployment.kind === 'colocated' && separate) {
      report(
        'PDP054',
        '/deployment',
        'a co-located deployment cannot use separate prefill and decode pools; remove cluster.prefillPool/decodePool or deploy P:…,D:….',
      );
    }
  } else if (colocatedPolicy && separate) {
    report(
      'PDP054',
      routingPath,
      `policy '${routing.name}' is co-located serving, but the cluster has separate prefill and decode pools; pick a disaggregated policy or remove the pools.`,
    );
  }
  if (isObject(routingRaw)) {
    const used = ROUTING_PARAMETERS[routing.name] ?? [];
    for (const key of Object.keys(routingRaw)) {
      if (key === 'name' || used.includes(key)) continue;
      const users = Object.entries(ROUTING_PARAMETERS)
        .filter(([, params]) => params.includes(key))
        .map(([n]) => n);
      report(
        'PDP051',
        `/policy/routing/${key}`,
        `'${key}' is not used by policy '${routing.name}'${users.length > 0 ? ` (only by ${users.join(', ')})` : ''}; remove it.`,
        {
          at: 'key',
        },
      );
    }
  }
  if (routing.name === 'prfaas' && !plan.cluster.prefillPool) {
    report(
      'PDP052',
      routingPath,
      "'prfaas' sends long prefills to a separate prefill cluster, but the cluster has no 'prefillPool'; add one (with 'crossCluster'), or the policy behaves like 'threshold'.",
    );
  }
  for (const key of ['alpha', 'beta'] as const) {
    if (plan.policy[key] > 1 && raw.policy?.[key] !== undefined) {
      const slo = key === 'alpha' ? 'TTFT' : 'ITL';
      report(
        'PDP053',
        `/policy/${key}`,
        `${key} ${plan.policy[key]} lets the router pick workers whose windowed ${slo} already exceeds the SLO; use a value at most 1 (AMPD uses about 0.9).`,
      );
    }
  }
}
