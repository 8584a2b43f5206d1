// The side cache: a side of the same contents and settings is read back instead of scanned;
// other contents, other settings or a damaged entry are scanned anew.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileSource, finish, sideOf, textSource } from '../../../src/core/diff/side';
import { SideCache } from '../../../src/core/diff/sideCache';
import { loadPack } from '../../../src/core/pack/load';
import { Scanner } from '../../../src/core/score/scanner';

const ROOT = join(__dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'persona-lens-sides-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a side scanned before is read back; new contents, other settings and a damaged entry are scanned', async () => {
  const pack = await loadPack(join(ROOT, 'test/fixtures/packs/tiny'));
  try {
    const file = join(dir, 'data.jsonl');
    const text = readFileSync(join(ROOT, 'examples/sample.jsonl'), 'utf8');
    writeFileSync(file, text);
    const cache = new SideCache(join(dir, 'sides'));
    const scanner = new Scanner(pack, { latents: 'named' });
    const first = await finish(sideOf(fileSource('first', file), () => scanner, 'named', null, cache));
    const stored = readdirSync(join(dir, 'sides'));
    assert.equal(stored.length, 1);
    // Read back under the label asked for, identical otherwise.
    const again = await finish(sideOf(fileSource('again', file), () => scanner, 'named', null, cache));
    assert.deepEqual(again, { ...first, file: 'again' });
    // It is the stored side that comes back: an edit to it shows.
    const path = join(dir, 'sides', stored[0]);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.side.entries[0].risk = 0.123;
    writeFileSync(path, JSON.stringify(doc));
    assert.equal((await finish(sideOf(fileSource('x', file), () => scanner, 'named', null, cache))).entries[0].risk, 0.123);
    // The same text from an editor is its own entry (its hash is of the text, not the file).
    assert.deepEqual(await finish(sideOf(textSource('first', text), () => scanner, 'named', null, cache)), first);
    // A hit runs no scanner at all.
    assert.deepEqual(await finish(sideOf(fileSource('first', file), () => assert.fail('scanned'), 'named', null, cache)), { ...first, entries: [{ ...first.entries[0], risk: 0.123 }, ...first.entries.slice(1)] });
    // Other settings: without latents, a side of its own.
    const plain = await finish(sideOf(fileSource('first', file), () => new Scanner(pack), 'none', null, cache));
    assert.equal(plain.latents, null);
    assert.equal(readdirSync(join(dir, 'sides')).length, 3);
    // Damaged: scanned again and rewritten.
    writeFileSync(path, '{"format": "persona-lens-diff-side-1", "side": ');
    assert.deepEqual(await finish(sideOf(fileSource('first', file), () => scanner, 'named', null, cache)), first);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).side.entries[0].risk, first.entries[0].risk);
    // New contents: a new entry.
    writeFileSync(file, text.split('\n').slice(0, 3).join('\n') + '\n');
    assert.equal((await finish(sideOf(fileSource('first', file), () => scanner, 'named', null, cache))).entries.length, 3);
  } finally {
    await pack.dispose();
  }
});
