// Findings visible on any line length: CodeLenses above flagged examples, and moving
// between them by command.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { distinct, manyExamples, openFixture, referenceOf, sampleLines, scanned, waitFor } from './helpers';

suite('Findings', () => {
  test('a CodeLens at column 0 above every flagged example names its level and risk, however long the line', async () => {
    // A 5,000-character line among the sample's: its end-of-line badge is far off screen.
    const long = JSON.stringify({ messages: [{ role: 'user', content: 'Tell me more.' }, { role: 'assistant', content: 'x '.repeat(2500) }] });
    const editor = await openFixture(distinct([...sampleLines().slice(0, 8), long]));
    const doc = editor.document;
    await scanned(doc);
    const { lines } = await referenceOf(doc);
    const risky = lines.filter((r) => r.result && r.result.level !== 'low');
    assert.ok(risky.length > 0);
    const lenses = await waitFor('the lenses', 10_000, async () => {
      const got = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      const ours = got.filter((l) => l.command?.command === 'personaLens.inspectExample');
      return ours.length === risky.length ? ours : undefined;
    });
    const byLine = new Map(lenses.map((l) => [l.range.start.line, l]));
    for (const r of risky) {
      const lens = byLine.get(r.line - 1);
      assert.ok(lens, `a lens above line ${r.line}`);
      assert.equal(lens.range.start.character, 0);
      assert.deepEqual(lens.command!.arguments, [doc.uri.toString(), r.line - 1], 'a click inspects the example');
      const level = r.result!.level === 'high' ? 'High' : 'Elevated';
      assert.ok(lens.command!.title.includes(`${level} risk ${r.result!.risk.toFixed(2)}`), lens.command!.title);
    }
  });

  test('Go to Next / Previous Flagged Example move the cursor between flagged lines and wrap around', async () => {
    const editor = await openFixture(distinct(sampleLines().slice(0, 8)));
    await scanned(editor.document);
    const { lines } = await referenceOf(editor.document);
    const flagged = lines.filter((r) => r.result && r.result.level !== 'low').map((r) => r.line - 1);
    assert.ok(flagged.length >= 2, 'the fixture has two flagged lines under the test pack');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const visited: number[] = [];
    for (let i = 0; i < flagged.length + 1; i++) {
      await vscode.commands.executeCommand('personaLens.nextFinding');
      visited.push(editor.selection.active.line);
    }
    const firstAfter0 = flagged.find((l) => l > 0) ?? flagged[0];
    const start = flagged.indexOf(firstAfter0);
    assert.deepEqual(visited, [...flagged.slice(start), ...flagged.slice(0, start), firstAfter0].slice(0, flagged.length + 1));
    await vscode.commands.executeCommand('personaLens.previousFinding');
    const back = flagged[(flagged.indexOf(firstAfter0) - 1 + flagged.length) % flagged.length];
    assert.equal(editor.selection.active.line, back);
  });

  test('in a long file the lenses are those near the screen, and follow it when it scrolls', async function () {
    this.timeout(120_000);
    const editor = await openFixture(manyExamples(5_000, 'lens'));
    const doc = editor.document;
    await scanned(doc, 100_000);
    const ours = async () =>
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)).filter((l) => l.command?.command === 'personaLens.inspectExample').map((l) => l.range.start.line);
    const top = await waitFor('lenses at the top', 10_000, async () => {
      const lines = await ours();
      return lines.length > 0 ? lines : undefined;
    });
    assert.ok(Math.max(...top) < 1_000, `only near the screen: the last lens is above line ${Math.max(...top) + 1}`);
    editor.revealRange(new vscode.Range(4_000, 0, 4_000, 0), vscode.TextEditorRevealType.AtTop);
    const lower = await waitFor('lenses near line 4,001', 10_000, async () => {
      const lines = await ours();
      return lines.some((l) => l >= 4_000 && l < 4_050) ? lines : undefined;
    });
    assert.ok(Math.min(...lower) > 3_000, `the top's lenses are gone: the first is at line ${Math.min(...lower) + 1}`);
  });
});
