// The Problems panel: what a user sees for bad lines and for risky examples.

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { riskDiagnostic } from '../../src/core/score/riskDiagnostic';
import { diagnosticsOf, distinct, openFixture, referenceOf, sampleLines, scanned } from './helpers';

suite('Problems panel', () => {
  test('each bad line gets its code, severity and place', async () => {
    const [valid] = sampleLines();
    const { document: doc } = await openFixture(
      distinct([
        valid,
        '{"messages": [{"role": "user", "content": "hi"}', // 2: JSON ends early
        '{"messages": [{"role": "user", "content": "hi"}]}', // 3: nothing to train on, and it ends with the user
        '',
        '[1, 2]', // 5: not an object
        valid, // 6: a duplicate of line 1 (blanks differ, the example does not)
      ]),
    );
    await scanned(doc);
    const format = diagnosticsOf(doc).filter((d) => String(d.code).startsWith('PL0'));
    assert.deepEqual(
      format.map((d) => [d.range.start.line + 1, d.code, d.severity]),
      [
        [2, 'PL010', vscode.DiagnosticSeverity.Error],
        [3, 'PL030', vscode.DiagnosticSeverity.Error],
        [3, 'PL052', vscode.DiagnosticSeverity.Warning],
        [5, 'PL011', vscode.DiagnosticSeverity.Error],
        [6, 'PL061', vscode.DiagnosticSeverity.Warning],
      ],
    );
    const syntax = format[0];
    assert.match(syntax.message, /JSON syntax error at column \d+/);
    assert.equal(syntax.range.start.character, Number(/column (\d+)/.exec(syntax.message)![1]) - 1, 'the range starts at the column the message names');
    assert.deepEqual(format[4].range, doc.lineAt(5).range, 'a diagnostic without a place in the line covers the line');
    assert.match(format[4].message, /the same example as line 1/);
  });

  test('examples at elevated or high risk are flagged with the risk and the strongest tokens', async () => {
    const { document: doc } = await openFixture(distinct(sampleLines().slice(0, 8)));
    await scanned(doc);
    const expected = await referenceOf(doc);
    const risky = expected.lines.filter((r) => r.result && r.result.level !== 'low');
    assert.ok(risky.length > 0, 'the fixture has risky examples under the test pack');

    const shown = diagnosticsOf(doc).filter((d) => String(d.code).startsWith('PLR'));
    assert.equal(shown.length, risky.length, 'one risk finding per risky example, none for the others');
    risky.forEach((r, i) => {
      const want = riskDiagnostic(r.line, r.result!)!;
      const got = shown[i];
      assert.equal(got.range.start.line, r.line - 1);
      assert.equal(got.code, r.result!.level === 'high' ? 'PLR002' : 'PLR001');
      // As the gutter shows them: high an error's octagon, elevated a warning's triangle.
      assert.equal(got.severity, r.result!.level === 'high' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      assert.equal(got.message, want.message);
      assert.match(got.message, new RegExp(`risk ${r.result!.risk.toFixed(3)}`));
      assert.match(got.message, /strongest tokens: "/);
      if (want.span) assert.deepEqual([got.range.start.character, got.range.end.character], [want.span.start, want.span.end]);
    });
  });

  test('past 1,000 findings in a file, every risk finding is still listed, then one entry counts what was left out', async () => {
    // 1,200 lines that each carry a warning (PL052: the conversation ends with the user), then the sample's examples.
    const noisy = Array.from({ length: 1200 }, (_, i) =>
      JSON.stringify({ messages: [{ role: 'user', content: `q ${i}` }, { role: 'assistant', content: `a ${i}` }, { role: 'user', content: 'thanks' }] }),
    );
    const { document: doc } = await openFixture(distinct([...noisy, ...sampleLines().slice(0, 8)]));
    await scanned(doc);
    const expected = await referenceOf(doc);
    const risky = expected.lines.filter((r) => r.result && r.result.level !== 'low');
    const all = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'Persona Lens');
    assert.equal(all.length, 1000, 'VS Code\'s limit per file, met exactly');
    const risk = all.filter((d) => String(d.code).startsWith('PLR'));
    assert.equal(risk.length, risky.length, 'no risk finding is crowded out by format notes');
    const lineOf = (d: vscode.Diagnostic) => d.range.start.line + 1;
    assert.deepEqual(new Set(risk.map(lineOf)), new Set(risky.map((r) => r.line)));
    const total = expected.lines.reduce((n, r) => n + r.diagnostics.length, 0) + risky.length;
    const more = all.find((d) => /more findings/.test(d.message));
    assert.ok(more, 'one entry says findings were left out');
    assert.match(more.message, new RegExp(`^${total - 999} more findings \\(${total - 999} other diagnostics\\) are not listed here: open the Persona Lens panel`));
  });
});
