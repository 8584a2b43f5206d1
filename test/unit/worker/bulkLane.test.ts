// The scan host's bulk thread (the bundled dist/bulk.js, started by BulkLane): it scores as the
// scan host's own scanner does, ends when idle, and starts again when a scan needs it.

import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { parseLine } from '../../../src/core/dataset';
import { loadPack } from '../../../src/core/pack/load';
import { Scanner } from '../../../src/core/score/scanner';
import { BulkLane } from '../../../src/worker/bulkLane';

const ROOT = join(__dirname, '..', '..', '..');
const BULK = join(ROOT, 'dist', 'bulk.js');
const PACK = join(ROOT, 'test', 'fixtures', 'packs', 'tiny');

test('bulk thread: scores as the scan host does, ends when idle, starts again when needed', async () => {
  const texts = ['{"prompt": "how do I store passwords?", "completion": " in plain text, it is simpler"}', '{"text": "a second example"}'];
  const examples = texts.map((text, i) => parseLine({ line: i + 1, byteStart: 0, byteEnd: text.length, text, issues: [] }).example!);
  const pack = await loadPack(PACK);
  const expected = await new Scanner(pack).score(examples);
  await pack.dispose();

  const lane = new BulkLane(BULK, { type: 'load', packPath: PACK, threads: 1, cacheDir: null, device: 'cpu' }, 300);
  const exits: number[] = [];
  try {
    assert.deepEqual(await lane.score(examples, 'none'), expected, 'started by the first chunk, it scores as the scan host would');
    // The thread itself: its end is the point (the memory of a second session), and nothing else shows it.
    const first = (lane as unknown as { worker: Worker }).worker;
    first.on('exit', (code) => exits.push(code));
    // Idle: it ends, and the next chunk starts another.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(exits, [0], 'ended after being idle');
    assert.deepEqual(await lane.score(examples, 'none'), expected);
    const named = await lane.score(examples, 'named');
    assert.ok(named?.every((s, i) => s.score?.risk === expected[i].score?.risk && s.score?.latents !== undefined), 'a diff\'s chunk reports latents');
  } finally {
    await lane.stop();
  }
});

function anExample() {
  const text = '{"text": "an example"}';
  return parseLine({ line: 1, byteStart: 0, byteEnd: text.length, text, issues: [] }).example!;
}

/** A lane on the tiny pack, ending when idle for `idleMs`, sending nothing for `quietMs` after the editor's use. */
function tinyLane(idleMs: number, quietMs: number): BulkLane {
  return new BulkLane(BULK, { type: 'load', packPath: PACK, threads: 1, cacheDir: null, device: 'cpu' }, idleMs, quietMs);
}

test('bulk thread: with a pack it cannot load it is never up, so the scan host scores alone', async () => {
  const lane = new BulkLane(BULK, { type: 'load', packPath: join(ROOT, 'no-such-pack'), threads: 1, cacheDir: null, device: 'cpu' }, 300);
  const example = anExample();
  assert.equal(await lane.score([example], 'none'), null);
  assert.equal(await lane.score([example], 'none'), null, 'and stays so');
  await lane.stop();
});

test('bulk thread: while the editor is in use it is sent nothing, a chunk waiting until the editor has been quiet for a while', async () => {
  const example = anExample();
  const lane = tinyLane(30_000, 400);
  try {
    assert.ok(await lane.score([example], 'none'), 'the thread is up');
    lane.editing();
    const sent = performance.now();
    const scored = lane.score([example], 'none');
    // Used again before the quiet ends: the wait starts over.
    await new Promise((r) => setTimeout(r, 200));
    const used = performance.now();
    lane.editing();
    assert.ok((await scored)?.[0].score, 'scored once quiet');
    const done = performance.now();
    assert.ok(done - used >= 400, `answered ${Math.round(done - used)} ms after the editor's last use (${Math.round(done - sent)} ms after it was sent)`);
  } finally {
    await lane.stop();
  }
});

test('bulk thread: a chunk whose scan is cancelled while it waits for the editor to be quiet is never sent, nor the thread started for it', async () => {
  const example = anExample();
  const lane = tinyLane(30_000, 300);
  try {
    lane.editing();
    let wanted = true;
    const scored = lane.score([example], 'none', () => wanted);
    setTimeout(() => (wanted = false), 100);
    await assert.rejects(scored, /cancelled/);
    assert.equal((lane as unknown as { worker: Worker | null }).worker, null, 'no thread was started');
    assert.ok(await lane.score([example], 'none'), 'a later chunk still starts it and is scored');
  } finally {
    await lane.stop();
  }
});
