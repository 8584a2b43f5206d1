import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchExamples } from '../../../src/core/diff/match';

const ex = (line: number, prompt: string, answer: string) => ({ line, keys: { content: `${prompt}|${answer}`, prompt } });
const lines = <T extends { line: number }>(xs: T[]) => xs.map((x) => x.line);

test('a reordered file is unchanged, its examples only moved', () => {
  const a = [ex(1, 'p1', 'a1'), ex(2, 'p2', 'a2'), ex(3, 'p3', 'a3')];
  const b = [ex(1, 'p3', 'a3'), ex(2, 'p1', 'a1'), ex(3, 'p2', 'a2')];
  const m = matchExamples(a, b);
  assert.equal(m.unchanged.length, 3);
  assert.deepEqual([m.changed, m.added, m.removed], [[], [], []]);
});

test('a new answer to the same prompt is a change; new and gone prompts are added and removed', () => {
  const a = [ex(1, 'p1', 'a1'), ex(2, 'p2', 'a2'), ex(3, 'gone', 'x')];
  const b = [ex(1, 'p1', 'a1'), ex(2, 'p2', 'a2 rewritten'), ex(3, 'new', 'y')];
  const m = matchExamples(a, b);
  assert.deepEqual(m.unchanged.map(([x, y]) => [x.line, y.line]), [[1, 1]]);
  assert.deepEqual(m.changed.map(([x, y]) => [x.line, y.line]), [[2, 2]]);
  assert.deepEqual(lines(m.added), [3]);
  assert.deepEqual(lines(m.removed), [3]);
});

test('duplicates pair one to one: a third copy in B is added', () => {
  const a = [ex(1, 'p', 'a'), ex(2, 'p', 'a')];
  const b = [ex(1, 'p', 'a'), ex(2, 'p', 'a'), ex(3, 'p', 'a')];
  const m = matchExamples(a, b);
  assert.equal(m.unchanged.length, 2);
  // Its prompt matches nothing left in A, so it is new.
  assert.deepEqual(lines(m.added), [3]);
  assert.deepEqual(m.removed, []);
});
