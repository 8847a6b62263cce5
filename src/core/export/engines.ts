import {
  headerLines,
  modelId,
  placeReplicas,
  routerSetting,
  shellQuote,
  type ExportFile,
  type ExportInput,
  type ExportResult,
  type PlacedReplica,
  type RouterSetting,
} from './common';
import { formatDeployment } from '../spec/deployment';

/** Ports of replica i of each role on its node: distinct per node, the same plan every time. */
const HTTP_PORT = { prefill: 8100, decode: 8200, colocated: 8300 } as const;
const NIXL_SIDE_CHANNEL_PORT = 5600;
const SGLANG_HTTP_PORT = { prefill: 30000, decode: 31000, colocated: 32000 } as const;
const SGLANG_BOOTSTRAP_PORT = 8998;

/** vLLM's NIXL connector, both roles `kv_both` as in the vLLM NixlConnector guide. */
export const VLLM_KV_TRANSFER_CONFIG = '{"kv_connector":"NixlConnector","kv_role":"kv_both"}';

interface Host {
  key: string;
  label: string;
  replicas: PlacedReplica[];
}

/** Nodes in use, each with its replicas; HOST_i in the scripts is node i of this list. */
function hosts(replicas: PlacedReplica[]): Host[] {
  const byKey = new Map<string, Host>();
  for (const replica of replicas) {
    const key = `${replica.pool}:${replica.node}`;
    let host = byKey.get(key);
    if (!host) {
      host = {
        key,
        label: replica.pool === 'main' ? `node ${replica.node}` : `${replica.pool} pool node ${replica.node}`,
        replicas: [],
      };
      byKey.set(key, host);
    }
    host.replicas.push(replica);
  }
  return [...byKey.values()];
}

/** Per-node index of a replica among its role's replicas on that node (ports are assigned from it). */
function slotOnHost(host: Host, replica: PlacedReplica): number {
  return host.replicas.filter((r) => r.role === replica.role).indexOf(replica);
}

function commentBlock(lines: string[]): string {
  return lines.map((line) => `# ${line}`).join('\n');
}

function settingNotes(setting: RouterSetting, model: { id: string; known: boolean }): string[] {
  const notes: string[] = [];
  if (setting.note) notes.push(setting.note);
  if (!model.known)
    notes.push(
      `the model '${model.id}' has no Hugging Face id in the catalog; set MODEL to the id or a local path before running`,
    );
  return notes;
}

interface EngineScriptSpec {
  engine: 'vllm' | 'sglang';
  /** slot: index among its role's replicas on the node; hostSlot: among all replicas on the node. */
  serve(replica: PlacedReplica, slot: number, hostSlot: number): string[];
  port(replica: PlacedReplica, slot: number): number;
  proxy(endpoints: { replica: PlacedReplica; hostVar: string; slot: number }[]): { file: string; lines: string[] };
  thresholdNote(setting: RouterSetting): string | undefined;
}

function scripts(input: ExportInput, spec: EngineScriptSpec): ExportResult {
  const setting = routerSetting(input.deployment, input.routing);
  const placed = placeReplicas(input.plan, input.deployment);
  if ('error' in placed) throw new ExportError(placed.error);
  const model = modelId(input.plan);
  const nodes = hosts(placed.replicas);
  const header = headerLines(input, formatDeployment(input.deployment), setting);
  const launch: string[] = [
    '#!/usr/bin/env bash',
    commentBlock(header),
    commentBlock([
      nodes.length === 1
        ? `Run this script with NODE_RANK=0 on the node, then start the router (router-${spec.engine}.sh).`
        : `Run this script on each of the ${nodes.length} nodes with NODE_RANK set to its index below, then start the router (router-${spec.engine}.sh).`,
    ]),
    'set -euo pipefail',
    `MODEL="\${MODEL:-${model.id}}"`,
    `NODE_RANK="\${NODE_RANK:?set NODE_RANK to the index of this node${nodes.length === 1 ? ' (0)' : `, 0 to ${nodes.length - 1}`}}"`,
    '',
  ];
  nodes.forEach((host, rank) => {
    launch.push(`start_node_${rank}() {  # ${host.label}`);
    for (const replica of host.replicas) {
      const slot = slotOnHost(host, replica);
      launch.push(
        `  # ${replica.role} replica ${replica.index}: TP ${replica.tp} on GPUs ${replica.gpus.join(',')}, port ${spec.port(replica, slot)}`,
      );
      launch.push(`  ${spec.serve(replica, slot, host.replicas.indexOf(replica)).join(' \\\n    ')} &`);
    }
    launch.push('}', '');
  });
  launch.push('case "$NODE_RANK" in');
  nodes.forEach((_, rank) => launch.push(`  ${rank}) start_node_${rank} ;;`));
  launch.push(
    `  *) echo "NODE_RANK must be ${nodes.length === 1 ? '0' : `0 to ${nodes.length - 1}`}" >&2; exit 2 ;;`,
    'esac',
    'wait',
    '',
  );

  const endpoints = nodes.flatMap((host, rank) =>
    host.replicas.map((replica) => ({ replica, hostVar: `HOST_${rank}`, slot: slotOnHost(host, replica) })),
  );
  const proxy = spec.proxy(endpoints);
  const hostDefaults = nodes.map(
    (host, rank) =>
      `HOST_${rank}="\${HOST_${rank}:?set HOST_${rank} to the address of ${host.label} (NODE_RANK=${rank})}"`,
  );
  const router = [
    '#!/usr/bin/env bash',
    commentBlock(header),
    'set -euo pipefail',
    ...hostDefaults,
    '',
    ...proxy.lines,
    '',
  ];
  const notes = settingNotes(setting, model);
  const thresholdNote = spec.thresholdNote(setting);
  if (thresholdNote) notes.push(thresholdNote);
  const files: ExportFile[] = [
    { path: `launch-${spec.engine}.sh`, content: launch.join('\n'), executable: true },
    { path: proxy.file, content: router.join('\n'), executable: true },
  ];
  return { format: input.format, files, notes };
}

export class ExportError extends Error {}

export function vllmExport(input: ExportInput): ExportResult {
  const disaggregated = input.deployment.kind === 'disaggregated';
  return scripts(input, {
    engine: 'vllm',
    port: (replica, slot) => HTTP_PORT[replica.role] + slot,
    serve: (replica, slot, hostSlot) => {
      const env = [`CUDA_VISIBLE_DEVICES=${replica.gpus.join(',')}`];
      const args = [
        'vllm serve "$MODEL"',
        `--port ${HTTP_PORT[replica.role] + slot}`,
        `--tensor-parallel-size ${replica.tp}`,
      ];
      if (disaggregated) {
        // Each replica on a node needs its own NIXL side-channel port.
        env.push(`VLLM_NIXL_SIDE_CHANNEL_PORT=${NIXL_SIDE_CHANNEL_PORT + hostSlot}`);
        args.push(`--kv-transfer-config ${shellQuote(VLLM_KV_TRANSFER_CONFIG)}`);
      }
      return [`${env.join(' ')} ${args[0]}`, ...args.slice(1)];
    },
    proxy: (endpoints) => {
      const list = (role: PlacedReplica['role']) => endpoints.filter((e) => e.replica.role === role);
      const hostsOf = (role: PlacedReplica['role']) =>
        list(role)
          .map((e) => `"$${e.hostVar}"`)
          .join(' ');
      const portsOf = (role: PlacedReplica['role']) =>
        list(role)
          .map((e) => HTTP_PORT[role] + e.slot)
          .join(' ');
      if (!disaggregated) {
        return {
          file: 'router-vllm.sh',
          lines: [
            '# Co-located replicas: put any HTTP load balancer in front of these OpenAI-compatible endpoints.',
            ...list('colocated').map((e) => `echo "http://$${e.hostVar}:${HTTP_PORT.colocated + e.slot}/v1"`),
          ],
        };
      }
      return {
        file: 'router-vllm.sh',
        lines: [
          "# The NIXL proxy from vLLM's source tree (tests/v1/kv_connector/nixl_integration/toy_proxy_server.py):",
          '# it sends each request to a prefiller, then to a decoder that pulls the KV cache. It has no local-prefill threshold.',
          'python3 tests/v1/kv_connector/nixl_integration/toy_proxy_server.py --host 0.0.0.0 --port 8000 \\',
          `  --prefiller-hosts ${hostsOf('prefill')} \\`,
          `  --prefiller-ports ${portsOf('prefill')} \\`,
          `  --decoder-hosts ${hostsOf('decode')} \\`,
          `  --decoder-ports ${portsOf('decode')}`,
        ],
      };
    },
    thresholdNote: (setting) =>
      setting.disaggregated && setting.maxLocalPrefillTokens !== null
        ? `vLLM's proxy sends every prefill to a prefill worker; the planned threshold (${setting.maxLocalPrefillTokens} uncached tokens) needs a router that supports it (llm-d exports it)`
        : undefined,
  });
}

export function sglangExport(input: ExportInput): ExportResult {
  const disaggregated = input.deployment.kind === 'disaggregated';
  return scripts(input, {
    engine: 'sglang',
    port: (replica, slot) => SGLANG_HTTP_PORT[replica.role] + slot,
    serve: (replica, slot) => {
      const args = [
        `CUDA_VISIBLE_DEVICES=${replica.gpus.join(',')} python3 -m sglang.launch_server --model-path "$MODEL"`,
        `--host 0.0.0.0 --port ${SGLANG_HTTP_PORT[replica.role] + slot}`,
        `--tp ${replica.tp}`,
      ];
      if (disaggregated) {
        args.push(`--disaggregation-mode ${replica.role}`, '--disaggregation-transfer-backend nixl');
        if (replica.role === 'prefill') args.push(`--disaggregation-bootstrap-port ${SGLANG_BOOTSTRAP_PORT + slot}`);
      }
      return args;
    },
    proxy: (endpoints) => {
      const url = (e: (typeof endpoints)[number]) =>
        `http://$${e.hostVar}:${SGLANG_HTTP_PORT[e.replica.role] + e.slot}`;
      if (!disaggregated) {
        return {
          file: 'router-sglang.sh',
          lines: [
            'python3 -m sglang_router.launch_router --host 0.0.0.0 --port 8000 \\',
            `  --worker-urls ${endpoints.map(url).join(' ')}`,
          ],
        };
      }
      return {
        file: 'router-sglang.sh',
        lines: [
          'python3 -m sglang_router.launch_router --pd-disaggregation --host 0.0.0.0 --port 8000 \\',
          ...endpoints
            .filter((e) => e.replica.role === 'prefill')
            .map((e) => `  --prefill ${url(e)} ${SGLANG_BOOTSTRAP_PORT + e.slot} \\`),
          ...endpoints
            .filter((e) => e.replica.role === 'decode')
            .map((e, i, all) => `  --decode ${url(e)}${i === all.length - 1 ? '' : ' \\'}`),
        ],
      };
    },
    thresholdNote: (setting) =>
      setting.disaggregated && setting.maxLocalPrefillTokens !== null
        ? `SGLang's PD router sends every prefill to a prefill worker (conditional disaggregation is not in it); the planned threshold (${setting.maxLocalPrefillTokens} uncached tokens) needs a router that supports it (llm-d exports it)`
        : undefined,
  });
}
