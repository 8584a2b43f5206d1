// The status bar: flagged / total and the dataset's risk for the active file.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { distinct, manyExamples, openFixture, referenceOf, sampleLines, scanned, waitFor } from './helpers';

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

  test('while a scan runs, it says how many lines are done of how many, an estimate of the risk, and then the result', async function () {
    // 40,000 lines: tens of seconds on a loaded 2-core machine.
    this.timeout(180_000);
    // A scan of seconds, long enough to be seen running.
    const many = manyExamples(40_000, 'id');
    const { document: doc } = await openFixture(many);
    const seen = await waitFor('a running scan in the status bar', 30_000, async () => {
      const text = await vscode.commands.executeCommand<string | null>('personaLens.test.statusBar');
      return text && /^\$\(sync~spin\) Persona Lens [\d,]+\/40,001 lines/.test(text) ? text : undefined;
    });
    assert.match(seen, /^\$\(sync~spin\) Persona Lens [\d,]+\/40,001 lines( · [\d,]+\/s · \d+(\.\d)? (s|min|h) left)?( · risk ≈\d\.\d\d \(\d\.\d\d–\d\.\d\d\))?$/);
    // Within seconds, an estimate of the dataset's risk from a random sample of lines, scanned first.
    const estimated = await waitFor('an estimate while the scan runs', 30_000, async () => {
      const text = await vscode.commands.executeCommand<string | null>('personaLens.test.statusBar');
      const m = text && /^\$\(sync~spin\) .* · risk ≈(\d\.\d\d) \((\d\.\d\d)–(\d\.\d\d)\)$/.exec(text);
      return m ? { lines: Number(/ ([\d,]+)\//.exec(text!)![1].replace(/,/g, '')), low: Number(m[2]), high: Number(m[3]) } : undefined;
    });
    assert.ok(estimated.lines < 40_001, 'before the scan ended');
    // The panel says it too, as an estimate.
    await vscode.commands.executeCommand('personaLens.showPanel');
    await vscode.window.showTextDocument(doc);
    await waitFor('the estimate in the panel', 30_000, async () => {
      // Until its page is ready, the panel cannot answer.
      const state = await Promise.resolve(vscode.commands.executeCommand<{ summary: string }>('personaLens.test.panel')).catch(() => ({ summary: '' }));
      return /Dataset risk ≈\d\.\d\d \(95%: \d\.\d\d–\d\.\d\d, estimated from \d+ random examples and the lines scanned\)/.test(state.summary) ? true : undefined;
    });
    assert.match((await vscode.commands.executeCommand<string | null>('personaLens.test.statusBarTooltip')) ?? '', /estimated at \d\.\d{3}, 95% interval .* from \d+ randomly sampled examples/);
    await scanned(doc, 150_000);
    const done = await vscode.commands.executeCommand<string | null>('personaLens.test.statusBar');
    assert.match(done ?? '', /^\$\(shield\) \d+\/40000 flagged · risk \d\.\d\d$/);
    const exact = Number(/risk (\d\.\d\d)$/.exec(done!)![1]);
    assert.ok(estimated.low - 0.005 <= exact && exact <= estimated.high + 0.005, `the exact ${exact} lies in the estimate's interval ${estimated.low}-${estimated.high}`);
  });

  test('a scan that takes a while shows its progress in a notification, whose Cancel stops it', async function () {
    this.timeout(180_000);
    const many = manyExamples(40_000, 'notice');
    const { document: doc } = await openFixture(many);
    const notice = await waitFor('a progress notification', 60_000, async () => {
      const n = await vscode.commands.executeCommand<{ title: string; message: string } | null>('personaLens.test.scanNotice');
      return n && n.title.endsWith(doc.uri.path.split('/').pop()!) && /[\d,]+\/40,001 lines · [\d,]+\/s · \d+(\.\d)? (s|min|h) left/.test(n.message) ? n : undefined;
    });
    assert.match(notice.title, /^Persona Lens: scanning /);
    assert.ok(await vscode.commands.executeCommand<boolean>('personaLens.test.cancelScanNotice'));
    const state = await waitFor('the scan stopped', 10_000, async () => {
      const s = await vscode.commands.executeCommand<{ scanning: boolean; stats: { done: boolean; lines: number } } | undefined>('personaLens.test.scanState', doc.uri.toString());
      return s && !s.scanning ? s : undefined;
    });
    assert.equal(state.stats.done, false, 'stopped before the end');
    assert.ok(state.stats.lines < 40_001);
    // A small file's scan raises none: the newest notice is still the one above.
    const { document: small } = await openFixture(distinct(sampleLines()));
    await scanned(small);
    assert.equal((await vscode.commands.executeCommand<{ title: string } | null>('personaLens.test.scanNotice'))?.title, notice.title);
  });

  test('editing a file whose long scan shows a notification keeps that notification, following the rescan', async function () {
    this.timeout(180_000);
    const editor = await openFixture(manyExamples(40_000, 'handover'));
    const doc = editor.document;
    const name = doc.uri.path.split('/').pop()!;
    const notice = () => vscode.commands.executeCommand<{ title: string; message: string; raised: number } | null>('personaLens.test.scanNotice');
    const first = await waitFor('a progress notification', 60_000, async () => {
      const n = await notice();
      return n?.title.endsWith(name) ? n : undefined;
    });
    await editor.edit((e) => e.insert(new vscode.Position(0, 1), ' '));
    await waitFor('the rescan under way', 10_000, async () => {
      const s = await vscode.commands.executeCommand<{ scanning: boolean; stats: { version: number } }>('personaLens.test.scanState', doc.uri.toString());
      return s.scanning && s.stats.version === doc.version ? true : undefined;
    });
    // Past the time a new scan's notification would appear.
    await new Promise((r) => setTimeout(r, 3000));
    const after = await notice();
    assert.equal(after?.raised, first.raised, 'no second notification was raised');
    assert.ok(after?.title.endsWith(name));
    assert.ok(await vscode.commands.executeCommand<boolean>('personaLens.test.cancelScanNotice'));
    await waitFor('the rescan stopped by the notification', 10_000, async () => {
      const s = await vscode.commands.executeCommand<{ scanning: boolean; stats: { done: boolean } }>('personaLens.test.scanState', doc.uri.toString());
      return !s.scanning && !s.stats.done ? true : undefined;
    });
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
