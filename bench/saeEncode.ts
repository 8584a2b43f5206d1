// Benchmark of SAE encode speed on random weights:
//   node --import tsx bench/saeEncode.ts [--d-in 256 --d-sae 4096 --k 32 --rows 1024]
// Prints tokens/s of the onnxruntime full top-k encode (TopK SAE) at 1 and 2
// threads, of the JS read-out path (encodeColumns, 2 latents, standard SAE), and of
// the weighted read-out (SaeEncoder.readout, JumpReLU): JS_READOUT_LATENTS latents in
// JS against every latent in onnxruntime (a probe over the SAE, as the embedded pack's).

import { parseArgs } from 'node:util';
import type { SaeConfig } from '../src/core/pack/types';
import { JS_READOUT_LATENTS, SaeEncoder } from '../src/core/sae/encode';
import { Rng } from '../tools/test-pack/random';

const { values } = parseArgs({
  options: { 'd-in': { type: 'string' }, 'd-sae': { type: 'string' }, k: { type: 'string' }, rows: { type: 'string' } },
});
const dIn = Number(values['d-in'] ?? 256);
const dSae = Number(values['d-sae'] ?? 4096);
const k = Number(values.k ?? 32);
const rows = Number(values.rows ?? 1024);
const MIN_MS = 2000;

/** Repeats `f` (one batch of `rows` tokens) for at least MIN_MS after a warm-up; returns tokens/s. */
async function tokensPerSecond(f: () => Promise<unknown>): Promise<number> {
  await f();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < MIN_MS) {
    await f();
    n++;
  }
  return (n * rows) / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const rng = new Rng(7);
  const weights = { wEnc: rng.uniform(dIn * dSae, Math.sqrt(3 / dIn)), bEnc: rng.uniform(dSae, 0.1), bDec: rng.uniform(dIn, 0.1) };
  const x = rng.uniform(rows * dIn, 1);
  const base = { dIn, dSae, applyBDecToInput: true, normalizeActivations: 'none' as const };
  console.log(`d_in ${dIn}, d_sae ${dSae}, batches of ${rows} tokens`);
  for (const threads of [1, 2]) {
    const topk = await SaeEncoder.create({ ...base, architecture: 'topk', k } satisfies SaeConfig, weights, { threads });
    const rate = await tokensPerSecond(() => topk.encodeTopK(x, rows, k));
    console.log(`full encode (topk, k ${k}), ${threads} thread(s): ${Math.round(rate)} tokens/s`);
    await topk.dispose();
  }
  const standard = await SaeEncoder.create({ ...base, architecture: 'standard' }, weights);
  const rate = await tokensPerSecond(() => standard.encodeColumns(x, rows, [10, 20]));
  console.log(`read-out columns (standard, 2 latents, JS): ${Math.round(rate)} tokens/s`);
  await standard.dispose();

  const jumprelu = await SaeEncoder.create({ ...base, architecture: 'jumprelu' }, { ...weights, threshold: rng.uniform(dSae, 0.05) });
  const few = Array.from({ length: JS_READOUT_LATENTS }, (_, j) => j * 7);
  const all = Array.from({ length: dSae }, (_, l) => l);
  const jsRate = await tokensPerSecond(() => jumprelu.readout(x, rows, few, few.map(() => 0.5)));
  const allRate = await tokensPerSecond(() => jumprelu.readout(x, rows, all, all.map((l) => (l % 5) - 2)));
  console.log(`weighted read-out (jumprelu, 1 thread): ${JS_READOUT_LATENTS} latents in JS ${Math.round(jsRate)} tokens/s; all ${dSae} in onnxruntime ${Math.round(allRate)} tokens/s`);
  await jumprelu.dispose();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
