import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../../src/core/sim';
import { createPerfModel, type PerfModel } from '../../../src/core/perf';
import { loadPlan } from '../../../src/core/spec';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';

// The simulator times runs of decode steps from the affine piece of the step time that holds at
// the batch's context (perf/types.ts decodeStepAffine), refreshing it when the context crosses the
// piece's bound (the large-KV step of decode attention): the results must be those of a call to
// decodeStepMs at every step.
test('decode runs that cross the large-KV step are timed as decodeStepMs times each step', () => {
  const yaml = readFileSync(
    join(__dirname, '..', '..', '..', 'examples', 'single-round-qwen3-32b.pdplan.yaml'),
    'utf8',
  );
  // Short prompts, long answers: a batch's context grows past the step within runs of steps.
  const shorter = yaml
    .replace('initialPromptTokens: 4000', 'initialPromptTokens: 500')
    .replace('outputTokens: 500', 'outputTokens: 2000');
  assert.notEqual(shorter, yaml);
  const plan = loadPlan(shorter).plan!;
  assert.equal(plan.workload.outputTokens.kind === 'constant' && plan.workload.outputTokens.value, 2000);
  const parsed = parseDeploymentSpec('P:1x4,D:4x1');
  if ('error' in parsed) throw new Error(parsed.error);
  const pool = plan.cluster;
  const perf = createPerfModel(plan.model, pool.gpu, { intraNode: pool.intraNode, perf: plan.perf });
  // The H200's fit has the step, within the contexts this workload reaches.
  const first = perf.decodeStepAffine!(4, 1, 0)!;
  assert.ok(first.validBelowContext < 4 * 2500, `step at ${first.validBelowContext} tokens`);
  const stepByStep: PerfModel = { ...perf, decodeStepAffine: undefined };
  const run = (decode: PerfModel) =>
    simulate({
      plan,
      deployment: parsed.deployment,
      measure: { sessions: 300, maxReplications: 1 },
      perf: { prefill: perf, decode },
    });
  const pieces = run(perf);
  const calls = run(stepByStep);
  // fixed + slope × context against the model's own sum: equal to the last bits.
  const rounded = (m: unknown) =>
    JSON.stringify(m, (_key, value) => (typeof value === 'number' ? Number(value.toPrecision(10)) : value));
  assert.equal(rounded(pieces.metrics), rounded(calls.metrics));
  assert.equal(pieces.events, calls.events);
});
