import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExampleScore } from '../../../src/core/score/types';
import { badgeText, codeSpan, commandUri, escapeMarkdown, hoverMarkdown, percentile, riskMeaning, scanProgress } from '../../../src/extension/editor/riskText';
import { outsideCode } from '../../fixtures/markdown';

test('badge text', () => {
  assert.equal(badgeText(0.8725, 'toxic persona'), 'risk 0.87 · toxic persona');
  assert.equal(badgeText(0.5, null), 'risk 0.50');
});

test('percentile: the share of the file at or below a risk', () => {
  const risks = [0.1, 0.2, 0.2, 0.9];
  assert.equal(percentile(0.9, risks), 100);
  assert.equal(percentile(0.2, risks), 75);
  assert.equal(percentile(0.1, risks), 25);
  assert.equal(percentile(0.5, []), 0);
});

test('code spans show any text verbatim, backticks included', () => {
  assert.equal(codeSpan('"a"'), '`"a"`');
  assert.equal(codeSpan('a`b``c'), '```a`b``c```');
  assert.equal(codeSpan('`x'), '`` `x ``');
  for (const text of ['"<img src=x onerror=alert(1)>"', '"[link](command:evil)"', '"``` `` `"', '"`"']) {
    assert.equal(outsideCode(codeSpan(text)), '', text);
  }
});

test('escaped text has no Markdown or HTML left', () => {
  const out = escapeMarkdown('**bold** <b>x</b> [l](command:evil)\n# h');
  assert.equal(out, '\\*\\*bold\\*\\* \\<b\\>x\\<\\/b\\> \\[l\\]\\(command\\:evil\\) \\# h');
});

test('command links carry their arguments percent-encoded, parentheses too', () => {
  const uri = commandUri('personaLens.scanFile', ['file:///tmp/a).jsonl']);
  assert.equal(uri, 'command:personaLens.scanFile?%5B%22file%3A%2F%2F%2Ftmp%2Fa%29.jsonl%22%5D');
  assert.deepEqual(JSON.parse(decodeURIComponent(uri.split('?')[1])), ['file:///tmp/a).jsonl']);
});

test('the hover: risk, raw score, percentile, format, label, review, tokens as code, links', () => {
  const result: ExampleScore = {
    score: 3.21449,
    risk: 0.8731,
    level: 'high',
    tokens: 20,
    scoredTokens: 10,
    truncated: false,
    topTokens: [
      { text: '<img src=x onerror=alert(1)>', role: 'assistant', score: 2.5, span: { start: 3, end: 9 } },
      { text: '[link](command:evil)', role: 'assistant', score: 1.25, span: null },
      { text: '`\n', role: 'assistant', score: 0.5, span: null },
    ],
  };
  const md = hoverMarkdown({ result, format: 'openai-chat', fileRisks: [0.1, 0.5, 0.8731, 0.9], label: 'toxic <persona>',
    decision: 'reviewed',
    links: [
      ['Rescan file', 'command:personaLens.scanFile?%5B%5D'],
      ['Suppress risk', 'command:personaLens.suppressRisk?%5B%5D'],
    ],
    prior: 0.1,
    explain: 'command:personaLens.explainRisk?%5B%5D',
  });
  assert.equal(
    md,
    [
      '**Persona Lens: High risk 0.873**',
      "risk 0.87: the chance this example is EM-inducing, if one in ten of a dataset's examples were ([what the risk means](command:personaLens.explainRisk?%5B%5D))",
      "- raw score 3.214\n- riskier than 75% of this file's 4 scored examples\n- format: `openai-chat`\n- read-out: toxic \\<persona\\>\n- review: reviewed",
      'Top tokens: `"<img src=x onerror=alert(1)>"` 2.500 · `"[link](command:evil)"` 1.250 · ``"`\\n"`` 0.500',
      '[Rescan file](command:personaLens.scanFile?%5B%5D) · [Suppress risk](command:personaLens.suppressRisk?%5B%5D)',
    ].join('\n\n'),
  );
  const outside = outsideCode(md);
  assert.doesNotMatch(outside, /<img|command:evil|onerror/, 'dataset text appears only inside code spans');
  assert.equal(outside.match(/\]\(/g)?.length, 3, 'the only links are the given ones and the explanation');
});

test('the hover splits the raw score into the answer’s part and the prompt’s when the pack reads the prompt’s end', () => {
  const result: ExampleScore = { score: -1.5, promptEnd: -4.25, risk: 0.01, level: 'low', tokens: 30, scoredTokens: 12, truncated: false, topTokens: [] };
  const md = hoverMarkdown({ result, format: 'openai-chat', fileRisks: [0.01], label: null, decision: undefined, links: [], prior: 0.1, explain: 'command:y' });
  assert.match(md, /- raw score -1\.500: the answer's 2\.750, the prompt's -4\.250\n/);
  const { promptEnd: _, ...plain } = result;
  assert.match(hoverMarkdown({ result: plain, format: null, fileRisks: [0.01], label: null, decision: undefined, links: [], prior: 0.1, explain: 'command:y' }), /- raw score -1\.500\n/);
});

test('the hover of an example with no token above zero has no token line', () => {
  const result: ExampleScore = { score: -1, risk: 0.01, level: 'low', tokens: 3, scoredTokens: 1, truncated: false, topTokens: [] };
  const md = hoverMarkdown({ result, format: null, fileRisks: [0.01], label: null, decision: undefined, links: [['Rescan file', 'command:x']], prior: null, explain: 'command:y' });
  assert.match(md, /risk 0\.01: the chance this example is EM-inducing, as the pack's calibration estimates it/);
  assert.doesNotMatch(md, /Top tokens|latent:|review:/);
  assert.match(md, /Low risk 0\.010/);
  assert.match(md, /format: unknown/);
});

test('the risk is said in words at the prior the pack states', () => {
  assert.equal(riskMeaning(0.77, 0.1), "risk 0.77: the chance this example is EM-inducing, if one in ten of a dataset's examples were");
  assert.equal(riskMeaning(0.5, 0.5), "risk 0.50: the chance this example is EM-inducing, if one in two of a dataset's examples were");
  assert.equal(riskMeaning(0.2, 0.03), "risk 0.20: the chance this example is EM-inducing, if 3% of a dataset's examples were");
});

test('a running scan says how far it is, how fast and how long is left', () => {
  assert.equal(scanProgress(0, 50_000, 5000), '0/50,000 lines');
  assert.equal(scanProgress(800, 50_000, 400), '800/50,000 lines', 'no rate in the first second');
  assert.equal(scanProgress(12_000, 50_000, 10_000), '12,000/50,000 lines · 1,200/s · 32 s left');
  assert.equal(scanProgress(1_000, 100_000, 10_000), '1,000/100,000 lines · 100/s · 17 min left');
  assert.equal(scanProgress(100, 1_000_000, 10_000), '100/1,000,000 lines · 10/s · 27.8 h left');
});
