// The pack store on disk (core/pack/fetch/store.ts, storeList.ts), with real folders: what
// `pack list` and Select Pack see of it, and which leftovers in `.staging` a fetch clears
// (by their files' mtimes, set with utimes, and their locks).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cleanStaging, STALE_STAGING_MS } from '../../../src/core/pack/fetch/store';
import { listStore } from '../../../src/core/pack/fetch/storeList';

const TINY_MANIFEST = JSON.parse(readFileSync(join(__dirname, '../../fixtures/packs/tiny/pack.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'persona-lens-store-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Writes `files` (path → content; a path ending in "/" is a folder) under `root`. */
function tree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    if (rel.endsWith('/')) mkdirSync(path, { recursive: true });
    else {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

const manifest = (name: string, version: string, more: object = {}) => JSON.stringify({ ...TINY_MANIFEST, name, version, description: `${name} ${version}, for tests`, ...more });

test('the store lists each pack folder with its pack.json\'s name, version and description, in name and version order; unreadable ones say why', async () => {
  const store = join(work, 'store');
  tree(store, {
    'persona-b@1.10.0/pack.json': manifest('persona-b', '1.10.0'),
    'persona-b@1.2.0/pack.json': manifest('persona-b', '1.2.0'),
    'persona-a@2.0.0/pack.json': manifest('persona-a', '2.0.0'),
    [`persona-a@2.0.0+${'ab'.repeat(6)}/pack.json`]: manifest('persona-a', '2.0.0', { license: 'other' }),
    'broken@1/pack.json': '{"name": ',
    'empty@1/': '',
    'future@1/pack.json': manifest('future', '1', { formatVersion: 99 }),
    // Not packs: the staging folder, a stray file, a folder fetch never names.
    '.staging/abc/parts/model.onnx': 'x',
    'notes.txt': 'mine',
    'unrelated/pack.json': manifest('unrelated', '1'),
  });
  const packs = await listStore(store);
  assert.deepEqual(
    packs.map((p) => [p.folder, p.manifest && `${p.manifest.name} ${p.manifest.version}`, p.problem]),
    [
      ['broken@1', null, 'pack.json is not valid JSON'],
      ['empty@1', null, 'no pack.json'],
      ['future@1', null, packs.find((p) => p.folder === 'future@1')!.problem],
      ['persona-a@2.0.0', 'persona-a 2.0.0', undefined],
      [`persona-a@2.0.0+${'ab'.repeat(6)}`, 'persona-a 2.0.0', undefined],
      ['persona-b@1.2.0', 'persona-b 1.2.0', undefined],
      ['persona-b@1.10.0', 'persona-b 1.10.0', undefined],
    ],
  );
  assert.match(packs[2].problem!, /formatVersion.*99/);
  assert.equal(packs[3].path, join(store, 'persona-a@2.0.0'));
  assert.equal(packs[3].manifest!.description, 'persona-a 2.0.0, for tests');
  assert.deepEqual(await listStore(join(work, 'no-such-store')), []);
});

const DAY = 24 * 3600 * 1000;

/** Sets the mtime of `path` and everything below it (children first: writing a child touches its folder). */
function age(path: string, ms: number): void {
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) age(join(path, name), ms);
  const when = new Date(Date.now() - ms);
  utimesSync(path, when, when);
}

test('cleanStaging: what nothing touched for a week goes, under its lock; never a live-locked one, nor one resumed lately', async () => {
  const store = join(work, 'cleaned');
  const staging = join(store, '.staging');
  const download = { 'files/tokenizer.json': '{}', 'parts/model.onnx': 'part', 'parts/sae/sae_weights.safetensors': 'p' };
  const within = (dir: string) => Object.fromEntries(Object.entries(download).map(([k, v]) => [`${dir}/${k}`, v]));
  tree(staging, {
    ...within('old'),
    ...within('old-dead-lock'),
    'old-dead-lock.lock': '999999999',
    ...within('old-live-lock'),
    'old-live-lock.lock': String(process.pid),
    ...within('fresh'),
    ...within('resumed'),
    'archive-old/archive.part': 'tar',
    'trash-0123456789ab/pack.json': '{}',
    'lone-dead.lock': '999999998',
    'lone-live.lock': String(process.pid),
  });
  for (const name of ['old', 'old-dead-lock', 'old-dead-lock.lock', 'old-live-lock', 'old-live-lock.lock', 'resumed', 'archive-old', 'trash-0123456789ab', 'lone-dead.lock', 'lone-live.lock']) {
    age(join(staging, name), 8 * DAY);
  }
  age(join(staging, 'fresh'), 6 * DAY);
  // A download begun long ago whose model part grew today: only that file says so.
  const now = new Date();
  utimesSync(join(staging, 'resumed/parts/model.onnx'), now, now);

  const removed = await cleanStaging(store);
  assert.deepEqual(removed.sort(), ['archive-old', 'lone-dead.lock', 'old', 'old-dead-lock', 'trash-0123456789ab']);
  assert.deepEqual(readdirSync(staging).sort(), ['fresh', 'lone-live.lock', 'old-live-lock', 'old-live-lock.lock', 'resumed']);
  // What is kept is kept whole.
  for (const dir of ['fresh', 'old-live-lock', 'resumed']) assert.equal(readFileSync(join(staging, dir, 'parts/model.onnx'), 'utf8'), 'part', dir);
  assert.equal(readFileSync(join(staging, 'old-live-lock.lock'), 'utf8'), String(process.pid), 'a live lock is left as it was');

  // A shorter limit clears what a week keeps; an absent staging folder is nothing to do.
  assert.deepEqual((await cleanStaging(store, Date.now(), 5 * DAY)).sort(), ['fresh']);
  assert.deepEqual(await cleanStaging(join(work, 'no-store')), []);
  assert.equal(STALE_STAGING_MS, 7 * DAY);
});
