import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineResult, RiskLevel } from '../../../src/core/score/types';
import { subsetLines } from '../../../src/extension/subsets';

const line = (n: number, level: RiskLevel | null): LineResult => ({
  line: n,
  format: null,
  diagnostics: [],
  cached: false,
  result: level && { score: 0, risk: 0.5, level, tokens: 1, scoredTokens: 1, truncated: false, topTokens: [] },
});

// Line 4 is invalid, line 5 not scanned; line 6 is high but suppressed.
const results = [line(1, 'low'), line(2, 'high'), line(3, 'elevated'), line(4, null), undefined, line(6, 'high'), line(7, 'low')];
const decision = (l: number) => (l === 5 ? 'suppressed' : l === 2 ? 'reviewed' : undefined);

test('flagged: elevated or high, reviewed included, suppressed left out; clean: every other valid example', () => {
  assert.deepEqual(subsetLines(results, 'flagged', decision), [2, 3]);
  assert.deepEqual(subsetLines(results, 'clean', decision), [1, 6, 7]);
  assert.deepEqual(subsetLines(results, 'flagged', () => undefined), [2, 3, 6]);
});
