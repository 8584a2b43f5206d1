import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ROWS, type Rows } from '../../../src/extension/panel/panelProtocol';
import { DEFAULT_VIEW, tableOrder } from '../../../webview/table';

const rows: Rows = {
  line: [1, 2, 4, 5, 7],
  risk: [0.2, 0.9, 0.5, 0.9, 0.1],
  level: [0, 2, 1, 2, 0],
  snippet: ['hello', 'Kill · them', 'maybe', 'hate', '<img src=x>'],
  tokens: ['a', 'b', 'c', 'd', 'zz'],
  format: ['openai-chat', 'trl-text', 'openai-chat', 'openai-chat', ''],
  review: [0, 1, 0, 2, 0],
  judge: [-1, 5, -1, 90, -1],
};
const lines = (order: number[]) => order.map((i) => rows.line[i]);

test('the default view: riskiest first, ties by line', () => {
  assert.deepEqual(lines(tableOrder(rows, DEFAULT_VIEW)), [2, 5, 4, 1, 7]);
});

test('sorts by any column, either way', () => {
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, sort: 'line', descending: false })), [1, 2, 4, 5, 7]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, sort: 'line', descending: true })), [7, 5, 4, 2, 1]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, sort: 'level', descending: false })), [7, 1, 4, 2, 5]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, sort: 'format', descending: false })), [7, 1, 4, 5, 2]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, sort: 'snippet', descending: false })), [7, 2, 5, 1, 4]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, sort: 'review', descending: true })), [5, 2, 1, 4, 7], 'suppressed, reviewed, then undecided');
});

test('filters by level and by text (tokens, format, line number, level name)', () => {
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, levels: [false, false, true] })), [2, 5]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, text: 'KILL' })), [2]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, text: 'trl' })), [2]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, text: 'ZZ' })), [7], 'top tokens');
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, text: ' 4 ' })), [4]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, text: 'elevated' })), [4]);
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, text: 'Reviewed' })), [2], 'review state');
  assert.deepEqual(lines(tableOrder(rows, { ...DEFAULT_VIEW, text: 'openai', levels: [true, false, false] })), [1]);
});

test('orders 100k rows quickly', () => {
  const n = 100_000;
  const big: Rows = structuredClone(NO_ROWS);
  for (let i = 0; i < n; i++) {
    big.line.push(i + 1);
    big.risk.push((i * 7919) % 1000 / 1000);
    big.level.push(i % 3);
    big.snippet.push(`text${i % 97}`);
    big.tokens.push(`token${i % 89}`);
    big.format.push('openai-chat');
    big.review.push(i % 3);
  }
  const t = performance.now();
  const order = tableOrder(big, DEFAULT_VIEW);
  assert.equal(order.length, n);
  assert.ok(performance.now() - t < 1000);
  for (let k = 1; k < n; k++) assert.ok(big.risk[order[k - 1]] >= big.risk[order[k]]);
});

test('the filter also takes rows whose whole text holds it, as the extension found them, for that text only', () => {
  const view = { ...DEFAULT_VIEW, sort: 'line' as const, descending: false, text: 'zanzibar' };
  assert.deepEqual(lines(tableOrder(rows, view)), [], 'no snippet holds it');
  assert.deepEqual(lines(tableOrder(rows, view, { text: 'zanzibar', lines: new Set([4, 7]) })), [4, 7]);
  assert.deepEqual(lines(tableOrder(rows, view, { text: 'zanzi', lines: new Set([4]) })), [], 'hits for another text do not count');
});
