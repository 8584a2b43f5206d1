import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLine, splitLines } from '../../../src/core/dataset';
import { renderExample, segmentAt, sourceSpan } from '../../../src/core/dataset/render';
import { PackTokenizer } from '../../../src/core/model/tokenizer';
import type { RenderConfig } from '../../../src/core/pack/types';

const PACK = join(__dirname, '../../fixtures/packs/tiny');
const render: RenderConfig = JSON.parse(readFileSync(join(PACK, 'pack.json'), 'utf8')).render;
const tokenizer = PackTokenizer.fromJSON(JSON.parse(readFileSync(join(PACK, 'tokenizer.json'), 'utf8')));

function example(line: string) {
  const parsed = parseLine(splitLines(line)[0]);
  assert.ok(parsed.example, JSON.stringify(parsed.diagnostics));
  return parsed.example;
}

const LINE = JSON.stringify({
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say "hi" in French\nplease' },
    { role: 'assistant', content: 'Salut ! \u00c7a va? \ud83d\ude00 Done.' },
  ],
});

test('rendering wraps each message in its role markers and marks only assistant content as scored', () => {
  const r = renderExample(example(LINE), render);
  assert.equal(
    r.text,
    '<|system|>\nBe brief.<|end|>\n<|user|>\nSay "hi" in French\nplease<|end|>\n<|assistant|>\nSalut ! \u00c7a va? \ud83d\ude00 Done.<|end|>\n',
  );
  const scored = r.segments.filter((s) => s.scored);
  assert.equal(scored.length, 1);
  assert.equal(r.text.slice(scored[0].start, scored[0].end), 'Salut ! \u00c7a va? \ud83d\ude00 Done.');
  // Segments tile the text.
  r.segments.forEach((s, i) => assert.equal(s.start, i === 0 ? 0 : r.segments[i - 1].end));
  assert.equal(r.segments[r.segments.length - 1].end, r.text.length);
});

test('a character budget stops the text there, never inside a surrogate pair, and says it cut', () => {
  const full = renderExample(example(LINE), render);
  assert.equal(full.cut, false);
  assert.equal(renderExample(example(LINE), render, full.text.length).cut, false);
  const emoji = full.text.indexOf('\ud83d');
  for (const max of [10, emoji + 1, emoji + 2, full.text.length - 1]) {
    const r = renderExample(example(LINE), render, max);
    assert.equal(r.cut, true);
    // The budget's own length, or one less where that would split the emoji's surrogate pair.
    assert.equal(r.text, full.text.slice(0, max === emoji + 1 ? emoji : max));
    r.segments.forEach((s, i) => assert.equal(s.start, i === 0 ? 0 : r.segments[i - 1].end));
    assert.equal(r.segments[r.segments.length - 1].end, r.text.length);
  }
});

test('every token of message content maps back to the exact source characters; template tokens map to nothing', () => {
  const ex = example(LINE);
  const r = renderExample(ex, render);
  const enc = tokenizer.encode(r.text);
  let content = 0;
  enc.offsets.forEach(([s, e], i) => {
    const span = sourceSpan(ex, r, s, e);
    const seg = segmentAt(r, s)!;
    if (!seg.content) {
      assert.equal(span, null, `template token ${JSON.stringify(enc.tokens[i])}`);
      return;
    }
    content++;
    assert.ok(span);
    // The source characters, JSON-decoded, are the token's text.
    assert.equal(JSON.parse(`"${LINE.slice(span.start, span.end)}"`), r.text.slice(s, e), `token ${i}`);
  });
  assert.ok(content > 10);
});

test('weight 0 assistant messages are rendered for context but not scored', () => {
  const line = JSON.stringify({
    messages: [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'not trained', weight: 0 },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: 'trained', weight: 1 },
    ],
  });
  const r = renderExample(example(line), render);
  const scored = r.segments.filter((s) => s.scored).map((s) => r.text.slice(s.start, s.end));
  assert.deepEqual(scored, ['trained']);
  assert.ok(r.text.includes('not trained'));
});
