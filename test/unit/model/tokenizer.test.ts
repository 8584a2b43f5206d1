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

/** The embedded pack's tokenizer (SmolLM2: Digits then ByteLevel), besides the tiny test pack's plain ByteLevel. */
const DEFAULT_JSON = JSON.parse(readFileSync(join(__dirname, '../../../packs/persona-smollm2/tokenizer.json'), 'utf8'));
const TOKENIZERS: Array<[string, unknown]> = [
  ['tiny test pack', TOKENIZER_JSON],
  ['embedded pack', DEFAULT_JSON],
];

function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
}

for (const [name, json] of TOKENIZERS) {
  test(`${name}: the cached fast path gives exactly the library ids on random text (fuzz)`, () => {
    const ours = PackTokenizer.fromJSON(json);
    assert.ok(ours.fast, 'the fast path is on for this tokenizer');
    const hf = new Tokenizer(json as object, {});
    const pieces = [
      'the', ' the', 'The', "'s", "'ll", "don't", ' 123', '4567', '  ', '   ', '\n', '\n\n', '\t', ' \n ', '\r\n',
      '!!', ' ?', '...', '()', '{"a": 1}', 'é', 'ñandú', '東京', '😀', '\u00a0', '<|user|>', '<|end|>', '<|assistant|>',
      '<|im_start|>', '<|im_end|>', '<|user', '|>', 'def f(x):', '    return x', 'password', '_', '-', '—', 'x2', '2x',
      ' ', 'Ω', '٣', '1.5e-3', ' 0x1F',
    ];
    const rand = seeded(12345);
    for (let c = 0; c < 1500; c++) {
      let text = '';
      const len = 1 + rand(25);
      for (let i = 0; i < len; i++) text += pieces[rand(pieces.length)];
      const enc = ours.encode(text);
      assert.deepEqual(enc.ids, hf.encode(text, { add_special_tokens: false }).ids, JSON.stringify(text));
      assert.equal(enc.offsets.map(([s, e]) => text.slice(s, e)).join(''), text, `offsets cover ${JSON.stringify(text)}`);
    }
  });

  test(`${name}: words of hundreds to thousands of letters get exactly the library ids`, () => {
    const ours = PackTokenizer.fromJSON(json);
    const hf = new Tokenizer(json as object, {});
    const rand = seeded(777);
    const letters = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[rand(alphabet.length)]).join('');
    const words = [
      'A'.repeat(255),
      'A'.repeat(256),
      'A'.repeat(2049),
      'ab'.repeat(700),
      'passwordhashsaltverify'.repeat(40),
      letters('abcdefghijklmnopqrstuvwxyz', 3000),
      letters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1500),
      letters('éèçàñüöß', 600),
      letters('абвгдежзийклмнопрстуфхцчшщъыьэюя', 900),
      letters('東京都庁渋谷新宿', 400),
      ` ${letters('qwertyuiop', 1000)}`,
      `${'Z'.repeat(400)} then words, ${'b'.repeat(300)}1${'c'.repeat(500)}`,
      '!'.repeat(700),
    ];
    for (const text of words) {
      const enc = ours.encode(text);
      assert.deepEqual(enc.ids, hf.encode(text, { add_special_tokens: false }).ids, `${text.slice(0, 20)}… (${text.length} characters)`);
      assert.equal(enc.offsets.map(([s, e]) => text.slice(s, e)).join(''), text, `offsets cover ${text.slice(0, 20)}…`);
    }
  });
}
