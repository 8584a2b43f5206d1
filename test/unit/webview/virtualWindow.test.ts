import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowWindow, scrollToRow } from '../../../webview/virtualWindow';

test('renders the rows in view plus the overscan, clamped to the rows there are', () => {
  assert.deepEqual(rowWindow(0, 220, 22, 100_000, 8), { start: 0, end: 19 });
  assert.deepEqual(rowWindow(22 * 1000, 220, 22, 100_000, 8), { start: 992, end: 1019 });
  assert.deepEqual(rowWindow(22 * 99_995, 220, 22, 100_000, 8), { start: 99_987, end: 100_000 });
  assert.deepEqual(rowWindow(0, 220, 22, 3, 8), { start: 0, end: 3 });
  assert.deepEqual(rowWindow(500, 220, 22, 0, 8), { start: 0, end: 0 });
});

test('a part-scrolled row counts as in view', () => {
  assert.deepEqual(rowWindow(11, 22, 22, 100, 0), { start: 0, end: 2 });
});

test('scrolls just enough to show a row', () => {
  assert.equal(scrollToRow(5, 0, 220, 22), null);
  assert.equal(scrollToRow(10, 0, 220, 22), 22);
  assert.equal(scrollToRow(2, 100, 220, 22), 44);
});
