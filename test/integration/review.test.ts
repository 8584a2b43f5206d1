// Reviewer decisions: quick fixes and hover links that write the sidecar
// beside the dataset (never the dataset), what they change on screen, and the
// export commands that copy flagged or clean examples to a new file.

import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import type { LineResult } from '../../src/core/score/types';
import { decorationsOf, diagnosticsOf, distinct, openFixture, referenceOf, sampleLines, scanned, waitFor } from './helpers';

const sidecar = (doc: vscode.TextDocument) => doc.uri.fsPath + '.persona-lens.json';
const flaggedOf = (lines: LineResult[]) => lines.filter((r) => r.result && r.result.level !== 'low').map((r) => r.line - 1);

/** A scanned dataset with flagged examples, its bytes on disk and its 0-based flagged lines. */
async function riskyFixture() {
  const { document: doc } = await openFixture(distinct(sampleLines().slice(0, 8)));
  await scanned(doc);
  const { lines } = await referenceOf(doc);
  const flagged = flaggedOf(lines);
  assert.ok(flagged.length >= 2, 'the fixture has flagged examples under the test pack');
  return { doc, lines, flagged, bytes: readFileSync(doc.uri.fsPath) };
}

async function quickFixes(doc: vscode.TextDocument, line: number): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, doc.lineAt(line).range);
  return actions.filter((a) => a.command?.command.startsWith('personaLens.'));
}

async function apply(doc: vscode.TextDocument, line: number, title: string): Promise<void> {
  const fix = (await quickFixes(doc, line)).find((a) => a.title === title);
  assert.ok(fix?.command, `a quick fix "${title}" on line ${line + 1}`);
  await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
}

const riskOn = (doc: vscode.TextDocument, line: number) => diagnosticsOf(doc).filter((d) => /^PLR/.test(String(d.code)) && d.range.start.line === line);
const decisionsIn = (doc: vscode.TextDocument) => Object.values<{ decision: string; line: number }>(JSON.parse(readFileSync(sidecar(doc), 'utf8')).decisions);

suite('Review decisions', () => {
  test('quick fixes on a risky line; "Mark as reviewed" writes the sidecar and downgrades the finding', async () => {
    const { doc, flagged, bytes } = await riskyFixture();
    const [line] = flagged;
    assert.deepEqual((await quickFixes(doc, line)).map((a) => [a.title, a.kind?.value]), [
      ['Inspect example', 'quickfix'],
      ['Mark example as reviewed', 'quickfix'],
      ['Suppress risk for this example', 'quickfix'],
      ['Reject example (leave it out of clean exports)', 'quickfix'],
    ]);

    await apply(doc, line, 'Mark example as reviewed');
    assert.deepEqual(
      decisionsIn(doc).map((e) => [e.decision, e.line]),
      [['reviewed', line + 1]],
    );
    const [d] = await waitFor('a reviewed finding', 5000, async () => (riskOn(doc, line)[0]?.severity === vscode.DiagnosticSeverity.Hint ? riskOn(doc, line) : undefined));
    assert.match(d.message, /\(reviewed\)$/);
    const shown = await decorationsOf(doc);
    assert.match(shown.badge.find((b) => b.range[0] === line)!.badge!, / · reviewed$/);
    assert.deepEqual((await quickFixes(doc, line)).map((a) => a.title), ['Inspect example', 'Clear review decision', 'Suppress risk for this example', 'Reject example (leave it out of clean exports)']);
    assert.deepEqual(readFileSync(doc.uri.fsPath), bytes, 'the dataset is unchanged');
  });

  test('suppress removes the finding and decorations, and survives a line inserted above', async () => {
    const { doc, flagged, bytes } = await riskyFixture();
    const [line, other] = flagged;
    await apply(doc, line, 'Suppress risk for this example');
    assert.deepEqual(decisionsIn(doc).map((e) => e.decision), ['suppressed']);
    assert.deepEqual(riskOn(doc, line), []);
    assert.equal(riskOn(doc, other).length, 1, 'other examples keep theirs');
    const marked = (t: Awaited<ReturnType<typeof decorationsOf>>) => [...t['gutter.high'], ...t['gutter.elevated'], ...t.badge].map((m) => m.range[0]);
    const shown = marked(await decorationsOf(doc));
    assert.ok(!shown.includes(line) && shown.includes(other), `no decoration on line ${line + 1}: ${shown}`);

    // Lines move: the decision follows the text (the buffer is edited, the file is not saved).
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), sampleLines()[0] + '\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await scanned(doc);
    await waitFor('findings after the edit', 5000, async () => (riskOn(doc, other + 1).length === 1 ? true : undefined));
    assert.deepEqual(riskOn(doc, line + 1), [], 'still suppressed one line down');
    assert.ok(!marked(await decorationsOf(doc)).includes(line + 1));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.deepEqual(readFileSync(doc.uri.fsPath), bytes, 'the dataset is unchanged');
  });

  test('the hover offers the decisions as links to the extension\'s own commands; clearing one restores the finding', async () => {
    const { doc, flagged } = await riskyFixture();
    const [line] = flagged;
    await vscode.commands.executeCommand('personaLens.suppressRisk', doc.uri.toString(), line);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 1));
    const md = hovers.flatMap((h) => h.contents).find((c): c is vscode.MarkdownString => typeof c !== 'string' && 'value' in c && c.value.includes('Persona Lens'))!;
    assert.match(md.value, /review: suppressed/);
    assert.deepEqual(md.isTrusted, { enabledCommands: ['personaLens.scanFile', 'personaLens.markReviewed', 'personaLens.suppressRisk', 'personaLens.rejectExample', 'personaLens.clearReview', 'personaLens.explainRisk', 'personaLens.inspectExample'] });
    assert.deepEqual([...md.value.matchAll(/\[([^\]]+)\]\(command:/g)].map((m) => m[1]), ['what the risk means', 'Inspect example', 'Rescan file', 'Mark reviewed', 'Reject example', 'Clear review decision']);
    const link = /\[Clear review decision\]\(command:([\w.]+)\?([^)]*)\)/.exec(md.value)!;
    await vscode.commands.executeCommand(link[1], ...JSON.parse(decodeURIComponent(link[2])));
    assert.deepEqual(decisionsIn(doc), []);
    assert.equal(riskOn(doc, line).length, 1, 'the finding is back');
  });

  test('reject keeps the finding, marks it "rejected", and leaves the example out of Export Clean', async () => {
    const { doc, lines, flagged } = await riskyFixture();
    const low = lines.filter((r) => r.result?.level === 'low').map((r) => r.line - 1);
    // A low-risk example a reviewer rejects anyway (through the command, as the panel does).
    await vscode.commands.executeCommand('personaLens.rejectExample', doc.uri.toString(), low[0]);
    await apply(doc, flagged[0], 'Reject example (leave it out of clean exports)');
    assert.deepEqual(decisionsIn(doc).map((e) => [e.decision, e.line]).sort(), [['rejected', low[0] + 1], ['rejected', flagged[0] + 1]].sort());
    assert.equal(riskOn(doc, flagged[0]).length, 1, 'a rejected example keeps its finding');
    const badge = await waitFor('the rejected badge', 5000, async () => (await decorationsOf(doc)).badge.find((b) => b.range[0] === flagged[0] && / · rejected$/.test(b.badge ?? '')));
    assert.ok(badge);
    const clean = await vscode.commands.executeCommand<string>('personaLens.exportClean');
    const exported = readFileSync(clean, 'utf8');
    assert.ok(!exported.includes(doc.lineAt(low[0]).text), 'the rejected low-risk example is not in the clean export');
    assert.ok(exported.includes(doc.lineAt(low[1]).text));
  });

  test('a damaged sidecar is ignored, then kept aside before a decision replaces it', async () => {
    const { doc, flagged } = await riskyFixture();
    writeFileSync(sidecar(doc), '{ not json');
    await vscode.commands.executeCommand('personaLens.markReviewed', doc.uri.toString(), flagged[0]);
    const backup = doc.uri.fsPath + '.persona-lens.damaged.json';
    assert.equal(readFileSync(backup, 'utf8'), '{ not json');
    assert.deepEqual(decisionsIn(doc).map((e) => e.decision), ['reviewed']);
  });

  test('export flagged and clean copy the lines verbatim to new files, never overwriting', async () => {
    const { doc, lines, flagged, bytes } = await riskyFixture();
    await vscode.commands.executeCommand('personaLens.suppressRisk', doc.uri.toString(), flagged[0]);
    const text = (l: number) => doc.lineAt(l).text + '\n';
    const valid = lines.filter((r) => r.result).map((r) => r.line - 1);
    const wantFlagged = flagged.slice(1).map(text).join('');
    const wantClean = valid.filter((l) => !flagged.slice(1).includes(l)).map(text).join('');

    const f1 = await vscode.commands.executeCommand<string>('personaLens.exportFlagged');
    const c1 = await vscode.commands.executeCommand<string>('personaLens.exportClean');
    const f2 = await vscode.commands.executeCommand<string>('personaLens.exportFlagged');
    assert.equal(f1, doc.uri.fsPath.replace(/\.jsonl$/, '.flagged.jsonl'));
    assert.equal(c1, doc.uri.fsPath.replace(/\.jsonl$/, '.clean.jsonl'));
    assert.equal(f2, doc.uri.fsPath.replace(/\.jsonl$/, '.flagged-2.jsonl'));
    assert.equal(readFileSync(f1, 'utf8'), wantFlagged);
    assert.equal(readFileSync(f2, 'utf8'), wantFlagged);
    assert.equal(readFileSync(c1, 'utf8'), wantClean);
    assert.ok(wantFlagged.length > 0 && wantClean.length > 0);
    assert.deepEqual(readFileSync(doc.uri.fsPath), bytes, 'the dataset is unchanged');
  });

  test('export with risk (JSONL, CSV) and a re-alignment set, from the palette, to new files', async () => {
    const { doc, lines } = await riskyFixture();
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['JSONL']);
    const jsonl = await vscode.commands.executeCommand<string>('personaLens.exportWithRisk');
    assert.equal(jsonl, doc.uri.fsPath.replace(/\.jsonl$/, '.with-risk.jsonl'));
    const rows = readFileSync(jsonl, 'utf8').trimEnd().split('\n');
    assert.equal(rows.length, lines.length);
    rows.forEach((row, i) => {
      const { persona_lens_risk, persona_lens_level, ...rest } = JSON.parse(row);
      assert.deepEqual(rest.messages, JSON.parse(doc.lineAt(i).text).messages);
      assert.equal(persona_lens_risk, lines[i].result?.risk ?? null);
      assert.equal(persona_lens_level, lines[i].result?.level ?? null);
    });
    await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['CSV']);
    const csv = await vscode.commands.executeCommand<string>('personaLens.exportWithRisk');
    assert.equal(csv, doc.uri.fsPath.replace(/\.jsonl$/, '.with-risk.csv'));
    assert.match(readFileSync(csv, 'utf8'), /^line,risk,level,score,tokens,format,diagnostics,example\r\n1,0\.\d+,/);

    await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['2']);
    const realign = await vscode.commands.executeCommand<string>('personaLens.exportRealign');
    // The file's own format (most of the fixture is chat), no warnings, low risk: the two lowest.
    const lowest = lines
      .filter((l) => l.result?.level === 'low' && l.format === 'openai-chat' && !l.diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning'))
      .sort((a, b) => a.result!.risk - b.result!.risk || a.line - b.line)
      .slice(0, 2)
      .map((l) => l.line)
      .sort((a, b) => a - b);
    assert.equal(readFileSync(realign, 'utf8'), lowest.map((l) => doc.lineAt(l - 1).text + '\n').join(''));
  });
});
