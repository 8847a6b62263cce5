import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentGpus, formatDeployment, parseDeploymentSpec } from '../../src/core/spec/deployment';

test('parses disaggregated and co-located notations and round-trips them', () => {
  const parsed = parseDeploymentSpec('P:4x2, D:8x1');
  assert.ok('deployment' in parsed);
  assert.deepEqual(parsed.deployment, { kind: 'disaggregated', prefill: [{ tp: 4, dp: 2 }], decode: [{ tp: 8, dp: 1 }] });
  assert.equal(formatDeployment(parsed.deployment), 'P:4x2,D:8x1');
  assert.equal(deploymentGpus(parsed.deployment), 16);
  const colocated = parseDeploymentSpec('C:2x4');
  assert.ok('deployment' in colocated);
  assert.equal(deploymentGpus(colocated.deployment), 8);
});

test('merges repeated role terms of the same TP and keeps mixed TP degrees', () => {
  const parsed = parseDeploymentSpec('P:2x1,P:2x1,P:4x1,D:8x1');
  assert.ok('deployment' in parsed && parsed.deployment.kind === 'disaggregated');
  assert.deepEqual(parsed.deployment.prefill, [{ tp: 2, dp: 2 }, { tp: 4, dp: 1 }]);
});

test('rejects malformed, mixed and one-sided notations with a fix in the message', () => {
  for (const bad of ['', 'P:4', 'X:1x1', 'P:0x1,D:1x1', 'C:1x1,P:1x1,D:1x1', 'P:4x2']) {
    const parsed = parseDeploymentSpec(bad);
    assert.ok('error' in parsed, bad);
    assert.ok(parsed.error.length > 10);
  }
});
