// Compare Datasets… and Compare with Git… in real VS Code: the user's picks (queued through
// the test-only command, as dialogs cannot be clicked from here) lead to a report tab whose
// figures are the core's, whose links reveal lines in either dataset (side A of a git
// comparison in its read-only view at the ref), and which exports itself; a ref without the
// file and a file outside git each get a message.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import type { DiffReport } from '../../src/core/diff/report';
import { EXTENSION_ID, distinct, extensionLog, sampleLines, writeFixture } from './helpers';

type Shown = { report: DiffReport; html: string };
const answer = (answers: unknown[]) => vscode.commands.executeCommand('personaLens.test.answerPrompts', answers);
const shown = () => vscode.commands.executeCommand<Shown | undefined>('personaLens.test.report');
const message = (m: unknown) => vscode.commands.executeCommand<string | undefined>('personaLens.test.reportMessage', m);

suite('Compare', () => {
  // The commands may be the first thing run: the extension wakes on them, as for a user.
  suiteSetup(() => vscode.extensions.getExtension(EXTENSION_ID)!.activate());

  test('Compare Datasets…: the picked files, compared; a new high-risk example links to its line; the report exports as Markdown', async () => {
    const lines = distinct(sampleLines());
    const a = writeFixture(lines.slice(0, 4));
    const b = writeFixture([...lines.slice(4), ...lines.slice(0, 4).reverse()]);
    await answer([a.fsPath, b.fsPath]);
    await vscode.commands.executeCommand('personaLens.compareDatasets');
    const { report, html } = (await shown())!;
    assert.ok(report.a.file.endsWith(path.basename(a.fsPath)) && report.b.file.endsWith(path.basename(b.fsPath)));
    assert.equal(report.changes.unchanged, 4);
    assert.equal(report.changes.moved, 4, 'reordered, not changed');
    assert.equal(report.changes.added.length, report.b.examples - 4, "the rest of B's scored examples are new");
    assert.ok(report.newHighRisk.length > 0, 'the test pack puts some sample lines at high risk');
    assert.ok(html.includes(report.verdict.replace(/'/g, '&#39;')), 'the verdict shows');
    assert.match(html, /<h2>Latents that moved<\/h2>/);
    // The riskiest new example: its link reveals its line of B.
    const first = report.newHighRisk[0].lineB!;
    assert.ok(html.includes(`<a href="#" data-side="b" data-line="${first}">${first}</a>`));
    await message({ type: 'reveal', side: 'b', line: first });
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.fsPath, b.fsPath);
    assert.equal(editor.selection.active.line, first - 1);

    const out = path.join(mkdtempSync(path.join(tmpdir(), 'persona-lens-report-')), 'report.md');
    await answer([out]);
    assert.equal(await message({ type: 'export', format: 'md' }), out);
    const md = readFileSync(out, 'utf8');
    assert.ok(md.startsWith(`# Persona Lens diff: ${report.a.file} → ${report.b.file}\n\n**${report.verdict}**`), md.slice(0, 200));
  });

  test('Compare with Git…: the unsaved document against its file at HEAD; side A opens at the ref; a missing ref and a file outside git say why', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'persona-lens-git-'));
    const git = (...args: string[]) => {
      const r = spawnSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    const lines = distinct(sampleLines());
    const file = path.join(repo, 'data.jsonl');
    writeFileSync(file, lines.slice(0, 5).join('\n') + '\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'data');
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    // An edit not saved: the comparison reads what the editor has.
    await editor.edit((e) => e.insert(new vscode.Position(doc.lineCount - 1, 0), lines[5] + '\n'));
    await answer(['HEAD']);
    await vscode.commands.executeCommand('personaLens.compareWithGit');
    const { report } = (await shown())!;
    assert.match(report.a.file, /data\.jsonl at HEAD$/);
    assert.match(report.b.file, /data\.jsonl \(unsaved\)$/);
    assert.deepEqual([report.changes.unchanged, report.changes.added.map((c) => c.lineB)], [5, [6]]);
    await message({ type: 'reveal', side: 'a', line: 2 });
    const atRef = vscode.window.activeTextEditor!;
    assert.equal(atRef.document.uri.scheme, 'persona-lens-git');
    assert.equal(atRef.document.lineAt(1).text, lines[1]);
    assert.equal(atRef.selection.active.line, 1);

    await vscode.window.showTextDocument(doc);
    await answer(['$(edit) Another ref…', 'no-such-branch']);
    await vscode.commands.executeCommand('personaLens.compareWithGit');
    await extensionLog('no-such-branch does not hold');
    await vscode.commands.executeCommand('workbench.action.files.revert');

    const outside = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(writeFixture(lines.slice(0, 2))));
    assert.ok(outside);
    await vscode.commands.executeCommand('personaLens.compareWithGit');
    await extensionLog('is not in a git repository');
  });
});
