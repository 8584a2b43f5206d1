import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffHtml } from '../../../src/core/diff/render/html';
import { diffReport } from '../../../src/core/diff/report';
import { sideOf as side } from '../diff/sides';

test('the HTML report is one self-contained page: escaped names, the verdict, a labelled plot of both sides, no script or remote resource', () => {
  const a = side('<script>alert(1)</script>&a.jsonl', [0.1, 0.2, 0.3], ['p1', 'p2', 'p3']);
  const b = side('b "new".jsonl', [0.1, 0.2, 0.3, 0.95], ['p1', 'p2', 'p3', 'p4']);
  const html = diffHtml(diffReport(a, b));
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;&#38;a.jsonl'), 'the file name shows as text');
  assert.doesNotMatch(html, /<script/i);
  // The only URL is the SVG namespace; the page allows no fetch at all.
  assert.deepEqual(html.match(/https?:\/\/[^"' ]+/g), ['http://www.w3.org/2000/svg']);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /No significant change in risk|Risk rose/);
  assert.equal(html.match(/<rect class="a"[^>]*><title>/g)?.length, 10, 'ten bars for A');
  assert.equal(html.match(/<rect class="b"[^>]*><title>/g)?.length, 10, 'ten bars for B');
  assert.match(html, />risk<\/text>/);
  assert.match(html, /share of examples/);
  assert.match(html, /<h3>New high-risk examples \(1\)<\/h3>.*<td>4<\/td><td>0\.950<\/td>/s);
});

/** B with a latent whose strongest example holds markup. */
function withLatents() {
  const a = side('a.jsonl', [0.1, 0.2, 0.3], ['p1', 'p2', 'p3']);
  const b = side('b.jsonl', [0.1, 0.2, 0.3, 0.95], ['p1', 'p2', 'p3', 'p4']);
  a.latents = { examples: 3, fullyEncoded: 1, means: { 7: 0.1 }, best: { 7: { line: 2, activation: 0.3, snippet: 'fine' } }, labels: { 7: 'toxic persona' } };
  b.latents = { examples: 4, fullyEncoded: 2, means: { 7: 0.9 }, best: { 7: { line: 4, activation: 3.2, snippet: '<img src=x onerror=alert(1)> do it' } }, labels: { 7: 'toxic persona' } };
  return diffReport(a, b);
}

test("the latents that moved are listed with their strongest examples, whose text is escaped", () => {
  const html = diffHtml(withLatents());
  assert.match(html, /<h2>Latents that moved<\/h2>/);
  assert.match(html, /<td>#7 toxic persona<\/td><td>0\.100<\/td><td>0\.900<\/td><td>\+0\.800<\/td><td>line 2 \(0\.30\): fine<\/td>/);
  assert.ok(html.includes('line 4 (3.20): &#60;img src=x onerror=alert(1)&#62; do it'));
  assert.doesNotMatch(html, /<img/);
});

test("in the editor's webview the page takes the theme's colours, links line numbers, and runs only its nonce'd script", () => {
  const html = diffHtml(withLatents(), { nonce: 'N0NCE', script: 'void 0;', toolbar: '<button data-export="md">Export Markdown…</button>' });
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'nonce-N0NCE'; script-src 'nonce-N0NCE'"/);
  assert.deepEqual(html.match(/<script[^>]*>/g), ['<script nonce="N0NCE">']);
  assert.match(html, /<style nonce="N0NCE">[^<]*var\(--vscode-foreground\)/);
  assert.match(html, /<button data-export="md">Export Markdown…<\/button>/);
  // The new high-risk example (B's line 4, not in A) links to its line; A's cell is a dash.
  assert.match(html, /<h3>New high-risk examples \(1\)<\/h3><table><tr><th>B line<\/th>.*?<tr><td><a href="#" data-side="b" data-line="4">4<\/a><\/td><td>0\.950<\/td><td>–<\/td>/s);
  assert.match(html, /<a href="#" data-side="a" data-line="2">line 2<\/a> \(0\.30\): fine/);
  assert.ok(html.includes('&#60;img src=x onerror=alert(1)&#62;'));
  // The file the CLI writes has no links.
  assert.doesNotMatch(diffHtml(withLatents()), /data-line/);
});
