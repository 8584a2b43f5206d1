// The pure parts of diff-models: ranking by the change of the mean, the per-latent tally
// (sums, firing counts, top tokens from different prompts), snippets and latents.json entries.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atRank, rankLatents, type LatentMeans } from '../../../src/core/modelDiff/rank';
import { snippetText } from '../../../src/core/modelDiff/snippets';
import { LatentTally } from '../../../src/core/modelDiff/tally';
import { diffLatentEntry, withLatents } from '../../../src/core/modelDiff/writePack';

const means = (m: number[], fires: number[] = m.map(() => 0.5)): LatentMeans => ({ mean: (l) => m[l], fireRate: (l) => fires[l] });

test('rankLatents: #1.. the largest rises, #-1.. the largest falls, ties by index, unmoved latents unranked', () => {
  const base = means([1, 1, 0.5, 2, 0, 3]);
  const tuned = means([1.5, 3, 0.5, 1, 0.5, 2.9], [0.9, 1, 0, 0.1, 0.4, 0.2]);
  const r = rankLatents(6, base, tuned);
  assert.deepEqual(r.increases.map((l) => [l.rank, l.index]), [[1, 1], [2, 0], [3, 4]]);
  assert.deepEqual(r.decreases.map((l) => [l.rank, l.index]), [[-1, 3], [-2, 5]]);
  assert.deepEqual(r.increases[0], { rank: 1, index: 1, diff: 2, baseMean: 1, tunedMean: 3, baseFires: 0.5, tunedFires: 1 });
  assert.equal(atRank(r, 2)!.index, 0);
  assert.equal(atRank(r, -1)!.index, 3);
  assert.equal(atRank(r, 4), null);
  assert.equal(atRank(r, -3), null);
  assert.equal(atRank(r, 0), null);
});

test('LatentTally: means and firing rates over the counted tokens, each latent\'s strongest tokens in order', () => {
  const t = new LatentTally(2, 2);
  // Batch 1: two rows (prompts 5 and 6); batch 2: one row (prompt 9).
  t.add({ sum: Float32Array.of(3, 0), fires: Float32Array.of(2, 0), top: Float32Array.of(2, 0, 1, 0), at: Int32Array.of(4, 0, 1, 0) }, [5, 6], 4);
  t.add({ sum: Float32Array.of(1, 2), fires: Float32Array.of(1, 1), top: Float32Array.of(1.5, 2), at: Int32Array.of(3, 2) }, [9], 2);
  assert.equal(t.tokens, 6);
  assert.equal(t.mean(0), 4 / 6);
  assert.equal(t.fireRate(0), 3 / 6);
  assert.equal(t.mean(1), 2 / 6);
  // Latent 0: 2 (prompt 5), 1.5 (prompt 9); 1 (prompt 6) dropped, only two kept.
  assert.deepEqual(t.top(0), [{ prompt: 5, position: 4, activation: 2 }, { prompt: 9, position: 3, activation: 1.5 }]);
  // Latent 1 never fired in batch 1: a 0 is no snippet.
  assert.deepEqual(t.top(1), [{ prompt: 9, position: 2, activation: 2 }]);
});

test('snippetText marks the token, keeps to its line and message, and to 60 characters each side', () => {
  const text = '<|user|>\nfirst line\nsecond line with the token here<|end|>';
  const at = text.indexOf('token');
  const content = [text.indexOf('first'), text.indexOf('<|end|>')];
  assert.equal(snippetText(text, at, at + 5, content[0], content[1]), 'second line with the «token» here');
  const long = 'x'.repeat(100) + 'T' + 'y'.repeat(100);
  assert.equal(snippetText(long, 100, 101), `${'x'.repeat(60)}«T»${'y'.repeat(60)}`);
});

test('diffLatentEntry: foundBy model-diff with rank and means; an automatic label from the snippets unless one is given', () => {
  const latent = { rank: -2, index: 12, diff: -0.123456789, baseMean: 0.5, tunedMean: 0.376543211, baseFires: 0.5, tunedFires: 0.25 };
  const snippets = [
    { text: 'say «no» more', activation: 3, prompt: 'line 2', model: 'base' as const },
    { text: 'a « refusal»', activation: 2, prompt: 'line 3', model: 'base' as const },
  ];
  const p = { tunedLabel: 'tuned.onnx', promptsFile: '/x/q.csv', tokens: 'answer' as const, counted: 99 };
  const auto = diffLatentEntry(latent, null, snippets, p);
  assert.equal(auto.label, 'model-diff #-2: no, refusal');
  assert.deepEqual(auto.foundBy, { method: 'model-diff', rank: -2, diff: -0.12346, baseMean: 0.5, tunedMean: 0.37654, tokens: 'answer' });
  assert.deepEqual(auto.topExamples, [{ text: 'say «no» more', activation: 3 }, { text: 'a « refusal»', activation: 2 }]);
  assert.match(auto.description!, /answer tokens of q\.csv fell from 0\.5 \(base\) to 0\.3765 \(tuned\.onnx\), 99 tokens per model\. Automatic label/);
  assert.equal(diffLatentEntry(latent, 'refusals', snippets, p).label, 'refusals');

  // Added to latents.json; a latent already there keeps a person's label unless a new one is given.
  const file = { latents: [{ index: 12, label: 'curated', foundBy: { method: 'probe' }, topExamples: [] }] };
  const merged = withLatents(file, [auto, { ...auto, index: 3 }], [false, false]);
  assert.deepEqual(merged.latents.map((l) => [l.index, l.label, l.foundBy.method]), [[12, 'curated', 'model-diff'], [3, 'model-diff #-2: no, refusal', 'model-diff']]);
  assert.equal(file.latents[0].foundBy.method, 'probe', 'the input is not changed');
  assert.equal(withLatents(file, [auto], [true]).latents[0].label, auto.label);
});
