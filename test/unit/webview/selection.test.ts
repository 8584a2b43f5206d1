import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickRow, NO_SELECTION, selectedLines } from '../../../webview/selection';

const order = [9, 3, 7, 1, 5];

test('a click selects one row; ctrl-click toggles; shift-click selects a range from the anchor', () => {
  let sel = clickRow(NO_SELECTION, order, 1, {});
  assert.deepEqual(selectedLines(sel), [3]);
  sel = clickRow(sel, order, 3, { shift: true });
  assert.deepEqual(selectedLines(sel), [1, 3, 7]);
  sel = clickRow(sel, order, 0, { shift: true });
  assert.deepEqual(selectedLines(sel), [3, 9], 'the range is from the anchor, replacing the last range');
  sel = clickRow(sel, order, 4, { ctrl: true });
  assert.deepEqual(selectedLines(sel), [3, 5, 9]);
  sel = clickRow(sel, order, 0, { ctrl: true });
  assert.deepEqual(selectedLines(sel), [3, 5]);
  sel = clickRow(sel, order, 2, {});
  assert.deepEqual(selectedLines(sel), [7]);
});

test('ctrl+shift adds the range to the selection', () => {
  let sel = clickRow(NO_SELECTION, order, 0, {});
  sel = clickRow(sel, order, 3, { ctrl: true });
  sel = clickRow(sel, order, 4, { ctrl: true, shift: true });
  assert.deepEqual(selectedLines(sel), [1, 5, 9]);
});

test('shift-click without an anchor in view selects the row', () => {
  assert.deepEqual(selectedLines(clickRow({ lines: new Set([2]), anchor: 2 }, order, 2, { shift: true })), [7]);
});
