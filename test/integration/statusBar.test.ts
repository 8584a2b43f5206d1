// The status bar: flagged / total and the dataset's risk for the active file.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { distinct, openFixture, referenceOf, sampleLines, scanned } from './helpers';

suite('Status bar', () => {
  test('shows flagged / total examples and the dataset risk of the active file', async () => {
    const { document: doc } = await openFixture(distinct(sampleLines()));
    await scanned(doc);
    const { summary } = await referenceOf(doc);
    const flagged = summary.counts.elevated + summary.counts.high;
    const text = await vscode.commands.executeCommand<string | null>('personaLens.test.statusBar');
    assert.equal(text, `$(shield) ${flagged}/${summary.examples} flagged · risk ${summary.datasetRisk!.toFixed(2)}`);
    // The tooltip names the pack in use (the suite's test pack states no prior).
    const tooltip = await vscode.commands.executeCommand<string | null>('personaLens.test.statusBarTooltip');
    assert.match(tooltip ?? '', /\nPack: test-pack-standard \S+\.\n/);
  });
});
