import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capProblems } from '../../../src/extension/editor/problemsCap';

test('risk findings come first, riskiest first, then the rest by rank', () => {
  const { shown, hidden } = capProblems(
    [{ item: 'r0.6', risk: 0.6 }, { item: 'r0.9', risk: 0.9 }],
    [{ item: 'info', rank: 2 }, { item: 'error', rank: 0 }, { item: 'warning', rank: 1 }],
  );
  assert.deepEqual(shown, ['r0.9', 'r0.6', 'error', 'warning', 'info']);
  assert.deepEqual(hidden, { risk: 0, other: 0 });
});

test('past the cap, risk findings stay and cap - 1 are shown, leaving room for the entry that counts the rest', () => {
  const risk = Array.from({ length: 5 }, (_, i) => ({ item: `r${i}`, risk: i / 10 }));
  const others = Array.from({ length: 20 }, (_, i) => ({ item: `w${i}`, rank: 1 }));
  const { shown, hidden } = capProblems(risk, others, 10);
  assert.equal(shown.length, 9);
  assert.deepEqual(shown.slice(0, 5), ['r4', 'r3', 'r2', 'r1', 'r0']);
  assert.deepEqual(hidden, { risk: 0, other: 16 });
  // More risk findings than the cap: the riskiest are kept, and the count says how many were not.
  const many = capProblems(Array.from({ length: 30 }, (_, i) => ({ item: `r${i}`, risk: i })), others, 10);
  assert.deepEqual(many.shown, ['r29', 'r28', 'r27', 'r26', 'r25', 'r24', 'r23', 'r22', 'r21']);
  assert.deepEqual(many.hidden, { risk: 21, other: 20 });
});
