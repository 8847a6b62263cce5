import { deepCopy } from './copy';
import { findGpu, findModel, findWorkloadProfile } from './catalog';
import { DEFAULTS } from './defaults';
import { parseDeploymentSpec } from './deployment';
import type {
  CostSpec,
  ClusterSpec,
  Deployment,
  Distribution,
  GpuSpec,
  LinkSpec,
  ModelSpec,
  PerfSpec,
  Plan,
  PlannerSpec,
  PolicySpec,
  PoolSpec,
  ReplicaGroup,
  RoutingSpec,
  SloSpec,
  WorkloadSpec,
} from './types';

/**
 * Raw plan data as parsed from YAML and checked against the schema: shapes are right, names are
 * not yet resolved. Shorthands are normalised first (a name becomes `{preset: name}`), so that
 * variants can be deep-merged over the base plan.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Raw = any;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Mappings made from a name (`model: X`): in a variant they replace the base section whole. */
const fromName = new WeakSet<object>();

function named(key: 'preset' | 'profile' | 'name', value: string): Record<string, string> {
  const made = { [key]: value };
  fromName.add(made);
  return made;
}

/**
 * Names become mappings: `model: X` → `{preset: X}`, `workload: X` → `{profile: X}`, `routing: X` →
 * `{name: X}`. Copies only the containers it changes: raw data is never mutated downstream, so
 * the rest is shared.
 */
export function normalizeRaw(raw: Raw): Raw {
  if (!isObject(raw)) return raw;
  const out: Raw = { ...raw };
  if (typeof out.model === 'string') out.model = named('preset', out.model);
  if (isObject(out.cluster)) {
    out.cluster = { ...out.cluster };
    for (const key of ['prefillPool', 'decodePool']) {
      if (isObject(out.cluster[key])) out.cluster[key] = { ...out.cluster[key] };
    }
    for (const pool of [out.cluster, out.cluster.prefillPool, out.cluster.decodePool]) {
      if (isObject(pool) && typeof pool.gpu === 'string') pool.gpu = named('preset', pool.gpu);
    }
  }
  if (typeof out.workload === 'string') out.workload = named('profile', out.workload);
  if (isObject(out.policy) && typeof out.policy.routing === 'string') {
    out.policy = { ...out.policy, routing: named('name', out.policy.routing) };
  }
  return out;
}

/** Values a variant replaces whole instead of merging into. */
function replacesWhole(depth: number, key: string, value: unknown): boolean {
  if (depth === 1 && key === 'deployment') return true;
  if (isObject(value) && fromName.has(value)) return true;
  // A distribution of another kind has other parameters: merging them would mix families.
  return isObject(value) && 'kind' in value;
}

const SYNTHETIC_WORKLOAD_KEYS = [
  'profile',
  'rounds',
  'initialPromptTokens',
  'incrementalTokens',
  'outputTokens',
  'toolLatencyMs',
];

/**
 * A variant over the base: mappings merge key by key; lists, scalars, names and distributions
 * replace. `base` is the normalised plan without its variants; the result is normalised too and
 * shares unchanged parts with `base` (nothing downstream mutates raw data).
 */
export function mergeVariant(base: Raw, override: Raw): Raw {
  // `depth` and `key` locate `patch`: all replacesWhole needs of its path.
  const merge = (target: Raw, patch: Raw, depth: number, key: string): Raw => {
    if (!isObject(target) || !isObject(patch) || replacesWhole(depth, key, patch)) return patch;
    const out: Raw = { ...target };
    for (const childKey of Object.keys(patch)) {
      const value = patch[childKey];
      out[childKey] = childKey in target ? merge(target[childKey], value, depth + 1, childKey) : value;
    }
    return out;
  };
  const patch = normalizeRaw(override);
  const merged = merge(base, patch, 0, '');
  // A variant that replays a trace replaces the synthetic workload it inherited.
  if (isObject(patch?.workload) && patch.workload.trace !== undefined && isObject(merged.workload)) {
    for (const key of SYNTHETIC_WORKLOAD_KEYS) if (!(key in patch.workload)) delete merged.workload[key];
  }
  return merged;
}

export function totalGpus(pool: { gpusPerNode: number; nodes: number }): number {
  return pool.gpusPerNode * pool.nodes;
}

export function constantOr(value: Raw): Distribution | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return { kind: 'constant', value };
  return deepCopy(value) as Distribution;
}

/**
 * What `const { a, b, ...rest } = source` leaves in `rest`, without the runtime's generic
 * rest-copy, which was the largest cost of resolving a variant.
 */
function omitKeys(source: Record<string, unknown>, omit: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (omit.includes(key)) continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: source[key], enumerable: true, writable: true, configurable: true });
    else out[key] = source[key];
  }
  return out;
}

const GPU_OWN_KEYS = ['preset'];
const MODEL_OWN_KEYS = ['preset', 'moe', 'mla'];
const POLICY_OWN_KEYS = ['routing'];

function resolveGpu(raw: Raw): GpuSpec {
  const base: Partial<GpuSpec> = raw.preset ? (findGpu(raw.preset) ?? {}) : {};
  const gpu = { ...base, ...omitKeys(raw, GPU_OWN_KEYS) } as GpuSpec;
  gpu.name = raw.name ?? base.name ?? raw.preset ?? 'custom GPU';
  gpu.fp8Tflops ??= gpu.bf16Tflops;
  return gpu;
}

function resolveModel(raw: Raw): ModelSpec {
  const base: Partial<ModelSpec> = raw.preset ? (findModel(raw.preset) ?? {}) : {};
  const { moe, mla } = raw;
  const model = { ...DEFAULTS.model, ...base, ...omitKeys(raw, MODEL_OWN_KEYS) } as ModelSpec;
  model.name = raw.name ?? base.name ?? raw.preset ?? 'custom model';
  const moeRaw = moe ?? base.moe;
  if (moeRaw) model.moe = { ...DEFAULTS.moe, ...base.moe, ...moeRaw };
  const mlaRaw = mla ?? base.mla;
  if (mlaRaw) model.mla = { ...DEFAULTS.mla, ...base.mla, ...mlaRaw };
  return model;
}

function resolveLink(raw: Raw, fallback: LinkSpec): LinkSpec {
  return {
    bandwidthGBps: raw?.bandwidthGBps ?? fallback.bandwidthGBps,
    latencyUs: raw?.latencyUs ?? fallback.latencyUs,
  };
}

function resolvePool(raw: Raw, parent?: PoolSpec): PoolSpec {
  const gpu = raw.gpu ? resolveGpu(raw.gpu) : parent!.gpu;
  const intraFallback =
    parent && !raw.gpu
      ? parent.intraNode
      : { bandwidthGBps: gpu.nvlinkBandwidthGBps, latencyUs: DEFAULTS.intraNodeLatencyUs };
  const pool: PoolSpec = {
    gpu,
    gpusPerNode: raw.gpusPerNode ?? parent?.gpusPerNode ?? DEFAULTS.cluster.gpusPerNode,
    nodes: raw.nodes ?? parent?.nodes ?? DEFAULTS.cluster.nodes,
    intraNode: resolveLink(raw.intraNode, intraFallback),
    interNode: resolveLink(raw.interNode, parent?.interNode ?? DEFAULTS.interNode),
  };
  const domain =
    raw.nvlinkDomainGpus ?? (raw.gpu ? gpu.nvlinkDomainGpus : (parent?.nvlinkDomainGpus ?? gpu.nvlinkDomainGpus));
  if (domain !== undefined) pool.nvlinkDomainGpus = domain;
  return pool;
}

export function resolveCluster(raw: Raw): ClusterSpec {
  const main = resolvePool(raw);
  const cluster: ClusterSpec = { ...main };
  if (raw.prefillPool) cluster.prefillPool = resolvePool(raw.prefillPool, main);
  if (raw.decodePool) cluster.decodePool = resolvePool(raw.decodePool, main);
  if (cluster.prefillPool || cluster.decodePool) cluster.crossCluster = resolveLink(raw.crossCluster, main.interNode);
  return cluster;
}

/** GPUs the plan can use: the pools when separate, else the main cluster. */
export function clusterGpus(cluster: ClusterSpec): number {
  if (!cluster.prefillPool && !cluster.decodePool) return totalGpus(cluster);
  return totalGpus(cluster.prefillPool ?? cluster) + totalGpus(cluster.decodePool ?? cluster);
}

const PLACEHOLDER: Distribution = { kind: 'constant', value: 1 };

function resolveWorkload(raw: Raw): WorkloadSpec {
  const profile = raw.profile ? findWorkloadProfile(raw.profile) : undefined;
  const arrival = raw.arrival ?? {};
  const pick = (key: 'rounds' | 'initialPromptTokens' | 'incrementalTokens' | 'outputTokens' | 'toolLatencyMs') =>
    constantOr(raw[key]) ?? profile?.[key] ?? PLACEHOLDER;
  const workload: WorkloadSpec = {
    arrival: {
      process: arrival.process ?? DEFAULTS.workload.process,
      ratePerSec: arrival.ratePerSec ?? profile?.ratePerSec ?? 0,
    },
    rounds: pick('rounds'),
    initialPromptTokens: pick('initialPromptTokens'),
    incrementalTokens: pick('incrementalTokens'),
    outputTokens: pick('outputTokens'),
    toolLatencyMs: pick('toolLatencyMs'),
    warmupSessions: raw.warmupSessions ?? DEFAULTS.workload.warmupSessions,
    seed: raw.seed ?? DEFAULTS.workload.seed,
  };
  if (profile) workload.profile = profile.name;
  if (arrival.cv !== undefined) workload.arrival.cv = arrival.cv;
  if (raw.trace !== undefined) workload.trace = raw.trace;
  if (raw.durationSec !== undefined) workload.durationSec = raw.durationSec;
  if (raw.sessions !== undefined) workload.sessions = raw.sessions;
  if (raw.durationSec === undefined && raw.sessions === undefined && raw.trace === undefined) {
    workload.durationSec = DEFAULTS.workload.durationSec;
  }
  return workload;
}

function resolveSlo(raw: Raw): SloSpec {
  return { ...DEFAULTS.slo, ...raw } as SloSpec;
}

function resolvePolicy(raw: Raw): PolicySpec {
  const routing = resolveRouting(raw?.routing ?? { name: DEFAULTS.policy.routing });
  return { ...omitKeys(DEFAULTS.policy, POLICY_OWN_KEYS), ...raw, routing } as PolicySpec;
}

/**
 * The routing a plan names: its policy with that policy's own settings, defaults filled in. Settings
 * of other policies are dropped (the loader reports them as unused).
 */
function resolveRouting(raw: Raw): RoutingSpec {
  const d = DEFAULTS.routing;
  const name = raw.name as RoutingSpec['name'];
  switch (name) {
    case 'adaptive':
      return { name, slack: raw.slack ?? d.slack };
    case 'threshold':
      return {
        name,
        maxLocalPrefillTokens: raw.maxLocalPrefillTokens ?? d.maxLocalPrefillTokens,
        ...(raw.maxLocalDecodeBatch !== undefined ? { maxLocalDecodeBatch: raw.maxLocalDecodeBatch } : {}),
      };
    case 'ppd':
      return { name, ttftWeight: raw.ttftWeight ?? d.ttftWeight };
    case 'prfaas':
      return {
        name,
        minRemotePrefillTokens: raw.minRemotePrefillTokens ?? d.minRemotePrefillTokens,
        maxRemoteQueue: raw.maxRemoteQueue ?? d.maxRemoteQueue,
      };
    case 'continuum':
      return { name, kvTtlMs: raw.kvTtlMs ?? d.kvTtlMs };
    case 'remote':
    case 'local':
    case 'colocated':
      return { name };
  }
}

/** TP degrees that suit the model: attention heads divisible, KV heads divisible or replicated. */
export function tpSuitsModel(tp: number, model: ModelSpec): boolean {
  if (model.attentionHeads % tp !== 0) return false;
  if (model.mla) return true; // the latent is shared by all heads and replicated per GPU
  return model.kvHeads % tp === 0 || tp % model.kvHeads === 0;
}

export function maxGpusPerNode(cluster: ClusterSpec): number {
  const pools = [cluster.prefillPool ?? cluster, cluster.decodePool ?? cluster];
  return Math.max(...pools.map((p) => p.gpusPerNode));
}

function resolvePlanner(raw: Raw, cluster: ClusterSpec, model: ModelSpec): PlannerSpec {
  let tpDegrees: number[] = raw?.tpDegrees ? [...raw.tpDegrees] : [];
  if (!raw?.tpDegrees) {
    const limit = maxGpusPerNode(cluster);
    for (let tp = 1; tp <= limit; tp *= 2) if (tpSuitsModel(tp, model)) tpDegrees.push(tp);
  }
  tpDegrees = tpDegrees.sort((a, b) => a - b);
  const planner = {
    ...DEFAULTS.planner,
    gpuBudget: clusterGpus(cluster),
    ...raw,
    tpDegrees,
  } as PlannerSpec;
  if (raw?.epDegrees) planner.epDegrees = [...raw.epDegrees].sort((a: number, b: number) => a - b);
  return planner;
}

function groupsOf(raw: Raw): ReplicaGroup[] {
  return (raw ?? []).map((g: ReplicaGroup) =>
    g.ep !== undefined ? { tp: g.tp, dp: g.dp, ep: g.ep, attentionTp: g.attentionTp ?? 1 } : { tp: g.tp, dp: g.dp },
  );
}

/** Undefined when the notation is malformed (the checks report it). */
export function resolveDeployment(raw: Raw): Deployment | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    const parsed = parseDeploymentSpec(raw);
    return 'deployment' in parsed ? parsed.deployment : undefined;
  }
  if (raw.colocated && !raw.prefill && !raw.decode) return { kind: 'colocated', colocated: groupsOf(raw.colocated) };
  if (raw.prefill && raw.decode && !raw.colocated) {
    return { kind: 'disaggregated', prefill: groupsOf(raw.prefill), decode: groupsOf(raw.decode) };
  }
  return undefined;
}

/** The resolved plan of normalised raw data that passed the schema and the name checks. */
export function resolvePlan(raw: Raw): Plan {
  const model = resolveModel(raw.model);
  const cluster = resolveCluster(raw.cluster);
  const plan: Plan = {
    version: 1,
    model,
    cluster,
    workload: resolveWorkload(raw.workload),
    slo: resolveSlo(raw.slo),
    policy: resolvePolicy(raw.policy),
    planner: resolvePlanner(raw.planner, cluster, model),
    perf: { ...(raw.perf ?? {}) } as PerfSpec,
  };
  if (raw.name !== undefined) plan.name = raw.name;
  if (raw.cost !== undefined) plan.cost = deepCopy(raw.cost) as CostSpec;
  const deployment = resolveDeployment(raw.deployment);
  if (deployment) plan.deployment = deployment;
  return plan;
}
