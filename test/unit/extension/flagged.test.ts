import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineResult, RiskLevel } from '../../../src/core/score/types';
import { LENS_MARGIN, leavesWindow, lensWindow, nextFinding } from '../../../src/extension/editor/flagged';
import { lensTitle } from '../../../src/extension/editor/riskText';

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

test('lenses cover the screens and LENS_MARGIN lines each side, and ask again as the screen nears an edge', () => {
  const m = LENS_MARGIN;
  assert.deepEqual(lensWindow([], 100), { from: 0, to: 100 }, 'a small file not on screen: all of it');
  assert.deepEqual(lensWindow([], 100_000), { from: 0, to: 2 * m }, 'a big one: its top');
  assert.deepEqual(lensWindow([{ first: 5001, last: 5050 }], 100_000), { from: 5000 - m, to: 5050 + m });
  assert.deepEqual(lensWindow([{ first: 10, last: 60 }, { first: 90_001, last: 90_050 }], 100_000), { from: 0, to: 90_050 + m }, 'two editors: from the first screen to the last');
  const window = lensWindow([{ first: 5001, last: 5050 }], 100_000);
  assert.equal(leavesWindow(window, { first: 5101, last: 5150 }, 100_000), false, 'a screen down: still well inside');
  assert.equal(leavesWindow(window, { first: 5250, last: 5299 }, 100_000), true, 'near the bottom edge');
  assert.equal(leavesWindow(window, { first: 4750, last: 4799 }, 100_000), true, 'near the top edge');
  assert.equal(leavesWindow(lensWindow([{ first: 1, last: 50 }], 120), { first: 71, last: 120 }, 120), false, 'edges that are the file\'s own');
});
