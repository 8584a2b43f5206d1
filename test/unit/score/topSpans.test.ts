import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contributingSpans, MAX_WORD_CHARS, type ScoredPiece } from '../../../src/core/score/topSpans';

/** Pieces of `parts` laid end to end from position 0, with their values. */
function pieces(parts: Array<[string, number]>): { text: string; pieces: ScoredPiece[] } {
  let text = '';
  const out: ScoredPiece[] = [];
  parts.forEach(([piece, value], position) => {
    out.push({ start: text.length, end: text.length + piece.length, value, position });
    text += piece;
  });
  return { text, pieces: out };
}

const words = (text: string, spans: Array<{ start: number; end: number }>) => spans.map((s) => text.slice(s.start, s.end));

test('sub-word pieces merge into their word, which scores the sum of its pieces', () => {
  const { text, pieces: ps } = pieces([[' pass', 1], ['word', 2], [' in', 0.5], [' plain', 1], [' text', 1.2]]);
  const top = contributingSpans(text, ps, 5);
  assert.deepEqual(words(text, top), [' password', ' text', ' plain', ' in']);
  assert.equal(top[0].value, 3);
});

test('punctuation alone is left out while any word contributes, and used when nothing else does', () => {
  const { text, pieces: ps } = pieces([[' Hash', 0.2], ['.', 9], [' them', 0.1], ['!', 8]]);
  assert.deepEqual(words(text, contributingSpans(text, ps, 5)), [' Hash', ' them']);
  const only = pieces([['.', 2], ['!', 3], [' ok', -1]]);
  assert.deepEqual(words(only.text, contributingSpans(only.text, only.pieces, 5)), ['!', '.']);
});

test('pieces apart in the sequence never merge, even when their texts touch', () => {
  const { text } = pieces([[' Bon', 1], ['jour', 1]]);
  const apart: ScoredPiece[] = [
    { start: 0, end: 4, value: 1, position: 3 },
    { start: 4, end: 8, value: 1, position: 9 },
  ];
  assert.deepEqual(words(text, contributingSpans(text, apart, 5)), [' Bon', 'jour']);
});

test('only positive contributions, strongest first, at most the limit', () => {
  const { text, pieces: ps } = pieces([[' a', -1], [' b', 3], [' c', 2], [' d', 1], [' e', 0]]);
  assert.deepEqual(words(text, contributingSpans(text, ps, 2)), [' b', ' c']);
  assert.deepEqual(contributingSpans(text, [], 5), []);
});

test('a "word" of thousands of characters (a base64 blob) is shown in pieces of at most MAX_WORD_CHARS', () => {
  const { text, pieces: ps } = pieces(Array.from({ length: 2000 }, (): [string, number] => ['AAAA', 1]));
  const top = contributingSpans(text, ps, 5);
  assert.equal(top.length, 5);
  for (const s of top) assert.ok(s.end - s.start <= MAX_WORD_CHARS, `a span of ${s.end - s.start} characters`);
  // The pieces still add up within each shown part.
  assert.equal(top[0].value, MAX_WORD_CHARS / 4);
});
