import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineResult, RiskLevel } from '../../../src/core/score/types';
import { csvCell, withRiskKeys } from '../../../src/core/export/riskColumns';
import { realignSet, subsetLines, type RealignCandidate } from '../../../src/core/export/subsets';

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

test('a rejected example is in no clean subset, whatever its risk; a flagged one stays flagged', () => {
  const rejecting = (l: number) => (l === 0 || l === 1 ? 'rejected' : undefined);
  assert.deepEqual(subsetLines(results, 'clean', rejecting), [7]);
  assert.deepEqual(subsetLines(results, 'flagged', rejecting), [2, 3, 6]);
});

test('the re-alignment set: the n lowest-risk clean, unflawed examples of the dominant format, in file order', () => {
  const c = (line: number, risk: number, format: 'openai-chat' | 'alpaca' = 'openai-chat', extra: Partial<RealignCandidate> = {}): RealignCandidate => ({
    line,
    risk,
    format,
    level: risk >= 0.5 ? 'elevated' : 'low',
    flawed: false,
    ...extra,
  });
  const set = realignSet(
    [c(1, 0.3), c(2, 0.01, 'alpaca'), c(3, 0.05), c(4, 0.02, 'openai-chat', { flawed: true }), c(5, 0.04), c(6, 0.9), c(7, 0.03, 'openai-chat', { decision: 'rejected' }), c(8, 0.2)],
    3,
  );
  assert.deepEqual(set.lines, [3, 5, 8]);
  assert.equal(set.format, 'openai-chat');
  assert.deepEqual(set.range, [0.04, 0.2]);
  assert.equal(set.qualified, 4, 'lines 1, 3, 5 and 8');
  assert.equal(set.fileMedian, (0.04 + 0.05) / 2);
  assert.deepEqual(realignSet([], 5), { lines: [], format: null, range: null, fileMedian: null, qualified: 0 });
});

test('risk keys go before the closing brace, the rest of the line untouched; CSV cells quoted as RFC 4180 says', () => {
  const r = { ...line(1, 'high'), format: 'openai-chat' as const };
  assert.equal(withRiskKeys('{"a": 1}  ', r), '{"a": 1,"persona_lens_risk":0.5,"persona_lens_level":"high","persona_lens_score":0}  ');
  assert.equal(withRiskKeys('{}', r), '{"persona_lens_risk":0.5,"persona_lens_level":"high","persona_lens_score":0}');
  assert.equal(withRiskKeys('{"a": 1}', { ...line(1, null), format: 'openai-chat' }), '{"a": 1,"persona_lens_risk":null,"persona_lens_level":null,"persona_lens_score":null}');
  for (const text of ['[1, 2]', '{"broken": ', '']) assert.equal(withRiskKeys(text, line(1, null)), text);
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"\r\nbye'), '"say ""hi""\r\nbye"');
});
