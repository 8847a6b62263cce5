// pdplan export: the generated Kubernetes documents are checked against the serving stacks'
// published schemas (vendored unchanged in catalog/vendor, sha256 in SOURCES.json), and the
// engine flags against the planned TP, replicas and threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import Ajv from 'ajv';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import {
  exportDeployment,
  ExportError,
  LLMD_CHARACTERS_PER_TOKEN,
  routerSetting,
  type ExportFormat,
} from '../../../src/core/export';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import type { Deployment, RoutingSpec } from '../../../src/core/spec/types';
import { testPlan } from '../plan/fixtures';

const root = path.join(__dirname, '..', '..', '..');
const vendor = (file: string) => path.join(root, 'catalog', 'vendor', file);

function layout(spec: string): Deployment {
  const parsed = parseDeploymentSpec(spec);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
}

function run(format: ExportFormat, spec: string, routing: RoutingSpec = { name: 'remote' }, nodes = 2) {
  const plan = testPlan({ nodes });
  plan.model.source = 'huggingface.co/Qwen/Qwen3-32B config.json';
  return exportDeployment({ plan, deployment: layout(spec), routing, format });
}

function fileOf(result: ReturnType<typeof run>, name: string): string {
  const file = result.files.find((f) => f.path === name);
  assert.ok(file, `${name} among ${result.files.map((f) => f.path).join(', ')}`);
  return file.content;
}

// The API server prunes fields a CRD does not declare, silently: a field the schema does not know
// is a bug in the export even though JSON Schema validation passes.
function undeclared(schema: any, value: unknown, at = ''): string[] {
  if (value === null || typeof value !== 'object' || schema === undefined) return [];
  if (schema['x-kubernetes-preserve-unknown-fields'] || schema.additionalProperties === true) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => undeclared(schema.items, item, `${at}/${i}`));
  const out: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const sub =
      schema.properties?.[key] ??
      (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (sub === undefined && schema.properties) out.push(`${at}/${key}`);
    else out.push(...undeclared(sub, child, `${at}/${key}`));
  }
  return out;
}

const ajvOptions = { strict: false, allErrors: true, validateFormats: false, logger: false } as const;
let dynamoValidator: any;
function dynamoSchema() {
  if (!dynamoValidator) {
    const crd = parseYaml(fs.readFileSync(vendor('dynamo/nvidia.com_dynamographdeployments.yaml'), 'utf8'));
    const version = crd.spec.versions.find((v: any) => v.name === 'v1alpha1');
    const schema = version.schema.openAPIV3Schema;
    dynamoValidator = {
      schema,
      validate: new Ajv(ajvOptions).compile(schema),
      group: crd.spec.group,
      kind: crd.spec.names.kind,
    };
  }
  return dynamoValidator;
}
let llmdValidator: any;
function llmdSchema() {
  if (!llmdValidator) {
    const schema = JSON.parse(fs.readFileSync(vendor('llm-d/llm-d-modelservice.values.schema.json'), 'utf8'));
    llmdValidator = { schema, validate: new Ajv(ajvOptions).compile(schema) };
  }
  return llmdValidator;
}

test('vendored schemas are the files their source names (sha256 in catalog/vendor/SOURCES.json)', () => {
  const sources = JSON.parse(fs.readFileSync(vendor('SOURCES.json'), 'utf8'));
  assert.ok(sources.files.length >= 2);
  for (const entry of sources.files) {
    assert.match(entry.commit, /^[0-9a-f]{40}$/, entry.path);
    assert.match(entry.repository, /^https:\/\/github\.com\//, entry.path);
    const digest = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(root, entry.path)))
      .digest('hex');
    assert.equal(
      digest,
      entry.sha256,
      `${entry.path} changed; re-copy it from ${entry.repository}@${entry.commit} or update SOURCES.json`,
    );
  }
});

test('dynamo: the graph deployment passes the DynamoGraphDeployment CRD schema and carries the planned TP and replicas', () => {
  const { validate, schema, group, kind } = dynamoSchema();
  for (const spec of ['P:2x2,D:4x1', 'P:2x2,P:4x1,D:4x1', 'C:4x2']) {
    const result = run('dynamo', spec);
    const docs = parseAllDocuments(fileOf(result, 'dynamo-graph-deployment.yaml')).map((d) => d.toJS());
    assert.equal(docs.length, 1);
    const doc = docs[0];
    assert.equal(doc.apiVersion, `${group}/v1alpha1`);
    assert.equal(doc.kind, kind);
    assert.ok(validate(doc), `${spec}: ${JSON.stringify(validate.errors)}`);
    assert.deepEqual(undeclared(schema, doc), [], spec);
    // Every planned replica group is a worker service with its replicas, GPUs and TP flag.
    const workers = Object.values(doc.spec.services as Record<string, any>).filter((s) => s.componentType === 'worker');
    const deployment = layout(spec);
    const groups =
      deployment.kind === 'colocated'
        ? deployment.colocated.map((g) => ({ ...g, role: undefined }))
        : [
            ...deployment.prefill.map((g) => ({ ...g, role: 'prefill' })),
            ...deployment.decode.map((g) => ({ ...g, role: 'decode' })),
          ];
    assert.equal(workers.length, groups.length, spec);
    for (const group of groups) {
      const match = workers.find(
        (w) => w.subComponentType === group.role && w.resources.limits.gpu === String(group.tp),
      );
      assert.ok(match, `${spec}: no worker for ${group.role} TP ${group.tp}`);
      assert.equal(match.replicas, group.dp);
      const args: string[] = match.extraPodSpec.mainContainer.args;
      assert.equal(args[args.indexOf('--tensor-parallel-size') + 1], String(group.tp));
      assert.equal(args.includes('--is-prefill-worker'), group.role === 'prefill');
    }
  }
});

test('dynamo: the CRD schema rejects a wrong document (the check can fail)', () => {
  const { validate } = dynamoSchema();
  const doc = parseYaml(fileOf(run('dynamo', 'P:2x2,D:4x1'), 'dynamo-graph-deployment.yaml'));
  doc.spec.services.VllmDecodeWorker.replicas = '1';
  assert.equal(validate(doc), false);
  const other = parseYaml(fileOf(run('dynamo', 'P:2x2,D:4x1'), 'dynamo-graph-deployment.yaml'));
  other.spec.backendFramework = 'tgi';
  assert.equal(validate(other), false);
  const pruned = parseYaml(fileOf(run('dynamo', 'P:2x2,D:4x1'), 'dynamo-graph-deployment.yaml'));
  pruned.spec.services.VllmDecodeWorker.tensorParallel = 4;
  assert.deepEqual(undeclared(dynamoSchema().schema, pruned), ['/spec/services/VllmDecodeWorker/tensorParallel']);
});

test('llm-d: modelservice values pass the chart schema; replicas, TP and threshold are the planned ones', () => {
  const { validate, schema } = llmdSchema();
  const threshold: RoutingSpec = { name: 'threshold', maxLocalPrefillTokens: 768 };
  const result = run('llm-d', 'P:2x2,P:1x2,D:4x1', threshold);
  const values = result.files.filter((f) => f.path.startsWith('ms-values')).map((f) => parseYaml(f.content));
  assert.equal(values.length, 2, 'one release per TP pairing');
  for (const v of values) {
    assert.ok(validate(v), JSON.stringify(validate.errors));
    assert.deepEqual(undeclared(schema, v), []);
  }
  const prefill = values.filter((v) => v.prefill.create).map((v) => [v.prefill.parallelism.tensor, v.prefill.replicas]);
  const decode = values.filter((v) => v.decode.create).map((v) => [v.decode.parallelism.tensor, v.decode.replicas]);
  assert.deepEqual(prefill.sort(), [
    [1, 2],
    [2, 2],
  ]);
  assert.deepEqual(decode, [[4, 1]]);
  const gaie = parseYaml(fileOf(result, 'gaie-values.yaml'));
  const pdConfig = parseYaml(gaie.inferenceExtension.pluginsCustomConfig['pd-config.yaml']);
  const handler = pdConfig.plugins.find((p: any) => p.type === 'pd-profile-handler');
  assert.equal(handler.parameters.threshold, 768 * LLMD_CHARACTERS_PER_TOKEN);
  // Every pod of every release is picked by the one inference pool.
  for (const v of values) assert.deepEqual(v.modelArtifacts.labels, gaie.inferencePool.modelServers.matchLabels);
  // Co-located: decode pods only, no P/D plugin config.
  const colocated = run('llm-d', 'C:2x3');
  const ms = parseYaml(fileOf(colocated, 'ms-values.yaml'));
  assert.ok(validate(ms), JSON.stringify(validate.errors));
  assert.deepEqual([ms.decode.replicas, ms.decode.parallelism.tensor, ms.prefill.create], [3, 2, false]);
  assert.equal(parseYaml(fileOf(colocated, 'gaie-values.yaml')).inferenceExtension.pluginsConfigFile, undefined);
  // The check can fail: the chart's schema rejects a wrong type.
  const broken = parseYaml(fileOf(colocated, 'ms-values.yaml'));
  broken.decode.replicas = 'three';
  assert.equal(validate(broken), false);
});

function serveLines(script: string, command: RegExp): string[] {
  // One engine a replica: each starts on a line of its own and runs until the line ending in '&'.
  return script
    .split(/\n(?=\s*CUDA_VISIBLE_DEVICES=)/)
    .filter((block) => command.test(block))
    .map((b) => b.slice(0, b.indexOf('&')));
}

test('vllm: one engine per replica with the planned TP and the NIXL connector; the scripts parse in bash', () => {
  const result = run('vllm', 'P:2x3,D:4x2', { name: 'remote' }, 2);
  const launch = fileOf(result, 'launch-vllm.sh');
  const engines = serveLines(launch, /vllm serve/);
  assert.equal(engines.length, 5);
  const tps = engines.map((e) => Number(/--tensor-parallel-size (\d+)/.exec(e)![1]));
  assert.deepEqual(tps.sort(), [2, 2, 2, 4, 4]);
  for (const engine of engines) {
    assert.match(engine, /--kv-transfer-config '\{"kv_connector":"NixlConnector","kv_role":"kv_both"\}'/);
    const gpus = /CUDA_VISIBLE_DEVICES=([\d,]+)/.exec(engine)![1].split(',');
    assert.equal(gpus.length, Number(/--tensor-parallel-size (\d+)/.exec(engine)![1]));
  }
  const router = fileOf(result, 'router-vllm.sh');
  assert.equal(/--prefiller-ports ([\d ]+)/.exec(router)![1].trim().split(' ').length, 3);
  assert.equal(/--decoder-ports ([\d ]+)/.exec(router)![1].trim().split(' ').length, 2);
  for (const file of result.files) {
    const check = spawnSync('bash', ['-n'], { input: file.content });
    assert.equal(check.status, 0, `${file.path}: ${check.stderr}`);
  }
  const colocated = fileOf(run('vllm', 'C:4x2'), 'launch-vllm.sh');
  assert.equal(serveLines(colocated, /vllm serve/).length, 2);
  assert.doesNotMatch(colocated, /kv-transfer-config/);
});

test('sglang: prefill and decode servers with their disaggregation mode and TP; the router lists each with its bootstrap port', () => {
  const result = run('sglang', 'P:1x2,D:2x3');
  const engines = serveLines(fileOf(result, 'launch-sglang.sh'), /sglang\.launch_server/);
  assert.equal(engines.filter((e) => /--disaggregation-mode prefill/.test(e) && /--tp 1\b/.test(e)).length, 2);
  assert.equal(engines.filter((e) => /--disaggregation-mode decode/.test(e) && /--tp 2\b/.test(e)).length, 3);
  const router = fileOf(result, 'router-sglang.sh');
  assert.equal((router.match(/--prefill http:\/\/\S+ \d+/g) ?? []).length, 2);
  assert.equal((router.match(/--decode http/g) ?? []).length, 3);
  for (const file of result.files)
    assert.equal(spawnSync('bash', ['-n'], { input: file.content }).status, 0, file.path);
});

test('router setting: threshold carried exactly, adaptive approximated with a note, co-located without disaggregation', () => {
  const disaggregated = layout('P:2x1,D:2x1');
  assert.deepEqual(routerSetting(disaggregated, { name: 'threshold', maxLocalPrefillTokens: 300 }), {
    disaggregated: true,
    maxLocalPrefillTokens: 300,
    exact: true,
    note: undefined,
  });
  const adaptive = routerSetting(disaggregated, { name: 'adaptive' });
  assert.equal(adaptive.exact, false);
  assert.match(adaptive.note!, /adaptive/);
  assert.equal(routerSetting(layout('C:2x2'), { name: 'colocated' }).disaggregated, false);
  // llm-d with a threshold note says it converted tokens to characters.
  assert.ok(
    run('llm-d', 'P:2x1,D:2x1', { name: 'threshold', maxLocalPrefillTokens: 100 }).notes.some((n) =>
      /400 characters/.test(n),
    ),
  );
});

test('roles on different GPU types: a note says to place each on its type', () => {
  const plan = testPlan({ nodes: 2 });
  plan.cluster.decodePool = { ...plan.cluster, nodes: 1, gpu: { ...plan.cluster.gpu, name: 'H200' } };
  plan.cluster.prefillPool = { ...plan.cluster, nodes: 1 };
  const result = exportDeployment({
    plan,
    deployment: layout('P:4x2,D:8x1'),
    routing: { name: 'remote' },
    format: 'vllm',
  });
  assert.ok(
    result.notes.some((n) => /prefill runs on H100 and decode on H200/.test(n)),
    result.notes.join('; '),
  );
  // Each role on its own pool's nodes: the launch script has two nodes.
  assert.match(fileOf(result, 'launch-vllm.sh'), /start_node_1\(\) \{ {2}# decode pool node 0/);
  assert.equal(
    run('vllm', 'P:4x1,D:4x1').notes.some((n) => /GPU type/.test(n)),
    false,
  );
});

test('a layout that does not fit the nodes is refused with the reason', () => {
  // Two TP-8 replicas need two nodes; TP 6 + TP 4 cannot share an 8-GPU node either.
  assert.throws(
    () => run('dynamo', 'P:8x1,D:8x1', { name: 'remote' }, 1),
    (e: unknown) => e instanceof ExportError && /do not fit/.test((e as Error).message),
  );
  assert.throws(() => run('vllm', 'P:4x1,D:6x1', { name: 'remote' }, 1), ExportError);
});
