import { DEFAULT_MAX_LOCAL_PREFILL_TOKENS } from '../sim/policies/threshold';
import type { Deployment, Plan, PoolSpec, ReplicaGroup, RoutingSpec } from '../spec/types';

/** Serving stacks `pdplan export` writes files for. */
export type ExportFormat = 'vllm' | 'sglang' | 'dynamo' | 'llm-d';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['vllm', 'sglang', 'dynamo', 'llm-d'];

export interface ExportFile {
  /** Relative path inside the output folder. */
  path: string;
  content: string;
  /** Shell scripts are written executable. */
  executable?: boolean;
}

export interface ExportResult {
  format: ExportFormat;
  files: ExportFile[];
  /** What the user must know before running the files (settings with no exact equivalent, placeholders to fill). */
  notes: string[];
}

export interface ExportInput {
  plan: Plan;
  deployment: Deployment;
  routing: RoutingSpec;
  format: ExportFormat;
}

/**
 * The engine versions the generated flags and manifests were checked against, with the source
 * each was read from (docs/export.md lists them too).
 */
export const ENGINE_VERSIONS = {
  vllm: {
    version: 'vLLM v0.11.0',
    source:
      'https://docs.vllm.ai/en/v0.11.0/features/nixl_connector_usage.html (NixlConnector, kv_role kv_both, VLLM_NIXL_SIDE_CHANNEL_PORT, toy_proxy_server.py)',
  },
  sglang: {
    version: 'SGLang 0.5 (disaggregation flags as used by Dynamo 0.6.1)',
    source:
      'https://docs.sglang.io/advanced_features/pd_disaggregation.html and ai-dynamo/dynamo@e20adb44 examples/backends/sglang/deploy/disagg.yaml (--disaggregation-mode, --disaggregation-transfer-backend, --disaggregation-bootstrap-port, --tp)',
  },
  dynamo: {
    version: 'NVIDIA Dynamo 0.6.1 (DynamoGraphDeployment nvidia.com/v1alpha1)',
    source:
      'ai-dynamo/dynamo@e20adb44366fff2154c4b9cc0abe3a8bc8071446: deploy/cloud/operator/config/crd/bases/nvidia.com_dynamographdeployments.yaml (vendored in catalog/vendor/dynamo), examples/backends/{vllm,sglang}/deploy/disagg.yaml',
  },
  'llm-d': {
    version: 'llm-d v0.5.0 images (llm-d-cuda, llm-d-inference-scheduler) with the llm-d-modelservice chart v0.4.12',
    source:
      'llm-d-incubation/llm-d-modelservice@3051935e charts/llm-d-modelservice/values.schema.json (vendored in catalog/vendor/llm-d); llm-d/llm-d@126f65d6 guides/pd-disaggregation/gaie-pd/values.yaml; llm-d/llm-d-inference-scheduler pkg/plugins/profile/pd_profile_handler.go (threshold)',
  },
} as const;

/** How requests are split between prefill and decode workers, as the serving stacks can express it. */
export interface RouterSetting {
  disaggregated: boolean;
  /**
   * Prefills with at most this many uncached tokens run on the decode worker; null: every prefill
   * runs on a prefill worker. Only meaningful when disaggregated.
   */
  maxLocalPrefillTokens: number | null;
  /** The stacks' setting is the plan's router exactly (false: an approximation, `note` says why). */
  exact: boolean;
  note?: string;
}

/** The static setting closest to the plan's routing policy: the stacks have no AMPD-style adaptive router. */
export function routerSetting(deployment: Deployment, routing: RoutingSpec): RouterSetting {
  if (deployment.kind === 'colocated') {
    const exact = routing.name === 'colocated';
    return {
      disaggregated: false,
      maxLocalPrefillTokens: null,
      exact,
      note: exact
        ? undefined
        : `the plan's '${routing.name}' policy (same-session priority, KV kept across tool calls) has no engine flag here; the engines run plain co-located serving with prefix caching`,
    };
  }
  if (routing.name === 'remote') return { disaggregated: true, maxLocalPrefillTokens: null, exact: true };
  if (routing.name === 'threshold') {
    // The value the simulator ran with when the plan gives none.
    const limit = routing.maxLocalPrefillTokens ?? DEFAULT_MAX_LOCAL_PREFILL_TOKENS;
    return {
      disaggregated: true,
      maxLocalPrefillTokens: limit,
      exact: routing.maxLocalDecodeBatch === undefined,
      note:
        routing.maxLocalDecodeBatch === undefined
          ? undefined
          : `maxLocalDecodeBatch ${routing.maxLocalDecodeBatch} (local only while the decode batch is smaller) has no setting in these stacks; only the token threshold is exported`,
    };
  }
  return {
    disaggregated: true,
    maxLocalPrefillTokens: null,
    exact: false,
    note:
      `the plan's '${routing.name}' router decides per request from live queue and latency estimates; no serving stack has it. ` +
      "Exported as plain disaggregation (every prefill remote). To export conditional disaggregation, simulate '--policy threshold' and set policy.routing.maxLocalPrefillTokens.",
  };
}

/** The Hugging Face id of the model, from the catalog's source note, or the plan's name (a note asks to check it). */
export function modelId(plan: Plan): { id: string; known: boolean } {
  const match = /huggingface\.co\/([\w.-]+\/[\w.-]+)/.exec(plan.model.source ?? '');
  if (match) return { id: match[1], known: true };
  return { id: plan.model.name, known: false };
}

export type Role = 'prefill' | 'decode' | 'colocated';

/** One replica placed on a node: the GPUs it uses there. */
export interface PlacedReplica {
  role: Role;
  tp: number;
  /** Index within its role. */
  index: number;
  /** Node of its pool, counted from 0; `pool` names the pool. */
  node: number;
  pool: 'main' | 'prefill' | 'decode';
  gpus: number[];
}

export function roleGroups(deployment: Deployment): { role: Role; groups: ReplicaGroup[] }[] {
  return deployment.kind === 'colocated'
    ? [{ role: 'colocated', groups: deployment.colocated }]
    : [
        { role: 'prefill', groups: deployment.prefill },
        { role: 'decode', groups: deployment.decode },
      ];
}

/**
 * Replicas packed onto nodes first-fit, largest TP first (TP stays inside a node). Separate
 * prefill/decode pools place each role on its own nodes; a shared pool places both roles on the
 * same nodes, prefill first. Returns an error when the layout does not fit the cluster.
 */
export function placeReplicas(plan: Plan, deployment: Deployment): { replicas: PlacedReplica[] } | { error: string } {
  const cluster = plan.cluster;
  const pools: { name: PlacedReplica['pool']; spec: PoolSpec; free: number[] }[] = [];
  const poolFor = (role: Role): (typeof pools)[number] => {
    const name: PlacedReplica['pool'] =
      role === 'prefill' && cluster.prefillPool
        ? 'prefill'
        : role === 'decode' && cluster.decodePool
          ? 'decode'
          : 'main';
    let pool = pools.find((p) => p.name === name);
    if (!pool) {
      const spec = name === 'prefill' ? cluster.prefillPool! : name === 'decode' ? cluster.decodePool! : cluster;
      pool = { name, spec, free: Array.from({ length: spec.nodes }, () => spec.gpusPerNode) };
      pools.push(pool);
    }
    return pool;
  };
  const replicas: PlacedReplica[] = [];
  for (const { role, groups } of roleGroups(deployment)) {
    const ep = groups.find((g) => g.ep);
    if (ep) {
      return {
        error:
          `the ${role} replicas are expert-parallel (EP${ep.tp}), which export does not write yet; launch each replica with ` +
          `SGLang's '--tp ${ep.tp} --dp ${ep.tp / (ep.attentionTp ?? 1)} --enable-dp-attention --moe-a2a-backend deepep --nnodes ${Math.max(1, Math.ceil(ep.tp / poolFor(role).spec.gpusPerNode))}'`,
      };
    }
    let index = 0;
    const ordered = [...groups].sort((a, b) => b.tp - a.tp);
    for (const group of ordered) {
      for (let i = 0; i < group.dp; i++) {
        const pool = poolFor(role);
        const node = pool.free.findIndex((free) => free >= group.tp);
        if (node < 0) {
          return {
            error: `the ${role} replicas do not fit the ${pool.name === 'main' ? 'cluster' : `${pool.name} pool`} (${pool.spec.nodes} nodes of ${pool.spec.gpusPerNode} GPUs) with TP kept inside a node`,
          };
        }
        const first = pool.spec.gpusPerNode - pool.free[node];
        pool.free[node] -= group.tp;
        replicas.push({
          role,
          tp: group.tp,
          index: index++,
          node,
          pool: pool.name,
          gpus: Array.from({ length: group.tp }, (_, k) => first + k),
        });
      }
    }
  }
  return { replicas };
}

/** A word safe in a POSIX shell as is, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A Kubernetes object name (RFC 1123 label) from free text. */
export function kubeName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/g, '');
  return name === '' ? 'pdplan' : name;
}

/** A note when the roles run on different GPU types: the generated files do not choose nodes by GPU type. */
export function poolNote(plan: Plan, deployment: Deployment): string | undefined {
  if (deployment.kind === 'colocated') return undefined;
  const prefill = (plan.cluster.prefillPool ?? plan.cluster).gpu.name;
  const decode = (plan.cluster.decodePool ?? plan.cluster).gpu.name;
  if (prefill === decode) return undefined;
  return `prefill runs on ${prefill} and decode on ${decode}: place each role on its GPU type (a Kubernetes nodeSelector on your cluster's GPU product label, or the right hosts for HOST_i)`;
}

/** The lines every exported file starts with: what it is, for which layout, and the versions it targets. */
export function headerLines(input: ExportInput, layout: string, setting: RouterSetting): string[] {
  const versions = ENGINE_VERSIONS[input.format];
  const threshold = !setting.disaggregated
    ? 'co-located (no disaggregation)'
    : setting.maxLocalPrefillTokens === null
      ? 'every prefill on a prefill worker'
      : `prefills of at most ${setting.maxLocalPrefillTokens} uncached tokens on the decode worker`;
  return [
    `Generated by pdplan export for plan '${input.plan.name ?? 'unnamed'}': layout ${layout}, router ${input.routing.name} -> ${threshold}.`,
    `Model ${input.plan.model.name} on ${input.plan.cluster.gpu.name}. Flags for ${versions.version}.`,
    `Source: ${versions.source}`,
  ];
}
