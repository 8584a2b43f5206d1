import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPath, locateValues, mapDecodedIndex, stringSource, type JsonPath } from '../../../src/core/dataset/jsonSpans';
import { prng, randomJson, randomString } from './helpers';

test('formatPath names places the way messages do', () => {
  assert.equal(formatPath(['messages', 2, 'content']), 'messages[2].content');
  assert.equal(formatPath(['input', 'messages', 0]), 'input.messages[0]');
  assert.equal(formatPath(['odd key', 1]), '["odd key"][1]');
  assert.equal(formatPath([]), '');
});

/** Every path to a value inside `v`. */
function pathsOf(v: unknown, at: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

function valueAt(v: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], v);
}

/** JSON text with random whitespace around tokens. */
function spacedStringify(v: unknown, rand: () => number): string {
  const ws = () => [' ', '', '\t', '  ', '\r\n'][Math.floor(rand() * 5)];
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => spacedStringify(x, rand)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (v && typeof v === 'object') {
    return `{${ws()}${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${spacedStringify(x, rand)}`).join(`,${ws()}`)}${ws()}}`;
  }
  return JSON.stringify(v);
}

test('locateValues finds every value of random JSON, whatever the spacing', () => {
  const rand = prng(7);
  for (let n = 0; n < 300; n++) {
    const value = randomJson(rand);
    const text = spacedStringify(value, rand);
    const paths = pathsOf(value);
    const spans = locateValues(text, paths);
    paths.forEach((p, i) => {
      const span = spans[i]!;
      assert.ok(span, `${formatPath(p)} in ${text}`);
      assert.deepEqual(JSON.parse(text.slice(span.start, span.end)), valueAt(value, p), `${formatPath(p)} in ${text}`);
    });
  }
});

test('locateValues: absent paths are null; repeated keys resolve to the last, as JSON.parse does', () => {
  const text = '{"a": {"b": [10, "x"]}, "a": {"b": [20]}, "c\\u0041": 1}';
  const [last, second, absent, escapedKey] = locateValues(text, [['a', 'b', 0], ['a', 'b', 1], ['z'], ['cA']]);
  assert.equal(text.slice(last!.start, last!.end), '20');
  assert.equal(text.slice(second!.start, second!.end), '"x"');
  assert.equal(absent, null);
  assert.equal(text.slice(escapedKey!.start, escapedKey!.end), '1');
});

/** A JSON string literal spelling `s`, each character raw or escaped at random. */
function randomlyEscaped(s: string, rand: () => number): string {
  let out = '"';
  for (const ch of s.split('')) {
    const code = ch.charCodeAt(0);
    const mustEscape = ch === '"' || ch === '\\' || code < 0x20;
    const r = rand();
    if (mustEscape || r < 0.3) out += r < 0.5 && JSON.stringify(ch).length === 4 ? JSON.stringify(ch).slice(1, -1) : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

test('stringSource + mapDecodedIndex: each decoded character maps to the source that spells it', () => {
  const rand = prng(11);
  for (let n = 0; n < 500; n++) {
    const s = randomString(rand, 20);
    const literal = randomlyEscaped(s, rand);
    const prefix = '{"k": ';
    const text = `${prefix}${literal}}`;
    const src = stringSource(text, { start: prefix.length, end: prefix.length + literal.length });
    assert.equal(src.start, prefix.length + 1);
    assert.equal(src.end, prefix.length + literal.length - 1);
    for (let i = 0; i < s.length; i++) {
      const piece = text.slice(mapDecodedIndex(src, i), mapDecodedIndex(src, i + 1));
      assert.equal(JSON.parse(`"${piece}"`), s[i], `index ${i} of ${literal}`);
    }
    assert.equal(mapDecodedIndex(src, s.length), src.end);
  }
});

test('mapDecodedIndex without escapes is an offset', () => {
  const src = { start: 10, end: 15, escapes: [] };
  assert.deepEqual([0, 3, 5].map((i) => mapDecodedIndex(src, i)), [10, 13, 15]);
});
