import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffHtml } from '../../../src/cli/output/diffHtml';
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
