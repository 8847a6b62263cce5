import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { Position, Range } from './types';

/**
 * A YAML document with the source range of every node, addressed by JSON pointer (`/cluster/gpu`,
 * `/planner/tpDegrees/0`). Offsets become LSP positions: 0-based lines, UTF-16 characters (JS
 * string indices are UTF-16 already).
 */
export interface SourceMap {
  /** Range of the value at a pointer. */
  value: Map<string, [number, number]>;
  /** Range of the key of a mapping entry at a pointer. */
  key: Map<string, [number, number]>;
}

export interface ParsedYaml {
  text: string;
  doc?: Document.Parsed;
  lineStarts: number[];
  source: SourceMap;
  /** Deepest nesting met while indexing (walk stops at the limit). */
  depth: number;
  /** Keys repeated within one mapping: the span of each repetition. */
  duplicateKeys: [number, number][];
  /** Set when flow brackets nest deeper than the limit: the offset of the first bracket too deep (not parsed). */
  tooDeepAt?: number;
}

export function pointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function splitPointer(path: string): string[] {
  if (path === '' || path === '/') return [];
  return path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function parentPointer(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '' : path.slice(0, at);
}

/** Display form of a pointer for messages: `cluster.gpu`, `planner.tpDegrees[0]`. */
export function displayPath(path: string): string {
  const parts = splitPointer(path);
  if (parts.length === 0) return 'the plan';
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

export function parseYaml(text: string, maxDepth: number): ParsedYaml {
  const source: SourceMap = { value: new Map(), key: new Map() };
  const starts = lineStarts(text);
  // The parser recurses on flow collections: refuse absurd bracket nesting before it overflows.
  const tooDeepAt = flowTooDeep(text, maxDepth * 2);
  if (tooDeepAt !== undefined) return { text, lineStarts: starts, source, depth: Infinity, duplicateKeys: [], tooDeepAt };
  // yaml's own uniqueKeys check is quadratic in the size of a mapping; indexNodes finds duplicates in linear time.
  const doc = withPlainEnv(() => parseDocument(text, { prettyErrors: false, uniqueKeys: false }));
  const duplicateKeys: [number, number][] = [];
  const depth = indexNodes(doc.contents as Node | null, source, maxDepth, duplicateKeys);
  return { text, doc, lineStarts: starts, source, depth, duplicateKeys };
}

/**
 * yaml's parser reads `process.env.LOG_TOKENS` once per token, and every read of `process.env` is a
 * call into the runtime: about a fifth of the parse time of a large plan. A plain copy answers the
 * same values for the length of the (synchronous) parse.
 */
function withPlainEnv<T>(run: () => T): T {
  const env = process.env;
  process.env = { ...env };
  try {
    return run();
  } finally {
    process.env = env;
  }
}

/** Offset of the first `[`/`{` nested deeper than `limit` (outside quotes and comments), if any. */
function flowTooDeep(text: string, limit: number): number | undefined {
  let depth = 0;
  let quote = 0;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 92 /* \\ */ && quote === 34) i++;
      continue;
    }
    if (c === 35 /* # */ && (i === 0 || text.charCodeAt(i - 1) <= 32)) comment = true;
    else if ((c === 34 || c === 39) && (i === 0 || ' \t[{,:'.includes(text[i - 1]))) quote = c;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

function nodeRange(node: unknown): [number, number] | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? [range[0], range[1]] : undefined;
}

/** Iterative, so deeply nested input cannot overflow the stack; returns the deepest level seen. */
function indexNodes(root: Node | null, source: SourceMap, maxDepth: number, duplicateKeys: [number, number][]): number {
  if (!root) return 0;
  let deepest = 0;
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    deepest = Math.max(deepest, depth);
    const range = nodeRange(node);
    if (range) source.value.set(path, range);
    if (depth >= maxDepth) continue;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
        const keyRange = nodeRange(item.key);
        if (seen.has(key)) {
          if (keyRange) duplicateKeys.push(keyRange);
          continue;
        }
        seen.add(key);
        const childPath = path + '/' + key.replace(/~/g, '~0').replace(/\//g, '~1');
        if (keyRange) source.key.set(childPath, keyRange);
        if (item.value) stack.push({ node: item.value, path: childPath, depth: depth + 1 });
        else if (keyRange) source.value.set(childPath, [keyRange[1], keyRange[1]]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        stack.push({ node: item, path: `${path}/${index}`, depth: depth + 1 });
      });
    } else if (isAlias(node)) {
      // An alias's range is the `*name` itself; its target is indexed where it is defined.
    }
  }
  return deepest;
}

/**
 * Start offsets of the lines as LSP counts them: `\n`, `\r\n` and a lone `\r` all end a line
 * (yaml's own line counter knows only `\n`).
 */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

export function toPosition(starts: number[], text: string, offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= clamped) lo = mid;
    else hi = mid - 1;
  }
  const lineEnd = lo + 1 < starts.length ? starts[lo + 1] : text.length;
  let contentEnd = lineEnd;
  while (contentEnd > starts[lo] && (text.charCodeAt(contentEnd - 1) === 10 || text.charCodeAt(contentEnd - 1) === 13)) {
    contentEnd--;
  }
  // An offset on the line break itself sits at the end of the line's content.
  return { line: lo, character: Math.min(clamped, contentEnd) - starts[lo] };
}

export function toRange(parsed: Pick<ParsedYaml, 'lineStarts' | 'text'>, span: [number, number]): Range {
  return {
    start: toPosition(parsed.lineStarts, parsed.text, span[0]),
    end: toPosition(parsed.lineStarts, parsed.text, Math.max(span[0], span[1])),
  };
}
