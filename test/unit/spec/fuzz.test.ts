import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { loadPlan, MAX_PLAN_DEPTH } from '../../../src/core/spec/index';
import { parseYaml } from '../../../src/core/spec/yamlSource';
import type { Range } from '../../../src/core/spec/types';
import { assertSameData, garbage, mulberry32, mutate, pick, SEEDS } from '../../helpers/yamlFuzz';

/**
 * 10,000+ mutated or random plan files through the loader: no exception may escape, every range
 * must lie inside its document, every message must say something, and no internal error (PDP099)
 * may occur. Deterministic: a fixed-seed PRNG drives the mutations.
 */

function assertInside(range: Range, lines: string[], where: string): void {
  for (const pos of [range.start, range.end]) {
    assert.ok(
      Number.isInteger(pos.line) && pos.line >= 0 && pos.line < lines.length,
      `${where}: line ${pos.line} outside 0..${lines.length - 1}`,
    );
    assert.ok(
      Number.isInteger(pos.character) && pos.character >= 0 && pos.character <= lines[pos.line].length,
      `${where}: character ${pos.character} outside line ${pos.line} of length ${lines[pos.line].length}`,
    );
  }
  const ordered =
    range.start.line < range.end.line ||
    (range.start.line === range.end.line && range.start.character <= range.end.character);
  assert.ok(ordered, `${where}: range ends before it starts`);
}

function check(text: string, label: string): void {
  let load;
  try {
    load = loadPlan(text);
  } catch (error) {
    assert.fail(`${label}: loadPlan threw ${String(error)}\n--- input ---\n${text.slice(0, 2000)}`);
  }
  // LSP line breaks: \n, \r\n and a lone \r.
  const lines = text.split(/\r\n|\r|\n/);
  for (const d of load.diagnostics) {
    const where = `${label} ${d.code}`;
    assert.notEqual(d.code, 'PDP099', `${label}: internal error: ${d.message}\n--- input ---\n${text.slice(0, 2000)}`);
    assert.match(d.code, /^PDP\d{3}$/);
    assert.ok(['error', 'warning', 'info'].includes(d.severity));
    assert.ok(d.message.trim().length > 0, `${where}: empty message`);
    assert.equal(typeof d.path, 'string');
    assertInside(d.range, lines, where);
    if (d.fix) assertInside(d.fix.range, lines, `${where} fix`);
  }
  assert.equal(
    load.plan === undefined,
    load.diagnostics.some((d) => d.severity === 'error'),
    `${label}: plan iff no errors`,
  );
  for (const ref of load.references) assertInside(ref.range, lines, `${label} reference`);
}

test('10,000 mutated and random plans: no exception, ranges inside, messages present', () => {
  const rand = mulberry32(20261123);
  let count = 0;
  for (let i = 0; i < 8000; i++, count++) check(mutate(rand, pick(rand, SEEDS)), `mutant ${i}`);
  for (let i = 0; i < 2000; i++, count++) check(garbage(rand, Math.floor(rand() * 400)), `random ${i}`);
  assert.equal(count, 10000);
});

test('multi-megabyte and deeply nested inputs end in diagnostics', () => {
  const rand = mulberry32(7);
  const huge = SEEDS[0] + '\n# ' + 'x'.repeat(3 * 1024 * 1024) + '\n';
  check(huge, 'huge comment');
  assert.equal(loadPlan(huge).diagnostics[0].code, 'PDP003');
  const wide =
    SEEDS[0] +
    'variants:\n' +
    Array.from({ length: 20000 }, (_, i) => `  v${i}: { slo: { itlMs: ${40 + (i % 20)} } }`).join('\n') +
    '\n';
  check(wide, 'many variants'); // ~0.8 MB, under the size limit: parsed for real
  for (const depth of [100, 10000, 200000]) {
    check(`version: 1\nmodel: ${'['.repeat(depth)}${']'.repeat(depth)}\n`, `flow depth ${depth}`);
    check(
      `version: 1\nmodel:\n${Array.from({ length: Math.min(depth, 5000) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
      `block depth ${depth}`,
    );
  }
  check(garbage(rand, 200000), 'random 200k');
  check('\u0000'.repeat(1000), 'NULs');
  check('a: &a [*a]\n', 'self alias');
  check(
    `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 12 }, (_, i) => `b${i + 1}: &b${i + 1} [*${i === 0 ? 'a' : `b${i}`}, *${i === 0 ? 'a' : `b${i}`}, *${i === 0 ? 'a' : `b${i}`}]`).join('\n')}\n`,
    'billion laughs',
  );
});

/** The loader's one-walk data must be exactly what yaml's toJS gives, whenever it gives any. */
function checkData(text: string, label: string): boolean {
  const parsed = parseYaml(text, MAX_PLAN_DEPTH + 1);
  if (!parsed.data || parsed.tooDeepAt !== undefined) return false;
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  assertSameData(parsed.data.value, doc.toJS({ maxAliasCount: 100 }), label);
  return true;
}

test('the one-walk plain data equals yaml toJS on examples, fixtures and 10,000 fuzz inputs', () => {
  let compared = 0;
  SEEDS.forEach((text, i) => {
    if (checkData(text, `seed ${i}`)) compared++;
  });
  assert.equal(
    compared,
    SEEDS.length - 4,
    'every seed but the deep-nesting (brackets and dashes), duplicate-key and alias-flood fixtures has walk data',
  );
  const rand = mulberry32(20261123);
  for (let i = 0; i < 8000; i++) if (checkData(mutate(rand, pick(rand, SEEDS)), `mutant ${i}`)) compared++;
  for (let i = 0; i < 2000; i++) if (checkData(garbage(rand, Math.floor(rand() * 400)), `random ${i}`)) compared++;
  assert.ok(compared > 5000, `only ${compared} inputs compared`);
  // What the walk leaves to toJS: aliases, merge keys, tagged collections, binary scalars, complex keys.
  for (const text of [
    'a: &x {b: 1}\nc: *x\n',
    '%YAML 1.1\n---\na: &x {b: 1}\nc:\n  <<: *x\n',
    '<<: {a: 1}\n',
    '%YAML 1.1\n---\ns: !!set {a, b}\n',
    'b: !!binary AAAA\n',
    '? [a]\n: 1\n',
  ]) {
    assert.equal(parseYaml(text, MAX_PLAN_DEPTH + 1).data, undefined, JSON.stringify(text));
  }
  for (const text of [
    '__proto__: 1\nconstructor: {a: [1, ~]}\n',
    '~: 1\ntrue: 2\n1.50: x\n',
    '[1, {a: b}]\n',
    'just text\n',
    '',
  ]) {
    assert.ok(checkData(text, JSON.stringify(text)), `${JSON.stringify(text)} has walk data`);
  }
});
