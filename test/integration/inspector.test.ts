// The example inspector in real VS Code: opened from a CodeLens (and from the panel's double
// click), it shows the example as a conversation with its top spans shaded, dataset markup as
// text, the pack's named latents as they fired on it; it follows the cursor, steps through
// flagged examples, and records review decisions.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import type { InspectorView } from '../../src/extension/inspector/inspectorHtml';
import { distinct, openFixture, referenceOf, sampleLines, scanned, waitFor } from './helpers';

type Shown = { view: InspectorView | null; html: string };
const shown = () => vscode.commands.executeCommand<Shown>('personaLens.test.inspector');
const send = (m: unknown) => vscode.commands.executeCommand('personaLens.test.inspectorMessage', m);
const XSS = '<img src=x onerror=alert(1)>';

suite('Inspector', () => {
  test('a flagged example as a conversation: shaded top spans, markup as text, named latents with their activation; it follows the cursor and steps through findings', async () => {
    const lines = distinct(sampleLines().slice(0, 8));
    lines.push(JSON.stringify({ prompt: XSS, completion: ' password please manager list list' }));
    const editor = await openFixture(lines);
    const doc = editor.document;
    await scanned(doc);
    const { lines: ref } = await referenceOf(doc);
    const high = ref.filter((r) => r.result?.level === 'high').map((r) => r.line);
    assert.ok(high.length >= 2);

    // The CodeLens above a flagged example opens it.
    const lens = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)).find((l) => l.range.start.line === high[0] - 1)!;
    await vscode.commands.executeCommand(lens.command!.command, ...lens.command!.arguments!);
    const first = await waitFor('the latents', 30_000, async () => {
      const s = await shown();
      return s.view?.line === high[0] && s.view.latents ? s : undefined;
    });
    const v = first.view!;
    assert.equal(v.result!.level, 'high');
    const roles = v.messages.map((m) => m.role);
    assert.ok(roles.includes('assistant') && roles.includes('user'), roles.join(','));
    const marks = v.messages.flatMap((m) => m.pieces.flatMap((p) => p.marks.map((k) => p.text.slice(k.start, k.end))));
    assert.ok(marks.length > 0, 'the top spans are marked');
    for (const t of v.result!.topTokens.filter((t) => t.span)) assert.ok(marks.some((m) => m.includes(t.text.trim())), `"${t.text}" is shaded`);
    assert.match(first.html, /<mark title="\d+\.\d{3}" class="a\d+">/);
    assert.match(first.html, /the chance this example is EM-inducing/);
    // The test pack names latent 43; its activation on this example is the encode's.
    assert.match(first.html, /<b>toxic persona \(test\)<\/b> · latent 43 \(model-diff\) · activation \d+\.\d\d on this example/);
    // The term that names the example: beside its risk, and on its row.
    const persona = v.result!.persona!;
    assert.ok(persona, 'the test pack names this example');
    assert.ok(first.html.includes(`</b> · ${persona}`), 'the name beside the risk');
    assert.equal(first.html.match(/ · names this example<\/summary>/g)?.length, 1, 'one row says it names the example');
    // And the whole SAE's strongest on it (every latent of this one line is encoded).
    assert.match(first.html, /Strongest unnamed latents here: \d+ \(\d+\.\d\d\)/);

    // The cursor moves: the inspector follows, and markup shows as text.
    editor.selection = new vscode.Selection(lines.length - 1, 0, lines.length - 1, 0);
    const xss = await waitFor('the markup line', 10_000, async () => {
      const s = await shown();
      return s.view?.line === lines.length ? s : undefined;
    });
    assert.ok(xss.html.includes('&#60;img src=x onerror=alert(1)&#62;'));
    assert.doesNotMatch(xss.html, /<img/);
    assert.deepEqual(xss.html.match(/<script[^>]*>/g)?.length, 1, "the page's own script only");

    // Next flagged, from the inspector's own button.
    await send({ type: 'go', direction: 1 });
    const next = (await shown()).view!.line;
    const flaggedLines = ref.filter((r) => r.result && r.result.level !== 'low').map((r) => r.line);
    assert.equal(next, flaggedLines.find((l) => l > lines.length) ?? flaggedLines[0], 'wraps to the first finding');

    // A decision from the inspector is recorded and shown.
    await send({ type: 'decide', decision: 'reviewed' });
    await waitFor('the decision shown', 10_000, async () => ((await shown()).view?.decision === 'reviewed' ? true : undefined));
  });

  test("the panel's double click inspects its row", async () => {
    const { document: doc } = await openFixture(distinct(sampleLines().slice(0, 8)));
    await scanned(doc);
    await vscode.commands.executeCommand('personaLens.showPanel');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('personaLens.test.panelMessage', { type: 'inspect', line: 3 });
    const s = await waitFor('the inspector on line 3', 10_000, async () => {
      const now = await shown();
      return now.view?.line === 3 && now.view.file === doc.uri.path.split('/').pop() ? now : undefined;
    });
    assert.ok(s.view!.messages.length > 0);
  });
});
