import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isExampleScore } from '../../../src/core/score/validate';

const good = { score: 1.5, risk: 0.4, level: 'low', tokens: 12, scoredTokens: 5, truncated: false, topTokens: [{ text: 'x', role: 'assistant', score: 2, span: null }] };

test('a stored result is accepted only with the fields a scan reads, of the right types', () => {
  assert.ok(isExampleScore(good));
  assert.ok(isExampleScore({ ...good, latents: [{ index: 3, max: 1.2 }] }));
  for (const bad of [null, 7, [], { ...good, risk: 1.5 }, { ...good, risk: null }, { ...good, level: 'severe' }, { ...good, topTokens: undefined },
    { ...good, topTokens: [{ text: 1 }] }, { ...good, truncated: 'no' }, { ...good, latents: [{}] }, { ...good, score: Number.NaN }]) {
    assert.equal(isExampleScore(bad), false, JSON.stringify(bad));
  }
});
