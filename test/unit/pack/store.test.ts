// The pack store on disk (core/pack/fetch/storeList.ts), with real folders: what `pack list`
// and Select Pack see of it.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
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
