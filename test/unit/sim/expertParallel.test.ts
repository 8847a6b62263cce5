import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, SimInputError } from '../../../src/core/sim';
import { loadPlan } from '../../../src/core/spec';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import { candidateSpace } from '../../../src/core/plan/candidates';
import { perfModelFit } from '../../../src/core/plan';
import { layoutThroughput } from '../../../src/core/plan/throughput';
import type { Deployment, Plan } from '../../../src/core/spec/types';

const PLAN = `version: 1
model: DeepSeek-R1
cluster:
  gpu: H100
  gpusPerNode: 8
  nodes: 6
  intraNode: { bandwidthGBps: 450, latencyUs: 5 }
  interNode: { bandwidthGBps: 50, latencyUs: 5 }
workload:
  rounds: 3
  initialPromptTokens: 2000
  incrementalTokens: 200
  outputTokens: 100
  toolLatencyMs: 500
  arrival: { process: poisson, ratePerSec: 4 }
  sessions: 300
  warmupSessions: 30
  seed: 7
slo: { ttftMs: 3000, itlMs: 100 }
policy: { routing: adaptive }
planner: { tpDegrees: [8], epDegrees: [16, 24, 32] }
`;

function plan(): Plan {
  const load = loadPlan(PLAN);
  assert.ok(load.plan, JSON.stringify(load.diagnostics));
  return load.plan;
}

const deployment = (text: string): Deployment => {
  const parsed = parseDeploymentSpec(text);
  assert.ok('deployment' in parsed, text);
  return parsed.deployment;
};

test('an expert-parallel replica runs as one worker per data-parallel attention rank', () => {
  const result = simulate({ plan: plan(), deployment: deployment('P:EP16x1,D:EP16/TP2x1') });
  const prefill = result.metrics.workers.filter((w) => w.role === 'prefill');
  const decode = result.metrics.workers.filter((w) => w.role === 'decode');
  assert.equal(prefill.length, 16);
  assert.equal(decode.length, 8, 'EP 16 with attention TP 2: 8 ranks');
  assert.ok(result.metrics.sessions > 0);
  assert.ok(result.metrics.sloAttainment > 0.5, `${result.metrics.sloAttainment}`);
});

test('a plain width listed in planner.epDegrees is simulated expert-parallel, deterministically', () => {
  const a = simulate({ plan: plan(), deployment: deployment('P:16x1,D:16x1') });
  assert.equal(a.metrics.workers.length, 32);
  const b = simulate({ plan: plan(), deployment: deployment('P:EP16x1,D:EP16x1') });
  assert.deepEqual(a.metrics, b.metrics);
});

test('a TP replica wider than a node is refused with the expert-parallel alternative', () => {
  const dense = { ...plan(), planner: { ...plan().planner, epDegrees: [] } };
  assert.throws(
    () => simulate({ plan: dense, deployment: deployment('P:16x1,D:EP16x1') }),
    (e: unknown) => e instanceof SimInputError && /EP16/.test(e.message),
  );
});

test('the planner offers expert-parallel widths across nodes, and says why TP 8 is out', () => {
  const p = plan();
  const space = candidateSpace(p, perfModelFit(p));
  assert.deepEqual(space.roles[0].tps, [
    { tp: 16, maxReplicas: 3 },
    { tp: 24, maxReplicas: 2 },
    { tp: 32, maxReplicas: 1 },
  ]);
  assert.ok(
    space.notes.some((n) => /TP 8/.test(n) && /does not fit/.test(n)),
    space.notes.join('\n'),
  );
  assert.deepEqual(space.reasons, []);
});

test('per-node throughput: prefill input tokens/s and decode output tokens/s from the perf model', () => {
  const t = layoutThroughput(plan(), deployment('P:EP16x1,D:EP32x1'));
  const [prefill, decode] = t.groups;
  assert.equal(prefill.nodes, 2);
  assert.equal(decode.nodes, 4);
  // 16 ranks, each a 2,000-token prompt per prefillMs, over 2 nodes.
  assert.ok(Math.abs(prefill.inputTokensPerSecPerNode! - (16 * 2000 * 1000) / prefill.prefillMs! / 2) < 1e-6);
  assert.ok(decode.stepMs! <= 100);
  assert.ok(
    Math.abs(decode.outputTokensPerSecPerNode! - (32 * decode.decodeBatchPerRank! * 1000) / decode.stepMs! / 4) < 1e-6,
  );
  // At 4 sessions/s: 4 · (2000 + 2·200) input tokens over 2 nodes, 4 · 3 · 100 output over 4.
  assert.equal(t.atLoad.inputTokensPerSecPerPrefillNode, 4800);
  assert.equal(t.atLoad.outputTokensPerSecPerDecodeNode, 300);
});
