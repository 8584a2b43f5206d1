// Scan order and rescans: the lines on screen go first; after an edit only the
// lines whose text changed go through the model.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { diagnosticsOf, distinct, openFixture, referenceOf, sampleLines, scanned, waitFor, writeFixture, type ScanState } from './helpers';

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

  test('the line the cursor moves to is run ahead of an edit by the scan host', async () => {
    const editor = await openFixture(distinct(sampleLines().slice(0, 8)));
    const doc = editor.document;
    await scanned(doc);
    const warmed = () =>
      vscode.commands.executeCommand<{ warmed?: { line: number; tokens: number } }>('personaLens.test.scanState', doc.uri.toString()).then((s) => s.warmed);
    for (const line of [5, 2]) {
      editor.selection = new vscode.Selection(line - 1, 3, line - 1, 3);
      const got = await waitFor(`line ${line} run ahead`, 20_000, async () => ((await warmed())?.line === line ? await warmed() : undefined));
      // The tiny test pack's model takes no past keys and values (format 9), so nothing is kept.
      assert.deepEqual(got, { line, tokens: 0 });
    }
  });

  test('the scan follows the editor: lines scrolled to are scored ahead of the file order', async () => {
    const rows = distinct(Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}` })));
    const editor = await openFixture(rows);
    const doc = editor.document;
    const lines = (first: number, last: number) =>
      vscode.commands.executeCommand<{ scored: number }>('personaLens.test.linesState', doc.uri.toString(), first, last).then((s) => s.scored);
    editor.revealRange(new vscode.Range(45_000, 0, 45_000, 0), vscode.TextEditorRevealType.AtTop);
    await waitFor('results on the lines scrolled to', 60_000, async () => ((await lines(45_001, 45_020)) === 20 ? true : undefined));
    const scored = await lines(1, 60_000);
    assert.ok(scored < 44_000, `${scored} lines had results when line 45001 had its own: it came ahead of the order`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a file opened at a line far down has the lines on screen there scored first', async () => {
    const rows = distinct(Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ prompt: `opened ${i}`, completion: ` answer ${i}` })));
    const file = writeFixture(rows);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(45_000, 0, 45_000, 0) });
    const lines = (first: number, last: number) =>
      vscode.commands.executeCommand<{ scored: number }>('personaLens.test.linesState', doc.uri.toString(), first, last).then((s) => s.scored);
    await waitFor('results on the lines on screen', 60_000, async () => ((await lines(45_001, 45_010)) === 10 ? true : undefined));
    const scored = await lines(1, 60_000);
    assert.ok(scored < 44_000, `${scored} lines had results when line 45001 had its own: it came ahead of the order`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a file whose last tab closes stops its scan, and goes on from where it was when shown again', async () => {
    const rows = distinct(Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ prompt: `closed ${i}`, completion: ` answer ${i}` })));
    const doc = (await openFixture(rows)).document;
    const state = () => vscode.commands.executeCommand<ScanState>('personaLens.test.scanState', doc.uri.toString());
    const scored = () => vscode.commands.executeCommand<{ scored: number }>('personaLens.test.linesState', doc.uri.toString(), 1, rows.length).then((s) => s.scored);
    await waitFor('a scan under way', 60_000, async () => ((await state())?.stats.lines > 500 ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const stopped = await waitFor('the scan stopped', 5_000, async () => {
      const s = await state();
      return s && !s.scanning ? s : undefined;
    });
    assert.equal(stopped.stats.done, false, 'the scan had not finished: it was stopped');
    // VS Code closes the document itself only later: the tab closing stopped the scan.
    assert.ok(vscode.workspace.textDocuments.includes(doc));
    const before = await scored();
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await scored(), before, 'no results came after the stop');

    await vscode.window.showTextDocument(doc);
    const { stats } = await scanned(doc);
    assert.ok(stats.cached >= before, `${stats.cached} examples came from the cache, of ${before} scored before the stop`);
    assert.equal(await scored(), rows.length);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a scan asked for goes on when its tab closes', async () => {
    const rows = distinct(Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ prompt: `asked ${i}`, completion: ` answer ${i}` })));
    const doc = (await openFixture(rows)).document;
    const state = () => vscode.commands.executeCommand<ScanState>('personaLens.test.scanState', doc.uri.toString());
    const asked = vscode.commands.executeCommand('personaLens.scanFile');
    await waitFor('a scan under way', 60_000, async () => ((await state())?.stats.scans >= 2 && (await state()).stats.lines > 500 ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await asked;
    const { stats } = await state();
    assert.equal(stats.done, true, 'the scan asked for finished');
    assert.ok(stats.lines >= rows.length, `${stats.lines} lines came, of ${rows.length}`);
  });

  test('a file opened in no editor is scanned all the same', async () => {
    const doc = await vscode.workspace.openTextDocument(writeFixture(distinct(sampleLines())));
    const { summary } = await scanned(doc);
    assert.deepEqual(summary, (await referenceOf(doc)).summary);
  });
});
