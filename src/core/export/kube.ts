import { stringify } from 'yaml';
import {
  headerLines,
  kubeName,
  modelId,
  placeReplicas,
  roleGroups,
  routerSetting,
  type ExportInput,
  type ExportResult,
  type Role,
  type RouterSetting,
} from './common';
import { ExportError, VLLM_KV_TRANSFER_CONFIG } from './engines';
import { formatDeployment } from '../spec/deployment';
import type { ReplicaGroup } from '../spec/types';

export const DYNAMO_IMAGE = 'nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1';
export const LLMD_IMAGE = 'ghcr.io/llm-d/llm-d-cuda:v0.5.0';
export const LLMD_SCHEDULER_IMAGE = { hub: 'ghcr.io/llm-d', name: 'llm-d-inference-scheduler', tag: 'v0.5.0' };
/**
 * llm-d's pd-profile-handler compares its threshold with the uncached part of the prompt in
 * characters, not tokens (it assumes 4 characters a token: averageCharactersPerToken in
 * pkg/plugins/profile/pd_profile_handler.go).
 */
export const LLMD_CHARACTERS_PER_TOKEN = 4;

/** Annotations that carry what the manifests cannot express, so a reader of the cluster sees the plan. */
const ANNOTATION = {
  layout: 'pdplan/layout',
  router: 'pdplan/router',
  maxLocalPrefillTokens: 'pdplan/max-local-prefill-tokens',
};

function yamlDocument(header: string[], value: unknown): string {
  return `${header.map((line) => `# ${line}`).join('\n')}\n${stringify(value, { lineWidth: 0 })}`;
}

function checkFits(input: ExportInput): void {
  const placed = placeReplicas(input.plan, input.deployment);
  if ('error' in placed) throw new ExportError(placed.error);
}

function serviceName(role: Role, group: ReplicaGroup, groups: ReplicaGroup[]): string {
  const base = role === 'prefill' ? 'VllmPrefillWorker' : role === 'decode' ? 'VllmDecodeWorker' : 'VllmWorker';
  return groups.length > 1 ? `${base}Tp${group.tp}` : base;
}

function planAnnotations(input: ExportInput, setting: RouterSetting): Record<string, string> {
  const annotations: Record<string, string> = {
    [ANNOTATION.layout]: formatDeployment(input.deployment),
    [ANNOTATION.router]: input.routing.name,
  };
  if (setting.disaggregated)
    annotations[ANNOTATION.maxLocalPrefillTokens] =
      setting.maxLocalPrefillTokens === null ? 'none' : String(setting.maxLocalPrefillTokens);
  return annotations;
}

/** A DynamoGraphDeployment (Dynamo 0.6.1, vLLM backend): a frontend and one worker service per role and TP degree. */
export function dynamoExport(input: ExportInput): ExportResult {
  checkFits(input);
  const setting = routerSetting(input.deployment, input.routing);
  const model = modelId(input.plan);
  const name = kubeName(input.plan.name ?? input.plan.model.name);
  const services: Record<string, unknown> = {
    Frontend: {
      dynamoNamespace: name,
      componentType: 'frontend',
      replicas: 1,
      extraPodSpec: { mainContainer: { image: DYNAMO_IMAGE } },
    },
  };
  for (const { role, groups } of roleGroups(input.deployment)) {
    for (const group of groups) {
      const args = ['--model', model.id, '--tensor-parallel-size', String(group.tp)];
      if (role === 'prefill') args.push('--is-prefill-worker');
      services[serviceName(role, group, groups)] = {
        dynamoNamespace: name,
        envFromSecret: 'hf-token-secret',
        componentType: 'worker',
        ...(role === 'colocated' ? {} : { subComponentType: role }),
        replicas: group.dp,
        resources: { limits: { gpu: String(group.tp) } },
        extraPodSpec: {
          mainContainer: {
            image: DYNAMO_IMAGE,
            workingDir: '/workspace/examples/backends/vllm',
            command: ['python3', '-m', 'dynamo.vllm'],
            args,
          },
        },
      };
    }
  }
  const document = {
    apiVersion: 'nvidia.com/v1alpha1',
    kind: 'DynamoGraphDeployment',
    metadata: { name, annotations: planAnnotations(input, setting) },
    spec: { backendFramework: 'vllm', services },
  };
  const notes = [
    'create the Hugging Face token secret first: kubectl create secret generic hf-token-secret --from-literal=HF_TOKEN=...',
    ...(setting.note ? [setting.note] : []),
    ...(model.known
      ? []
      : [`the model '${model.id}' has no Hugging Face id in the catalog; edit the workers' --model`]),
  ];
  if (setting.disaggregated && setting.maxLocalPrefillTokens !== null) {
    notes.push(
      `Dynamo 0.6.1 lists conditional disaggregation as work in progress for its vLLM and SGLang backends (docs/backends/vllm/README.md): the planned threshold (${setting.maxLocalPrefillTokens} uncached tokens) is recorded in the '${ANNOTATION.maxLocalPrefillTokens}' annotation, and every prefill runs on a prefill worker`,
    );
  }
  return {
    format: 'dynamo',
    files: [
      {
        path: 'dynamo-graph-deployment.yaml',
        content: yamlDocument(headerLines(input, formatDeployment(input.deployment), setting), document),
      },
    ],
    notes,
  };
}

/** The values of one llm-d-modelservice release (the chart deploys one decode and one prefill group). */
export interface LlmdRelease {
  decode?: ReplicaGroup;
  prefill?: ReplicaGroup;
}

function llmdRole(
  role: 'prefill' | 'decode',
  group: ReplicaGroup | undefined,
  disaggregated: boolean,
): Record<string, unknown> {
  if (!group) return { create: false };
  // The routing sidecar listens on the service port of decode pods and forwards to vLLM on 8200.
  const vllmPort = role === 'decode' ? 8200 : 8000;
  const env: unknown[] = [];
  const args: string[] = [];
  const ports: unknown[] = [{ containerPort: vllmPort, protocol: 'TCP' }];
  if (disaggregated) {
    args.push('--kv-transfer-config', VLLM_KV_TRANSFER_CONFIG);
    env.push(
      { name: 'VLLM_NIXL_SIDE_CHANNEL_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '5600' },
    );
    ports.push({ containerPort: 5600, protocol: 'TCP' });
  }
  return {
    create: true,
    replicas: group.dp,
    parallelism: { tensor: group.tp },
    containers: [
      { name: 'vllm', image: LLMD_IMAGE, modelCommand: 'vllmServe', args, env, ports, mountModelVolume: true },
    ],
  };
}

/** Pairs of a decode and a prefill group per release: the chart has one of each. */
export function llmdReleases(input: ExportInput): LlmdRelease[] {
  if (input.deployment.kind === 'colocated') return input.deployment.colocated.map((decode) => ({ decode }));
  const { prefill, decode } = input.deployment;
  return Array.from({ length: Math.max(prefill.length, decode.length) }, (_, i) => ({
    prefill: prefill[i],
    decode: decode[i],
  }));
}

/** llm-d: llm-d-modelservice values (one release per TP pairing) and the inference scheduler's P/D threshold. */
export function llmdExport(input: ExportInput): ExportResult {
  checkFits(input);
  const setting = routerSetting(input.deployment, input.routing);
  const model = modelId(input.plan);
  const name = kubeName(input.plan.name ?? input.plan.model.name);
  const header = headerLines(input, formatDeployment(input.deployment), setting);
  const releases = llmdReleases(input);
  const labels = { 'llm-d.ai/inference-serving': 'true', 'llm-d.ai/model': name };
  const files = releases.map((release, i) => ({
    path: releases.length === 1 ? 'ms-values.yaml' : `ms-values-${i + 1}.yaml`,
    content: yamlDocument(header, {
      multinode: false,
      modelArtifacts: { name: model.id, uri: `hf://${model.id}`, authSecretName: 'llm-d-hf-token', labels },
      routing: { servicePort: 8000, proxy: { enabled: setting.disaggregated, targetPort: 8200, connector: 'nixlv2' } },
      decode: llmdRole('decode', release.decode, setting.disaggregated),
      prefill: llmdRole('prefill', release.prefill, setting.disaggregated),
    }),
  }));
  const thresholdChars =
    setting.maxLocalPrefillTokens === null ? 0 : setting.maxLocalPrefillTokens * LLMD_CHARACTERS_PER_TOKEN;
  const pdConfig = [
    'apiVersion: inference.networking.x-k8s.io/v1alpha1',
    'kind: EndpointPickerConfig',
    'plugins:',
    '- type: prefill-header-handler',
    '- type: prefill-filter',
    '- type: decode-filter',
    '- type: queue-scorer',
    '- type: pd-profile-handler',
    '  parameters:',
    setting.maxLocalPrefillTokens === null
      ? '    threshold: 0  # 0: every request goes through a prefill worker'
      : `    threshold: ${thresholdChars}  # characters of uncached prompt (${setting.maxLocalPrefillTokens} tokens x ${LLMD_CHARACTERS_PER_TOKEN}); shorter ones prefill on the decode pod`,
    'schedulingProfiles:',
    '- name: prefill',
    '  plugins:',
    '  - pluginRef: prefill-filter',
    '  - pluginRef: queue-scorer',
    '    weight: 1.0',
    '- name: decode',
    '  plugins:',
    '  - pluginRef: decode-filter',
    '  - pluginRef: queue-scorer',
    '    weight: 1.0',
    '',
  ].join('\n');
  const gaie = {
    inferenceExtension: {
      replicas: 1,
      image: { ...LLMD_SCHEDULER_IMAGE, pullPolicy: 'IfNotPresent' },
      extProcPort: 9002,
      ...(setting.disaggregated
        ? { pluginsConfigFile: 'pd-config.yaml', pluginsCustomConfig: { 'pd-config.yaml': pdConfig } }
        : {}),
    },
    inferencePool: { targetPorts: [{ number: 8000 }], modelServerType: 'vllm', modelServers: { matchLabels: labels } },
  };
  files.push({ path: 'gaie-values.yaml', content: yamlDocument(header, gaie) });
  files.push({
    path: 'install.sh',
    content: [
      '#!/usr/bin/env bash',
      ...header.map((line) => `# ${line}`),
      "# The gateway (Gateway API + inference extension CRDs) is installed as in llm-d's guides/prereq.",
      'set -euo pipefail',
      'helm repo add llm-d-modelservice https://llm-d-incubation.github.io/llm-d-modelservice/',
      ...releases.map(
        (_, i) =>
          `helm upgrade --install ${name}-ms${releases.length === 1 ? '' : `-${i + 1}`} llm-d-modelservice/llm-d-modelservice --version v0.4.12 -f ${files[i].path}`,
      ),
      `helm upgrade --install ${name}-gaie oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool -f gaie-values.yaml`,
      '',
    ].join('\n'),
    executable: true,
  } as (typeof files)[number]);
  const notes = [
    'create the Hugging Face token secret first: kubectl create secret generic llm-d-hf-token --from-literal=HF_TOKEN=...',
    ...(setting.note ? [setting.note] : []),
    ...(model.known ? [] : [`the model '${model.id}' has no Hugging Face id in the catalog; edit modelArtifacts`]),
  ];
  if (setting.disaggregated && setting.maxLocalPrefillTokens !== null) {
    notes.push(
      `llm-d's threshold counts characters of the uncached prompt, not tokens: ${setting.maxLocalPrefillTokens} tokens were written as ${thresholdChars} characters (${LLMD_CHARACTERS_PER_TOKEN} a token, the scheduler's own estimate)`,
    );
  }
  return { format: 'llm-d', files, notes };
}
