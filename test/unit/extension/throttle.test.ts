// The pace of redraws while results stream in: at most one run per key and
// interval, later calls folded into one run when the interval ends.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Throttle } from '../../../src/extension/scan/throttle';

test('throttle: the first call runs at once, calls within the interval fold into one run at its end', async () => {
  const throttle = new Throttle(100);
  const runs: string[] = [];
  try {
    assert.equal(throttle.run('a', () => runs.push('a1')), true);
    assert.equal(throttle.run('a', () => runs.push('a2')), false);
    assert.equal(throttle.run('a', () => runs.push('a3')), false, 'folded into the waiting run');
    assert.equal(throttle.run('b', () => runs.push('b1')), true, 'keys are paced apart');
    assert.deepEqual(runs, ['a1', 'b1']);
    await sleep(400);
    assert.deepEqual(runs, ['a1', 'b1', 'a2'], 'one run once the interval passed, the first call folded in');
  } finally {
    throttle.dispose();
  }
});

test('throttle: a call can ask for a longer interval than the throttle\'s', async () => {
  const throttle = new Throttle(10);
  const runs: number[] = [];
  try {
    throttle.run('a', () => runs.push(1));
    throttle.run('a', () => runs.push(2), 600);
    await sleep(200);
    assert.deepEqual(runs, [1], 'still waiting: 600 ms asked for');
    await sleep(1000);
    assert.deepEqual(runs, [1, 2]);
  } finally {
    throttle.dispose();
  }
});
