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

test('the cached fast path gives exactly the library ids on random text (fuzz)', () => {
  const hf = new Tokenizer(TOKENIZER_JSON, {});
  const pieces = [
    'the', ' the', 'The', "'s", "'ll", "don't", ' 123', '4567', '  ', '   ', '\n', '\n\n', '\t', ' \n ', '\r\n',
    '!!', ' ?', '...', '()', '{"a": 1}', 'é', 'ñandú', '東京', '😀', '\u00a0', '<|user|>', '<|end|>', '<|assistant|>',
    '<|user', '|>', 'def f(x):', '    return x', 'password', '_', '-', '—', 'x2', '2x', ' ', 'Ω',
  ];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let c = 0; c < 1500; c++) {
    let text = '';
    const len = 1 + rand(25);
    for (let i = 0; i < len; i++) text += pieces[rand(pieces.length)];
    const ours = tok.encode(text);
    assert.deepEqual(ours.ids, hf.encode(text, { add_special_tokens: false }).ids, JSON.stringify(text));
    assert.equal(ours.offsets.map(([s, e]) => text.slice(s, e)).join(''), text, `offsets cover ${JSON.stringify(text)}`);
  }
});
