// Scan order and rescans: the lines on screen go first; after an edit only the
// lines whose text changed go through the model.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { diagnosticsOf, distinct, openFixture, referenceOf, sampleLines, scanned, waitFor } from './helpers';

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

  test('the lines on screen are scored first, and the scan follows the editor as it scrolls', async () => {
    const rows = distinct(Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}` })));
    const editor = await openFixture(rows);
    const doc = editor.document;
    // Scrolled far down while the scan is at its start.
    await waitFor('the first results', 20_000, async () => {
      const s = await vscode.commands.executeCommand<{ scored: number } | undefined>('personaLens.test.linesState', doc.uri.toString(), 1, 50);
      return s && s.scored > 0 ? true : undefined;
    });
    editor.revealRange(new vscode.Range(15_000, 0, 15_000, 0), vscode.TextEditorRevealType.AtTop);
    // How far the scan had got when the extension heard of the scroll.
    const scoredAtScroll = await waitFor('the editor to scroll', 20_000, async () => {
      if (editor.visibleRanges[0].start.line < 14_000) return undefined;
      return (await vscode.commands.executeCommand<{ scored: number }>('personaLens.test.linesState', doc.uri.toString(), 1, 20_000)).scored;
    });
    const state = await scanned(doc);
    const onScreen = editor.visibleRanges[0].start.line + 1;
    const order = state.stats.fresh;
    assert.equal(order.length, 20_000, 'every line scored once');
    assert.ok(order.indexOf(1) < 100, 'the first screenful first');
    assert.ok(scoredAtScroll < 14_000, `the scan was at ${scoredAtScroll} lines when the editor scrolled`);
    const position = order.indexOf(onScreen);
    assert.ok(position < scoredAtScroll + 300, `line ${onScreen} (scrolled to) was scored ${position - scoredAtScroll} lines after the scroll`);
    assert.equal(state.summary?.examples, 20_000);
  });
});
