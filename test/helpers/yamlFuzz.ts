import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The plan-file fuzz corpus: the example and fixture plans as seeds, mutations of them and random
 * text, all driven by a fixed-seed PRNG so that every run sees the same inputs.
 */

/** A small seeded PRNG: the same seed gives the same sequence of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ROOT = join(__dirname, '../..');
export const SEEDS = [
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.pdplan.yaml'))
    .map((f) => join(ROOT, 'examples', f)),
  ...readdirSync(join(ROOT, 'test/fixtures/spec'))
    .filter((f) => f.endsWith('.pdplan.yaml'))
    .map((f) => join(ROOT, 'test/fixtures/spec', f)),
].map((f) => readFileSync(f, 'utf8'));

const ODD_VALUES = [
  '',
  '~',
  'null',
  'true',
  '-1',
  '0',
  '1e309',
  '.nan',
  '-.inf',
  '"x"',
  '[]',
  '{}',
  '[1, [2, [3]]]',
  '{a: {b: {c: 1}}}',
  '&a [1]',
  '*a',
  '*undefined',
  '!!binary AAAA',
  '!custom 3',
  '|\n  block',
  "'unterminated",
  '"\\u0000"',
  '0x10',
  '1_000',
  '2026-01-01',
  'P:4x2,D:8x1',
  'C:0x1',
  'H20',
  'qwen',
  '  - nested',
  '? complex',
  '@',
  '`',
  '%',
  '\t1',
];

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Random text: control characters, YAML indicators, lone surrogates, any code point. */
export function garbage(rand: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    const r = rand();
    if (r < 0.3)
      out += String.fromCharCode(Math.floor(rand() * 32)); // control characters, NUL
    else if (r < 0.5)
      out += pick(rand, [
        '{',
        '}',
        '[',
        ']',
        ':',
        '-',
        '#',
        '&',
        '*',
        '!',
        '|',
        '>',
        "'",
        '"',
        '%',
        '@',
        ',',
        '?',
        '\n',
        ' ',
      ]);
    else if (r < 0.6)
      out += String.fromCharCode(0xd800 + Math.floor(rand() * 0x800)); // lone surrogates
    else if (r < 0.7) out += String.fromCodePoint(0x80 + Math.floor(rand() * 0x2ff80));
    else out += String.fromCharCode(32 + Math.floor(rand() * 95));
  }
  return out;
}

/** One to four random edits of a plan: lines deleted, repeated, swapped or garbled, odd values, deep nesting, CR line ends. */
export function mutate(rand: () => number, text: string): string {
  let lines = text.split('\n');
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(rand() * Math.max(1, lines.length));
    switch (Math.floor(rand() * 9)) {
      case 0: // delete a line
        lines.splice(i, 1);
        break;
      case 1: // duplicate a line (duplicate keys)
        lines.splice(i, 0, lines[i] ?? '');
        break;
      case 2: // replace a value with one of another type
        lines[i] = (lines[i] ?? '').replace(/:\s*.*$/, `: ${pick(rand, ODD_VALUES)}`);
        break;
      case 3: // garbage bytes inside a line
        {
          const line = lines[i] ?? '';
          const at = Math.floor(rand() * (line.length + 1));
          lines[i] = line.slice(0, at) + garbage(rand, 1 + Math.floor(rand() * 12)) + line.slice(at);
        }
        break;
      case 4: // break the indentation
        lines[i] = (rand() < 0.5 ? ' ' : '\t') + (lines[i] ?? '');
        break;
      case 5: // swap two lines
        {
          const j = Math.floor(rand() * lines.length);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
        break;
      case 6: // deep nesting
        {
          const depth = 10 + Math.floor(rand() * 3000);
          const open = rand() < 0.5 ? '[' : '{a: ';
          const close = open === '[' ? ']' : '}';
          lines.splice(i, 0, `deep: ${open.repeat(depth)}1${close.repeat(depth)}`);
        }
        break;
      case 7: // truncate
        lines = lines.slice(0, i);
        break;
      default: // CRLF / CR line endings on part of the file
        lines[i] = (lines[i] ?? '') + (rand() < 0.5 ? '\r' : '\r\n');
    }
  }
  return lines.join('\n');
}

/** Deep equality that also compares key order and prototypes (assert's deepStrictEqual ignores order). */
export function assertSameData(actual: unknown, expected: unknown, where: string): void {
  assert.deepStrictEqual(actual, expected, where);
  if (expected !== null && typeof expected === 'object') {
    assert.deepEqual(Reflect.ownKeys(actual as object), Reflect.ownKeys(expected), `${where}: key order`);
    for (const key of Reflect.ownKeys(expected)) {
      assertSameData(
        (actual as Record<string | symbol, unknown>)[key],
        (expected as Record<string | symbol, unknown>)[key],
        `${where}/${String(key)}`,
      );
    }
  }
}
