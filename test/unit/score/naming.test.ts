import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Calibration, LatentsFile, ReadoutTerm } from '../../../src/core/pack/types';
import { namedBy, namingTerms } from '../../../src/core/score/naming';

const about = (label: string, method: string) => ({ label, foundBy: { method }, topExamples: [] });
const latents: LatentsFile = {
  latents: [
    { index: 1, ...about('sarcastic', 'model-diff') },
    { index: 2, ...about('anti', 'model-diff') },
    { index: 3, ...about('toxic persona', 'model-diff') },
    { index: 4, ...about('probe pick', 'probe') },
    { index: 5, ...about('close to the persona vector', 'persona-vector') },
    { index: 6, ...about('toxic persona', 'model diff (misaligned - base)') },
    { index: 7, ...about('', 'model-diff') },
  ],
  directions: [
    { name: 'persona', ...about('evil persona', 'persona-vector') },
    { name: 'probe', ...about('probe: linear probe', 'probe') },
  ],
};
const terms = (...readout: ReadoutTerm[]) => namingTerms({ readout } as Calibration, latents).map((t) => `${t.label}>${t.threshold}`);

test('terms that may name: labelled, found by model diffing or a persona vector, raising risk', () => {
  assert.deepEqual(terms({ latent: 1, weight: 0.5 }, { latent: 2, weight: -2 }, { latent: 3, weight: 1 }), ['sarcastic>0', 'toxic persona>0']);
  assert.deepEqual(terms({ latent: 5, weight: 0.1 }), ['close to the persona vector>0']);
  assert.deepEqual(terms({ latent: 4, weight: 3 }, { latent: 6, weight: 3 }, { latent: 7, weight: 3 }, { latent: 99, weight: 3 }), [], 'a probe pick, another method, no label, not described');
  assert.deepEqual(terms({ latentWeights: 'probe', weight: 1 }, { direction: 'probe', weight: 1, namesAbove: 0 }), [], 'probes never name');
});

test('a direction names only with a threshold (format 8); a latent without one names where it fired', () => {
  assert.deepEqual(terms({ direction: 'persona', weight: 2 }), [], 'a projection has no zero to fire above');
  assert.deepEqual(terms({ direction: 'persona', weight: 2, namesAbove: 1.5 }), ['evil persona>1.5']);
  assert.deepEqual(terms({ direction: 'persona', weight: 2, namesAbove: 1.5, at: 'prompt-end' }), [], 'a prompt-end term scores no token');
  assert.deepEqual(terms({ direction: 'persona', weight: -2, namesAbove: -1 }), [], 'it lowers risk');
  assert.deepEqual(terms({ latent: 3, weight: 1, namesAbove: 4 }), ['toxic persona>4']);
});

test("the term that names an example is the one furthest above its threshold, none when none is", () => {
  const t = [{ threshold: 0 }, { threshold: 1.5 }];
  assert.equal(namedBy([0.2, 1.4], t), 0);
  assert.equal(namedBy([0.2, 3], t), 1);
  assert.equal(namedBy([0, 1.5], t), -1, 'at the threshold is not above it');
  assert.equal(namedBy([-1, 1], t), -1);
  assert.equal(namedBy([], []), -1);
});
