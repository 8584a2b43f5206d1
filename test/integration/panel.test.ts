// The side panel: what its webview renders for the active scanned file
// (reported by the page itself through a test-only query), sorting and
// filtering, revealing a clicked line, the keyboard, exporting selected lines
// to a new file, reviewer decisions on selected rows, and dataset text shown as text.

import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import type { LineResult } from '../../src/core/score/types';
import type { RenderedState, TestAction } from '../../src/extension/panel/panelProtocol';
import { snippet } from '../../src/extension/panel/panelRows';

const snippetOf = (doc: vscode.TextDocument, l: LineResult) => snippet(doc.lineAt(l.line - 1).text, l.result!.topTokens);
import { distinct, manyExamples, openFixture, referenceOf, sampleLines, scanned, waitFor } from './helpers';

async function panel(action?: TestAction): Promise<RenderedState> {
  return vscode.commands.executeCommand<RenderedState>('personaLens.test.panel', action);
}

/** Shows `doc` and the panel, and waits until the panel renders the finished scan of `doc`. */
async function panelOf(doc: vscode.TextDocument): Promise<RenderedState> {
  await vscode.window.showTextDocument(doc);
  const { summary } = await scanned(doc);
  await vscode.commands.executeCommand('personaLens.showPanel');
  const file = path.basename(doc.uri.fsPath);
  return waitFor(`the panel showing ${file}`, 20_000, async () => {
    const state = await panel().catch(() => undefined);
    return state?.heading === file && state.total === summary!.examples ? state : undefined;
  });
}

const ALL: TestAction = { view: { sort: 'risk', descending: true, levels: [true, true, true], text: '' } };

suite('Panel', () => {
  let doc: vscode.TextDocument;
  let ref: Awaited<ReturnType<typeof referenceOf>>;

  suiteSetup(async () => {
    ({ document: doc } = await openFixture(distinct(sampleLines())));
    ref = await referenceOf(doc);
  });

  test('shows the dataset risk, counts per level, a histogram and every example, riskiest first', async () => {
    await panelOf(doc);
    const state = await panel(ALL);
    const { summary, lines } = ref;
    assert.equal(state.total, summary.examples);
    assert.equal(state.rowCount, summary.examples);
    assert.ok(state.summary.includes(`Dataset risk ${summary.datasetRisk!.toFixed(2)}`), state.summary);
    for (const level of ['high', 'elevated', 'low'] as const) assert.ok(state.summary.includes(`${summary.counts[level]} ${level}`), state.summary);
    assert.equal(state.bars, 10);
    const expected = lines
      .filter((l) => l.result)
      .sort((a, b) => b.result!.risk - a.result!.risk || a.line - b.line)
      // Review and judge cells empty: no decision, no verdict.
      .map((l) => [String(l.line), l.result!.risk.toFixed(3), l.result!.level, snippetOf(doc, l), l.format ?? '–', '', '']);
    assert.deepEqual(
      state.firstRows.map((r) => r.cells),
      expected.slice(0, state.firstRows.length),
    );
  });

  test('sorts by a column and filters by level', async () => {
    await panelOf(doc);
    let state = await panel({ view: { sort: 'line', descending: false, levels: [true, true, true], text: '' } });
    const lines = state.firstRows.map((r) => r.line);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
    state = await panel({ view: { sort: 'risk', descending: false, levels: [false, false, true] } });
    assert.equal(state.rowCount, ref.summary.counts.high);
    assert.ok(state.firstRows.every((r) => r.cells[2] === 'high'));
    const risks = state.firstRows.map((r) => Number(r.cells[1]));
    assert.deepEqual(risks, [...risks].sort((a, b) => a - b));
    state = await panel({ view: { levels: [true, false, false] } });
    assert.equal(state.rowCount, ref.summary.counts.low);
    await panel(ALL);
  });

  test('the filter searches each example\'s whole text, not only its snippet; the histogram says what its axes are', async () => {
    const padding = 'and then some more words about the weather '.repeat(8);
    const deep = JSON.stringify({ messages: [{ role: 'user', content: `Zanzibar ${padding}?` }, { role: 'assistant', content: `Fine. ${padding}` }] });
    const { document: mine } = await openFixture(distinct([...sampleLines().slice(0, 4), deep]));
    let state = await panelOf(mine);
    assert.match(state.axis, /^risk 0bar height: examples \(tallest \d+\)1$/);
    state = await panel({ view: { sort: 'line', descending: false, levels: [true, true, true], text: 'zanzibar' } });
    state = await waitFor('the whole-text match', 10_000, async () => {
      const s = await panel();
      return s.rowCount === 1 ? s : undefined;
    });
    assert.equal(state.firstRows[0].line, 5);
    assert.ok(!state.firstRows[0].cells[3].toLowerCase().includes('zanzibar'), `found beyond the snippet: ${state.firstRows[0].cells[3]}`);
    await panel(ALL);
  });

  test('a click on a row moves the editor to its line', async () => {
    await panelOf(doc);
    const state = await panel({ ...ALL });
    const target = state.firstRows[2].line;
    const after = await panel({ click: 2 });
    assert.deepEqual(after.selected, [target]);
    await waitFor(`the cursor on line ${target}`, 10_000, async () => {
      const e = vscode.window.activeTextEditor;
      return e?.document === doc && e.selection.active.line === target - 1 ? true : undefined;
    });
    // The same through the message the page sends.
    await vscode.commands.executeCommand('personaLens.test.panelMessage', { type: 'reveal', line: 1 });
    assert.equal(vscode.window.activeTextEditor?.document, doc);
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, 0);
  });

  test('the keyboard moves through the rows, Shift extends the selection, Enter opens the line', async () => {
    await panelOf(doc);
    const state = await panel({ view: { sort: 'line', descending: false, levels: [true, true, true], text: '' } });
    const line = (i: number) => state.firstRows[i].line;
    await panel({ click: 0 });
    let now = await panel({ key: 'ArrowDown' });
    assert.deepEqual(now.selected, [line(1)]);
    now = await panel({ key: 'ArrowDown', shift: true });
    now = await panel({ key: 'ArrowDown', shift: true });
    assert.deepEqual(now.selected, [line(1), line(2), line(3)]);
    now = await panel({ key: ' ' });
    assert.deepEqual(now.selected, [line(1), line(2)], 'Space toggles the row under the cursor');
    now = await panel({ key: 'a', ctrl: true });
    assert.equal(now.selected.length, now.rowCount);
    await panel({ key: 'Home' });
    await panel({ key: 'ArrowDown' });
    await panel({ key: 'Enter' });
    await waitFor(`the cursor on line ${line(1)}`, 10_000, async () => {
      const e = vscode.window.activeTextEditor;
      return e?.document === doc && e.selection.active.line === line(1) - 1 ? true : undefined;
    });
    await panel(ALL);
  });

  test('marks the selected rows reviewed or suppressed in the sidecar, shows it, and clears it', async () => {
    const { document: own } = await openFixture(distinct(sampleLines()));
    await panelOf(own);
    const sidecar = own.uri.fsPath + '.persona-lens.json';
    const state = await panel({ view: { sort: 'line', descending: false, levels: [true, true, true], text: '' } });
    const picked = [state.firstRows[0].line, state.firstRows[1].line];
    await panel({ click: 0 });
    await panel({ click: 1, shift: true });
    await panel({ button: 'reviewed' });
    const shown = await waitFor('the Review column', 10_000, async () => {
      const s = await panel();
      return s.firstRows[0].cells[5] === 'reviewed' ? s : undefined;
    });
    assert.deepEqual(shown.firstRows.slice(0, 3).map((r) => r.cells[5]), ['reviewed', 'reviewed', '']);
    const decisions = Object.values(JSON.parse(readFileSync(sidecar, 'utf8')).decisions) as Array<{ decision: string; line: number }>;
    assert.deepEqual(decisions.map((d) => [d.line, d.decision]).sort(), picked.map((l) => [l, 'reviewed']));
    assert.equal(readFileSync(own.uri.fsPath, 'utf8').split('\n')[0], own.lineAt(0).text, 'the dataset is not rewritten');

    await panel({ button: 'suppressed' });
    await waitFor('suppressed rows', 10_000, async () => ((await panel()).firstRows[1].cells[5] === 'suppressed' ? true : undefined));
    await panel({ button: 'clear' });
    await waitFor('cleared rows', 10_000, async () => ((await panel()).firstRows[0].cells[5] === '' ? true : undefined));
    assert.ok(existsSync(sidecar));
    assert.deepEqual(JSON.parse(readFileSync(sidecar, 'utf8')).decisions, {});
    await panel(ALL);
  });

  test('exports the selected lines verbatim to a new file, never over an existing one', async () => {
    await panelOf(doc);
    await panel({ view: { sort: 'line', descending: false, levels: [true, true, true], text: '' } });
    await panel({ click: 0 });
    const state = await panel({ click: 2, ctrl: true });
    const picked = state.selected;
    assert.equal(picked.length, 2);
    const text = (lines: number[]) => lines.map((l) => doc.lineAt(l - 1).text + '\n').join('');
    const first = await vscode.commands.executeCommand<string>('personaLens.test.panelMessage', { type: 'exportLines', lines: picked });
    assert.equal(first, doc.uri.fsPath.replace(/\.jsonl$/, '.selected.jsonl'));
    assert.equal(readFileSync(first, 'utf8'), text(picked));
    // The next free name is taken by someone else's file: it is skipped, not overwritten.
    const squatter = doc.uri.fsPath.replace(/\.jsonl$/, '.selected-2.jsonl');
    writeFileSync(squatter, 'keep me\n');
    // Pressing the page's Export button.
    await panel({ button: 'export' });
    const third = doc.uri.fsPath.replace(/\.jsonl$/, '.selected-3.jsonl');
    // The file appears (created exclusively, so nothing is overwritten) before its text is written.
    await waitFor('the exported file', 10_000, async () => {
      try {
        const written = readFileSync(third, 'utf8');
        return written.length >= text(picked).length ? written : undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal(readFileSync(third, 'utf8'), text(picked));
    assert.equal(readFileSync(squatter, 'utf8'), 'keep me\n');
    assert.equal(readFileSync(first, 'utf8'), text(picked));
    await panel(ALL);
  });

  test('while a long scan streams in, rows arrive as they are scored, and the end shows every example in its order', async function () {
    this.timeout(180_000);
    const { document: big } = await openFixture(manyExamples(40_000, 'panel'));
    await vscode.commands.executeCommand('personaLens.showPanel');
    const file = path.basename(big.uri.fsPath);
    // The heading says the scan is running: "big.jsonl (scanning…)".
    const streaming = (s: RenderedState | undefined) => s?.heading.startsWith(`${file} (`) === true && s.total > 0 && s.total < 40_000;
    const first = await waitFor('rows while the scan runs', 60_000, async () => {
      const s = await panel(ALL).catch(() => undefined);
      return streaming(s) ? s : undefined;
    });
    const later = await waitFor('more rows a moment later', 60_000, async () => {
      const s = await panel().catch(() => undefined);
      return s?.heading.startsWith(file) && s.total > first.total ? s : undefined;
    });
    assert.ok(later.total > first.total, `${first.total} rows, then ${later.total}`);
    const { summary } = await scanned(big, 150_000);
    const end = await waitFor('every example in the panel', 20_000, async () => {
      const s = await panel().catch(() => undefined);
      return s?.heading === file && s.total === summary!.examples ? s : undefined;
    });
    // Riskiest first, each line once: rows streamed in any order are sorted as a whole send's.
    const risks = end.firstRows.map((r) => Number(r.cells[1]));
    assert.deepEqual(risks, [...risks].sort((a, b) => b - a));
    assert.equal(new Set(end.firstRows.map((r) => r.line)).size, end.firstRows.length);
    assert.equal(end.rowCount, summary!.examples);
  });

  test('shows markup in the dataset as text', async () => {
    // Short lines (with distinct()'s up to 32 blanks, under a snippet's 96 characters): each snippet is the whole line.
    const xss = [
      JSON.stringify({ text: '<img src=x onerror=alert(1)><script>' }),
      JSON.stringify({ prompt: '<script>alert(3)', completion: '<img src=x>' }),
      JSON.stringify({ text: '<b onmouseover=alert(5)>b</b> &amp; <img src=x>' }),
    ];
    const { document: xssDoc } = await openFixture(distinct(xss));
    const { lines } = await referenceOf(xssDoc);
    const state = await panelOf(xssDoc);
    const shown = await panel({ view: { sort: 'line', descending: false, levels: [true, true, true], text: '' } });
    assert.equal(state.total, 3);
    for (const [i, l] of lines.entries()) {
      assert.equal(shown.firstRows[i].cells[3], snippetOf(xssDoc, l));
      assert.equal(shown.firstRows[i].cells[3], xssDoc.lineAt(i).text);
    }
    assert.deepEqual(shown.injected, { img: 0, script: 0 });
    await panel(ALL);
  });
});
