import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlan, SPEC_CODES } from '../../../src/core/spec/index';
import type { Range } from '../../../src/core/spec/types';

/**
 * Every broken plan under test/fixtures/spec declares what it must produce in header comments:
 *   # expect: CODE "text" [+offset,length]
 * The diagnostic's range must be exactly that text (its first occurrence after the header), or the
 * `length` characters starting `offset` characters into it.
 */
const FIXTURES = join(__dirname, '../../fixtures/spec');
const PROFILE_NAMES = ['h20-qwen3-32b'];

interface Expectation {
  code: string;
  range: Range;
}

function positionAt(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

function expectationsOf(text: string): Expectation[] {
  const header = /^(# expect: .*\n)+/.exec(text)?.[0] ?? '';
  return [...header.matchAll(/^# expect: (PDP\d{3}) ("(?:[^"\\]|\\.)*")(?: \+(\d+),(\d+))?$/gm)].map((m) => {
    const find = JSON.parse(m[2]) as string;
    const at = text.indexOf(find, header.length);
    assert.ok(at >= 0, `fixture text ${m[2]} not found`);
    const start = at + (m[3] ? Number(m[3]) : 0);
    const end = m[4] !== undefined ? start + Number(m[4]) : at + find.length;
    return { code: m[1], range: { start: positionAt(text, start), end: positionAt(text, end) } };
  });
}

const files = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.pdplan.yaml'))
  .sort();

for (const file of files) {
  test(`fixture ${file}`, () => {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const expectations = expectationsOf(text);
    assert.ok(expectations.length > 0, 'fixture declares no expectation');
    const load = loadPlan(text, { fileName: file, profileNames: PROFILE_NAMES });
    for (const expected of expectations) {
      const found = load.diagnostics.filter((d) => d.code === expected.code);
      assert.ok(
        found.length > 0,
        `${expected.code} missing; got ${JSON.stringify(load.diagnostics.map((d) => [d.code, d.message]))}`,
      );
      assert.deepEqual(
        found.map((d) => d.range),
        [expected.range],
        `${expected.code} range`,
      );
    }
    const codes = new Set(load.diagnostics.map((d) => d.code));
    assert.deepEqual(
      [...codes].sort(),
      [...new Set(expectations.map((e) => e.code))].sort(),
      'unexpected extra diagnostics',
    );
    for (const d of load.diagnostics) {
      assert.ok(d.message.length > 20, 'message explains the fix');
      assert.equal(d.severity, SPEC_CODES[d.code as keyof typeof SPEC_CODES].severity);
    }
    const hasError = load.diagnostics.some((d) => d.severity === 'error');
    assert.equal(load.plan === undefined, hasError, 'plan present exactly when there is no error');
  });
}

test('fixtures cover every code the loader itself emits', () => {
  const covered = new Set(files.map((f) => f.slice(0, 6)));
  // PDP070 comes from the CLI's file checks (test/integration/validate.test.ts); PDP099 must never happen.
  const missing = Object.keys(SPEC_CODES).filter(
    (code) => !covered.has(code) && code !== 'PDP070' && code !== 'PDP099',
  );
  assert.deepEqual(missing, []);
});
