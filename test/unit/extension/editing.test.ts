import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { catalogKindAt } from '../../../src/extension/engine';
import { SchemaNavigator, type JsonSchema } from '../../../src/extension/schemaNav';
import { outline, placeAt } from '../../../src/extension/yamlPath';

const plan = `version: 1
model: Qwen3-32B
cluster:
  gpu: H20
  gpusPerNode: 8
policy:
  routing: adaptive
`;
const at = (text: string, marker: string, delta = 0) => text.indexOf(marker) + delta;

test('placeAt finds values and keys by JSON path', () => {
  assert.deepEqual(placeAt(plan, at(plan, 'H20', 1)), {
    path: ['cluster', 'gpu'],
    on: 'value',
    text: 'H20',
    span: [at(plan, 'H20'), at(plan, 'H20') + 3],
  });
  const key = placeAt(plan, at(plan, 'gpusPerNode', 2));
  assert.equal(key.on, 'key');
  assert.deepEqual(key.path, ['cluster']);
  assert.equal(key.text, 'gpusPerNode');
});

test('placeAt places a half-typed line by indentation', () => {
  const typing = `${plan}  reorderW`;
  const place = placeAt(typing, typing.length);
  assert.equal(place.on, 'key');
  assert.deepEqual(place.path, ['policy']);
  assert.equal(place.text, 'reorderW');
  const value = `version: 1\ncluster:\n  gpu: `;
  assert.deepEqual(placeAt(value, value.length).path, ['cluster', 'gpu']);
});

test('outline lists sections with their children', () => {
  const entries = outline(plan);
  assert.deepEqual(
    entries.map((e) => e.name),
    ['version', 'model', 'cluster', 'policy'],
  );
  assert.deepEqual(
    entries[2].children.map((c) => c.name),
    ['gpu', 'gpusPerNode'],
  );
});

test('the schema navigator gives keys, enum values and descriptions from the real plan schema', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '../../../schemas/pdplan.schema.json'), 'utf8')) as JsonSchema;
  const nav = new SchemaNavigator(schema);
  const top = nav.keys([]).map((k) => k.name);
  for (const key of ['version', 'model', 'cluster', 'workload', 'slo', 'policy', 'planner'])
    assert.ok(top.includes(key), key);
  assert.ok(nav.keys(['cluster']).some((k) => k.name === 'gpusPerNode'));
  assert.ok(nav.enumValues(['planner', 'objective']).includes('max-attainment'));
  assert.ok(nav.description(['slo', 'ttftMs']), 'slo.ttftMs has a description');
  assert.deepEqual(nav.keys(['no-such-section']), []);
  // Scalar-or-mapping fields branch with if/then/else: both forms are offered.
  assert.ok(nav.enumValues(['policy', 'routing']).includes('threshold'), 'routing: <name>');
  assert.ok(
    nav.keys(['policy', 'routing']).some((k) => k.name === 'slack'),
    'routing: { slack }',
  );
  assert.deepEqual(nav.enumValues(['policy', 'routing', 'slack']), ['estimated', 'windowed']);
  assert.ok(
    nav.keys(['model']).some((k) => k.name === 'kvHeads'),
    'inline model keys',
  );
  assert.ok(nav.enumValues(['workload', 'outputTokens', 'kind']).includes('lognormal'), 'distribution kinds');
});

test('completion and hover know the expert-parallel fields', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '../../../schemas/pdplan.schema.json'), 'utf8')) as JsonSchema;
  const nav = new SchemaNavigator(schema);
  const planner = nav.keys(['planner']).map((k) => k.name);
  for (const key of ['epDegrees', 'attentionTp']) assert.ok(planner.includes(key), key);
  assert.deepEqual(
    nav.keys(['perf', 'moe']).map((k) => k.name),
    ['eplb', 'expertImbalance', 'twoBatchOverlap'],
  );
  assert.ok(nav.keys(['cluster']).some((k) => k.name === 'nvlinkDomainGpus'));
  assert.ok(nav.keys(['cluster', 'decodePool']).some((k) => k.name === 'nvlinkDomainGpus'));
  assert.match(nav.description(['planner', 'epDegrees']) ?? '', /expert-parallel/);
  assert.match(nav.description(['deployment']) ?? '', /EP32x1/);
});

test('catalogKindAt maps plan paths to catalogs', () => {
  assert.equal(catalogKindAt(['model']), 'model');
  assert.equal(catalogKindAt(['cluster', 'gpu']), 'gpu');
  assert.equal(catalogKindAt(['cluster', 'decodePool', 'gpu']), 'gpu');
  assert.equal(catalogKindAt(['workload', 'profile']), 'workload');
  assert.equal(catalogKindAt(['variants', 'big', 'cluster', 'gpu']), 'gpu');
  assert.equal(catalogKindAt(['slo', 'ttftMs']), undefined);
});
