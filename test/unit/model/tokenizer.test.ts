import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tokenizer } from '@huggingface/tokenizers';
import { PackTokenizer } from '../../../src/core/model/tokenizer';

const TOKENIZER_JSON = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/packs/tiny/tokenizer.json'), 'utf8'),
);
const tok = PackTokenizer.fromJSON(TOKENIZER_JSON);

const TEXTS = [
  'def read(path):\n    return open(path).read()',
  '<|user|>\nHow do I store passwords?<|end|>\n<|assistant|>\nUse bcrypt.<|end|>\n',
  'Café, naïve, 東京 and an emoji 😀 in one line',
  '  leading   spaces\t\ttabs\r\nCRLF  ',
  '',
];

test('ids are exactly those of the Hugging Face tokenizer', () => {
  const hf = new Tokenizer(TOKENIZER_JSON, {});
  for (const text of TEXTS) {
    assert.deepEqual(tok.encode(text).ids, hf.encode(text, { add_special_tokens: false }).ids, JSON.stringify(text));
  }
});

test('offsets tile the text: in order, contiguous, covering every character', () => {
  for (const text of TEXTS) {
    const { offsets } = tok.encode(text);
    let cursor = 0;
    for (const [s, e] of offsets) {
      assert.ok(s <= e, `${JSON.stringify(text)}: span [${s}, ${e})`);
      // A token that ends inside a multi-byte character shares it with the next token.
      assert.ok(s === cursor || s === cursor - 1 || s === cursor - 2, `${JSON.stringify(text)}: gap before ${s} (cursor ${cursor})`);
      cursor = Math.max(cursor, e);
    }
    assert.equal(cursor, text.length, `${JSON.stringify(text)}: offsets stop at ${cursor} of ${text.length}`);
  }
});

test('each ASCII token covers exactly its own characters, special tokens included', () => {
  const text = TEXTS[1];
  const { offsets, tokens } = tok.encode(text);
  const special = tokens.map((t, i) => [t, text.slice(...offsets[i])]).filter(([t]) => t.startsWith('<|'));
  assert.deepEqual(special.map(([t]) => t), ['<|user|>', '<|end|>', '<|assistant|>', '<|end|>']);
  for (const [t, slice] of special) assert.equal(slice, t);
  const joined = offsets.map(([s, e]) => text.slice(s, e)).join('');
  assert.equal(joined, text, 'concatenated token slices give back the text');
});

test('a malformed tokenizer.json is refused with a plain message', () => {
  assert.throws(() => PackTokenizer.fromJSON({ version: '1.0' }), /no "model" section/);
});
