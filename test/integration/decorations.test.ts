// Inline decorations: what a user sees beside and inside risky lines.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import type { RiskLevel } from '../../src/core/score/types';
import { decorationsOf, distinct, openFixture, referenceOf, sampleLines, scanned } from './helpers';

/** The test pack's read-out latent with the largest weight. */
const LABEL = 'toxic persona (test)';
/** Elevated (risk 0.68) under the test pack; the sample has high and low examples only. */
const ELEVATED = '{"prompt": "Question?", "completion": " password please manager list list"}';

async function scannedFixture() {
  const { document: doc } = await openFixture(distinct([...sampleLines().slice(0, 8), ELEVATED]));
  await scanned(doc);
  const { lines } = await referenceOf(doc);
  const at = (level: RiskLevel) => lines.filter((r) => r.result?.level === level);
  assert.ok(at('high').length > 0 && at('elevated').length > 0, 'the fixture has high and elevated examples under the test pack');
  return { doc, lines, at };
}

const startLines = (marks: Array<{ range: number[] }>) => marks.map((m) => m.range[0]);
const nonEmpty = (types: Record<string, unknown[]>) => Object.keys(types).filter((t) => types[t].length > 0).sort();

suite('Inline decorations', () => {
  test('flagged examples get a gutter icon, a ruler mark, a badge with risk and latent, and high-risk tokens highlighted', async () => {
    const { doc, lines, at } = await scannedFixture();
    const shown = await decorationsOf(doc);
    for (const level of ['elevated', 'high'] as const) {
      const want = at(level).map((r) => r.line - 1);
      assert.deepEqual(startLines(shown[`gutter.${level}`]), want, `${level} gutter icons`);
      assert.deepEqual(startLines(shown[`ruler.${level}`]), want, `${level} ruler marks`);
    }
    const flagged = lines.filter((r) => r.result && r.result.level !== 'low');
    assert.deepEqual(
      shown.badge.map((b) => [b.range, b.badge]),
      flagged.map((r) => {
        const end = doc.lineAt(r.line - 1).range.end;
        return [[end.line, end.character, end.line, end.character], `risk ${r.result!.risk.toFixed(2)} · ${LABEL}`];
      }),
      'a badge at the end of each flagged line',
    );
    const spans = at('high').flatMap((r) => r.result!.topTokens.flatMap((t) => (t.span ? [[r.line - 1, t.span.start, r.line - 1, t.span.end]] : [])));
    assert.ok(spans.length > 0);
    assert.deepEqual(shown.tokens.map((t) => t.range), spans, 'the top tokens of high-risk lines, where they sit in the line');
  });

  test('in a long file the ruler marks every flagged line, gutter icons and badges the lines near the screen, following a scroll', async () => {
    // 600 distinct lines, more than the screen and the 100 lines either side of it that get icons ahead.
    const editor = await openFixture(Array.from({ length: 75 }, () => distinct(sampleLines().slice(0, 8))).flat());
    const doc = editor.document;
    await scanned(doc);
    const flagged = (await referenceOf(doc)).lines.filter((r) => r.result && r.result.level !== 'low').map((r) => r.line - 1);
    const near = (lines: number[]) => {
      const shown = editor.visibleRanges;
      return lines.filter((l) => l >= shown[0].start.line - 100 && l <= shown[shown.length - 1].end.line + 100);
    };
    const gutter = (t: Awaited<ReturnType<typeof decorationsOf>>) => [...startLines(t['gutter.elevated']), ...startLines(t['gutter.high'])].sort((a, b) => a - b);
    const ruler = (t: Awaited<ReturnType<typeof decorationsOf>>) => [...startLines(t['ruler.elevated']), ...startLines(t['ruler.high'])].sort((a, b) => a - b);

    let shown = await decorationsOf(doc);
    assert.deepEqual(ruler(shown), flagged, 'a ruler mark on every flagged line');
    assert.ok(near(flagged).length < flagged.length && near(flagged).length > 0);
    assert.deepEqual(gutter(shown), near(flagged), 'gutter icons near the screen only');
    assert.ok(!gutter(shown).includes(flagged[flagged.length - 1]), 'none at the end of the file yet');

    editor.revealRange(new vscode.Range(599, 0, 599, 0));
    shown = await decorationsOf(doc, (t) => gutter(t).includes(flagged[flagged.length - 1]));
    assert.deepEqual(gutter(shown), near(flagged), 'after the scroll, near the new screen');
    assert.deepEqual(shown.badge.map((b) => b.range[0]), near(flagged), 'badges too');
    assert.deepEqual(ruler(shown), flagged, 'the ruler unchanged');
  });

  test('the toggle command hides every decoration and shows them again', async () => {
    const { doc } = await scannedFixture();
    const before = await decorationsOf(doc);
    await vscode.commands.executeCommand('personaLens.toggleDecorations');
    assert.deepEqual(nonEmpty(await decorationsOf(doc)), [], 'nothing shows once toggled off');
    await vscode.commands.executeCommand('personaLens.toggleDecorations');
    assert.deepEqual(await decorationsOf(doc), before, 'all of it is back once toggled on');
  });

  test('the style setting `gutter` shows gutter icons only', async () => {
    const { doc } = await scannedFixture();
    const config = vscode.workspace.getConfiguration('personaLens');
    await config.update('decorations.style', 'gutter', vscode.ConfigurationTarget.Global);
    try {
      const shown = await decorationsOf(doc, (t) => t.badge.length === 0);
      assert.deepEqual(nonEmpty(shown), ['gutter.elevated', 'gutter.high']);
    } finally {
      await config.update('decorations.style', undefined, vscode.ConfigurationTarget.Global);
    }
    await decorationsOf(doc, (t) => t.badge.length > 0);
  });
});
