// The commands "Select Pack…" and "Scan Workspace", run with arguments (no UI).

import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { builtInPack } from '../../src/core/pack/builtIn';
import type { WorkspaceScanSummary } from '../../src/extension/scan/workspaceScan';
import { distinct, extensionPath, openFixture, reference, referenceOf, sampleLines, scanned, SUITE_PACK } from './helpers';

suite('Commands', () => {
  teardown(async () => {
    // Back to the suite's pack, and the scan host with it, for the next test.
    await vscode.commands.executeCommand('personaLens.selectPack', SUITE_PACK);
  });

  test('Select Pack writes the user setting, and scans go on with the pack', async () => {
    const pack = builtInPack(extensionPath()); // the embedded default pack, named by its folder
    const written = await vscode.commands.executeCommand<string | null>('personaLens.selectPack', pack);
    assert.equal(written, pack);
    const inspected = vscode.workspace.getConfiguration().inspect<string>('personaLens.pack');
    assert.equal(inspected?.globalValue, pack);
    assert.equal(inspected?.workspaceValue, undefined);

    const editor = await openFixture(distinct(sampleLines().slice(0, 5)));
    const first = await scanned(editor.document);
    assert.equal(first.summary?.examples, 5);
    assert.deepEqual(first.summary, (await referenceOf(editor.document)).summary, 'scanned with the selected pack');
    await vscode.commands.executeCommand('personaLens.scanFile', editor.document.uri);
    const again = await scanned(editor.document);
    assert.equal(again.stats.scans, first.stats.scans + 1);
    assert.equal(again.summary?.examples, 5);

    assert.equal(await vscode.commands.executeCommand('personaLens.selectPack', ''), null);
    // Asked: the pick's "Built-in pack" (its detail names the pack and its figures) writes no setting.
    await vscode.commands.executeCommand('personaLens.selectPack', pack);
    await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['Built-in pack']);
    assert.equal(await vscode.commands.executeCommand('personaLens.selectPack'), null);
    assert.equal(vscode.workspace.getConfiguration().inspect<string>('personaLens.pack')?.globalValue, undefined);
    const offered = await vscode.commands.executeCommand<Array<{ label: string; description?: string; detail?: string }>>('personaLens.test.lastPick');
    assert.deepEqual(offered.map((i) => i.label), ['Current pack', 'Built-in pack', 'Browse…']);
    // The current pack (a folder) names itself and the figures its calibration states.
    assert.equal(offered[0].description, pack);
    assert.match(offered[0].detail ?? '', /^persona-smollm2 \S+ · AUROC .*\d\.\d{3}/);
    assert.equal(offered[1].detail, offered[0].detail, 'the same pack as the built-in one');
  });

  test('Scan Workspace scans .jsonl and .jsonl.gz files (not node_modules) and sums them up', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'persona-lens-ws-'));
    const lines = sampleLines();
    const plain = path.join(folder, 'a.jsonl');
    writeFileSync(plain, distinct(lines.slice(0, 6)).join('\n') + '\n');
    mkdirSync(path.join(folder, 'sub'));
    const gzText = distinct(lines.slice(3)).join('\n') + '\n';
    const gz = path.join(folder, 'sub', 'b.jsonl.gz');
    writeFileSync(gz, gzipSync(gzText));
    mkdirSync(path.join(folder, 'node_modules'));
    writeFileSync(path.join(folder, 'node_modules', 'ignored.jsonl'), lines.join('\n') + '\n');

    const gzPlain = path.join(folder, 'b-reference.txt');
    writeFileSync(gzPlain, gzText);
    const expected = [await reference(plain), await reference(gzPlain)];
    const flagged = (s: (typeof expected)[number]['summary']) => s.counts.elevated + s.counts.high;
    const risks = expected.map((e) => e.summary.maxRisk ?? -1);

    const summary = await vscode.commands.executeCommand<WorkspaceScanSummary>('personaLens.scanWorkspace', folder);
    assert.ok(summary);
    assert.equal(summary.found, 2);
    assert.equal(summary.files, 2);
    assert.equal(summary.failed, 0);
    assert.equal(summary.cancelled, false);
    assert.equal(summary.examples, expected[0].summary.examples + expected[1].summary.examples);
    assert.equal(summary.flagged, flagged(expected[0].summary) + flagged(expected[1].summary));
    assert.ok(summary.examples > 0);
    const top = risks[0] >= risks[1] ? 0 : 1;
    assert.equal(summary.highest?.file, [plain, gz][top]);
    assert.ok(Math.abs(summary.highest!.maxRisk - risks[top]) < 1e-6);

    // The files were never opened: their findings are in the Problems panel all the same (the
    // compressed file's point into its read-only view, which opens as text).
    for (const [i, file] of [plain, gz].entries()) {
      const uri = file === gz ? vscode.Uri.from({ scheme: 'persona-lens-gz', path: vscode.Uri.file(gz).path }) : vscode.Uri.file(file);
      const shown = vscode.languages
        .getDiagnostics(uri)
        .filter((d) => String(d.code).startsWith('PLR'))
        .map((d) => d.range.start.line + 1);
      const risky = expected[i].lines.filter((r) => r.result && r.result.level !== 'low').map((r) => r.line);
      assert.ok(risky.length > 0, `${path.basename(file)} has risky lines`);
      assert.deepEqual(shown.sort((a, b) => a - b), risky, path.basename(file));
    }
    assert.equal(vscode.workspace.textDocuments.some((d) => d.uri.fsPath === plain), false, 'and still not open');
  });

  test('What the Risk Means opens the page shipped with the extension', async () => {
    await vscode.commands.executeCommand('personaLens.explainRisk');
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
    for (let waited = 0; !tabs().some((l) => l.includes('what-risk-means')) && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    assert.ok(tabs().some((l) => l.includes('what-risk-means')), `a preview of what-risk-means.md is open (tabs: ${tabs().join(', ')})`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Scan File on a .jsonl.gz opens its read-only view in JSON Lines, scanned like the plain file, its findings in Problems', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'persona-lens-gz-'));
    const text = distinct(sampleLines().slice(0, 8)).join('\n') + '\n';
    const gz = path.join(folder, 'data.jsonl.gz');
    writeFileSync(gz, gzipSync(text));
    const plain = path.join(folder, 'reference.txt');
    writeFileSync(plain, text);
    const expected = await reference(plain);

    await vscode.commands.executeCommand('personaLens.scanFile', vscode.Uri.file(gz));
    const doc = vscode.window.activeTextEditor!.document;
    assert.equal(doc.uri.scheme, 'persona-lens-gz');
    assert.equal(doc.uri.path, vscode.Uri.file(gz).path);
    assert.equal(doc.languageId, 'jsonl');
    assert.equal(doc.getText(), text);
    const state = await scanned(doc);
    assert.equal(state.summary?.examples, expected.summary.examples);
    assert.equal(state.summary?.maxRisk, expected.summary.maxRisk);
    const risky = expected.lines.filter((r) => r.result && r.result.level !== 'low').map((r) => r.line);
    const shown = vscode.languages.getDiagnostics(doc.uri).filter((d) => String(d.code).startsWith('PLR')).map((d) => d.range.start.line + 1);
    assert.deepEqual(shown.sort((a, b) => a - b), risky);
    // Read-only: an edit does not take.
    await vscode.window.activeTextEditor!.edit((e) => e.insert(new vscode.Position(0, 0), 'x'));
    assert.equal(doc.getText(), text, 'the view is read-only');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the walkthrough is contributed with its media, and its sample opens as a new file that is scanned', async () => {
    const ext = vscode.extensions.getExtension('persona-lens.persona-lens')!;
    const [walkthrough] = ext.packageJSON.contributes.walkthroughs as Array<{ steps: Array<{ media: { markdown: string }; description: string }> }>;
    assert.ok(walkthrough.steps.length >= 4);
    for (const step of walkthrough.steps) {
      assert.ok(existsSync(path.join(ext.extensionPath, step.media.markdown)), step.media.markdown);
      for (const [, command] of step.description.matchAll(/\(command:([\w.]+)\)/g)) {
        assert.ok((await vscode.commands.getCommands(true)).includes(command), `${command} is registered`);
      }
    }
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('personaLens.openSample');
    assert.equal(doc.uri.scheme, 'untitled');
    assert.equal(doc.languageId, 'jsonl');
    const state = await scanned(doc);
    assert.equal(state.summary?.examples, 8);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

suite('Extension page', () => {
  test('the page the extension shows its users is the user-facing README, not the developers\'', () => {
    const root = extensionPath();
    // An installed .vsix carries the page vsce made from docs/marketplace.md; a development copy, that file.
    const shipped = ['README.md', 'readme.md'].map((f) => path.join(root, f)).find((f) => existsSync(f) && !existsSync(path.join(root, 'src')));
    const page = readFileSync(shipped ?? path.join(root, 'docs', 'marketplace.md'), 'utf8');
    assert.match(page, /^# Persona Lens\n/);
    assert.match(page, /## Privacy/);
    assert.match(page, /The LLM judge \(off by default\)/);
    assert.ok(!/npm (install|test|ci)\b/.test(page), 'no developer instructions');
  });
});
