import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
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
  lineCounter: LineCounter;
  source: SourceMap;
  /** Deepest nesting met while indexing (walk stops at the limit). */
  depth: number;
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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: SourceMap = { value: new Map(), key: new Map() };
  const depth = indexNodes(doc.contents as Node | null, source, maxDepth);
  return { text, doc, lineCounter, source, depth };
}

function nodeRange(node: unknown): [number, number] | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? [range[0], range[1]] : undefined;
}

/** Iterative, so deeply nested input cannot overflow the stack; returns the deepest level seen. */
function indexNodes(root: Node | null, source: SourceMap, maxDepth: number): number {
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
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
        const childPath = path + '/' + key.replace(/~/g, '~0').replace(/\//g, '~1');
        const keyRange = nodeRange(item.key);
        if (keyRange && !source.key.has(childPath)) source.key.set(childPath, keyRange);
        // The first occurrence of a duplicated key wins, as in toJS.
        if (source.value.has(childPath)) continue;
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

export function toPosition(lineCounter: LineCounter, text: string, offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  const { line, col } = lineCounter.linePos(clamped);
  return { line: line - 1, character: col - 1 };
}

export function toRange(parsed: Pick<ParsedYaml, 'lineCounter' | 'text'>, span: [number, number]): Range {
  return {
    start: toPosition(parsed.lineCounter, parsed.text, span[0]),
    end: toPosition(parsed.lineCounter, parsed.text, Math.max(span[0], span[1])),
  };
}
