import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Ajv from 'ajv';
import { planSchema } from '../../../src/core/spec/schema';

const ROOT = join(__dirname, '../../..');

test('the precompiled validator is up to date with schemas/pdplan.schema.json', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-schema-validator.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

test('the precompiled validator reports what a runtime-compiled one does', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const standalone = require('../../../src/core/spec/schemaValidator.generated.js');
  const compiled = new Ajv({ allErrors: true, verbose: true, strict: false }).compile(planSchema);
  const broken = {
    version: 2,
    model: { nme: 1 },
    cluster: { gpu: 3, nodes: 0 },
    slo: { ttftMs: 'x', scope: 'sesion' },
    planner: { tpDegrees: [2, 2] },
    variants: { 'bad name': {} },
  };
  const shape = (errors: { keyword: string; instancePath: string; params: unknown }[]) =>
    errors.map((e) => [e.keyword, e.instancePath, e.params]);
  assert.equal(standalone(broken), false);
  assert.equal(compiled(broken), false);
  assert.deepEqual(shape(standalone.errors), shape(compiled.errors!));
  assert.ok(standalone.errors.every((e: { parentSchema?: unknown }) => e.parentSchema !== undefined), 'verbose errors');
});
