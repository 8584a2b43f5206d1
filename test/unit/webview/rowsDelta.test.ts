// Streamed rows: the deltas the extension sends while a scan streams in (panelRows.rowsDelta),
// applied by the page (webview/rowsDelta.ts), leave the page with the rows a whole send would.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineResult } from '../../../src/core/score/types';
import type { Rows } from '../../../src/extension/panel/panelProtocol';
import { rowsDelta, toRows, type LineInfo } from '../../../src/extension/panel/panelRows';
import { applyRowsDelta } from '../../../webview/rowsDelta';

function result(line: number, risk: number, scored = true): LineResult {
  const level = risk >= 0.8 ? 'high' : risk >= 0.5 ? 'elevated' : 'low';
  return {
    line,
    format: 'openai-chat',
    diagnostics: [],
    cached: false,
    result: scored ? { score: risk, risk, level, tokens: 4, scoredTokens: 2, truncated: false, topTokens: [{ text: `t${line}`, role: 'assistant', score: 1, span: null }] } : null,
  };
}

const lines: LineInfo = { text: (l) => `{"text": "line ${l}"}`, decision: () => undefined, verdict: () => undefined };

/** Rows as a map from line to the row's other columns, so that row order does not count. */
function byLine(rows: Rows): Map<number, unknown[]> {
  return new Map(rows.line.map((line, i) => [line, [rows.risk[i], rows.level[i], rows.snippet[i], rows.tokens[i], rows.format[i], rows.review[i], rows.judge[i]]]));
}

test('streamed deltas leave the page with the rows of a whole send, sending only what changed', () => {
  const results: (LineResult | undefined)[] = [];
  const sent: (LineResult | undefined)[] = [];
  let page = toRows(results, lines);
  const step = (change: () => void) => {
    change();
    const delta = rowsDelta(results, sent, lines);
    page = applyRowsDelta(page, delta);
    assert.deepEqual(byLine(page), byLine(toRows(results, lines)));
    return delta;
  };
  // The visible range first (lines 50-59), then the file from the top.
  let delta = step(() => {
    for (let l = 50; l < 60; l++) results[l - 1] = result(l, l / 100);
  });
  assert.equal(delta.upsert.line.length, 10);
  delta = step(() => {
    for (let l = 1; l <= 30; l++) results[l - 1] = result(l, (l % 10) / 10, l % 7 !== 0);
  });
  assert.equal(delta.upsert.line.length, 26, 'only the new scored examples: 30 less the 4 invalid');
  assert.deepEqual(delta.remove, []);
  delta = step(() => undefined);
  assert.deepEqual([delta.upsert.line, delta.remove], [[], []], 'nothing changed, nothing sent');
  // An edit: line 3 re-scored higher, line 5 now invalid, the file cut to 40 lines (lines 50-59 go).
  delta = step(() => {
    results[2] = result(3, 0.95);
    results[4] = result(5, 0, false);
    results.length = 40;
  });
  assert.deepEqual(delta.upsert.line, [3]);
  assert.deepEqual(delta.remove, [5, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
  delta = step(() => (results.length = 20));
  assert.deepEqual(delta.remove, [22, 23, 24, 25, 26, 27, 29, 30], 'the scored lines past 20 (21 and 28 were invalid)');
});
