import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packBatch, planBatches, planWindows, windowOf } from '../../../src/core/score/batching';

test('short examples get one window; truncate keeps only the first', () => {
  assert.deepEqual(planWindows(10, 16, 'window'), [{ start: 0, end: 10 }]);
  assert.deepEqual(planWindows(40, 16, 'truncate'), [{ start: 0, end: 16 }]);
});

test('long examples are covered by half-overlapping windows that end at the last token', () => {
  const w = planWindows(40, 16, 'window');
  assert.deepEqual(w, [
    { start: 0, end: 16 },
    { start: 8, end: 24 },
    { start: 16, end: 32 },
    { start: 24, end: 40 },
  ]);
});

test('every token is read from a window holding it, with at least half a window of left context', () => {
  for (const n of [17, 40, 129, 300]) {
    const max = 16;
    const w = planWindows(n, max, 'window');
    for (let pos = 0; pos < n; pos++) {
      const win = w[windowOf(pos, w)];
      assert.ok(pos >= win.start && pos < win.end, `token ${pos} of ${n} outside its window`);
      assert.ok(pos - win.start >= Math.min(pos, max / 2 - 1), `token ${pos} of ${n} has too little context`);
    }
  }
});

test('batches group similar lengths and respect the padded-token budget', () => {
  const lengths = [5, 100, 6, 98, 7, 99, 4];
  const batches = planBatches(lengths, 300, 64);
  const seen = batches.flatMap((b) => b.items).sort((a, b) => a - b);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6], 'every sequence is placed exactly once');
  for (const b of batches) {
    assert.ok(b.items.length * b.seq <= 300 || b.items.length === 1);
    assert.equal(b.seq, Math.max(...b.items.map((i) => lengths[i])));
  }
  // The short ones share a batch; the long ones do not pad the short ones.
  const shortBatch = batches.find((b) => b.items.includes(0))!;
  assert.deepEqual([...shortBatch.items].sort(), [0, 2, 4, 6]);
});

test('batches respect the row limit', () => {
  const batches = planBatches(new Array(10).fill(3), 1e9, 4);
  assert.deepEqual(batches.map((b) => b.items.length), [4, 4, 2]);
});

test('packBatch right-pads with the pad id and masks padding out', () => {
  const { ids, mask } = packBatch([[7, 8], [9]], { items: [0, 1], seq: 2 }, 5);
  assert.deepEqual([...ids], [7n, 8n, 9n, 5n]);
  assert.deepEqual([...mask], [1n, 1n, 1n, 0n]);
});

test('packBatch after a held past gives only the tokens after it, and masks past and tokens', () => {
  // Rows 3 and 2 long after a past of 1: ids are [rows, 2], the mask [rows, 3].
  const { ids, mask } = packBatch([[1, 7, 8], [1, 9]], { items: [0, 1], seq: 3 }, 5, 1);
  assert.deepEqual([...ids], [7n, 8n, 9n, 5n]);
  assert.deepEqual([...mask], [1n, 1n, 1n, 1n, 1n, 0n]);
});
