import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDeploymentValue,
  deploymentGpus,
  formatDeployment,
  parseDeploymentSpec,
} from '../../../src/core/spec/deployment';

test('parses disaggregated and co-located notations and round-trips them', () => {
  const parsed = parseDeploymentSpec('P:4x2, D:8x1');
  assert.ok('deployment' in parsed);
  assert.deepEqual(parsed.deployment, {
    kind: 'disaggregated',
    prefill: [{ tp: 4, dp: 2 }],
    decode: [{ tp: 8, dp: 1 }],
  });
  assert.equal(formatDeployment(parsed.deployment), 'P:4x2,D:8x1');
  assert.equal(deploymentGpus(parsed.deployment), 16);
  const colocated = parseDeploymentSpec('C:2x4');
  assert.ok('deployment' in colocated);
  assert.equal(deploymentGpus(colocated.deployment), 8);
});

test('merges repeated role terms of the same TP and keeps mixed TP degrees', () => {
  const parsed = parseDeploymentSpec('P:2x1,P:2x1,P:4x1,D:8x1');
  assert.ok('deployment' in parsed && parsed.deployment.kind === 'disaggregated');
  assert.deepEqual(parsed.deployment.prefill, [
    { tp: 2, dp: 2 },
    { tp: 4, dp: 1 },
  ]);
});

test('rejects malformed, mixed and one-sided notations with a fix in the message', () => {
  for (const bad of ['', 'P:4', 'X:1x1', 'P:0x1,D:1x1', 'C:1x1,P:1x1,D:1x1', 'P:4x2']) {
    const parsed = parseDeploymentSpec(bad);
    assert.ok('error' in parsed, bad);
    assert.ok(parsed.error.length > 10);
  }
});

test('a deployment sent as an object passes the same checks as its notation', () => {
  const ok = checkDeploymentValue({ kind: 'disaggregated', prefill: [{ tp: 2, dp: 2 }], decode: [{ tp: 4, dp: 1 }] });
  assert.deepEqual(ok, parseDeploymentSpec('P:2x2,D:4x1'));
  assert.deepEqual(
    checkDeploymentValue({ kind: 'colocated', colocated: [{ tp: 4, dp: 2 }] }),
    parseDeploymentSpec('C:4x2'),
  );
  for (const [value, message] of [
    [{ kind: 'colocated', colocated: [{ tp: 1, dp: 99_999 }] }, /more replicas than a deployment may have/],
    [{ kind: 'colocated', colocated: [{ tp: 2048, dp: 1 }] }, /more GPUs than a node can have/],
    [{ kind: 'colocated', colocated: [{ tp: 1.5, dp: 1 }] }, /whole numbers/],
    [{ kind: 'disaggregated', prefill: [{ tp: 1, dp: 1 }] }, /decode groups must be a non-empty list/],
    [{ kind: 'mixed' }, /kind must be/],
    ['P:1x1,D:1x1', /must be an object/],
  ] as const) {
    const checked = checkDeploymentValue(value);
    assert.ok('error' in checked, JSON.stringify(value));
    assert.match(checked.error, message);
  }
});
