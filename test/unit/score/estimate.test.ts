import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleIndices, seededRandom } from '../../../src/core/random';
import { estimateRisk } from '../../../src/core/score/estimate';

test('a uniform sample without replacement: distinct, sorted, in range, every index about equally often', () => {
  const rand = seededRandom(3);
  const counts = new Array(50).fill(0);
  for (let t = 0; t < 4000; t++) {
    const s = sampleIndices(50, 10, rand);
    assert.equal(new Set(s).size, 10);
    assert.deepEqual(s, [...s].sort((a, b) => a - b));
    for (const i of s) counts[i]++;
  }
  // 800 expected each (4000 * 10 / 50); sd about 25.
  assert.ok(counts.every((c) => c > 700 && c < 900), counts.join(','));
  assert.deepEqual(sampleIndices(3, 10, rand), [0, 1, 2]);
});

test('the 95% interval covers the true dataset risk about 95% of the time, at every point of the scan', () => {
  const rand = seededRandom(11);
  for (const share of [0.1, 0.5, 0.9]) {
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      // 5,000 lines, a tenth of them not examples; risks skewed like a pack's.
      const lines = Array.from({ length: 5000 }, () => (rand() < 0.1 ? null : rand() ** 3));
      const scored = lines.filter((r): r is number => r !== null);
      const truth = scored.reduce((s, r) => s + r, 0) / scored.length;
      const prefix = Math.floor(share * lines.length);
      const sample = sampleIndices(lines.length, 300, rand).filter((i) => i >= prefix);
      const before = lines.slice(0, prefix).filter((r): r is number => r !== null);
      const e = estimateRisk({
        prefixSum: before.reduce((s, r) => s + r, 0),
        prefixExamples: before.length,
        remainingLines: lines.length - prefix,
        sampledLines: sample.length,
        sampledRisks: sample.map((i) => lines[i]).filter((r): r is number => r !== null),
      })!;
      if (e.low <= truth && truth <= e.high) covered++;
    }
    assert.ok(covered / trials > 0.91 && covered / trials < 0.99, `${share}: ${covered}/${trials}`);
  }
});

test('the whole file scanned: the exact value, no interval; too small a sample: no estimate', () => {
  assert.deepEqual(estimateRisk({ prefixSum: 3, prefixExamples: 10, remainingLines: 0, sampledLines: 0, sampledRisks: [] }), { risk: 0.3, low: 0.3, high: 0.3, sampled: 0 });
  assert.equal(estimateRisk({ prefixSum: 0, prefixExamples: 0, remainingLines: 100, sampledLines: 5, sampledRisks: [0.1, 0.2] }), null);
});
