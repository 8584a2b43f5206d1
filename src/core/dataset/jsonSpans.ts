// Where values sit in a line of JSON text. JSON.parse gives no positions, but
// the editor underlines exact characters, so one linear pass over the (already
// valid) line finds the spans of the values at requested paths. Strings are
// skipped with indexOf, so the pass costs little more than the line's
// structure; escape maps are built only for the strings asked for.

import type { SourceText, Span } from './types';

/** A path into a JSON value: object keys and array indices, e.g. ['messages', 2, 'content']. */
export type JsonPath = ReadonlyArray<string | number>;

/** `messages[2].content`, as messages name a place. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(k)) out += out ? `.${k}` : k;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

interface Trie {
  /** Indices into the request list of the paths ending here. */
  wanted: number[];
  children: Map<string | number, Trie>;
}

interface Frame {
  array: boolean;
  /** Trie node of this container; null when no requested path goes through it. */
  node: Trie | null;
  start: number;
  index: number;
  expectKey: boolean;
}

/**
 * Spans of the values at `paths` in `text`, which must be valid JSON; null for
 * a path that is not there. A string's span includes its quotes. When a key
 * repeats, the last one wins, as in JSON.parse.
 */
export function locateValues(text: string, paths: readonly JsonPath[]): Array<Span | null> {
  const out: Array<Span | null> = paths.map(() => null);
  if (paths.length === 0) return out;
  const root = trieOf(paths);
  const found = (node: Trie | null, start: number, end: number) => {
    if (node) for (const i of node.wanted) out[i] = { start, end };
  };
  const stack: Frame[] = [];
  let next: Trie | null = root; // trie node of the value about to start
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const array = c === 0x5b;
      stack.push({ array, node: next, start: i, index: 0, expectKey: !array });
      next = array ? childOf(next, 0) : null;
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      found(top.node, top.start, i + 1);
      i++;
    } else if (c === 0x2c /* , */) {
      if (top.array) next = childOf(top.node, ++top.index);
      else top.expectKey = true;
      i++;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (top?.expectKey) {
        top.expectKey = false;
        next = childOf(top.node, keyOf(text, i, end));
      } else {
        found(next, i, end);
      }
      i = end;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3a /* : */) {
      i++;
    } else {
      // A number, true, false or null: runs to the next delimiter.
      const start = i;
      while (i < text.length && !DELIMITER.has(text.charCodeAt(i))) i++;
      found(next, start, i);
    }
  }
  return out;
}

const DELIMITER = new Set([0x2c, 0x5d, 0x7d, 0x20, 0x0a, 0x0d, 0x09]);

function trieOf(paths: readonly JsonPath[]): Trie {
  const root: Trie = { wanted: [], children: new Map() };
  paths.forEach((path, i) => {
    let node = root;
    for (const k of path) {
      let child = node.children.get(k);
      if (!child) node.children.set(k, (child = { wanted: [], children: new Map() }));
      node = child;
    }
    node.wanted.push(i);
  });
  return root;
}

function childOf(node: Trie | null, key: string | number): Trie | null {
  return node?.children.get(key) ?? null;
}

/** Index just past the closing quote of the string opening at `open`. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    let b = q - 1;
    while (text.charCodeAt(b) === 0x5c /* \ */) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1; // an even run of backslashes escapes nothing
    from = q + 1;
  }
}

function keyOf(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/** The SourceText of the string value whose span (quotes included) is `value`. */
export function stringSource(text: string, value: Span): SourceText {
  const start = value.start + 1;
  const end = value.end - 1;
  const body = text.slice(start, end);
  const escapes: SourceText['escapes'] = [];
  let decoded = 0;
  let from = 0;
  for (let k = body.indexOf('\\'); k !== -1; k = body.indexOf('\\', from)) {
    decoded += k - from;
    const len = body.charCodeAt(k + 1) === 0x75 /* u */ ? 6 : 2;
    escapes.push({ at: decoded, col: start + k, len });
    decoded += 1; // every JSON escape, \uXXXX included, decodes to one UTF-16 unit
    from = k + len;
  }
  return { start, end, escapes };
}

/** The source column of decoded character `i` (0 <= i <= decoded length; the length maps to `end`). */
export function mapDecodedIndex(src: SourceText, i: number): number {
  const { escapes } = src;
  // First escape at or after i.
  let lo = 0;
  let hi = escapes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (escapes[mid].at < i) lo = mid + 1;
    else hi = mid;
  }
  if (lo < escapes.length && escapes[lo].at === i) return escapes[lo].col;
  if (lo === 0) return src.start + i;
  const prev = escapes[lo - 1];
  return prev.col + prev.len + (i - prev.at - 1);
}

/**
 * The decoded index of source column `col` (src.start <= col <= src.end): mapDecodedIndex's
 * inverse. A column inside an escape sequence maps to the character the escape decodes to.
 */
export function decodedIndexOf(src: SourceText, col: number): number {
  let decoded = col - src.start;
  for (const e of src.escapes) {
    if (e.col >= col) break;
    // Inside this escape: its character; past it: the escape's extra source characters are not in the decoded text.
    if (col < e.col + e.len) return e.at;
    decoded -= e.len - 1;
  }
  return decoded;
}
