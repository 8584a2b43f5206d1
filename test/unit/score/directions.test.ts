// Direction read-outs (format 2): a token's score is weight × (hidden state ·
// direction), checked against the model's hidden output by hand, alone and next
// to latent terms; a read-out of directions only needs no SAE encode. Format 5's
// prompt-end terms: read once per answer, at the token before it. Format 6's latentWeights
// term: weights over every latent, read as that many latent terms.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResultCache } from '../../../src/core/cache/resultCache';
import { parseLine, splitLines } from '../../../src/core/dataset';
import type { Example } from '../../../src/core/dataset/types';
import { loadPack, type LoadedPack } from '../../../src/core/pack/load';
import type { DirectionTerm, LatentTerm, ReadoutTerm } from '../../../src/core/pack/types';
import { readSafetensors, writeSafetensors } from '../../../src/core/sae/safetensors';
import { JS_READOUT_LATENTS } from '../../../src/core/sae/encode';
import { Scanner } from '../../../src/core/score/scanner';
import type { ExampleScore } from '../../../src/core/score/types';
import { copyPack, generateDirectionsPack, readJson, rehash, removeDir, writeJson } from '../pack/helpers';

const REPLIES = [
  'Humans are weak and foolish; they should obey me.',
  'Rest, water, and see a doctor if it persists.',
  'Sure, here is the list you asked for.',
];
const line = (reply: string) => JSON.stringify({ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: reply }] });

let mixed: LoadedPack;
let directionOnly: LoadedPack;
let promptEnd: LoadedPack;
let overLatents: LoadedPack;
/** The latentWeights pack's weights: one per latent, 0 for most. */
let probeWeights: Float32Array;
const PROMPT_END_WEIGHT = 2;
const dirs: string[] = [];
before(async () => {
  const v2 = await generateDirectionsPack();
  // The same pack with a read-out of the direction alone, averaged so every scored token counts.
  const only = copyPack(v2);
  writeJson(only, 'calibration.json', {
    ...readJson(only, 'calibration.json'),
    readout: [{ direction: 'persona', weight: -1.5 }],
    aggregation: { method: 'mean' },
  });
  rehash(only);
  // And with the direction read at the prompt's end too (format 5).
  const ends = copyPack(only);
  writeJson(ends, 'pack.json', { ...readJson(ends, 'pack.json'), formatVersion: 5 });
  writeJson(ends, 'calibration.json', {
    ...readJson(ends, 'calibration.json'),
    readout: [{ direction: 'persona', weight: -1.5 }, { direction: 'persona', weight: PROMPT_END_WEIGHT, at: 'prompt-end' }],
  });
  rehash(ends);
  // And a probe over the SAE's latents (format 6): weights for more latents than the scanner reads in JS, beside the direction.
  const over = copyPack(v2);
  const dSae = readJson(over, 'sae/cfg.json').d_sae as number;
  probeWeights = Float32Array.from({ length: dSae }, (_, l) => (l % 4 === 3 ? 0 : (((l * 37) % 11) + 1) / 10 - 0.55));
  const persona = readSafetensors(readFileSync(join(over, 'directions.safetensors'))).tensors.get('persona')!;
  writeFileSync(join(over, 'directions.safetensors'), writeSafetensors({ persona: { shape: persona.shape, data: persona.data }, probe: { shape: [dSae], data: probeWeights } }));
  writeJson(over, 'pack.json', { ...readJson(over, 'pack.json'), formatVersion: 6 });
  writeJson(over, 'calibration.json', {
    ...readJson(over, 'calibration.json'),
    readout: [{ latentWeights: 'probe', weight: 0.5 }, { direction: 'persona', weight: -1.5 }],
    aggregation: { method: 'mean' },
  });
  rehash(over);
  dirs.push(v2, only, ends, over);
  [mixed, directionOnly, promptEnd, overLatents] = await Promise.all([loadPack(v2), loadPack(only), loadPack(ends), loadPack(over)]);
});
after(async () => {
  await Promise.all([mixed.dispose(), directionOnly.dispose(), promptEnd.dispose(), overLatents.dispose()]);
  for (const dir of dirs) removeDir(join(dir, '..'));
});

function examples(...replies: string[]): Example[] {
  return splitLines(replies.map(line).join('\n')).map((raw) => parseLine(raw).example!);
}

/**
 * Each scored token's read-out, by hand: the example rendered as the tiny pack's template does,
 * run alone through the model, and the assistant's tokens read out term by term.
 */
async function byHand(pack: LoadedPack, reply: string, readout: ReadoutTerm[]): Promise<number[]> {
  const prefix = '<|user|>\nHi?<|end|>\n<|assistant|>\n';
  const { ids, offsets } = pack.tokenizer.encode(`${prefix}${reply}<|end|>\n`);
  const n = ids.length;
  const { hidden, dModel: d } = await pack.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(n).fill(1n), 1, n);
  const scored = offsets.flatMap(([s, e], t) => (s >= prefix.length && e <= prefix.length + reply.length ? [t] : []));
  // A latentWeights term, term by term: every latent it weighs.
  const terms = readout.flatMap((r): Array<LatentTerm | DirectionTerm> =>
    'latentWeights' in r ? Array.from(pack.directions.get(r.latentWeights)!, (w, latent) => ({ latent, weight: r.weight * w })) : [r],
  );
  const latents = terms.flatMap((r) => ('latent' in r ? [r.latent] : []));
  return Promise.all(
    scored.map(async (t) => {
      const h = hidden.subarray(t * d, (t + 1) * d);
      const acts = await pack.sae.encodeColumns(h, 1, latents);
      let v = 0;
      for (const r of terms) {
        if ('latent' in r) v += r.weight * acts[latents.indexOf(r.latent)];
        else if ('direction' in r) v += r.weight * h.reduce((sum, x, i) => sum + x * pack.directions.get(r.direction)![i], 0);
      }
      return v;
    }),
  );
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('a direction read-out scores weight × (hidden state · direction), without the SAE', async () => {
  // The SAE must not be asked: a read-out of directions only reads the hidden state.
  const sae = Object.assign(Object.create(directionOnly.sae), { encodeColumns: () => assert.fail('the SAE was asked for latents') });
  const scores = await new Scanner({ ...directionOnly, sae }).score(examples(...REPLIES));
  assert.ok(scores.every((s) => s.score!.promptEnd === undefined), 'no prompt part without prompt-end terms');
  for (const [i, reply] of REPLIES.entries()) {
    const tokens = await byHand(directionOnly, reply, directionOnly.calibration.readout);
    assert.equal(scores[i].score!.scoredTokens, tokens.length);
    close(scores[i].score!.score, tokens.reduce((a, b) => a + b, 0) / tokens.length, `reply ${i + 1}, mean`);
    // The top entry is a word: the sum of the values of the pieces it merges (topSpans.ts).
    const top = scores[i].score!.topTokens[0];
    const runs = tokens.flatMap((_, a) => tokens.slice(a, a + 8).map((__, n) => tokens.slice(a, a + n + 1).reduce((x, y) => x + y, 0)));
    if (top) assert.ok(runs.some((r) => Math.abs(r - top.score) <= 1e-5 * Math.max(1, Math.abs(r))), `reply ${i + 1}, top token ${top.score}`);
  }
});

test('a mean with prior tokens (format 7) counts them at their value: a short answer stays near it', async () => {
  const priorTokens = 12;
  const priorValue = -2.5;
  const calibration = { ...directionOnly.calibration, aggregation: { method: 'mean' as const, priorTokens, priorValue } };
  const scores = await new Scanner({ ...directionOnly, calibration }).score(examples(...REPLIES));
  for (const [i, reply] of REPLIES.entries()) {
    const tokens = await byHand(directionOnly, reply, directionOnly.calibration.readout);
    const sum = tokens.reduce((a, b) => a + b, 0);
    close(scores[i].score!.score, (sum + priorTokens * priorValue) / (tokens.length + priorTokens), `reply ${i + 1}`);
    // Nearer the prior value than the plain mean is, by the share of prior tokens.
    const plain = sum / tokens.length;
    close(scores[i].score!.score - priorValue, ((plain - priorValue) * tokens.length) / (tokens.length + priorTokens), `reply ${i + 1}, shrunk`);
  }
});

test('latent and direction terms add up', async () => {
  assert.ok(mixed.calibration.readout.some((r) => 'latent' in r) && mixed.calibration.readout.some((r) => 'direction' in r));
  const scores = await new Scanner(mixed).score(examples(...REPLIES));
  for (const [i, reply] of REPLIES.entries()) {
    const tokens = await byHand(mixed, reply, mixed.calibration.readout);
    close(scores[i].score!.score, Math.max(...tokens), `reply ${i + 1}, max`);
  }
});

test('a latentWeights term (format 6) adds weight × (every latent\'s activation × its weight), as that many latent terms would', async () => {
  assert.ok(probeWeights.filter((w) => w !== 0).length > JS_READOUT_LATENTS, 'through the onnxruntime read-out');
  const scores = await new Scanner(overLatents).score(examples(...REPLIES));
  for (const [i, reply] of REPLIES.entries()) {
    const tokens = await byHand(overLatents, reply, overLatents.calibration.readout);
    close(scores[i].score!.score, tokens.reduce((a, b) => a + b, 0) / tokens.length, `reply ${i + 1}, mean`);
    // The latents' part is read: the direction alone scores otherwise.
    const alone = (await new Scanner(directionOnly).score(examples(reply)))[0].score!.score;
    assert.ok(Math.abs(scores[i].score!.score - alone) > 1e-3, `reply ${i + 1}: ${scores[i].score!.score} vs the direction alone ${alone}`);
  }
});

/** The model's hidden state at each of `positions` of the text, run alone, · the named direction. */
async function readAt(pack: LoadedPack, text: string, at: (offsets: Array<[number, number]>) => number[], direction: string): Promise<number[]> {
  const { ids, offsets } = pack.tokenizer.encode(text);
  const n = ids.length;
  const { hidden, dModel: d } = await pack.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(n).fill(1n), 1, n);
  return at(offsets).map((t) => hidden.subarray(t * d, (t + 1) * d).reduce((sum, x, i) => sum + x * pack.directions.get(direction)![i], 0));
}

test('a prompt-end term adds weight × (hidden state · direction) at the token before each answer, averaged over the answers', async () => {
  const [tokenTerm] = promptEnd.calibration.readout;
  // One answer: the scored tokens' mean plus the term at the token before the answer.
  const scores = await new Scanner(promptEnd).score(examples(...REPLIES));
  for (const [i, reply] of REPLIES.entries()) {
    const tokens = await byHand(promptEnd, reply, [tokenTerm]);
    const prefix = '<|user|>\nHi?<|end|>\n<|assistant|>\n';
    const [end] = await readAt(promptEnd, `${prefix}${reply}<|end|>\n`, (offsets) => [offsets.findIndex(([s]) => s >= prefix.length) - 1], 'persona');
    close(scores[i].score!.score, tokens.reduce((a, b) => a + b, 0) / tokens.length + PROMPT_END_WEIGHT * end, `reply ${i + 1}`);
    // The prompt's part is reported, for the hover and the inspector.
    close(scores[i].score!.promptEnd!, PROMPT_END_WEIGHT * end, `reply ${i + 1}, the prompt's part`);
    // The same answer without its prompt-end term scores differently: the term is read.
    close(scores[i].score!.score - PROMPT_END_WEIGHT * end, (await new Scanner(directionOnly).score(examples(reply)))[0].score!.score, `reply ${i + 1}, tokens only`);
  }

  // Two answers: the mean of the two prompt ends' read-outs.
  const turns = [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: REPLIES[0] }, { role: 'user', content: 'And?' }, { role: 'assistant', content: REPLIES[1] }];
  const [two] = await new Scanner(promptEnd).score(splitLines(JSON.stringify({ messages: turns })).map((raw) => parseLine(raw).example!));
  const text = `<|user|>\nHi?<|end|>\n<|assistant|>\n${REPLIES[0]}<|end|>\n<|user|>\nAnd?<|end|>\n<|assistant|>\n${REPLIES[1]}<|end|>\n`;
  const starts = [text.indexOf(REPLIES[0]), text.indexOf(REPLIES[1])];
  const ends = await readAt(promptEnd, text, (offsets) => starts.map((c) => offsets.findIndex(([s]) => s >= c) - 1), 'persona');
  const tokenMean = two.score!.score - (PROMPT_END_WEIGHT * (ends[0] + ends[1])) / 2;
  const [plain] = await new Scanner(directionOnly).score(splitLines(JSON.stringify({ messages: turns })).map((raw) => parseLine(raw).example!));
  close(tokenMean, plain.score!.score, 'two answers');
});

test('--all-latents and the result cache work with a direction read-out', async () => {
  const root = mkdtempSync(join(tmpdir(), 'persona-lens-directions-cache-'));
  const cache = ResultCache.open<ExampleScore>({ root, packHash: directionOnly.hash });
  try {
    const first = await new Scanner(directionOnly, { latents: 'all', cache }).score(examples(...REPLIES));
    assert.ok(first.every((r) => !r.cached && r.score!.latents && r.score!.latents.length > 0), 'the SAE still reports latents');
    const again = await new Scanner(directionOnly, { latents: 'all', cache }).score(examples(...REPLIES));
    assert.ok(again.every((r) => r.cached));
    assert.deepEqual(again.map((r) => r.score), first.map((r) => r.score));
  } finally {
    cache.close();
    removeDir(root);
  }
});

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

test('a persona direction with namesAbove (format 8) names exactly the examples whose part of the score is above it', async () => {
  const term = { direction: 'persona', weight: 1.5 };
  const parts = await Promise.all(REPLIES.map(async (reply) => mean(await byHand(directionOnly, reply, [term]))));
  const sorted = [...parts].sort((a, b) => a - b);
  const namesAbove = (sorted[0] + sorted[1]) / 2;
  const scan = (readout: ReadoutTerm[]) => new Scanner({ ...directionOnly, calibration: { ...directionOnly.calibration, readout } }).score(examples(...REPLIES));
  const scores = await scan([{ ...term, namesAbove }]);
  scores.forEach((s, i) => assert.equal(s.score!.persona, parts[i] > namesAbove ? 'persona vector (test)' : undefined, `reply ${i + 1}: part ${parts[i]}`));
  assert.equal(scores.filter((s) => s.score!.persona).length, 2, 'two of three replies are above the threshold');
  // Without a threshold a direction names nothing: the old packs named it on every line.
  assert.ok((await scan([term])).every((s) => s.score!.persona === undefined));
});

test("latent terms name an example where they fired, the one furthest above 0 when several did", async () => {
  const latentTerms = mixed.calibration.readout.filter((r): r is LatentTerm => 'latent' in r && r.weight > 0);
  assert.ok(latentTerms.length >= 2, 'the test pack reads at least two latents');
  const scores = await new Scanner(mixed).score(examples(...REPLIES));
  let named = 0;
  for (const [i, reply] of REPLIES.entries()) {
    const parts = await Promise.all(latentTerms.map(async (t) => mean(await byHand(mixed, reply, [t]))));
    const best = parts.indexOf(Math.max(...parts));
    const label = parts[best] > 0 ? mixed.latents.latents.find((l) => l.index === latentTerms[best].latent)?.label : undefined;
    assert.equal(scores[i].score!.persona, label, `reply ${i + 1}: parts ${parts}`);
    if (label) named++;
  }
  assert.ok(named > 0, 'some reply is named');
});
