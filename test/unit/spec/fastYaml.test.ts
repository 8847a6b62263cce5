import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generatePlan } from '../../../bench/spec.bench';
import { parseSimpleYaml } from '../../../src/core/spec/fastYaml';
import { MAX_PLAN_DEPTH } from '../../../src/core/spec/index';
import { parseYaml, parseYamlWithLibrary } from '../../../src/core/spec/yamlSource';
import { assertSameData, garbage, mulberry32, mutate, pick, ROOT, SEEDS } from '../../helpers/yamlFuzz';

/**
 * The fast path for plain plan files (fastYaml.ts) against the yaml library: whenever the fast path
 * reads a text, everything the loader uses — data (key order and `__proto__` included), value and
 * key ranges, depth, duplicate keys — must be exactly what the library path gives. Declining is
 * always allowed; the tests also check that it reads what plan files contain and declines what the
 * subset leaves out.
 */

/** What loadPlan passes. */
const MAX_DEPTH = MAX_PLAN_DEPTH + 1;

function sortedEntries(map: Map<string, [number, number]>): [string, [number, number]][] {
  return [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Whether the fast path read `text`; when it did, asserts that parseYaml's answer is the library's. */
function agrees(text: string, label: string): boolean {
  const parsed = parseYaml(text, MAX_DEPTH);
  if (parsed.doc || parsed.tooDeepAt !== undefined) return false; // the library read it, or nobody did
  const where = `${label}\n--- input ---\n${JSON.stringify(text.slice(0, 2000))}\n---`;
  const full = parseYamlWithLibrary(text, MAX_DEPTH);
  assert.deepEqual(full.doc?.errors.map((e) => e.message), [], `${where}: the fast path read a text with YAML errors`);
  assert.ok(full.data && parsed.data, `${where}: data`);
  assertSameData(parsed.data.value, full.data.value, where);
  assert.equal(JSON.stringify(parsed.data.value), JSON.stringify(full.data.value), `${where}: JSON`);
  assert.deepEqual(sortedEntries(parsed.source.value), sortedEntries(full.source.value), `${where}: value ranges`);
  assert.deepEqual(sortedEntries(parsed.source.key), sortedEntries(full.source.key), `${where}: key ranges`);
  assert.equal(parsed.depth, full.depth, `${where}: depth`);
  assert.deepEqual(parsed.duplicateKeys, full.duplicateKeys, `${where}: duplicate keys`);
  assert.deepEqual(parsed.lineStarts, full.lineStarts, `${where}: line starts`);
  return true;
}

function accepts(text: string): boolean {
  return parseSimpleYaml(text, MAX_DEPTH) !== undefined;
}

function planFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) planFiles(full, out);
    else if (name.endsWith('.pdplan.yaml')) out.push(full);
  }
  return out;
}

const EXAMPLES = planFiles(join(ROOT, 'examples'));
const FIXTURES = planFiles(join(ROOT, 'test/fixtures'));

test('the fast path reads every example plan and the bench plan, as the library does', () => {
  assert.ok(EXAMPLES.length >= 6);
  for (const file of EXAMPLES) {
    const text = readFileSync(file, 'utf8');
    assert.ok(accepts(text), `${file} is declined: no speed-up for it`);
    assert.ok(agrees(text, file));
  }
  const bench = generatePlan();
  assert.ok(accepts(bench), 'the bench plan is declined');
  assert.ok(agrees(bench, 'bench plan'));
  const crlf = bench.replace(/\n/g, '\r\n');
  assert.ok(agrees(crlf, 'bench plan, CRLF'));
});

test('plan fixtures: the same answer as the library whenever the fast path reads one', () => {
  let read = 0;
  for (const file of FIXTURES) if (agrees(readFileSync(file, 'utf8'), file)) read++;
  // Only the fixtures with YAML problems (syntax, duplicates, depth, a list, two documents, an alias flood, dash nesting) are declined.
  assert.ok(read >= FIXTURES.length - 8, `only ${read} of ${FIXTURES.length} fixtures read`);
});

/** Hand-written cases, each read by the fast path (so that each is really compared). */
const EDGE_CASES: string[] = [
  'a:\n', // a key with nothing after it
  'a:\nb: 1\n',
  'a:   \nb:\n', // trailing spaces after the colon
  'a: 1\nb:\n  - \n  -\n  - x\n', // empty sequence items
  'a:\n  - - 1\n    - 2\n  - - - 3\n', // nested sequences on one line
  'a:\n- 1\n- 2\nb: 3\n', // a sequence at its key's column
  'a:\n  - k: v\n    j: w\n  -   k: v\n      j: [1, 2]\n', // mappings in sequence items
  'a:\n  -\n    k: v\n  -\n    - 1\n', // a sequence item's collection on the next line
  '"quoted key": 1\n\'single\': 2\n"": 3\n', // quoted and empty keys
  'key with spaces: value with spaces\n',
  "a: 'it''s'\nb: '''' \nc: ''\n",
  'a: "a\\"b"\nb: "tab\\there"\nc: "\\\\ \\/ \\0 \\a \\b \\e \\f \\n \\r \\v \\N \\_ \\L \\P \\ "\n',
  'a: 1_000\nb: +1\nc: -.5\nd: 1e3\ne: 0x1F\nf: 0o17\ng: .NaN\nh: -.inf\ni: True\nj: NULL\nk: ~\nl: null\nm: yes\nn: 1.0\no: 007\n',
  'a: 1   \nb: two words   \nc: [1, 2]   \n', // trailing spaces
  '# first\n  # indented\na: 1\n    # deeper\n# at zero\nb:\n  # inside\n  c: 2\n      # deeper than c\n  # at c\n# at zero\nd: 3\n',
  'a: # comment right after the key\n  b: 1\nc:   # and before nothing\n',
  'a: 1\r\nb:\r\n  c: [x, y]\r\n  d: \'q\'\r\n', // Windows line ends
  'a: 1\nb:\n  c: last', // no final newline
  'a:\n  b:', // no final newline after an empty value
  '__proto__: 1\nconstructor: {a: [1, ~]}\ntoString: x\nhasOwnProperty: [y]\n',
  'a:\n  __proto__:\n    b: 1\n  c: { __proto__: 2 }\n',
  `long: ${'x'.repeat(5000)}\n${'k'.repeat(900)}: v\n`,
  'ключ: значение\n日本: 語\n"😀": [é, "ü", \'ß\']\nemoji 😀: 😀 x\n', // UTF-16 offsets
  '~: 1\n1.50: x\n0x10: y\ntrue: z\n.inf: w\n', // keys that resolve to non-strings
  'a: x:y\nb: http://host/path?q=1\nc: P:4x2,D:8x1\nd: a#b\ne: x, y]\nf: -x\n', // plain scalars with indicators inside
  'a : 1\n"b"  : 2\n', // space before the colon
  'a: {}\nb: []\nc: [ ]\nd: { }\ne: [[], {}]\nf: {x: [1, {y: z}], "q": \'r\'}\n',
  'a: [1 , 2 ,3]\nb: {x : 1}\nc: [a:b, c]\nd: {a:b: 1}\n',
  'a:\n  b:\n    c:\n      d:\n        e: 1\n    f: 2\n  g: 3\n', // closing several levels at once
  'a:\n  b: 1\n      # indented past b: joins b\n\n      # still\n  # at b\n      # after it\n', // trailing comments
  'x:\n a:\n   b:\n     c: 1\n     # stays in b\n y: 2\n',
  'a:\n  -\n  # a comment after an empty item\n',
  'a:\n  b:  # x\nc: 1\n',
  'a: 1\n\n  # indented, after a blank line\n',
];

test('hand-written edge cases: read, and the same answer as the library', () => {
  for (const text of EDGE_CASES) {
    assert.ok(accepts(text), `declined: ${JSON.stringify(text)}`);
    assert.ok(agrees(text, JSON.stringify(text)));
  }
});

test('declines what is outside the subset, and the library path answers for it', () => {
  const declined: [string, string][] = [
    ['anchor', 'a: &x 1\n'],
    ['alias', 'a: 1\nb: *x\n'],
    ['tag', 'a: !!str 1\n'],
    ['local tag', 'a: !custom 1\n'],
    ['block scalar', 'a: |\n  text\n'],
    ['folded scalar', 'a: >\n  text\n'],
    ['multi-line plain scalar', 'a: one\n  two\n'],
    ['multi-line quoted scalar', 'a: "one\n  two"\n'],
    ['tab indentation', 'a:\n\tb: 1\n'],
    ['tab after a value', 'a: 1\t# c\n'],
    ['document start', '---\na: 1\n'],
    ['document end', 'a: 1\n...\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['directive', '%YAML 1.2\n---\na: 1\n'],
    ['explicit key', '? a\n: 1\n'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['dedent into nothing', 'a:\n  - 1\n - 2\n'],
    ['continuation line', 'a: 1\n  b: 2\n'],
    ['multi-line flow', 'a: [1,\n  2]\n'],
    ['unclosed flow', 'a: [1, 2\n'],
    ['flow key', '[a]: 1\n'],
    ['trailing comma', 'a: [1, 2, ]\n'],
    ['empty flow value', 'a: {b: }\n'],
    ['JSON-style flow pair', 'a: {"b":1}\n'],
    ['single-pair flow mapping in a sequence', 'a: [b: 1]\n'],
    ['compact mapping in a value', 'a: b: c\n'],
    ['sequence after a key', 'a: - 1\n'],
    ['comment without a space', 'a: "x"#c\n'],
    ['text after a quoted value', "a: 'x' y\n"],
    ['\\u escape', 'a: "\\u00e9"\n'],
    ['unknown escape', 'a: "\\q"\n'],
    ['duplicate key', 'a: 1\na: 2\n'],
    ['duplicate flow key', 'a: {b: 1, b: 2}\n'],
    ['merge key', '<<: {a: 1}\n'],
    ['empty document', ''],
    ['only comments', '# nothing\n\n'],
    ['root sequence', '- a\n- b\n'],
    ['root scalar', 'just text\n'],
    ['root flow mapping', '{a: 1}\n'],
    ['indented root', '  a: 1\n'],
    ['byte-order mark', '\uFEFFa: 1\n'],
    ['lone CR', 'a: 1\rb: 2\n'],
    ['reserved indicator', 'a: @x\n'],
    ['deep nesting', Array.from({ length: MAX_DEPTH + 1 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n'],
    ['deep flow nesting', `a: ${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}\n`],
  ];
  for (const [what, text] of declined) {
    assert.equal(parseSimpleYaml(text, MAX_DEPTH), undefined, `${what} is read by the fast path: ${JSON.stringify(text)}`);
    const parsed = parseYaml(text, MAX_DEPTH);
    assert.ok(parsed.doc || parsed.tooDeepAt !== undefined, `${what}: no library document`);
  }
});

test('nesting up to the depth limit is read; at the limit and far beyond it the fast path declines without overflowing', () => {
  const block = (depth: number) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
  assert.ok(agrees(block(MAX_DEPTH - 1), 'block depth at the limit'));
  assert.equal(parseYaml(block(MAX_DEPTH - 1), MAX_DEPTH).depth, MAX_DEPTH - 1);
  const flow = (depth: number) => `a: ${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}\n`;
  assert.ok(agrees(flow(MAX_DEPTH - 1), 'flow depth at the limit'));
  assert.equal(parseSimpleYaml(flow(MAX_DEPTH), MAX_DEPTH), undefined);
  for (const depth of [1000, 100000]) {
    assert.equal(parseSimpleYaml(block(Math.min(depth, 5000)), MAX_DEPTH), undefined);
    assert.equal(parseSimpleYaml(flow(depth), MAX_DEPTH), undefined);
    assert.equal(parseSimpleYaml(flow(depth), depth * 10), undefined); // recursion is bounded whatever the limit
  }
});

/** Scalars whose resolution (null, bool, int, float, string) the core schema decides character by character. */
const SCALARS = [
  '0', '-0', '+0', '1', '-1', '+1', '007', '08', '09', '1_000', '0x1F', '0x1f', '0X1F', '0xg', '0x', '-0x1', '+0x1', '0o17', '0o8',
  '0o', '-0o1', '0O17', '1.0', '1.', '-1.', '.5', '-.5', '+.5', '.', '-.', '+', '1e3', '1E3', '1e+3', '1e-3', '-1e-3', '1.5e3',
  '.5e3', '1.e3', '.e3', 'e3', '1e', '1e+', '1ee3', '1e3.5', '.inf', '-.inf', '+.inf', '.Inf', '-.Inf', '.INF', '+.INF', '.iNf',
  '.nan', '.NaN', '.NAN', '-.nan', '+.nan', '.nAn', 'inf', 'Infinity', 'NaN', 'nan', '1e309', '-1e309', '4.9e-325',
  '123456789012345678901234567890', '9007199254740993', '0.1', '3.14159', '1.50', '2026-01-01', '12:30', '1:2', '1,000',
  'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'fAlse', 'yes', 'Yes', 'no', 'on', 'off', 'y', 'n',
  'null', 'Null', 'NULL', 'nULL', '~', '~~', 'nil', 'None', '0b101', '1__0', '٣', '１',
];

test('plain scalars resolve as the YAML 1.2 core schema does, as values, items and keys', () => {
  let read = 0;
  for (const s of SCALARS) {
    for (const text of [`k: ${s}\n`, `k:\n  - ${s}\n`, `k: [${s}, x]\n`, `k: {${s}: x}\n`, `${s}: x\n`, `k:\n  ${s}: x\n`]) {
      if (agrees(text, JSON.stringify(text))) read++;
    }
  }
  assert.ok(read >= SCALARS.length * 5, `only ${read} read`);
});

// --- generated plain YAML ------------------------------------------------------------------------

/** Plain scalars inside the subset: indicators only where they do not start a token. */
const WORDS = [
  'a', 'gpu', 'H20', 'Qwen3-32B', 'sweep point 3', 'x:y', 'http://host/p?q=1', 'a#b', 'P:4x2,D:8x1', 'C:0x1', 'héllo wörld',
  '日本語', '😀 emoji', '-x', '--', '.5.', '1.2.3', 'a  b   c', 'a[1]', 'b{2}', 'end]', 'q"uote', "it's", 'a\\b', '<<x', '=',
  'a,b', 'x,', 'under_score', 'dot.ted', 'slash/ed', 'tilde~d', '~x', 'x~', 'x%', 'a!b', 'a&b', 'a*b', 'a|b', 'a>b', 'a?b',
  'a@b', 'a`b', 'x :y', 'a\u00a0b', 'a\u2028b', 'a\u0085b', 'nul\u0000l', 'bell\u0007', '\u0001start', 'high\ud800surrogate',
];

/** Plain scalars that start a token, are errors, or stop early: declined, or read otherwise than they look. */
const ODD_WORDS = ['%x', ':x', '?x', '@x', '`x', '!x', '&x', '*x', '|x', '>x', '#x', ',x', '[x', '{x', ']x', '}x', 'x: y', 'x #y', '- x', '-'];

const KEYS = [
  'a', 'b', 'c', 'gpu', 'tpDegrees', 'key with spaces', 'x:y', '-k', '1', '2', '1.0', '0x10', '~', 'null', 'true', 'True',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '"q"', "'s'", '""', '"a b"', "'it''s'", '"x\\ty"', '<<',
  'ключ', '日本', '😀', 'a/b', 'a~b', 'k#', 'a b ', 'k\u00a0',
];

const ESCAPES = ['\\"', '\\\\', '\\n', '\\t', '\\/', '\\ ', '\\0', '\\N', '\\_', '\\L', '\\e'];
/** Escapes the subset leaves to the library. */
const ODD_ESCAPES = ['\\x41', '\\u00e9', '\\U0001F600', '\\q'];

interface Gen {
  rand: () => number;
  lines: string[];
  maxDepth: number;
  /** Whether this document may hold tokens outside the subset (it is then likely declined as a whole). */
  odd: boolean;
}

function int(g: Gen, n: number): number {
  return Math.floor(g.rand() * n);
}

function chance(g: Gen, p: number): boolean {
  return g.rand() < p;
}

function randomWord(g: Gen): string {
  const alphabet = 'abcxyzABC0129 .-_:/#,[]{}"\'\\@`!&*|>%?~+=é日😀';
  let out = '';
  const length = 1 + int(g, 8);
  for (let i = 0; i < length; i++) out += [...alphabet][int(g, [...alphabet].length)];
  return out;
}

function plainScalar(g: Gen): string {
  const r = g.rand();
  if (r < 0.4) return pick(g.rand, SCALARS);
  if (!g.odd || r < 0.9) return pick(g.rand, WORDS);
  if (r < 0.95) return pick(g.rand, ODD_WORDS);
  return randomWord(g);
}

function quotedScalar(g: Gen): string {
  if (chance(g, 0.5)) {
    let body = '';
    for (let i = int(g, 5); i > 0; i--) body += chance(g, 0.2) ? "''" : g.odd && chance(g, 0.1) ? "'" : pick(g.rand, WORDS).replace(/'/g, "''");
    return `'${body}'`;
  }
  let body = '';
  for (let i = int(g, 5); i > 0; i--) {
    const r = g.rand();
    body += r < 0.25 ? pick(g.rand, ESCAPES) : g.odd && r < 0.27 ? pick(g.rand, ODD_ESCAPES) : pick(g.rand, WORDS).replace(/["\\]/g, '');
  }
  return `"${body}"`;
}

function scalar(g: Gen): string {
  return chance(g, 0.2) ? quotedScalar(g) : plainScalar(g);
}

function key(g: Gen, used: Set<string>): string {
  for (;;) {
    const text = chance(g, 0.7) ? pick(g.rand, KEYS) : chance(g, 0.5) ? quotedScalar(g) : plainScalar(g);
    // Repeated keys make the whole document a duplicate-key error: only now and then.
    if (g.odd || !used.has(text)) {
      used.add(text);
      return text;
    }
  }
}

function spaces(g: Gen, max: number): string {
  return ' '.repeat(int(g, max + 1));
}

function flow(g: Gen, depth: number): string {
  const items: string[] = [];
  const isMap = chance(g, 0.4);
  const used = new Set<string>();
  for (let i = int(g, 4); i > 0; i--) {
    const value = depth < g.maxDepth && chance(g, 0.2) ? flow(g, depth + 1) : scalar(g);
    const colon = g.odd && chance(g, 0.05) ? ':' : ': ';
    items.push(isMap ? `${key(g, used)}${spaces(g, 1)}${colon}${spaces(g, 1)}${value}` : value);
  }
  const separator = () => `${spaces(g, 1)},${chance(g, 0.9) ? ' ' : ''}${spaces(g, 1)}`;
  const inner = items.reduce((out, item, i) => (i === 0 ? item : out + separator() + item), '');
  const pad = chance(g, 0.5) ? ' ' : '';
  const trailingComma = g.odd && chance(g, 0.02) ? ',' : '';
  return isMap ? `{${pad}${inner}${trailingComma}${pad}}` : `[${pad}${inner}${trailingComma}${pad}]`;
}

/** After a value, a `key:` or a `-`: nothing, trailing spaces or a comment (now and then one without a space). */
function lineEnd(g: Gen): string {
  const r = g.rand();
  if (r < 0.7) return '';
  if (r < 0.8) return spaces(g, 3);
  if (!g.odd || r < 0.97) return `${' '.repeat(1 + int(g, 3))}# note: ${pick(g.rand, WORDS)}`;
  return '#glued';
}

/** Comment lines and blank lines at various indentations. */
function noise(g: Gen, indent: number): void {
  while (chance(g, 0.15)) {
    const at = chance(g, 0.3) ? 0 : Math.max(0, indent + int(g, 7) - 3);
    g.lines.push(chance(g, 0.6) ? `${' '.repeat(at)}# comment ${int(g, 100)}` : spaces(g, 3));
  }
}

function inlineValue(g: Gen, depth: number): string {
  return chance(g, 0.15) ? flow(g, depth) : scalar(g);
}

/** A block mapping at `indent`; `firstPrefix` replaces the indentation of its first line (`- ` of a compact item). */
function blockMap(g: Gen, indent: number, depth: number, firstPrefix?: string): void {
  const used = new Set<string>();
  for (let entry = 0, count = 1 + int(g, 4); entry < count; entry++) {
    if (entry > 0 || firstPrefix === undefined) noise(g, indent);
    const prefix = entry === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent);
    const head = `${prefix}${key(g, used)}${chance(g, 0.05) ? ' ' : ''}:`;
    const r = g.rand();
    if (depth >= g.maxDepth || r < 0.5) g.lines.push(`${head} ${inlineValue(g, depth + 1)}${lineEnd(g)}`);
    else if (r < 0.6) g.lines.push(`${head}${lineEnd(g)}`);
    else if (r < 0.85) {
      g.lines.push(`${head}${lineEnd(g)}`);
      blockMap(g, indent + 1 + int(g, 3), depth + 1);
    } else {
      g.lines.push(`${head}${lineEnd(g)}`);
      blockSeq(g, indent + int(g, 3), depth + 1); // at the key's column, or deeper
    }
  }
}

function blockSeq(g: Gen, indent: number, depth: number, firstPrefix?: string): void {
  for (let item = 0, count = 1 + int(g, 4); item < count; item++) {
    if (item > 0 || firstPrefix === undefined) noise(g, indent);
    const dash = `${item === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent)}-`;
    const r = g.rand();
    if (depth >= g.maxDepth || r < 0.45) g.lines.push(`${dash} ${inlineValue(g, depth + 1)}${lineEnd(g)}`);
    else if (r < 0.55) g.lines.push(`${dash}${lineEnd(g)}`);
    else if (r < 0.75) {
      const gap = 1 + int(g, 3);
      blockMap(g, indent + 1 + gap, depth + 1, dash + ' '.repeat(gap));
    } else if (r < 0.85) {
      const gap = 1 + int(g, 2);
      blockSeq(g, indent + 1 + gap, depth + 1, dash + ' '.repeat(gap));
    } else {
      g.lines.push(`${dash}${lineEnd(g)}`);
      if (chance(g, 0.5)) blockMap(g, indent + 1 + int(g, 3), depth + 1);
      else blockSeq(g, indent + 1 + int(g, 3), depth + 1);
    }
  }
}

/** A random document in (or, through its random scalars, near) the fast path's subset. */
function plainDocument(rand: () => number): string {
  const g: Gen = { rand, lines: [], maxDepth: 1 + Math.floor(rand() * 6), odd: rand() < 0.3 };
  noise(g, 0);
  blockMap(g, 0, 0);
  noise(g, 0);
  const lineBreak = chance(g, 0.15) ? '\r\n' : '\n';
  return g.lines.join(lineBreak) + (chance(g, 0.8) ? lineBreak : '');
}

test('10,000 generated plain documents: the same answer as the library whenever the fast path reads one', () => {
  const rand = mulberry32(20261124);
  let read = 0;
  for (let i = 0; i < 10000; i++) if (agrees(plainDocument(rand), `generated ${i}`)) read++;
  // About a third fall outside the subset (odd tokens, YAML errors); the rest must be read, or this proves little.
  assert.ok(read > 6000, `only ${read} of 10,000 generated documents read`);
});

test('the fuzz corpus (mutated plans, random text) and mutated generated documents: the same answer whenever read', () => {
  const rand = mulberry32(20261123); // the corpus of fuzz.test.ts
  let mutants = 0;
  for (let i = 0; i < 8000; i++) if (agrees(mutate(rand, pick(rand, SEEDS)), `mutant ${i}`)) mutants++;
  for (let i = 0; i < 2000; i++) agrees(garbage(rand, Math.floor(rand() * 400)), `random ${i}`); // (none is read)
  const more = mulberry32(7);
  let mutatedGenerated = 0;
  for (let i = 0; i < 5000; i++) if (agrees(mutate(more, plainDocument(more)), `mutated generated ${i}`)) mutatedGenerated++;
  // Most mutations are YAML errors or leave the subset: a quarter of the mutants stays readable.
  assert.ok(mutants > 1800, `only ${mutants} of 8,000 mutants read`);
  assert.ok(mutatedGenerated > 800, `only ${mutatedGenerated} of 5,000 mutated generated documents read`);
});
