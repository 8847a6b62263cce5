/**
 * Where the cursor is in a plan's YAML: the JSON path of the node under it and whether it sits on a
 * key or a value. Completion, hover and the outline all start from this. No `vscode` import, so it
 * is unit-tested directly.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';

export interface CursorPlace {
  /**
   * Path segments from the root: for a value, the path of that value (['cluster', 'gpu']); for a
   * key, the path of the mapping that holds it (the key itself is `text`).
   */
  path: (string | number)[];
  /** On a key (or where a new key would go) versus on a value. */
  on: 'key' | 'value';
  /** The scalar under the cursor, when there is one. */
  text?: string;
  /** Offsets of that scalar, for replacing it. */
  span?: [number, number];
}

export interface OutlineEntry {
  name: string;
  detail: string;
  /** Offsets of the whole pair and of its key. */
  span: [number, number];
  keySpan: [number, number];
  children: OutlineEntry[];
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** The innermost node path at `offset`. Falls back to indentation when the YAML does not parse. */
export function placeAt(text: string, offset: number): CursorPlace {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const path: (string | number)[] = [];
  let node: Node | null | undefined = doc.contents as Node | null;
  for (;;) {
    if (isMap(node)) {
      let next: Node | null | undefined;
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const value = pair.value as Node | null;
        const keyRange = key?.range;
        if (keyRange && offset >= keyRange[0] && offset <= keyRange[1]) {
          return { path: [...path], on: 'key', text: keyText(pair), span: [keyRange[0], keyRange[1]] };
        }
        const valueRange = value?.range;
        if (valueRange && offset >= valueRange[0] && offset <= valueRange[1]) {
          path.push(keyText(pair));
          next = value;
          break;
        }
      }
      if (next === undefined) return indentPlace(text, offset, path);
      node = next;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const r = (item as Node | null)?.range;
        return r != null && offset >= r[0] && offset <= r[1];
      });
      if (index < 0) return { path, on: 'value' };
      path.push(index);
      node = node.items[index] as Node;
    } else if (isScalar(node)) {
      const r = node.range;
      return {
        path,
        on: 'value',
        text: node.value === null ? '' : String(node.value),
        span: r ? [r[0], r[1]] : undefined,
      };
    } else {
      return indentPlace(text, offset, path);
    }
  }
}

/**
 * While typing, the line under the cursor is often not yet a pair (`  gp`), so the parser cannot
 * place it. Indentation says which mapping it belongs to; a `key: ` before the cursor says value.
 */
function indentPlace(text: string, offset: number, parsedPath: (string | number)[]): CursorPlace {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, offset);
  const indent = line.length - line.trimStart().length;
  const path: string[] = [];
  // Walk earlier lines upwards, collecting the keys of each shallower indentation level.
  let level = indent;
  let cursor = lineStart - 1;
  while (cursor > 0 && level > 0) {
    const start = text.lastIndexOf('\n', cursor - 1) + 1;
    const previous = text.slice(start, cursor);
    cursor = start - 1;
    if (previous.trim() === '' || previous.trimStart().startsWith('#')) continue;
    const previousIndent = previous.length - previous.trimStart().length;
    const match = /^\s*(?:-\s+)?([\w.-]+)\s*:\s*$/.exec(previous);
    if (previousIndent < level && match) {
      path.unshift(match[1]);
      level = previousIndent;
    } else if (previousIndent < level) {
      level = previousIndent;
    }
  }
  const pair = /^\s*(?:-\s+)?([\w.-]+)\s*:\s*(.*)$/.exec(line);
  if (pair) {
    const valueStart = offset - pair[2].length;
    return { path: [...path, pair[1]], on: 'value', text: pair[2], span: [valueStart, offset] };
  }
  const partial = line.trimStart().replace(/^-\s+/, '');
  const resolved = path.length > 0 || parsedPath.length === 0 ? path : parsedPath.map(String);
  return { path: resolved, on: 'key', text: partial, span: [offset - partial.length, offset] };
}

/** The plan's top-level sections and their direct children, for the outline. */
export function outline(text: string): OutlineEntry[] {
  const doc = parseDocument(text);
  const entries = (node: unknown, depth: number): OutlineEntry[] => {
    if (!isMap(node)) return [];
    return node.items.flatMap((pair) => {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      if (!key?.range) return [];
      const end = value?.range ? value.range[1] : key.range[1];
      const detail = isScalar(value) ? String(value.value) : isSeq(value) ? `${value.items.length} items` : '';
      return [
        {
          name: keyText(pair as Pair),
          detail,
          span: [key.range[0], end] as [number, number],
          keySpan: [key.range[0], key.range[1]] as [number, number],
          children: depth < 2 ? entries(value, depth + 1) : [],
        },
      ];
    });
  };
  return entries(doc.contents, 1);
}
