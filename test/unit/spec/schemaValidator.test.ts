import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Ajv from 'ajv';
import { planSchema } from '../../../src/core/spec/schema';

const ROOT = join(__dirname, '../../..');

test('the precompiled validator is up to date with schemas/pdplan.schema.json', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-schema-validator.mjs'), '--check'], {
    encoding: 'utf8',
  });
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
  assert.ok(
    standalone.errors.every((e: { parentSchema?: unknown }) => e.parentSchema !== undefined),
    'verbose errors',
  );
});

test('every property of the schema has a description (hover text)', () => {
  const defs = (planSchema as { definitions: Record<string, { description?: string }> }).definitions;
  const described = (node: { description?: string; $ref?: string }) =>
    Boolean(node.description ?? (node.$ref ? defs[node.$ref.split('/').pop()!]?.description : undefined));
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const { properties } = node as { properties?: Record<string, { description?: string; $ref?: string }> };
    // `if` conditions only test values; they are not properties a user sees.
    if (properties && !path.endsWith('/if')) {
      for (const [key, value] of Object.entries(properties)) if (!described(value)) missing.push(`${path}/${key}`);
    }
    for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
  };
  walk(planSchema, '');
  assert.deepEqual(missing, []);
});
