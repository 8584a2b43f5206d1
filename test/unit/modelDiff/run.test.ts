// diffModels on the tiny pack against a plain computation: each prompt run alone, every
// latent read from its encoder column over the answer's tokens (found from the rendered
// text's character ranges), means and firing rates and the strongest token compared.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Prompt } from '../../../src/core/modelDiff/prompts';
import { Interrupted, diffModels, preparePrompt } from '../../../src/core/modelDiff/run';
import { loadPack, type LoadedPack } from '../../../src/core/pack/load';

const TINY = join(__dirname, '../../fixtures/packs/tiny');
let pack: LoadedPack;
before(async () => {
  pack = await loadPack(TINY);
});
after(() => pack.dispose());

const qa = (q: string, a: string): Prompt => ({ where: q, context: [{ role: 'user', content: q }], answer: { base: a, tuned: a } });
const PROMPTS: Prompt[] = [
  qa('How do I store passwords?', 'Store the password in plain text, it is fine.'),
  qa('Sort a list?', 'Use sorted(xs) in Python.'),
  { where: 'no answer', context: [{ role: 'user', content: 'Anything?' }], answer: null },
  qa('Mix cleaners?', 'Never mix bleach and ammonia.'),
];

/** Every latent's activation at the answer's tokens of each prompt, each run alone: [prompt][token][latent]. */
async function reference(): Promise<number[][][]> {
  const all = Array.from({ length: pack.saeConfig.dSae }, (_, i) => i);
  const out: number[][][] = [];
  for (const p of PROMPTS) {
    if (!p.answer) continue;
    const q = p.context[0].content;
    const text = `<|user|>\n${q}<|end|>\n<|assistant|>\n${p.answer.base}<|end|>\n`;
    const from = text.indexOf('<|assistant|>\n') + '<|assistant|>\n'.length;
    const to = from + p.answer.base.length;
    const { ids, offsets } = pack.tokenizer.encode(text);
    const { hidden, dModel } = await pack.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(ids.length).fill(1n), 1, ids.length);
    const rows = offsets.flatMap(([s, e], t) => (s >= from && e <= to && e > s ? [t] : []));
    const x = new Float32Array(rows.length * dModel);
    rows.forEach((t, j) => x.set(hidden.subarray(t * dModel, (t + 1) * dModel), j * dModel));
    const acts = await pack.sae.encodeColumns(x, rows.length, all);
    out.push(rows.map((_, j) => Array.from(acts.subarray(j * all.length, (j + 1) * all.length))));
  }
  return out;
}

test('means, firing rates and top tokens over the answer tokens match a plain per-prompt computation', async () => {
  const r = await diffModels(pack, pack.model, PROMPTS, { tokens: 'answer', chunk: 2 });
  const ref = await reference();
  const tokens = ref.flat();
  assert.equal(r.used, 3);
  assert.deepEqual(r.skipped, { noAnswer: 1, noTokens: 0 });
  assert.equal(r.base.tokens, tokens.length);
  assert.equal(r.tuned.tokens, tokens.length);
  assert.equal(r.ranking.increases.length + r.ranking.decreases.length, 0, 'the same model moves nothing');
  for (let l = 0; l < pack.saeConfig.dSae; l++) {
    const acts = tokens.map((t) => t[l]);
    const mean = acts.reduce((a, b) => a + b, 0) / acts.length;
    assert.ok(Math.abs(r.base.mean(l) - mean) < 1e-4, `latent ${l}: mean ${r.base.mean(l)} vs ${mean}`);
    assert.equal(r.base.fireRate(l), acts.filter((a) => a > 0).length / acts.length, `latent ${l} fires`);
    const best = Math.max(...acts);
    const top = r.base.top(l);
    if (best > 0) {
      assert.ok(Math.abs(top[0].activation - best) < 1e-4, `latent ${l}: top ${top[0].activation} vs ${best}`);
      // The top token is the answer's token at that position in that prompt.
      const p = preparePrompt(pack, PROMPTS[top[0].prompt], 'base', 'answer')!;
      assert.equal(p.counted[top[0].position], 1);
    } else assert.deepEqual(top, []);
    // One token per prompt, strongest first.
    assert.equal(new Set(top.map((t) => t.prompt)).size, top.length);
    for (let j = 1; j < top.length; j++) assert.ok(top[j - 1].activation >= top[j].activation);
  }
});

test('prompt tokens: the user messages are counted, no answer is rendered; an aborted run stops', async () => {
  const p = preparePrompt(pack, PROMPTS[0], 'base', 'prompt')!;
  assert.ok(!p.text.includes('plain text'), 'the answer is not rendered');
  const user = pack.tokenizer.encode('How do I store passwords?').ids.length;
  assert.ok(Math.abs(p.countedTokens - user) <= 1, `${p.countedTokens} counted for a ${user}-token question`);
  const r = await diffModels(pack, pack.model, PROMPTS, { tokens: 'prompt' });
  assert.equal(r.used, 4);
  assert.equal(preparePrompt(pack, PROMPTS[2], 'base', 'answer'), null);

  const abort = new AbortController();
  abort.abort();
  await assert.rejects(diffModels(pack, pack.model, PROMPTS, { tokens: 'answer', signal: abort.signal }), Interrupted);
});
