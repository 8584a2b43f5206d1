import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineResult, RiskLevel } from '../../../src/core/score/types';
import { flaggedLines, MAX_RULER_MARKS, rulerMarks, windowMarks } from '../../../src/extension/editor/decorationPlan';

function line(n: number, level: RiskLevel | null, risk = 0.5, persona?: string): LineResult {
  return {
    line: n,
    format: level ? 'openai-chat' : null,
    diagnostics: [],
    cached: false,
    result: level && {
      score: 1,
      risk,
      level,
      tokens: 4,
      scoredTokens: 2,
      truncated: false,
      ...(persona && { persona }),
      topTokens: [
        { text: 'a', role: 'assistant', score: 2, span: { start: 10, end: 11 } },
        { text: '<|assistant|>', role: 'assistant', score: 1, span: null },
      ],
    },
  };
}

// Line 3 is not scanned yet (a hole), line 4 is invalid; lines 2 and 5 name a persona term, line 6 none.
const results: Array<LineResult | undefined> = [
  line(1, 'low', 0.2, 'toxic persona'),
  line(2, 'high', 0.91, 'toxic persona'),
  undefined,
  line(4, null),
  line(5, 'elevated', 0.6, 'sarcastic persona'),
  line(6, 'high', 0.85),
];

test('flagged lines over the whole document, by level', () => {
  assert.deepEqual(flaggedLines(results), { elevated: [4], high: [1, 5] });
  assert.deepEqual(flaggedLines([]), { elevated: [], high: [] });
});

test("badges for flagged lines in the window, each naming its own example's persona term; token spans on high-risk lines only", () => {
  const { badges, tokens } = windowMarks(results, -100, 5);
  assert.deepEqual(badges, [
    { line: 1, level: 'high', text: 'risk 0.91 · toxic persona' },
    { line: 4, level: 'elevated', text: 'risk 0.60 · sarcastic persona' },
  ]);
  assert.deepEqual(tokens, [{ line: 1, start: 10, end: 11 }], 'template tokens (no span) and elevated lines get no highlight');
  assert.deepEqual(windowMarks(results, 5, 1000).badges, [{ line: 5, level: 'high', text: 'risk 0.85' }], 'an example no term names gets no label');
  assert.deepEqual(windowMarks(results, 2, 4), { badges: [], tokens: [] });
});

test('suppressed examples get no mark; reviewed ones a badge that says so', () => {
  const decision = (l: number) => (l === 1 ? 'suppressed' : l === 4 ? 'reviewed' : undefined);
  assert.deepEqual(flaggedLines(results, decision), { elevated: [4], high: [5] });
  const { badges, tokens } = windowMarks(results, 0, 6, decision);
  assert.deepEqual(badges, [
    { line: 4, level: 'elevated', text: 'risk 0.60 · sarcastic persona · reviewed' },
    { line: 5, level: 'high', text: 'risk 0.85' },
  ]);
  assert.deepEqual(tokens, [{ line: 5, start: 10, end: 11 }]);
});

test('ruler marks: one per flagged line in a file of up to 2000 lines, merged per stretch of lines past that', () => {
  assert.deepEqual(rulerMarks([0, 1, 5, 1999], 2000), [[0, 0], [1, 1], [5, 5], [1999, 1999]]);
  // 100k lines: stretches of 50 lines, each mark spanning its flagged lines.
  assert.deepEqual(rulerMarks([0, 10, 49, 50, 120, 99_999], 100_000), [[0, 49], [50, 50], [120, 120], [99_999, 99_999]]);
  const every = Array.from({ length: 100_000 }, (_, i) => i);
  const marks = rulerMarks(every, 100_000);
  assert.equal(marks.length, MAX_RULER_MARKS, 'every line flagged: one mark per stretch');
  assert.deepEqual(marks.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)), every, 'the marks cover every flagged line, once');
  assert.deepEqual(rulerMarks([], 100_000), []);
});
