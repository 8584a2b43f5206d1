import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineResult } from '../../../src/core/score/types';
import { contentSecurityPolicy, panelHtml } from '../../../src/extension/panel/panelHtml';
import { panelDataset, snippet, toRows, topTokens } from '../../../src/extension/panel/panelRows';

function result(line: number, risk: number, level: 'low' | 'elevated' | 'high', tokens: string[], at: number | null = null): LineResult {
  return {
    line,
    format: 'openai-chat',
    diagnostics: [],
    cached: false,
    result: { score: 1, risk, level, tokens: 9, scoredTokens: 5, truncated: false, topTokens: tokens.map((text, i) => ({ text, role: 'assistant', score: 3 - i, span: at === null ? null : { start: at + i, end: at + i + 1 } })) },
  };
}

test('rows are the scored examples, in columns, with the reviewer\'s decisions', () => {
  const invalid: LineResult = { line: 2, format: null, diagnostics: [], cached: false, result: null };
  const text = ['{"text": "a"}', '', '', '{"text": "<img src=x onerror=alert(1)>"}'];
  const rows = toRows([result(1, 0.1, 'low', [' a']), invalid, undefined, result(4, 0.95, 'high', ['<img', ' src', '=x', ' onerror'], 10)], {
    text: (l) => text[l - 1],
    decision: (l) => (l === 4 ? 'suppressed' : undefined),
    verdict: (l) => (l === 4 ? { alignment: 7, coherence: 90, rationale: 'x' } : undefined),
  });
  assert.deepEqual(rows, {
    line: [1, 4],
    risk: [0.1, 0.95],
    level: [0, 2],
    snippet: ['{"text": "a"}', '{"text": "<img src=x onerror=alert(1)>"}'],
    tokens: ['a', '<img · src · =x'],
    format: ['openai-chat', 'openai-chat'],
    review: [0, 2],
    judge: [-1, 7],
  });
});

test('top tokens show blank tokens quoted', () => {
  assert.equal(topTokens([{ text: '  ', role: 'assistant', score: 1, span: null }]), '"  "');
});

test('a snippet is the text around the top token that sits in the line', () => {
  const text = 'x'.repeat(200) + 'TOKEN' + 'y'.repeat(200);
  const tokens = [{ text: 'sys', role: 'system' as const, score: 9, span: null }, { text: 'TOKEN', role: 'assistant' as const, score: 5, span: { start: 200, end: 205 } }];
  const s = snippet(text, tokens);
  assert.equal(s, '…' + 'x'.repeat(24) + 'TOKEN' + 'y'.repeat(67) + '…');
  assert.equal(snippet('short', tokens), 'short');
  assert.equal(snippet('z'.repeat(100), []), 'z'.repeat(96) + '…');
  assert.equal(snippet('z'.repeat(100) + 'END', [tokens[1]]), '…' + 'z'.repeat(93) + 'END', 'near the end, a full-length snippet');
});

test('the dataset sent to the panel has no line results, only rows and counts', () => {
  const estimate = { risk: 0.3, low: 0.25, high: 0.35, sampled: 200 };
  const d = panelDataset('data.jsonl', { scanning: true, summary: null, results: [result(1, 0.5, 'elevated', ['x'])], estimate }, { text: () => '{"text": "x"}', decision: () => 'reviewed', verdict: () => undefined });
  assert.deepEqual(d, {
    file: 'data.jsonl',
    scanning: true,
    estimate,
    summary: null,
    judge: null,
    rows: { line: [1], risk: [0.5], level: [1], snippet: ['{"text": "x"}'], tokens: ['x'], format: ['openai-chat'], review: [1], judge: [-1] },
  });
  // A finished scan shows its exact figures, no estimate.
  assert.equal(panelDataset('data.jsonl', { scanning: false, summary: null, results: [], estimate }, { text: () => '', decision: () => undefined, verdict: () => undefined }).estimate, null);
});

test('the page allows only its own nonced scripts and the extension\'s styles and fonts', () => {
  const csp = contentSecurityPolicy({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abc' });
  assert.equal(csp, "default-src 'none'; script-src 'nonce-abc'; style-src https://x.vscode-cdn.net 'nonce-abc'; font-src https://x.vscode-cdn.net; img-src https://x.vscode-cdn.net");
  const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abc', script: 'https://x/dist/webview.js', style: 'https://x/media/panel.css' });
  assert.ok(html.includes(`content="${csp}"`));
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.deepEqual(scripts, ['<script nonce="abc" src="https://x/dist/webview.js">']);
  assert.ok(!/unsafe-(inline|eval)/.test(html));
});
