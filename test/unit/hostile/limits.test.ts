/**
 * Limits that hold: the schema bounds every number, the limits agree wherever they are enforced,
 * docs/plan-file.md lists them, and a value at either end of a field's range either runs or is
 * refused by validation at its place (issue 15: "values that validate must simulate").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { MAX_SESSIONS, SimInputError, simulate } from '../../../src/core/sim';
import { MAX_TRACE_LINES } from '../../../src/core/sim/workload';
import { MAX_PLAN_ALIASES, MAX_PLAN_CHARS, MAX_PLAN_DEPTH, MAX_VARIANTS } from '../../../src/core/spec/index';
import { MAX_REPLICAS, MAX_TP } from '../../../src/core/spec/deployment';
import { rateRange, schemaRange } from '../../../src/core/spec/overrides';
import { planSchema } from '../../../src/core/spec/schema';
import { validatePlanText } from '../../../src/core/validate';
import { INPUT_LIMITS, READ_TIME_LIMIT_MS } from '../../../src/io/inputGate';

const ROOT = join(__dirname, '../../..');

/** Numbers whose bound depends on the quantity, checked by the loader's semantic checks instead (PDP040/PDP041). */
const BOUNDED_ELSEWHERE = new Set(['value', 'min', 'max', 'mean', 'values', 'weights', 'gpuBudget', 'maxCandidates']);

test('every number in the schema has a maximum, or a ceiling of its own in the loader', () => {
  const unbounded: string[] = [];
  const walk = (node: unknown, path: string, key: string) => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    const bounded = n.maximum !== undefined || n.exclusiveMaximum !== undefined || BOUNDED_ELSEWHERE.has(key);
    const used =
      !path.startsWith('/definitions/') ||
      path.split('/').length > 3 ||
      JSON.stringify(planSchema).includes(`"#${path}"`);
    if ((n.type === 'number' || n.type === 'integer') && !bounded && used) unbounded.push(path);
    for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`, k === 'items' ? key : k);
  };
  walk(planSchema, '', '');
  assert.deepEqual(unbounded, []);
});

test('each limit has one value wherever it is enforced', () => {
  assert.equal(schemaRange('workloadObject', 'properties', 'sessions').max, MAX_SESSIONS);
  assert.equal(schemaRange('replicaGroup', 'properties', 'dp').max, MAX_REPLICAS);
  assert.equal(schemaRange('replicaGroup', 'properties', 'tp').max, MAX_TP);
  assert.equal(schemaRange('gpusPerNode').max, MAX_TP);
  assert.deepEqual(rateRange(), { min: 0.001, max: 100_000 });
  assert.equal(schemaRange('workloadObject', 'properties', 'seed').max, 2 ** 31 - 1);
});

test('docs/plan-file.md lists every limit', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'plan-file.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Limits and hostile input'), doc.indexOf('## Diagnostic codes'));
  assert.ok(section.length > 1000, 'the limits section exists');
  const mb = (bytes: number) => `${bytes / 1024 ** 2} MB`;
  const mentions = [
    `Plan file: ${mb(INPUT_LIMITS.plan.maxBytes)}`,
    `Trace file: ${mb(INPUT_LIMITS.trace.maxBytes)}`,
    `Profile file: ${mb(INPUT_LIMITS.profile.maxBytes)}`,
    `One read: ${READ_TIME_LIMIT_MS / 1000} s`,
    `${MAX_PLAN_CHARS.toLocaleString('en-US')} characters`,
    `${MAX_PLAN_DEPTH} levels of nesting`,
    `${MAX_PLAN_ALIASES} YAML aliases`,
    `${MAX_VARIANTS} variants`,
    `${MAX_TRACE_LINES.toLocaleString('en-US')} lines`,
    `${MAX_REPLICAS.toLocaleString('en-US')} replicas`,
    `${MAX_SESSIONS.toLocaleString('en-US')} sessions`,
    'FIFO',
    'UTF-16',
    'lone CR',
    '--rate',
    '--deployment',
  ];
  for (const text of mentions) assert.ok(section.includes(text), `the limits section mentions '${text}'`);
});

test('every field of a full plan at either end of its range validates and simulates, or is refused at its place', () => {
  const base = parse(readFileSync(join(ROOT, 'examples', 'all-features.pdplan.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete base.variants;
  const leaves: string[][] = [];
  const walk = (value: unknown, at: string[]) => {
    if (typeof value === 'number') leaves.push(at);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
  };
  walk(base, []);
  assert.ok(leaves.length > 50, `${leaves.length} numeric fields`);
  let simulated = 0;
  for (const leaf of leaves) {
    for (const value of [0, 1e-300, 1e300, 999_999_999, 1e15]) {
      const doc = structuredClone(base);
      let node = doc as Record<string, unknown>;
      for (const key of leaf.slice(0, -1)) node = node[key] as Record<string, unknown>;
      node[leaf[leaf.length - 1]] = value;
      const where = `${leaf.join('.')} = ${value}`;
      const validation = validatePlanText(stringify(doc));
      if (!validation.plan) {
        const errors = validation.diagnostics.filter((d) => d.severity === 'error');
        assert.ok(
          errors.every((d) => d.code !== 'PDP099' && d.message.length > 0),
          where,
        );
        continue;
      }
      simulated++;
      const steps = { n: 0 };
      try {
        const result = simulate(
          { plan: validation.plan, deployment: validation.plan.deployment!, measure: { sessions: 30 } },
          { isCancelled: () => ++steps.n > 5e6 },
        );
        assert.doesNotMatch(JSON.stringify(result.metrics), /null|NaN|Infinity/, `${where}: metrics`);
      } catch (error) {
        // Refused with a reason is a bounded answer; anything else is a bug.
        assert.ok(error instanceof SimInputError, `${where}: ${String(error)}`);
      }
    }
  }
  assert.ok(simulated > 20, `only ${simulated} plans validated`);
});
