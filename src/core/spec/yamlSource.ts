import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  YAMLMap,
  YAMLSeq,
  Scalar,
  type Document,
  type Node,
} from 'yaml';
import { escapeSegment } from './jsonPointer';
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
  /** The yaml library's document, with its errors; absent when the text nests too deep to parse. */
  doc?: Document.Parsed;
  lineStarts: number[];
  source: SourceMap;
  /** Deepest nesting met while indexing (walk stops at the limit). */
  depth: number;
  /** Keys repeated within one mapping: the span of each repetition. */
  duplicateKeys: [number, number][];
  /** Alias nodes (`*name`) met while indexing, and where the first one is. */
  aliases?: number;
  firstAlias?: [number, number];
  /** Set when flow brackets nest deeper than the limit: the offset of the first bracket too deep (not parsed). */
  tooDeepAt?: number;
  /** With tooDeepAt: the nesting too deep is of block collections (indentation, `- - -`), not brackets. */
  tooDeepInBlocks?: boolean;
  /**
   * The document as plain data, what `doc.toJS()` gives, built in the same walk as the source map.
   * Absent when the document holds something that walk leaves to `toJS` (aliases, merge keys,
   * complex keys, tagged collections or non-primitive scalars) or when it is too deep.
   */
  data?: { value: unknown };
}

export function pointer(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) out += '/' + escapeSegment(String(segment));
  return out;
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
  const starts = lineStarts(text);
  // The parser recurses on flow collections: refuse absurd bracket nesting before it overflows.
  const flowDeepAt = flowTooDeep(text, maxDepth * 2);
  // It recurses on block collections too: thousands of `- - -` overflow the stack.
  const blockDeepAt = flowDeepAt === undefined ? blockTooDeep(text, maxDepth * BLOCK_DEPTH_SLACK) : undefined;
  const tooDeepAt = flowDeepAt ?? blockDeepAt;
  if (tooDeepAt !== undefined) {
    return {
      text,
      lineStarts: starts,
      source: { value: new Map(), key: new Map() },
      depth: Infinity,
      duplicateKeys: [],
      tooDeepAt,
      ...(blockDeepAt !== undefined ? { tooDeepInBlocks: true } : {}),
    };
  }
  const source: SourceMap = { value: new Map(), key: new Map() };
  // yaml's own uniqueKeys check is quadratic in the size of a mapping; indexNodes finds duplicates in linear time.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const duplicateKeys: [number, number][] = [];
  const { depth, data, aliases, firstAlias } = indexNodes(doc.contents as Node | null, source, maxDepth, duplicateKeys);
  return { text, doc, lineStarts: starts, source, depth, duplicateKeys, data, aliases, firstAlias };
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

/** The block-depth bound below over-counts by up to about 2x; real plans stay far below maxDepth times this. */
export const BLOCK_DEPTH_SLACK = 4;

/**
 * Offset of the first line whose block nesting may exceed `limit`, if any. An upper bound, counted
 * per line from the indentation of the lines above it and the compact indicators (`- `, `? `, `: `)
 * that open the line; cheap, and enough to keep the parser's recursion far from the stack's end.
 */
function blockTooDeep(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  const depths: number[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let i = lineStart;
    while (text.charCodeAt(i) === 32) i++;
    const indent = i - lineStart;
    let compact = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      const next = text.charCodeAt(i + 1);
      const opens =
        (c === 45 /* - */ || c === 63 /* ? */ || c === 58) /* : */ &&
        (next === 32 || next === 10 || next === 13 || Number.isNaN(next));
      if (!opens) break;
      compact++;
      i++;
      while (text.charCodeAt(i) === 32) i++;
    }
    const c = text.charCodeAt(i);
    const blank = Number.isNaN(c) || c === 10 || c === 13 || c === 35; /* # */
    if (!blank || compact > 0) {
      while (indents.length > 0 && indents[indents.length - 1] >= indent) {
        indents.pop();
        depths.pop();
      }
      const depth = (depths.length > 0 ? depths[depths.length - 1] : 0) + 1 + compact;
      if (depth > limit) return lineStart;
      indents.push(indent);
      depths.push(depth);
    }
    let end = i;
    while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
    if (end >= text.length) break;
    lineStart = end + 1;
  }
  return undefined;
}

function nodeRange(node: unknown): [number, number] | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? [range[0], range[1]] : undefined;
}

const INCONVERTIBLE = Symbol('inconvertible');

/** What a node becomes in plain data: a primitive or an empty container to fill, or INCONVERTIBLE for what only `toJS` handles. */
function plainOf(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  const proto = Object.getPrototypeOf(node);
  if (proto === Scalar.prototype) {
    const value = (node as Scalar).value;
    const primitive =
      value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    return primitive ? value : INCONVERTIBLE;
  }
  // Exact classes: yaml's !!omap, !!pairs and !!set are subclasses that convert differently.
  if (proto === YAMLMap.prototype) return {};
  if (proto === YAMLSeq.prototype) return [];
  return INCONVERTIBLE;
}

interface Pending {
  node: unknown;
  path: string;
  depth: number;
  out: unknown;
}

/**
 * One iterative walk (deeply nested input cannot overflow the stack) for the source map, the
 * duplicate keys, the depth and the plain data; the data mirrors yaml's toJS (keep mode, no
 * aliases): keys as toJS writes them, `null` as '' and `__proto__` as an own property.
 */
function indexNodes(
  root: Node | null,
  source: SourceMap,
  maxDepth: number,
  duplicateKeys: [number, number][],
): { depth: number; data?: { value: unknown }; aliases: number; firstAlias?: [number, number] } {
  const top = plainOf(root);
  if (!root) return { depth: 0, data: { value: top }, aliases: 0 };
  let aliases = 0;
  let firstAlias: [number, number] | undefined;
  let convertible = top !== INCONVERTIBLE;
  let deepest = 0;
  const stack: Pending[] = [{ node: root, path: '', depth: 0, out: top }];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { node, path, depth, out } = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (isAlias(node)) {
      aliases++;
      const range = nodeRange(node);
      if (range && (firstAlias === undefined || range[0] < firstAlias[0])) firstAlias = range;
    }
    const range = nodeRange(node);
    if (range) source.value.set(path, range);
    if (depth >= maxDepth) {
      convertible = false;
      continue;
    }
    if (isMap(node)) {
      seen.clear();
      for (const item of node.items) {
        if (!isPair(item)) {
          convertible = false;
          continue;
        }
        const keyNode = item.key;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyRange = nodeRange(keyNode);
        if (seen.has(key)) {
          if (keyRange) duplicateKeys.push(keyRange);
          convertible = false;
          continue;
        }
        seen.add(key);
        const childPath = path + '/' + escapeSegment(key);
        if (keyRange) source.key.set(childPath, keyRange);
        const child = plainOf(item.value);
        if (child === INCONVERTIBLE) convertible = false;
        if (convertible) {
          const object = out as Record<string, unknown>;
          const jsKey = plainKey(keyNode);
          if (jsKey === undefined) convertible = false;
          else if (jsKey in object)
            Object.defineProperty(object, jsKey, {
              value: child,
              writable: true,
              enumerable: true,
              configurable: true,
            });
          else object[jsKey] = child;
        }
        if (item.value) stack.push({ node: item.value, path: childPath, depth: depth + 1, out: child });
        else if (keyRange) source.value.set(childPath, [keyRange[1], keyRange[1]]);
      }
    } else if (isSeq(node)) {
      const items = node.items;
      for (let index = 0; index < items.length; index++) {
        const child = plainOf(items[index]);
        if (child === INCONVERTIBLE) convertible = false;
        if (convertible) (out as unknown[]).push(child);
        stack.push({ node: items[index], path: path + '/' + index, depth: depth + 1, out: child });
      }
    }
    // An alias's range is the `*name` itself; its target is indexed where it is defined (and the
    // alias made the data inconvertible here, so toJS resolves it).
  }
  return { depth: deepest, data: convertible ? { value: top } : undefined, aliases, firstAlias };
}

/** The property name toJS gives a scalar key; undefined for keys it treats specially (`<<` merges). */
function plainKey(keyNode: unknown): string | undefined {
  if (keyNode === null || Object.getPrototypeOf(keyNode) !== Scalar.prototype) return undefined;
  const value = (keyNode as Scalar).value;
  if (value === null) return '';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  if (value === '<<' || 'addToJSMap' in (keyNode as object)) return undefined;
  return String(value);
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
  while (
    contentEnd > starts[lo] &&
    (text.charCodeAt(contentEnd - 1) === 10 || text.charCodeAt(contentEnd - 1) === 13)
  ) {
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
