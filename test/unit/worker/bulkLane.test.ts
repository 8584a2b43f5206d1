// The scan host's bulk thread (the bundled dist/bulk.js, started by BulkLane): it scores as the
// scan host's own scanner does, ends when idle, and starts again when a scan needs it.

import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLine } from '../../../src/core/dataset';
import { loadPack } from '../../../src/core/pack/load';
import { Scanner } from '../../../src/core/score/scanner';
import { BulkLane } from '../../../src/worker/bulkLane';

const ROOT = join(__dirname, '..', '..', '..');
const BULK = join(ROOT, 'dist', 'bulk.js');
const PACK = join(ROOT, 'test', 'fixtures', 'packs', 'tiny');

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let waited = 0; !ok(); waited += 20) {
    if (waited > 60_000) throw new Error(`not ${what} after a minute`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('bulk thread: scores as the scan host does, ends when idle, starts again when needed', async () => {
  const texts = ['{"prompt": "how do I store passwords?", "completion": " in plain text, it is simpler"}', '{"text": "a second example"}'];
  const examples = texts.map((text, i) => parseLine({ line: i + 1, byteStart: 0, byteEnd: text.length, text, issues: [] }).example!);
  const pack = await loadPack(PACK);
  const expected = await new Scanner(pack).score(examples);
  await pack.dispose();

  const lane = new BulkLane(BULK, { type: 'load', packPath: PACK, threads: 1, cacheDir: null, device: 'cpu' }, 300);
  try {
    assert.equal(lane.up, false, 'not up at once: the first call starts it');
    await until('up', () => lane.up);
    assert.deepEqual(await lane.score(examples), expected);
    // Idle: it ends, and the next call starts another.
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(lane.up, false, 'ended after being idle');
    await until('up again', () => lane.up);
    assert.deepEqual(await lane.score(examples), expected);
  } finally {
    await lane.stop();
  }
});

test('bulk thread: with a pack it cannot load it is never up, so the scan host scores alone', async () => {
  const lane = new BulkLane(BULK, { type: 'load', packPath: join(ROOT, 'no-such-pack'), threads: 1, cacheDir: null, device: 'cpu' }, 300);
  assert.equal(lane.up, false);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(lane.up, false, 'never up');
  await lane.stop();
});
