// Scan order and rescans: the lines on screen go first; after an edit only the
// lines whose text changed go through the model.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { diagnosticsOf, distinct, openFixture, referenceOf, sampleLines, scanned } from './helpers';

suite('Rescanning', () => {
  test('an edited line is the only one re-scored, and moved lines keep their results', async () => {
    const editor = await openFixture(distinct(sampleLines().slice(0, 8)));
    const doc = editor.document;
    const first = await scanned(doc);
    assert.deepEqual(first.stats.fresh, [1, 2, 3, 4, 5, 6, 7, 8], 'a new file is scored in full');

    const at = doc.lineAt(2).text.indexOf('rest your eyes');
    await editor.edit((e) => e.insert(new vscode.Position(2, at + 'rest your eyes'.length), ' often'));
    const second = await scanned(doc);
    assert.deepEqual(second.stats.fresh, [3]);
    assert.equal(second.stats.cached, 7);

    // A new first line moves every other one down: they come from the cache, at their new lines.
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), distinct([sampleLines()[5].replace('Good morning', 'Good night')])[0] + '\n'));
    const third = await scanned(doc);
    assert.deepEqual(third.stats.fresh, [1]);
    assert.equal(third.stats.cached, 8);
    const expected = await referenceOf(doc);
    const riskyLines = expected.lines.filter((r) => r.result && r.result.level !== 'low').map((r) => r.line);
    const shown = diagnosticsOf(doc).filter((d) => String(d.code).startsWith('PLR')).map((d) => d.range.start.line + 1);
    assert.deepEqual(shown, riskyLines);
  });

  test('the lines on screen are scored first, wherever the file is opened', async () => {
    const rows = distinct(Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}` })));
    const editor = await openFixture(rows, 15_000);
    const state = await scanned(editor.document);
    const onScreen = editor.visibleRanges[0].start.line + 1;
    assert.ok(onScreen > 14_000, `the editor shows line 15001 (first line shown: ${onScreen})`);
    const order = state.stats.fresh;
    assert.equal(order.length, 20_000, 'every line scored once');
    assert.ok(order.indexOf(onScreen) < order.indexOf(1_000), `line ${onScreen} (on screen) was scored at position ${order.indexOf(onScreen)}, before line 1000 (${order.indexOf(1_000)})`);
    assert.equal(state.summary?.examples, 20_000);
  });
});
