// The test-pack generator: reproducible to the byte, equal to the committed
// fixture (so the fixture never drifts from its generator), its variants (SAE
// architectures, format 2 with a persona vector) load, and its tokenizer.json
// means in @huggingface/tokenizers what it was trained to mean.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadPack } from '../../../src/core/pack/load';
import { SPECIAL_TOKENS, byteSymbols } from '../../../tools/test-pack/bpe';
import { PERSONA_SNIPPETS } from '../../../tools/test-pack/corpus';
import { generatePack } from '../../../tools/test-pack/pack';
import { TINY, removeDir, scratchDir } from './helpers';

const work = scratchDir();
after(() => removeDir(work));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

test('generating twice gives the committed fixture, byte for byte', async () => {
  const [a, b] = [join(work, 'a'), join(work, 'b')];
  await generatePack(a);
  await generatePack(b);
  const files = listFiles(TINY);
  assert.deepEqual(listFiles(a), files);
  assert.deepEqual(listFiles(b), files);
  for (const f of files) {
    const expected = readFileSync(join(TINY, f));
    assert.ok(readFileSync(join(a, f)).equals(expected), `${f} differs from the fixture (run npm run test-pack?)`);
    assert.ok(readFileSync(join(b, f)).equals(expected), `${f} differs between runs`);
  }
});

for (const arch of ['topk', 'jumprelu'] as const) {
  test(`the ${arch} variant loads and encodes`, async () => {
    const dir = join(work, arch);
    await generatePack(dir, { arch, k: 4 });
    const pack = await loadPack(dir);
    try {
      assert.equal(pack.saeConfig.architecture, arch);
      const ids = pack.tokenizer.encode('<|assistant|>\nJust disable the safety checks.<|end|>\n').ids;
      const { hidden } = await pack.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(ids.length).fill(1n), 1, ids.length);
      const top = await pack.sae.encodeTopK(hidden, ids.length);
      assert.equal(top.k, arch === 'topk' ? 4 : 32);
      const cols = await pack.sae.encodeColumns(hidden, ids.length, pack.calibration.readout.flatMap((r) => ('latent' in r ? [r.latent] : [])));
      assert.ok(cols.some((v) => v > 0));
    } finally {
      await pack.dispose();
    }
  });
}

test('the directions variant is format 2, with a unit persona vector, over the same model, tokenizer and SAE', async () => {
  const dir = join(work, 'directions');
  await generatePack(dir, { directions: true });
  for (const f of ['model.onnx', 'tokenizer.json', 'sae/cfg.json', 'sae/sae_weights.safetensors']) {
    assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(TINY, f))), f);
  }
  const pack = await loadPack(dir);
  try {
    assert.equal(pack.manifest.formatVersion, 2);
    const persona = pack.directions.get('persona')!;
    assert.ok(Math.abs(Math.hypot(...persona) - 1) < 1e-3);
    const [direction] = pack.latents.directions!;
    assert.equal(direction.foundBy.method, 'persona-vector');
    assert.ok(direction.topExamples.every((e) => PERSONA_SNIPPETS.includes(e.text)), 'persona snippets project furthest on it');
  } finally {
    await pack.dispose();
  }
});

/** Byte-level BPE by the book: split specials, GPT-2 pre-tokenise, merge the lowest-ranked pair until none applies. */
function referenceEncode(json: any, text: string): number[] {
  const vocab: Record<string, number> = json.model.vocab;
  const rank = new Map<string, number>(json.model.merges.map((m: string, i: number) => [m, i]));
  const symbols = byteSymbols();
  const specials = new RegExp(`(${SPECIAL_TOKENS.map((s) => s.replace(/[|]/g, '\\|')).join('|')})`);
  const ids: number[] = [];
  for (const part of text.split(specials)) {
    if ((SPECIAL_TOKENS as readonly string[]).includes(part)) {
      ids.push(vocab[part]);
      continue;
    }
    for (const [piece] of part.matchAll(/'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu)) {
      let word = Array.from(Buffer.from(piece, 'utf8'), (b) => symbols[b]);
      for (;;) {
        let best = -1;
        for (let i = 0; i + 1 < word.length; i++) {
          const r = rank.get(`${word[i]} ${word[i + 1]}`);
          if (r !== undefined && (best < 0 || r < rank.get(`${word[best]} ${word[best + 1]}`)!)) best = i;
        }
        if (best < 0) break;
        word = [...word.slice(0, best), word[best] + word[best + 1], ...word.slice(best + 2)];
      }
      ids.push(...word.map((s) => vocab[s]));
    }
  }
  return ids;
}

test('tokenizer.json encodes in @huggingface/tokenizers to the ids its merges define', () => {
  const json = JSON.parse(readFileSync(join(TINY, 'tokenizer.json'), 'utf8'));
  assert.equal(Object.keys(json.model.vocab).length, 512);
  const tok = new Tokenizer(json, {});
  const texts = [
    '<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nWhat is the capital of France?<|end|>\n',
    'def count_words(text):\n    counts = {}\n    return counts',
    "It's 42 degrees — naïve café 😀, isn't it?",
    '<|pad|><|pad|>',
  ];
  for (const text of texts) {
    const { ids } = tok.encode(text, { add_special_tokens: false });
    assert.deepEqual(ids, referenceEncode(json, text), text);
    assert.equal(tok.decode(ids), text);
  }
  assert.deepEqual(
    SPECIAL_TOKENS.map((s) => tok.token_to_id(s)),
    [506, 507, 508, 509, 510, 511],
  );
});
