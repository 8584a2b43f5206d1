import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSyntaxError } from '../../../src/core/dataset/jsonSyntax';
import { prng, randomJson } from './helpers';

test('names the first column that cannot be JSON, and why', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['{"a":}', 5, /expected a value, found "}"/],
    ['{"a" 1}', 5, /expected ':' after the property name/],
    ['{"a":1,}', 7, /expected a property name/],
    ['[1,]', 3, /expected a value/],
    ['[1 2]', 3, /expected ',' or ']'/],
    ['{"a":1', 6, /expected ',' or '}', but the line ends/],
    ['"abc', 4, /expected the closing quote/],
    ['"a\\x"', 2, /expected a valid escape/],
    ['"a\u0001"', 2, /raw control character/],
    ['{} x', 3, /expected the end of the line/],
    ['01', 1, /expected the end of the line/],
    ['-', 0, /expected a value/],
    ['tru', 0, /expected a value/],
    ["{'a': 1}", 1, /expected a property name in double quotes/],
    ['', 0, /expected a value, but the line ends/],
  ];
  for (const [text, column, reason] of cases) {
    const err = findSyntaxError(text);
    assert.ok(err, text);
    assert.equal(err.column, column, text);
    assert.match(err.reason, reason, text);
  }
});

test('valid JSON has no error, deep nesting included', () => {
  for (const text of ['{}', '[]', ' {"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"]} ', '"x"', '0', '[[[]]]']) {
    assert.equal(findSyntaxError(text), null, text);
  }
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(findSyntaxError(deep), null);
  assert.equal(findSyntaxError(deep.slice(0, -1))?.column, deep.length - 1);
});

test('agrees with JSON.parse on thousands of mutated lines', () => {
  const rand = prng(3);
  const pieces = ['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', ' ', '1', 'e', '-', '.', 'n', 'true'];
  for (let n = 0; n < 3000; n++) {
    let text = JSON.stringify(randomJson(rand));
    const edits = Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (text.length + 1));
      const piece = pieces[Math.floor(rand() * pieces.length)];
      text = rand() < 0.5 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    }
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    const err = findSyntaxError(text);
    assert.equal(err === null, valid, text);
    if (err) assert.ok(err.column >= 0 && err.column <= text.length, text);
  }
});
