import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS } from '../../../src/core/spec/defaults';
import { loadPlan } from '../../../src/core/spec/index';
import { planSchema } from '../../../src/core/spec/schema';

const BASE = `version: 1
model: Qwen3-32B
cluster:
  gpu: H20
  gpusPerNode: 8
  nodes: 2
workload: ToolBench
slo:
  ttftMs: 2000
  itlMs: 50
`;

function clean(text: string) {
  const load = loadPlan(text);
  assert.deepEqual(
    load.diagnostics.map((d) => `${d.code} ${d.message}`),
    [],
  );
  assert.ok(load.plan);
  return { ...load, plan: load.plan };
}

test('defaults are filled in as the schema documents them', () => {
  const { plan } = clean(BASE);
  assert.deepEqual(plan.policy, {
    routing: { name: 'adaptive', slack: 'estimated' },
    reorderWindow: 3,
    maxPostpone: 3,
    statsWindowSec: 10,
    alpha: 0.9,
    beta: 0.9,
    maxDecodeBatch: 256,
    maxBatchTokens: 16384,
    mixedBatching: false,
    prefixReuseBlockTokens: 1,
  });
  assert.deepEqual(plan.slo, {
    ttftMs: 2000,
    itlMs: 50,
    attainmentTarget: 0.9,
    scope: 'session',
    itlStatistic: 'mean',
  });
  assert.equal(plan.planner.objective, 'max-attainment');
  assert.equal(plan.planner.topK, 3);
  assert.equal(plan.planner.replications, 3);
  assert.equal(plan.planner.gpuBudget, 16, 'budget defaults to all GPUs of the cluster');
  assert.deepEqual(plan.planner.tpDegrees, [1, 2, 4, 8]);
  assert.deepEqual(plan.cluster.intraNode, { bandwidthGBps: 450, latencyUs: 5 }, 'NVLink of the GPU entry');
  assert.deepEqual(plan.cluster.interNode, { bandwidthGBps: 50, latencyUs: 10 });
  assert.equal(plan.workload.profile, 'ToolBench');
  assert.equal(plan.workload.arrival.ratePerSec, 2);
  assert.equal(plan.workload.durationSec, 300);
  assert.equal(plan.model.source?.includes('config.json'), true);
});

test("the schema's defaults and the loader's agree", () => {
  const defs = (
    planSchema as {
      definitions: Record<string, { default?: unknown; properties?: Record<string, { default?: unknown }> }>;
    }
  ).definitions;
  const schemaDefault = (def: string, prop: string) => defs[def].properties![prop].default;
  for (const [key, value] of Object.entries(DEFAULTS.policy))
    assert.equal(schemaDefault('policy', key) ?? defs.routing.default, value, key);
  for (const [key, value] of Object.entries(DEFAULTS.slo)) assert.equal(schemaDefault('slo', key), value, key);
  for (const [key, value] of Object.entries(DEFAULTS.planner)) assert.equal(schemaDefault('planner', key), value, key);
  for (const [key, value] of Object.entries(DEFAULTS.model))
    assert.equal(schemaDefault('modelObject', key), value, key);
  assert.equal((defs.gpusPerNode as { default?: unknown }).default, DEFAULTS.cluster.gpusPerNode);
  assert.equal((defs.nodes as { default?: unknown }).default, DEFAULTS.cluster.nodes);
  assert.equal(schemaDefault('workloadObject', 'seed'), DEFAULTS.workload.seed);
  assert.equal(schemaDefault('workloadObject', 'warmupSessions'), DEFAULTS.workload.warmupSessions);
});

test('default TP degrees suit the model: KV heads replicate, MLA latents do not constrain', () => {
  assert.deepEqual(clean(BASE.replace('Qwen3-32B', 'Qwen3-235B-A22B')).plan.planner.tpDegrees, [1, 2, 4, 8]);
  assert.deepEqual(clean(BASE.replace('Qwen3-32B', 'DeepSeek-V3')).plan.planner.tpDegrees, [1, 2, 4, 8]);
  const odd = BASE.replace('model: Qwen3-32B', 'model: { preset: Llama-3.1-8B, attentionHeads: 24, kvHeads: 6 }');
  assert.deepEqual(clean(odd).plan.planner.tpDegrees, [1, 2]);
});

test('deployment notation and mapping give the same deployment', () => {
  const a = clean(BASE + 'deployment: "P:4x2,D:8x1"\n').plan.deployment;
  const b = clean(BASE + 'deployment:\n  prefill: [{ tp: 4, dp: 2 }]\n  decode: [{ tp: 8, dp: 1 }]\n').plan.deployment;
  assert.deepEqual(a, { kind: 'disaggregated', prefill: [{ tp: 4, dp: 2 }], decode: [{ tp: 8, dp: 1 }] });
  assert.deepEqual(a, b);
  const c = clean(BASE + 'policy: { routing: colocated }\ndeployment: { colocated: [{ tp: 4, dp: 4 }] }\n').plan
    .deployment;
  assert.deepEqual(c, { kind: 'colocated', colocated: [{ tp: 4, dp: 4 }] });
});

test('variants merge over the plan: mappings merge, names and distributions replace', () => {
  const text =
    BASE.replace('model: Qwen3-32B', 'model: { preset: Qwen3-32B, kvDtype: fp8 }').replace(
      'workload: ToolBench',
      'workload:\n  profile: ToolBench\n  rounds: { kind: lognormal, mean: 4, std: 2, min: 1 }',
    ) +
    `variants:
  llama:
    model: Llama-3.1-70B
  patched:
    model: { kvDtype: bf16 }
    slo: { itlMs: 40 }
    workload: { rounds: 5 }
  replay:
    workload: { trace: t.jsonl }
`;
  const { plan } = clean(text);
  const v = plan.variants!;
  assert.equal(v.llama.model.name, 'Llama-3.1-70B');
  assert.equal(v.llama.model.kvDtype, 'bf16', 'a name replaces the whole model, kvDtype override included');
  assert.equal(v.patched.model.name, 'Qwen3-32B');
  assert.equal(v.patched.model.kvDtype, 'bf16');
  assert.deepEqual(v.patched.slo, { ...plan.slo, itlMs: 40 });
  assert.deepEqual(v.patched.workload.rounds, { kind: 'constant', value: 5 });
  assert.equal(v.replay.workload.trace, 't.jsonl');
  assert.equal(v.replay.workload.profile, undefined, 'a trace replaces the inherited synthetic workload');
  assert.equal(plan.model.kvDtype, 'fp8', 'the base is untouched');
});

test('separate pools inherit what they leave out; budget counts both pools', () => {
  const { plan } = clean(
    BASE.replace(
      '  nodes: 2\n',
      '  nodes: 2\n  prefillPool: { gpu: H100-SXM, nodes: 1 }\n  decodePool: { nodes: 3 }\n',
    ),
  );
  assert.equal(plan.cluster.prefillPool!.gpu.name, 'H100-SXM');
  assert.equal(plan.cluster.prefillPool!.gpusPerNode, 8);
  assert.equal(plan.cluster.decodePool!.gpu.name, 'H20');
  assert.deepEqual(plan.cluster.crossCluster, plan.cluster.interNode);
  assert.equal(plan.planner.gpuBudget, 8 + 24);
});

test('references: trace and profile paths, built-in profile names', () => {
  const text =
    BASE.replace('workload: ToolBench', 'workload:\n  profile: ToolBench\n  trace: traces/x.jsonl') +
    'perf:\n  profile: measured/h20.csv\n';
  const load = loadPlan(text);
  assert.deepEqual(
    load.references.map((r) => [r.kind, r.path, r.jsonPath, r.range.start.line, r.range.start.character]),
    [
      ['trace', 'traces/x.jsonl', '/workload/trace', 8, 9],
      ['profile', 'measured/h20.csv', '/perf/profile', 13, 11],
    ],
  );
  const builtIn = loadPlan(BASE + 'perf: { profile: h20-qwen3-32b }\n', { profileNames: ['h20-qwen3-32b'] });
  assert.deepEqual(
    builtIn.references.map((r) => [r.path, r.builtIn]),
    [['catalog/profiles/h20-qwen3-32b.csv', true]],
  );
});

test('rangeOf: the value, else the key, else the nearest ancestor', () => {
  const load = loadPlan(BASE);
  assert.deepEqual(load.rangeOf('/cluster/gpu'), { start: { line: 3, character: 7 }, end: { line: 3, character: 10 } });
  assert.deepEqual(load.rangeOf('/slo/ttftMs'), { start: { line: 8, character: 10 }, end: { line: 8, character: 14 } });
  assert.deepEqual(load.rangeOf('/cluster/nope/deeper'), load.rangeOf('/cluster'));
  assert.deepEqual(load.rangeOf('/nothing'), load.rangeOf(''));
});

test('UTF-16 characters and CRLF line endings give LSP positions', () => {
  const text = BASE.replace('version: 1\n', 'version: 1\nname: "日本語 🚀 plan"\n').replace(/\n/g, '\r\n');
  const load = loadPlan(text.replace('gpu: H20', 'gpu: H2O'));
  const [d] = load.diagnostics;
  assert.equal(d.code, 'PDP021');
  assert.deepEqual(d.range, { start: { line: 4, character: 7 }, end: { line: 4, character: 10 } });
  const name = loadPlan(text.replace('slo:', 'name2: 1\nslo:'));
  assert.deepEqual(name.rangeOf('/name'), {
    start: { line: 1, character: 6 },
    end: { line: 1, character: 6 + '"日本語 🚀 plan"'.length },
  });
});

test('a synthetic workload without a profile: rounds default to 1, the rest is required', () => {
  const workload = `workload:
  arrival: { ratePerSec: 3 }
  initialPromptTokens: { kind: uniform, min: 100, max: 300 }
  incrementalTokens: 0
  outputTokens: 50
  toolLatencyMs: 0
`;
  const { plan } = clean(BASE.replace('workload: ToolBench\n', workload));
  assert.deepEqual(plan.workload.rounds, { kind: 'constant', value: 1 });
  assert.equal(plan.workload.arrival.ratePerSec, 3);
  const missing = loadPlan(BASE.replace('workload: ToolBench\n', 'workload:\n  outputTokens: 50\n'));
  assert.deepEqual(
    missing.diagnostics.map((d) => d.code),
    ['PDP042'],
  );
  assert.match(
    missing.diagnostics[0].message,
    /needs arrival\.ratePerSec, initialPromptTokens, incrementalTokens, toolLatencyMs;/,
  );
});

test('TP errors show with the other errors, each with a quick fix to the nearest valid TP', () => {
  const text =
    BASE.replace('gpu: H20', 'gpu: A100-SXM').replace('ttftMs: 2000', 'ttftMs: -5') +
    'deployment:\n  prefill: [{ tp: 3, dp: 1 }]\n  decode: [{ tp: 16, dp: 1 }]\nplanner:\n  tpDegrees: [1, 6]\n';
  const load = loadPlan(text);
  const codes = load.diagnostics.map((d) => `${d.code} ${d.path}`).sort();
  assert.deepEqual(codes, [
    'PDP014 /slo/ttftMs',
    'PDP021 /cluster/gpu',
    'PDP030 /deployment/prefill/0/tp',
    'PDP030 /planner/tpDegrees/1',
    'PDP032 /deployment/decode/0/tp',
  ]);
  const fixOf = (path: string) => load.diagnostics.find((d) => d.path === path)?.fix;
  assert.equal(fixOf('/deployment/prefill/0/tp')?.replacement, '2');
  assert.equal(fixOf('/deployment/decode/0/tp')?.replacement, '8');
  // 6 is as far from 4 as from 8: the smaller fits more places.
  assert.equal(fixOf('/planner/tpDegrees/1')?.replacement, '4');
  assert.equal(fixOf('/cluster/gpu')?.replacement, 'A100-SXM-80GB');
  // Applying every fix leaves the schema error only.
  let fixed = text;
  for (const d of [...load.diagnostics]
    .filter((d) => d.fix)
    .sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    const lines = fixed.split('\n');
    const line = lines[d.fix!.range.start.line];
    lines[d.fix!.range.start.line] =
      line.slice(0, d.fix!.range.start.character) + d.fix!.replacement + line.slice(d.fix!.range.end.character);
    fixed = lines.join('\n');
  }
  assert.deepEqual(
    loadPlan(fixed).diagnostics.map((d) => d.code),
    ['PDP014'],
  );
  // Without the other errors the same TP findings come from the full checks.
  const alone = loadPlan(fixed.replace('ttftMs: -5', 'ttftMs: 2000').replace('tp: 2,', 'tp: 3,'));
  assert.deepEqual(
    alone.diagnostics.map((d) => d.code),
    ['PDP030'],
  );
});
