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
      assert.equal(got.severity, r.result!.level === 'high' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
      assert.equal(got.message, want.message);
      assert.match(got.message, new RegExp(`risk ${r.result!.risk.toFixed(3)}`));
      assert.match(got.message, /strongest tokens: "/);
      if (want.span) assert.deepEqual([got.range.start.character, got.range.end.character], [want.span.start, want.span.end]);
    });
  });
});
