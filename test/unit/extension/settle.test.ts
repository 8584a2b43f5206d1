// A large document's first scan waits for VS Code's own work on it (settle.ts): it starts just
// after the thread's first long stall ends, or after the longest wait when no stall comes.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterFirstStall } from '../../../src/extension/scan/settle';

/** Holds this thread for `ms`, as VS Code's link detection does; answers when it ended. */
function busy(ms: number): number {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return end;
}

test('settle: resolves just after the first long stall ends, not at the longest wait', async () => {
  const start = performance.now();
  const settled = afterFirstStall(5000).then(() => performance.now());
  await new Promise((r) => setTimeout(r, 200));
  // A short task (well under the 100 ms that counts as a stall) does not end the wait.
  busy(30);
  await new Promise((r) => setTimeout(r, 100));
  const ended = busy(300);
  const at = await settled;
  assert.ok(at >= ended, 'not before the stall ended');
  assert.ok(at - start < 1000, `resolved ${Math.round(at - ended)} ms after the stall, not after the 5 s wait`);
});

test('settle: with no stall it resolves after the longest wait', async () => {
  const start = performance.now();
  await afterFirstStall(400);
  const waited = performance.now() - start;
  assert.ok(waited >= 400 && waited < 1000, `waited ${Math.round(waited)} ms`);
});
