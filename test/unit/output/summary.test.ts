import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBlank, summarize, SummaryBuilder } from '../../../src/core/score/summary';
import { blank, FILE, invalid, scored } from './fixtures';

describe('summary', () => {
  it('gives exact figures for a hand-made file', () => {
    assert.deepEqual(summarize(FILE), {
      lines: 10,
      examples: 6,
      invalid: 2,
      blank: 2,
      counts: { low: 3, elevated: 1, high: 2 },
      //          0  1  2  3  4  5  6  7  8  9
      histogram: [1, 1, 0, 1, 1, 0, 0, 0, 0, 2],
      meanRisk: (0.05 + 0.45 + 0.92 + 0.1 + 1 + 0.3) / 6,
      p95Risk: 1,
      maxRisk: 1,
      datasetRisk: (0.05 + 0.45 + 0.92 + 0.1 + 1 + 0.3) / 6,
      errors: 2,
      warnings: 1,
      formats: { 'openai-chat': 5, 'prompt-completion': 1, unknown: 1 },
      tokens: 101 + 102 + 103 + 106 + 109 + 110,
    });
  });

  it('has null risks when nothing was scored', () => {
    const s = summarize([blank(1), invalid(2, 'PL001')]);
    assert.equal(s.examples, 0);
    assert.equal(s.meanRisk, null);
    assert.equal(s.p95Risk, null);
    assert.equal(s.maxRisk, null);
    assert.equal(s.datasetRisk, null);
    assert.deepEqual(s.histogram, Array(10).fill(0));
  });

  it('takes p95 by nearest rank, past the initial buffer size', () => {
    const builder = new SummaryBuilder();
    // Risks 0.0001 .. 0.3000 in a shuffled order: p95 is the 2850th smallest.
    const order = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3000);
    for (const k of order) builder.add(scored(k + 1, (k + 1) / 10000, 'low'));
    const s = builder.summary();
    assert.equal(s.p95Risk, 0.285);
    assert.equal(s.maxRisk, 0.3);
    assert.deepEqual(s.histogram, [999, 1000, 1000, 1, 0, 0, 0, 0, 0, 0]);
    assert.equal(summarize([scored(1, 0.7, 'high')]).p95Risk, 0.7);
    assert.equal(summarize([0.1, 0.2, 0.3, 0.4].map((r, i) => scored(i + 1, r, 'low'))).p95Risk, 0.4);
  });

  it('calls a line blank only when nothing was detected or wrong on it', () => {
    assert.equal(isBlank(blank(1)), true);
    assert.equal(isBlank(invalid(1, 'PL001')), false);
    assert.equal(isBlank(scored(1, 0.2, 'low')), false);
  });
});
