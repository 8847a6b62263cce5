import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validatePlanText } from '../../../src/core/validate';

const BASE = readFileSync('test/fixtures/perf/llama70b-h100.pdplan.yaml', 'utf8');

test('a clean plan validates with no findings and keeps its plan', () => {
  const result = validatePlanText(BASE, { fileName: 'p.yaml' });
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.plan);
});

test('physics errors drop the plan and point at the offending field', () => {
  const text = BASE.replace('gpuBudget: 16', 'gpuBudget: 1');
  const result = validatePlanText(text, { fileName: 'p.yaml' });
  assert.equal(result.plan, undefined);
  const budget = result.diagnostics.find((d) => d.code === 'PDP101');
  assert.ok(budget);
  assert.equal(budget.path, '/planner/gpuBudget');
  const line = text.split('\n').findIndex((l) => l.includes('gpuBudget'));
  assert.equal(budget.range.start.line, line);
});

test('a variant with its own problem is reported under its path, an inherited one only once', () => {
  const text = `${BASE.replace('gpuBudget: 16', 'gpuBudget: 1')}variants:\n  tight:\n    slo:\n      itlMs: 1\n`;
  const result = validatePlanText(text, { fileName: 'p.yaml' });
  const codes = result.diagnostics.map((d) => `${d.code} ${d.path}`);
  assert.deepEqual(
    codes.filter((c) => c.startsWith('PDP101')),
    ['PDP101 /planner/gpuBudget'],
  );
  assert.ok(codes.includes('PDP102 /variants/tight/slo/itlMs'), codes.join('; '));
  const variantLine = text.split('\n').findIndex((l) => l.includes('itlMs: 1'));
  assert.equal(result.diagnostics.find((d) => d.path === '/variants/tight/slo/itlMs')?.range.start.line, variantLine);
});

test('the profile is read through the caller and its problems land on perf.profile', () => {
  const text = `${BASE}perf:\n  profile: p.csv\n`;
  const profileLine = text.split('\n').findIndex((l) => l.includes('p.csv'));
  const bad = validatePlanText(text, {
    readReference: () => '# pdplan-profile v1\nop,tp,history,tokens,batch,context,ms\ndecode,4,,,1,,5\n',
  });
  assert.deepEqual(
    bad.diagnostics.map((d) => d.code),
    ['PDP155'],
  );
  assert.equal(bad.diagnostics[0].path, '/perf/profile');
  assert.equal(bad.diagnostics[0].range.start.line, profileLine);
  assert.match(bad.diagnostics[0].message, /^p\.csv:3: decode rows need 'context'/);
  const unread = validatePlanText(text, {});
  assert.deepEqual(unread.diagnostics, []);
});
