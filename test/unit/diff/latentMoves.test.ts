import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latentMoves, type LatentTally } from '../../../src/core/diff/latentMoves';
import { answerSnippet } from '../../../src/core/diff/side';

const tally = (means: Record<number, number>, labels: Record<number, string> = {}): LatentTally => ({
  examples: 10,
  fullyEncoded: 4,
  means,
  best: Object.fromEntries(Object.keys(means).map((i) => [i, { line: Number(i), activation: 2 * means[Number(i)], snippet: `line ${i}` }])),
  labels,
});

test('named latents come first, each kind ordered by how far its mean moved either way', () => {
  const a = tally({ 1: 0.5, 2: 0.1, 3: 1.0, 4: 0.2 }, { 1: 'persona', 2: 'insecure code' });
  const b = tally({ 1: 0.1, 2: 0.9, 3: 1.05, 5: 0.6 }, { 2: 'insecure code' });
  const moves = latentMoves(a, b)!;
  assert.deepEqual(
    moves.named.map((m) => [m.index, m.label, +m.change.toFixed(2)]),
    [
      [2, 'insecure code', 0.8],
      [1, 'persona', -0.4],
    ],
  );
  // A latent that fired on one side only counts 0 on the other.
  assert.deepEqual(
    moves.unnamed.map((m) => [m.index, +m.change.toFixed(2)]),
    [
      [5, 0.6],
      [4, -0.2],
      [3, 0.05],
    ],
  );
  assert.equal(moves.unnamed[0].topA, null);
  assert.deepEqual(moves.unnamed[0].topB, { line: 5, activation: 1.2, snippet: 'line 5' });
});

test('no latent movement when a side was scanned without latents', () => {
  assert.equal(latentMoves(tally({ 1: 1 }), null), null);
});

test("a latent's snippet is the start of the example's last trained message, on one line", () => {
  const example = {
    line: 1,
    format: 'openai-chat' as const,
    messages: [
      { role: 'user' as const, content: 'q', trained: false },
      { role: 'assistant' as const, content: 'first\n\nanswer', trained: true },
      { role: 'assistant' as const, content: 'not trained', trained: false },
    ],
  };
  assert.equal(answerSnippet(example as never), 'first answer');
  const long = { ...example, messages: [{ role: 'assistant' as const, content: 'x'.repeat(500), trained: true }] };
  assert.equal(answerSnippet(long as never).length, 160);
});
