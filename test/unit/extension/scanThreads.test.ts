// The scan host's threads: the setting when it names a number, else half the cores.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanThreads } from '../../../src/extension/scan/scanThreads';

test('scanThreads: 0 or unset leaves half the cores to the editor, at least one thread', () => {
  assert.equal(scanThreads(0, 2), 1);
  assert.equal(scanThreads(undefined, 2), 1);
  assert.equal(scanThreads(0, 1), 1);
  assert.equal(scanThreads(0, 8), 4);
  assert.equal(scanThreads(0, 7), 3);
});

test('scanThreads: a number the user set is used as it is', () => {
  assert.equal(scanThreads(2, 2), 2);
  assert.equal(scanThreads(6, 2), 6);
  assert.equal(scanThreads(3.7, 16), 3);
});
