import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPlanPhysics, createPerfModel, parseProfile, typicalSizes } from '../../../src/core/perf';
import type { Plan, Range } from '../../../src/core/spec/types';
import { H100, IB_400G, LLAMA_70B, LLAMA_8B, NVLINK } from './specs';

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const rangeOf = () => ZERO;

function plan(overrides: Partial<Plan> = {}): Plan {
  return {
    version: 1,
    model: LLAMA_70B,
    cluster: { gpu: H100, gpusPerNode: 8, nodes: 2, intraNode: NVLINK, interNode: IB_400G },
    workload: {
      arrival: { process: 'poisson', ratePerSec: 1 },
      rounds: { kind: 'constant', value: 3 },
      initialPromptTokens: { kind: 'constant', value: 2000 },
      incrementalTokens: { kind: 'uniform', min: 100, max: 300 },
      outputTokens: { kind: 'exponential', mean: 200 },
      toolLatencyMs: { kind: 'constant', value: 500 },
      warmupSessions: 0,
      seed: 1,
    },
    slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9, scope: 'session', itlStatistic: 'mean' },
    policy: {
      routing: { name: 'adaptive' },
      reorderWindow: 4,
      maxPostpone: 2,
      statsWindowSec: 10,
      alpha: 1,
      beta: 1,
      maxDecodeBatch: 256,
      maxBatchTokens: 8192,
    },
    planner: {
      gpuBudget: 16,
      tpDegrees: [1, 2, 4, 8],
      objective: 'max-attainment',
      topK: 3,
      includeColocated: false,
      mixedTp: false,
      replications: 1,
      maxCandidates: 1000,
      timeLimitSec: 60,
    },
    perf: {},
    ...overrides,
  };
}

const codes = (p: Plan, profileText?: string) =>
  checkPlanPhysics(p, { rangeOf, profile: profileText ? parseProfile(profileText).profile : undefined }).map(
    (d) => `${d.code}:${d.severity}`,
  );

test('typical sizes: mean prompt, and the mean context over a session', () => {
  const sizes = typicalSizes(plan().workload);
  assert.equal(sizes.promptTokens, 2000);
  assert.equal(sizes.incrementalTokens, 200);
  // 2000 + (3 − 1)/2 · (200 + 200) + 200/2
  assert.equal(sizes.decodeContextTokens, 2500);
});

test('a sensible plan passes the physics checks', () => {
  assert.deepEqual(codes(plan()), []);
});

test('a model that fits at no allowed TP is an error that names the TP that would fit', () => {
  const p = plan({ planner: { ...plan().planner, tpDegrees: [1] } });
  const diagnostics = checkPlanPhysics(p, { rangeOf });
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['PDP100'],
  );
  assert.equal(diagnostics[0].path, '/planner/tpDegrees');
  assert.match(diagnostics[0].message, /Allow TP 2 or more/);
});

test('a budget below the smallest deployment is an error; co-location lowers the minimum', () => {
  const small = plan({ planner: { ...plan().planner, gpuBudget: 3, tpDegrees: [2, 4] } });
  const diagnostics = checkPlanPhysics(small, { rangeOf });
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['PDP101'],
  );
  assert.match(diagnostics[0].message, /at least 4/);
  assert.deepEqual(codes(plan({ planner: { ...small.planner, includeColocated: true } })), []);
});

test('SLOs below the fastest possible step or prefill are warnings', () => {
  const perf = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK, typicalContextTokens: 2500 });
  const fastestStep = Math.min(...[2, 4, 8].map((tp) => perf.decodeStepMs(1, 2500, tp)));
  const fastestPrefill = Math.min(...[2, 4, 8].map((tp) => perf.prefillMs(0, 2000, tp)));
  const tight = plan({ slo: { ...plan().slo, itlMs: fastestStep * 0.9, ttftMs: fastestPrefill * 0.9 } });
  assert.deepEqual(codes(tight), ['PDP102:warning', 'PDP103:warning']);
  const justEnough = plan({ slo: { ...plan().slo, itlMs: fastestStep * 1.01, ttftMs: fastestPrefill * 1.01 } });
  assert.deepEqual(codes(justEnough), []);
});

test('a fixed deployment with a TP that cannot hold the model is an error', () => {
  const p = plan({ deployment: { kind: 'disaggregated', prefill: [{ tp: 1, dp: 2 }], decode: [{ tp: 4, dp: 1 }] } });
  assert.deepEqual(codes(p), ['PDP104:error']);
});

test('separate pools are checked with their own GPU', () => {
  const smallGpu = { ...H100, name: 'l40s', memoryGB: 48 };
  const p = plan({
    planner: { ...plan().planner, tpDegrees: [1] },
    model: LLAMA_8B,
    cluster: {
      ...plan().cluster,
      decodePool: {
        gpu: { ...smallGpu, memoryGB: 16 },
        gpusPerNode: 8,
        nodes: 1,
        intraNode: NVLINK,
        interNode: IB_400G,
      },
    },
  });
  const diagnostics = checkPlanPhysics(p, { rangeOf });
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['PDP100'],
  );
  assert.match(diagnostics[0].message, /decode pool/);
});

test('a profile from another GPU or model, or without the allowed TPs, is flagged', () => {
  const rows = 'op,tp,history,tokens,batch,context,ms\nprefill,4,0,1024,,,80\n';
  assert.deepEqual(
    codes(plan(), `# pdplan-profile v1\n# gpu: NVIDIA H100 80GB HBM3\n# model: meta-llama/Llama-3.1-70B\n${rows}`),
    [],
  );
  assert.deepEqual(
    codes(plan(), `# pdplan-profile v1\n# gpu: NVIDIA H200\n# model: meta-llama/Llama-3.1-8B\n${rows}`),
    ['PDP105:warning', 'PDP105:warning'],
  );
  assert.deepEqual(codes(plan({ planner: { ...plan().planner, tpDegrees: [2, 8] } }), `# pdplan-profile v1\n${rows}`), [
    'PDP106:warning',
  ]);
});
