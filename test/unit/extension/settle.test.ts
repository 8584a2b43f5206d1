// A large document's first scan waits for VS Code's own work on it (settle.ts): it starts once
// the thread has had a long stall and then a quiet stretch, or after the longest wait when no
// stall comes.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterVsCodesWork } from '../../../src/extension/scan/settle';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Holds this thread for `ms`, as VS Code's link detection does; answers when it ended. */
function busy(ms: number): number {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return end;
}

test('settle: resolves a quiet moment after a long stall ends, not at the longest wait', async () => {
  const start = performance.now();
  const settled = afterVsCodesWork(5000).then(() => performance.now());
  await sleep(200);
  // A short task (well under the 100 ms that counts as a stall) does not end the wait.
  busy(30);
  await sleep(100);
  const ended = busy(300);
  const at = await settled;
  assert.ok(at - ended >= 140, `a quiet stretch after the stall (${Math.round(at - ended)} ms)`);
  assert.ok(at - start < 1500, `resolved ${Math.round(at - ended)} ms after the stall, not after the 5 s wait`);
});

test('settle: two stalls close together (the document shown, then link detection): it waits for the second', async () => {
  const settled = afterVsCodesWork(5000).then(() => performance.now());
  await sleep(50);
  busy(150);
  // A moment between them, as the thread takes its next task.
  await sleep(30);
  const second = busy(250);
  const at = await settled;
  assert.ok(at >= second, `not between the two stalls (${Math.round(second - at)} ms before the second ended)`);
});

test('settle: with no stall it resolves after the longest wait', async () => {
  const start = performance.now();
  await afterVsCodesWork(400);
  const waited = performance.now() - start;
  assert.ok(waited >= 400 && waited < 1000, `waited ${Math.round(waited)} ms`);
});
