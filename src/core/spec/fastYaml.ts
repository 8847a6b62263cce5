import { escapeSegment } from './jsonPointer';
import type { SourceMap } from './yamlSource';

/**
 * A fast reader for the plain subset of YAML that plan files are written in, giving exactly what the
 * `yaml` library's parse plus the loader's source-map walk give (`parseYaml` in yamlSource.ts): the
 * value and key range of every node, the nesting depth and the plain data, `toJS` style. It answers
 * `undefined` for anything outside the subset or in doubt, and the full parser decides then; it never
 * guesses. The library's own parser builds a token stream, a concrete syntax tree and a document
 * before any of that, and costs several times as much on a large plan.
 *
 * The subset:
 * - a root block mapping whose keys start at column 0;
 * - nested block mappings and block sequences, `- item`, `- key: value` and `- - item` included, and
 *   a sequence at the indentation of its mapping key (`key:` then `- item` at the key's column);
 * - plain scalars resolved as the YAML 1.2 core schema does (null, booleans, decimal, octal and
 *   hexadecimal integers, floats, `.inf`, `.nan`; everything else a string);
 * - single-line single- and double-quoted scalars (double-quoted with the one-character escapes);
 * - single-line flow sequences and flow mappings of those scalars, nested in each other;
 * - comments, blank lines, and `\n` or `\r\n` line ends.
 * Not in it, so left to the full parser: anchors, aliases, tags, block scalars, directives, document
 * markers, explicit keys, multi-line scalars and flow collections, tabs, a byte-order mark, lone
 * `\r`, `\x`/`\u` escapes, empty flow entries, merge keys (`<<`), duplicate keys, nesting as deep as
 * `maxDepth`, and every syntax error.
 *
 * Ranges follow the library's rules, including the odd ones: a block collection ends where the
 * library ends its last item, so blank lines and comments that the library attaches to that item
 * (or to the collection) count; see `commentLine` and `popFrame`.
 */

export interface SimpleYaml {
  source: SourceMap;
  /** Deepest nesting of a node (the root mapping is depth 0), always below the `maxDepth` given. */
  depth: number;
  data: { value: unknown };
}

/** The plain-subset reading of `text`, or undefined when the full parser must read it. */
export function parseSimpleYaml(text: string, maxDepth: number): SimpleYaml | undefined {
  if (!mayBeSimple(text)) return undefined;
  try {
    return new SimpleYamlParser(text, maxDepth).parse();
  } catch {
    // NOT_SIMPLE, or a bug of ours: either way the full parser gives the answer.
    return undefined;
  }
}

/** Whole-text conditions, cheaper to check up front with the runtime's string search than per character. */
function mayBeSimple(text: string): boolean {
  // Tabs are separation whitespace in some places and errors in others; a BOM anywhere, or a `\r`
  // that is not part of `\r\n`, is a line-break or token question the full parser should answer.
  if (text.indexOf('\t') !== -1 || text.indexOf('\uFEFF') !== -1) return false;
  for (let cr = text.indexOf('\r'); cr !== -1; cr = text.indexOf('\r', cr + 1)) {
    if (text.charCodeAt(cr + 1) !== LF) return false;
  }
  return true;
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const SINGLE_QUOTE = 39;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const COLON = 58;
const LEFT_BRACKET = 91;
const BACKSLASH = 92;
const RIGHT_BRACKET = 93;
const LEFT_BRACE = 123;
const RIGHT_BRACE = 125;

/** Thrown inside the parser for "not in the subset"; never escapes `parseSimpleYaml`. */
const NOT_SIMPLE = new Error('not in the simple YAML subset');

/** yaml reports an implicit key whose `:` is more than 1024 characters after its start. */
const MAX_KEY_LENGTH = 1000;
/** Flow nesting is parsed recursively; this bounds the recursion whatever `maxDepth` is. */
const MAX_FLOW_NESTING = 64;

/** An open block collection. */
interface Frame {
  readonly isMap: boolean;
  /** Column of its keys or of its `-` indicators. */
  readonly indent: number;
  /** Offset of its first key or `-`: where its range starts. */
  readonly start: number;
  readonly path: string;
  readonly depth: number;
  readonly out: Record<string, unknown> | unknown[];
  /** Number of sequence items so far. */
  items: number;
  /**
   * Where the library ends the last item's value including what it attaches after it (its
   * `range[2]`): the collection's range ends here if that item stays the last.
   */
  lastEnd: number;
  /** Where trailing comments that the library leaves inside this collection end; -1 if none. */
  commentEnd: number;
  /**
   * The last item is `key:` or `-` with nothing after it on its line: null for now, or the
   * collection that the next lines open under it.
   */
  open: boolean;
  openPath: string;
  /** Property name (mapping) or index (sequence) of the open item in `out`. */
  openSlot: string | number;
  /** A comment follows the open item: the library then ends the empty value at the next content. */
  openHasComment: boolean;
}

class SimpleYamlParser {
  private readonly source: SourceMap = { value: new Map(), key: new Map() };
  private readonly stack: Frame[] = [];
  private root: Frame | undefined;
  private deepest = 0;
  /**
   * Comment lines after an inline value that the library keeps together as one trailing block
   * (the first of them not indented past the collection): the frame holding them, and their
   * deepest indentation, which decides at each closing collection whether they move outwards.
   */
  private commentOwner: Frame | null = null;
  private commentIndent = 0;
  /** Cursor of the flow-collection and scalar readers. */
  private pos = 0;
  /** End of the scalar just read (after the closing quote, or after its last non-space character). */
  private scalarEnd = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parse(): SimpleYaml | undefined {
    const text = this.text;
    const length = text.length;
    let lineStart = 0;
    while (lineStart < length) {
      let at = lineStart;
      while (at < length && text.charCodeAt(at) === SPACE) at++;
      const newline = text.indexOf('\n', at);
      const next = newline < 0 ? length : newline + 1;
      let end = newline < 0 ? length : newline;
      if (end > at && text.charCodeAt(end - 1) === CR) end--;
      if (at < end) {
        if (text.charCodeAt(at) === HASH) this.commentLine(at - lineStart, next);
        else this.contentLine(lineStart, at, end, next);
      }
      lineStart = next;
    }
    const root = this.root;
    if (!root) return undefined; // no content: the full parser says what an empty document is
    this.closeBefore(length, -1, false);
    return { source: this.source, depth: this.deepest, data: { value: root.out } };
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  private enterDepth(depth: number): void {
    // The loader's walk stops at maxDepth and reports the nesting: leave that to the full path.
    if (depth >= this.maxDepth) throw NOT_SIMPLE;
    if (depth > this.deepest) this.deepest = depth;
  }

  /**
   * A line holding only a comment. The library attaches it by its indentation: to the value just
   * read when it is indented past that value's collection (extending the value's end), else to a
   * trailing block in that collection; after `key:` or `-` with no value, to that empty value.
   */
  private commentLine(indent: number, next: number): void {
    const top = this.top();
    if (!top) return; // before the root: the document's own comments
    if (top.open) {
      top.openHasComment = true;
    } else if (this.commentOwner === null) {
      if (indent > top.indent) top.lastEnd = next;
      else {
        this.commentOwner = top;
        this.commentIndent = indent;
      }
    } else if (indent > this.commentIndent) {
      this.commentIndent = indent;
    }
  }

  private contentLine(lineStart: number, at: number, end: number, next: number): void {
    const text = this.text;
    const column = at - lineStart;
    if (column === 0 && (text.startsWith('---', at) || text.startsWith('...', at))) throw NOT_SIMPLE;
    const dash = this.isSequenceIndicator(at, end);
    this.closeBefore(at, column, dash);
    // A comment block still pending becomes part of this line's first item.
    const commentsBefore = this.commentOwner;
    this.commentOwner = null;
    this.lineItems(lineStart, at, end, next, commentsBefore);
  }

  /**
   * Close the collections that end before content at `column` that starts at offset `at`; column
   * -1 closes them all (the end of the text).
   */
  private closeBefore(at: number, column: number, dash: boolean): void {
    let top = this.top();
    if (!top) return;
    if (top.open && top.openHasComment) top.lastEnd = at;
    while (top && top.indent > column) {
      this.popFrame(at);
      top = this.top();
    }
    // A sequence at its mapping key's column ends at the next key of that mapping.
    if (top && !top.isMap && top.indent === column && !dash) {
      const parent = this.stack[this.stack.length - 2];
      if (parent && parent.isMap && parent.indent === column) this.popFrame(at);
    }
  }

  private popFrame(at: number): void {
    const frame = this.stack.pop()!;
    const parent = this.top();
    if (this.commentOwner === frame) {
      // The library moves a trailing comment block out of a closing collection only when every
      // comment in it is indented less than the collection (or the collection is at column 0).
      if (frame.indent === 0 || this.commentIndent < frame.indent) this.commentOwner = parent ?? null;
      else {
        frame.commentEnd = at;
        this.commentOwner = null;
      }
    }
    this.source.value.set(frame.path, [frame.start, frame.lastEnd]);
    if (parent) parent.lastEnd = frame.commentEnd >= 0 ? frame.commentEnd : frame.lastEnd;
  }

  /**
   * The items that start on one line: `- ` indicators, then a key (with its value) or a value.
   * `commentsBefore` holds the comment block before the line, if one is pending.
   */
  private lineItems(lineStart: number, at: number, end: number, next: number, commentsBefore: Frame | null): void {
    const text = this.text;
    let first = true;
    let i = at;
    for (;;) {
      const column = i - lineStart;
      if (this.isSequenceIndicator(i, end)) {
        const seq = this.sequenceFor(column, first, i);
        const index = seq.items++;
        (seq.out as unknown[]).push(null);
        this.openItem(seq, seq.path + '/' + index, index);
        let j = i + 1;
        while (j < end && text.charCodeAt(j) === SPACE) j++;
        if (j >= end || text.charCodeAt(j) === HASH) {
          // An empty item's comments, for the library, include those before its `-` (a mapping's
          // empty value has only those after its `:`).
          this.emptyValue(seq, j, j < end || (first && commentsBefore === seq));
          return;
        }
        i = j;
        first = false;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === LEFT_BRACKET || c === LEFT_BRACE) {
        // A flow collection starting a line would be a key or a bare value.
        if (first) throw NOT_SIMPLE;
        this.inlineFlow(this.top()!, i, end, next);
        return;
      }
      const value = this.blockScalar(i, end);
      const scalarEnd = this.scalarEnd;
      let j = scalarEnd;
      while (j < end && text.charCodeAt(j) === SPACE) j++;
      if (j < end && text.charCodeAt(j) === COLON && (j + 1 >= end || text.charCodeAt(j + 1) === SPACE)) {
        if (j - i > MAX_KEY_LENGTH) throw NOT_SIMPLE;
        const map = this.mappingFor(column, first, i);
        this.addKey(map, value, i, scalarEnd);
        j++;
        while (j < end && text.charCodeAt(j) === SPACE) j++;
        if (j >= end || text.charCodeAt(j) === HASH) {
          this.emptyValue(map, j, j < end);
          return;
        }
        const v = text.charCodeAt(j);
        if (v === LEFT_BRACKET || v === LEFT_BRACE) this.inlineFlow(map, j, end, next);
        else if (this.isSequenceIndicator(j, end)) throw NOT_SIMPLE; // `key: - item`
        else {
          const inline = this.blockScalar(j, end);
          this.finishInline(map, inline, j, this.scalarEnd, end, next);
        }
        return;
      }
      // Not a key: only the value of the `- ` item just opened may stand here.
      if (first) throw NOT_SIMPLE;
      this.finishInline(this.top()!, value, i, scalarEnd, end, next);
      return;
    }
  }

  private isSequenceIndicator(i: number, end: number): boolean {
    return this.text.charCodeAt(i) === MINUS && (i + 1 >= end || this.text.charCodeAt(i + 1) === SPACE);
  }

  /** The sequence that a `-` at `column` adds an item to, opening it when it is new. */
  private sequenceFor(column: number, first: boolean, at: number): Frame {
    const top = this.top();
    if (!top) throw NOT_SIMPLE; // a root sequence
    if (!first) return this.openFrame(false, column, at, top); // `- - item`
    if (!top.isMap && top.indent === column) return top;
    if (top.open && (top.indent < column || (top.isMap && top.indent === column))) return this.openFrame(false, column, at, top);
    throw NOT_SIMPLE; // indentation the full parser rejects or reads differently
  }

  /** The mapping that a key at `column` belongs to, opening it when it is new. */
  private mappingFor(column: number, first: boolean, at: number): Frame {
    const top = this.top();
    if (!top) {
      if (column !== 0) throw NOT_SIMPLE;
      return this.openRoot(at);
    }
    if (!first) return this.openFrame(true, column, at, top); // `- key: value`
    if (top.isMap && top.indent === column) {
      top.open = false; // a `key:` before this one stays null
      return top;
    }
    if (top.open && top.indent < column) return this.openFrame(true, column, at, top);
    throw NOT_SIMPLE;
  }

  private openRoot(at: number): Frame {
    this.enterDepth(0);
    const root = newFrame(true, 0, at, '', 0);
    this.root = root;
    this.stack.push(root);
    return root;
  }

  /** A collection as the value of the open item of `parent`. */
  private openFrame(isMap: boolean, column: number, at: number, parent: Frame): Frame {
    if (!parent.open) throw NOT_SIMPLE;
    const frame = newFrame(isMap, column, at, parent.openPath, parent.depth + 1);
    setSlot(parent, frame.out);
    parent.open = false;
    this.stack.push(frame);
    return frame;
  }

  private openItem(frame: Frame, path: string, slot: string | number): void {
    this.enterDepth(frame.depth + 1);
    frame.open = true;
    frame.openPath = path;
    frame.openSlot = slot;
    frame.openHasComment = false;
  }

  private addKey(map: Frame, key: unknown, start: number, end: number): void {
    // `<<` is a merge key to toJS; the loader's walk leaves such keys to it.
    if (key === '<<') throw NOT_SIMPLE;
    const name = String(key); // as the loader's walk names keys: null is 'null'
    const path = map.path + '/' + escapeSegment(name);
    // A repeated key is an error the full parser reports (and the walk does not index its value).
    if (this.source.key.has(path)) throw NOT_SIMPLE;
    this.source.key.set(path, [start, end]);
    const property = key === null ? '' : name; // as toJS names it
    defineProperty(map.out as Record<string, unknown>, property, null);
    this.openItem(map, path, property);
  }

  /** `key:` or `-` with nothing after it on its line: null unless the next lines nest under it. */
  private emptyValue(frame: Frame, at: number, hasComment: boolean): void {
    this.source.value.set(frame.openPath, [at, at]);
    frame.lastEnd = at;
    frame.openHasComment = hasComment;
  }

  private inlineFlow(frame: Frame, start: number, end: number, next: number): void {
    this.pos = start;
    const value = this.flowCollection(frame.openPath, frame.depth + 1, end);
    this.finishInline(frame, value, start, this.pos, end, next);
  }

  /** The value that ends a line: only spaces and a comment may follow it. */
  private finishInline(frame: Frame, value: unknown, start: number, valueEnd: number, end: number, next: number): void {
    const text = this.text;
    let j = valueEnd;
    while (j < end && text.charCodeAt(j) === SPACE) j++;
    // A comment needs a space before it; anything else after the value is not plain YAML.
    if (j < end && (j === valueEnd || text.charCodeAt(j) !== HASH)) throw NOT_SIMPLE;
    if (!frame.open) throw NOT_SIMPLE;
    this.source.value.set(frame.openPath, [start, valueEnd]);
    setSlot(frame, value);
    frame.open = false;
    // The library ends the value after its line break (trailing spaces and comment included).
    frame.lastEnd = next;
  }

  /** A plain or quoted scalar in block context at `at`; sets `scalarEnd`. */
  private blockScalar(at: number, end: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === DOUBLE_QUOTE) return this.doubleQuoted(at, end);
    if (c === SINGLE_QUOTE) return this.singleQuoted(at, end);
    if (!canStartPlain(c, at + 1 < end ? text.charCodeAt(at + 1) : -1, false)) throw NOT_SIMPLE;
    let last = at + 1;
    let i = at + 1;
    while (i < end) {
      const ch = text.charCodeAt(i);
      if (ch === SPACE) {
        if (text.charCodeAt(i + 1) === HASH) break; // a comment
      } else if (ch === COLON) {
        const after = i + 1 < end ? text.charCodeAt(i + 1) : SPACE;
        if (after === SPACE) break; // a mapping indicator
        last = i + 1;
      } else {
        last = i + 1;
      }
      i++;
    }
    this.scalarEnd = last;
    return resolvePlain(text.slice(at, last));
  }

  private doubleQuoted(at: number, end: number): string {
    const text = this.text;
    let value = '';
    let chunk = at + 1;
    let i = at + 1;
    for (;;) {
      if (i >= end) throw NOT_SIMPLE; // unterminated on its line: multi-line or an error
      const c = text.charCodeAt(i);
      if (c === DOUBLE_QUOTE) break;
      if (c === BACKSLASH) {
        const escaped = i + 1 < end ? ESCAPES[text.charCodeAt(i + 1)] : undefined;
        if (escaped === undefined) throw NOT_SIMPLE; // \x, \u, \U, a line continuation or an error
        value += text.slice(chunk, i) + escaped;
        i += 2;
        chunk = i;
        continue;
      }
      i++;
    }
    this.scalarEnd = i + 1;
    return value + text.slice(chunk, i);
  }

  private singleQuoted(at: number, end: number): string {
    const text = this.text;
    let value = '';
    let chunk = at + 1;
    let i = at + 1;
    for (;;) {
      if (i >= end) throw NOT_SIMPLE;
      if (text.charCodeAt(i) === SINGLE_QUOTE) {
        if (i + 1 < end && text.charCodeAt(i + 1) === SINGLE_QUOTE) {
          value += text.slice(chunk, i + 1); // '' is one quote
          i += 2;
          chunk = i;
          continue;
        }
        break;
      }
      i++;
    }
    this.scalarEnd = i + 1;
    return value + text.slice(chunk, i);
  }

  /** A flow collection at `pos` that closes on the same line; leaves `pos` after its closing bracket. */
  private flowCollection(path: string, depth: number, end: number): Record<string, unknown> | unknown[] {
    this.enterDepth(depth);
    if (depth > MAX_FLOW_NESTING) throw NOT_SIMPLE;
    const text = this.text;
    const start = this.pos;
    const isMap = text.charCodeAt(start) === LEFT_BRACE;
    const close = isMap ? RIGHT_BRACE : RIGHT_BRACKET;
    const out: Record<string, unknown> | unknown[] = isMap ? {} : [];
    this.pos = start + 1;
    this.skipSpaces(end);
    if (this.pos < end && text.charCodeAt(this.pos) === close) {
      this.pos++;
      this.source.value.set(path, [start, this.pos]);
      return out;
    }
    for (let index = 0; ; index++) {
      if (isMap) {
        const keyStart = this.pos;
        const key = this.flowScalar(end);
        const keyEnd = this.scalarEnd;
        this.skipSpaces(end);
        // `key: value` only: no empty values, no JSON-style `"key":value`
        const p = this.pos;
        if (p + 1 >= end || text.charCodeAt(p) !== COLON || text.charCodeAt(p + 1) !== SPACE) throw NOT_SIMPLE;
        if (p - keyStart > MAX_KEY_LENGTH) throw NOT_SIMPLE;
        if (key === '<<') throw NOT_SIMPLE;
        const name = String(key);
        const childPath = path + '/' + escapeSegment(name);
        if (this.source.key.has(childPath)) throw NOT_SIMPLE;
        this.source.key.set(childPath, [keyStart, keyEnd]);
        this.pos = p + 2;
        this.skipSpaces(end);
        defineProperty(out as Record<string, unknown>, key === null ? '' : name, this.flowValue(childPath, depth + 1, end));
      } else {
        (out as unknown[]).push(this.flowValue(path + '/' + index, depth + 1, end));
      }
      this.skipSpaces(end);
      if (this.pos >= end) throw NOT_SIMPLE; // continues on the next line
      const c = text.charCodeAt(this.pos);
      if (c === close) {
        this.pos++;
        break;
      }
      // A `:` after a sequence entry would make it a single-pair mapping.
      if (c !== COMMA) throw NOT_SIMPLE;
      this.pos++;
      this.skipSpaces(end);
      if (this.pos < end && text.charCodeAt(this.pos) === close) throw NOT_SIMPLE; // trailing comma
    }
    this.source.value.set(path, [start, this.pos]);
    return out;
  }

  private flowValue(path: string, depth: number, end: number): unknown {
    if (this.pos >= end) throw NOT_SIMPLE;
    const c = this.text.charCodeAt(this.pos);
    if (c === LEFT_BRACKET || c === LEFT_BRACE) return this.flowCollection(path, depth, end);
    this.enterDepth(depth);
    const start = this.pos;
    const value = this.flowScalar(end);
    this.source.value.set(path, [start, this.scalarEnd]);
    return value;
  }

  /** A plain or quoted scalar inside a flow collection; leaves `pos` and `scalarEnd` after it. */
  private flowScalar(end: number): unknown {
    const text = this.text;
    const at = this.pos;
    const c = at < end ? text.charCodeAt(at) : -1;
    let value: unknown;
    if (c === DOUBLE_QUOTE) value = this.doubleQuoted(at, end);
    else if (c === SINGLE_QUOTE) value = this.singleQuoted(at, end);
    else {
      if (!canStartPlain(c, at + 1 < end ? text.charCodeAt(at + 1) : -1, true)) throw NOT_SIMPLE;
      let last = at + 1;
      let i = at + 1;
      while (i < end) {
        const ch = text.charCodeAt(i);
        if (ch === SPACE) {
          const after = text.charCodeAt(i + 1);
          if (after === HASH || isFlowIndicator(after)) break;
        } else if (ch === COLON) {
          const after = i + 1 < end ? text.charCodeAt(i + 1) : SPACE;
          if (after === SPACE || isFlowIndicator(after)) break;
          last = i + 1;
        } else if (isFlowIndicator(ch)) {
          break;
        } else {
          last = i + 1;
        }
        i++;
      }
      this.scalarEnd = last;
      value = resolvePlain(text.slice(at, last));
    }
    this.pos = this.scalarEnd;
    return value;
  }

  private skipSpaces(end: number): void {
    while (this.pos < end && this.text.charCodeAt(this.pos) === SPACE) this.pos++;
  }
}

function newFrame(isMap: boolean, indent: number, start: number, path: string, depth: number): Frame {
  return {
    isMap,
    indent,
    start,
    path,
    depth,
    out: isMap ? {} : [],
    items: 0,
    lastEnd: start,
    commentEnd: -1,
    open: false,
    openPath: '',
    openSlot: 0,
    openHasComment: false,
  };
}

/** Set the value of the open item (its property was defined, or its index pushed, when it opened). */
function setSlot(frame: Frame, value: unknown): void {
  if (frame.isMap) (frame.out as Record<string, unknown>)[frame.openSlot as string] = value;
  else (frame.out as unknown[])[frame.openSlot as number] = value;
}

/** As toJS adds a key: an own property even for names like `__proto__` that an assignment would not create. */
function defineProperty(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key in object) Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LEFT_BRACKET || c === RIGHT_BRACKET || c === LEFT_BRACE || c === RIGHT_BRACE;
}

/**
 * Whether a plain scalar may start with `c` (followed by `next`, -1 at the line's end). Indicator
 * characters start other tokens or are errors; `-`, `?` and `:` start plain scalars only when
 * followed by a non-space, and the subset takes only `-` that way (`-1`, `-.inf`).
 */
function canStartPlain(c: number, next: number, inFlow: boolean): boolean {
  switch (c) {
    case -1:
    case SPACE:
    case HASH:
    case 38: // & anchor
    case 42: // * alias
    case 33: // ! tag
    case 124: // | block scalar
    case 62: // > block scalar
    case SINGLE_QUOTE:
    case DOUBLE_QUOTE:
    case 37: // % directive
    case 64: // @ reserved
    case 96: // ` reserved
    case COMMA:
    case LEFT_BRACKET:
    case RIGHT_BRACKET:
    case LEFT_BRACE:
    case RIGHT_BRACE:
    case 63: // ? explicit key
    case COLON:
      return false;
    case MINUS:
      return next !== -1 && next !== SPACE && !(inFlow && isFlowIndicator(next));
    default:
      return true;
  }
}

/** The one-character escapes of double-quoted scalars, as the library reads them. */
const ESCAPES: Record<number, string> = {
  48: '\0', // 0
  97: '\x07', // a
  98: '\b', // b
  101: '\x1b', // e
  102: '\f', // f
  110: '\n', // n
  114: '\r', // r
  116: '\t', // t
  118: '\v', // v
  78: '\u0085', // N
  95: '\u00a0', // _
  76: '\u2028', // L
  80: '\u2029', // P
  32: ' ',
  34: '"',
  47: '/',
  92: '\\',
};

/**
 * A plain scalar's value under the YAML 1.2 core schema as the library resolves it (its tags
 * null, bool, int, int-oct, int-hex, float-nan, float-exp and float, each value parsed with the
 * same parseInt/parseFloat call).
 */
export function resolvePlain(s: string): string | number | boolean | null {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === PLUS || c === MINUS || c === DOT) {
    const number = coreNumber(s);
    return number === undefined ? s : number;
  }
  switch (s) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  return s;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isOctalDigit(c: number): boolean {
  return c >= 48 && c <= 55;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function allFrom(s: string, from: number, test: (c: number) => boolean): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) if (!test(s.charCodeAt(i))) return false;
  return true;
}

/**
 * The number a core-schema plain scalar stands for, or undefined for a string. The forms:
 * `0o[0-7]+`, `0x[0-9a-fA-F]+`, `[-+]?[0-9]+`, `[-+]?.inf` (any of inf, Inf, INF), `.nan` (nan,
 * NaN, NAN), `[-+]?(.[0-9]+|[0-9]+.[0-9]*)` and either mantissa (or `[0-9]+`) with `[eE][-+]?[0-9]+`.
 */
function coreNumber(s: string): number | undefined {
  const n = s.length;
  const c0 = s.charCodeAt(0);
  if (c0 === 48 && n > 2) {
    const c1 = s.charCodeAt(1);
    if (c1 === 111 /* o */) return allFrom(s, 2, isOctalDigit) ? parseInt(s.substring(2), 8) : undefined;
    if (c1 === 120 /* x */) return allFrom(s, 2, isHexDigit) ? parseInt(s.substring(2), 16) : undefined;
  }
  let i = c0 === PLUS || c0 === MINUS ? 1 : 0;
  if (s.charCodeAt(i) === DOT && n - i === 4) {
    const word = s.slice(i + 1);
    if (word === 'inf' || word === 'Inf' || word === 'INF') return c0 === MINUS ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (i === 0 && (word === 'nan' || word === 'NaN' || word === 'NAN')) return NaN;
  }
  const integerStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  const integerDigits = i - integerStart;
  if (i === n) return integerDigits > 0 ? parseInt(s, 10) : undefined;
  let fractionDigits = 0;
  if (s.charCodeAt(i) === DOT) {
    const fractionStart = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    fractionDigits = i - fractionStart;
  }
  if (integerDigits === 0 && fractionDigits === 0) return undefined;
  if (i === n) return parseFloat(s); // there was a dot: a float
  const e = s.charCodeAt(i);
  if (e !== 101 && e !== 69) return undefined;
  i++;
  if (s.charCodeAt(i) === PLUS || s.charCodeAt(i) === MINUS) i++;
  const exponentStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  return i === n && i > exponentStart ? parseFloat(s) : undefined;
}
