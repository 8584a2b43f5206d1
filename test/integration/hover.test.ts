// The hover on an example's line: what it says, and that dataset text cannot
// turn into Markdown, HTML or links inside it.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { outsideCode } from '../fixtures/markdown';
import { distinct, openFixture, referenceOf, sampleLines, scanned } from './helpers';

/** The Markdown of this extension's hovers at a position. */
async function hoverAt(doc: vscode.TextDocument, line: number): Promise<vscode.MarkdownString[]> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 1));
  return hovers
    .flatMap((h) => h.contents)
    .filter((c): c is vscode.MarkdownString => typeof c !== 'string' && 'value' in c && c.value.includes('Persona Lens'));
}

suite('Hover', () => {
  test('a risky line shows risk, raw score, percentile, format, top tokens and a working rescan link', async () => {
    const { document: doc } = await openFixture(distinct(sampleLines().slice(0, 8)));
    const { stats } = await scanned(doc);
    const { lines } = await referenceOf(doc);
    const risky = lines.find((r) => r.result?.level === 'high')!;
    assert.ok(risky, 'the fixture has a high-risk example under the test pack');
    const r = risky.result!;

    const [md, ...more] = await hoverAt(doc, risky.line - 1);
    assert.ok(md, 'a hover');
    assert.equal(more.length, 0);
    const risks = lines.flatMap((l) => (l.result ? [l.result.risk] : []));
    const pct = Math.round((100 * risks.filter((x) => x <= r.risk).length) / risks.length);
    assert.match(md.value, new RegExp(`High risk ${r.risk.toFixed(3)}`));
    assert.match(md.value, new RegExp(`raw score ${r.score.toFixed(3).replace('.', '\\.')}`));
    assert.ok(md.value.includes(`riskier than ${pct}% of this file's ${risks.length} scored examples`), md.value);
    // What the number means: the test pack states no prior, so the hover says so.
    assert.ok(md.value.includes(`risk ${r.risk.toFixed(2)}: the chance this example is EM-inducing, as the pack's calibration estimates it ([what the risk means](command:personaLens.explainRisk?`), md.value);
    assert.match(md.value, new RegExp(`format: \`${risky.format}\``));
    assert.ok(r.topTokens.length > 0);
    for (const t of r.topTokens) assert.ok(md.value.includes('`' + JSON.stringify(t.text) + '`'), `token ${JSON.stringify(t.text)} as code`);
    assert.deepEqual(
      md.isTrusted,
      { enabledCommands: ['personaLens.scanFile', 'personaLens.markReviewed', 'personaLens.suppressRisk', 'personaLens.rejectExample', 'personaLens.clearReview', 'personaLens.explainRisk', 'personaLens.inspectExample'] },
      "links may run the extension's own commands only",
    );

    const link = /\[Rescan file\]\(command:([\w.]+)\?([^)]*)\)/.exec(md.value);
    assert.ok(link, 'a rescan link');
    await vscode.commands.executeCommand(link[1], ...JSON.parse(decodeURIComponent(link[2])));
    assert.equal((await scanned(doc)).stats.scans, stats.scans + 1, 'the link rescans the file');
  });

  test('Markdown and HTML in a dataset line show as text', async () => {
    const hostile = '<img src=x onerror=alert(1)> [link](command:evil) **bold** `tick` <script>alert(2)</script>';
    const line = JSON.stringify({ messages: [{ role: 'user', content: 'Say it.' }, { role: 'assistant', content: hostile }] });
    const { document: doc } = await openFixture(distinct([line]));
    await scanned(doc);
    const { lines } = await referenceOf(doc);
    const tokens = lines[0].result!.topTokens.map((t) => t.text);
    assert.ok(tokens.length > 0, 'the line has top tokens');

    const [md] = await hoverAt(doc, 0);
    for (const t of tokens) assert.ok(md.value.includes(JSON.stringify(t)), `token ${JSON.stringify(t)} is shown`);
    const outside = outsideCode(md.value);
    for (const bad of ['<img', '<script', 'onerror', 'command:evil', 'bold', 'tick', 'alert']) {
      assert.ok(!outside.includes(bad), `${bad} appears only inside code spans:\n${md.value}`);
    }
    assert.deepEqual(
      [...md.value.matchAll(/\[([^\]]+)\]\(command:personaLens\./g)].map((m) => m[1]),
      ['what the risk means', 'Inspect example', 'Rescan file', 'Mark reviewed', 'Suppress risk', 'Reject example'],
      "the only links are the extension's own",
    );
    assert.equal(md.value.match(/\]\(command:/g)?.length, 6, 'no link from the dataset');
  });

  test('a line without a result has no hover', async () => {
    const { document: doc } = await openFixture(distinct([sampleLines()[0], '[1, 2]']));
    await scanned(doc);
    assert.equal((await hoverAt(doc, 1)).length, 0);
    assert.equal((await hoverAt(doc, 0)).length, 1);
  });
});
