import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineResult, RiskLevel } from '../../../src/core/score/types';
import { nextFinding } from '../../../src/extension/flagged';
import { lensTitle } from '../../../src/extension/riskText';

const at = (line: number, level: RiskLevel | null): LineResult => ({
  line,
  format: 'openai-chat',
  result: level && { score: 1, risk: level === 'high' ? 0.9 : level === 'elevated' ? 0.6 : 0.1, level, tokens: 3, scoredTokens: 2, truncated: false, topTokens: [] },
  diagnostics: [],
  cached: false,
});

test('next and previous findings skip low and suppressed examples and wrap around', () => {
  const results = [at(1, 'low'), at(2, 'high'), undefined, at(4, 'elevated'), at(5, null), at(6, 'high')];
  const none = () => false;
  assert.equal(nextFinding(results, 0, 1, none), 1);
  assert.equal(nextFinding(results, 1, 1, none), 3);
  assert.equal(nextFinding(results, 5, 1, none), 1, 'wraps to the first');
  assert.equal(nextFinding(results, 3, -1, none), 1);
  assert.equal(nextFinding(results, 1, -1, none), 5, 'wraps to the last');
  assert.equal(nextFinding(results, 1, 1, (l) => l === 3), 5, 'a suppressed example is not a finding');
  assert.equal(nextFinding([at(1, 'low')], 0, 1, none), null);
});

test('a lens names the level, the risk and, only when given, the persona label', () => {
  assert.equal(lensTitle(0.874, 'high', 'toxic persona'), '$(error) High risk 0.87 · toxic persona');
  assert.equal(lensTitle(0.6, 'elevated', null, 'reviewed'), '$(warning) Elevated risk 0.60 · reviewed');
  assert.equal(lensTitle(0.6, 'elevated', null, 'rejected'), '$(warning) Elevated risk 0.60 · rejected');
});
