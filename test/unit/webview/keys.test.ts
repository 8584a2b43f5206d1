import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyAction } from '../../../webview/keys';

const none = { shift: false, ctrl: false };

test('arrows, pages, Home and End move the cursor within the rows shown; Shift extends', () => {
  assert.deepEqual(keyAction('ArrowDown', none, -1, 10, 4), { move: 0, shift: false }, 'no cursor yet: the first row');
  assert.deepEqual(keyAction('ArrowDown', none, 3, 10, 4), { move: 4, shift: false });
  assert.deepEqual(keyAction('ArrowDown', none, 9, 10, 4), { move: 9, shift: false }, 'stays on the last row');
  assert.deepEqual(keyAction('ArrowUp', { shift: true, ctrl: false }, 3, 10, 4), { move: 2, shift: true });
  assert.deepEqual(keyAction('ArrowUp', none, 0, 10, 4), { move: 0, shift: false });
  assert.deepEqual(keyAction('PageDown', none, 3, 10, 4), { move: 7, shift: false });
  assert.deepEqual(keyAction('PageDown', none, 8, 10, 4), { move: 9, shift: false });
  assert.deepEqual(keyAction('PageUp', none, 2, 10, 4), { move: 0, shift: false });
  assert.deepEqual(keyAction('Home', none, 5, 10, 4), { move: 0, shift: false });
  assert.deepEqual(keyAction('End', { shift: true, ctrl: false }, 5, 10, 4), { move: 9, shift: true });
});

test('Space toggles, Enter opens, Ctrl+A selects all; other keys and empty tables are left alone', () => {
  assert.deepEqual(keyAction(' ', none, 4, 10, 4), { toggle: 4 });
  assert.deepEqual(keyAction('Enter', none, 4, 10, 4), { open: 4 });
  assert.equal(keyAction('Enter', none, -1, 10, 4), null, 'nothing to open without a cursor');
  assert.deepEqual(keyAction('a', { shift: false, ctrl: true }, 4, 10, 4), { selectAll: true });
  assert.equal(keyAction('a', none, 4, 10, 4), null, 'typing a letter is not select-all');
  assert.equal(keyAction('x', none, 4, 10, 4), null);
  assert.equal(keyAction('ArrowDown', none, -1, 0, 4), null);
});
