// A "fine-tune" of a test pack's model with a known change: the model rebuilt from the
// generator's seed, with scale × an SAE decoder row added to the hidden state at the hook
// (every token). `diff-models` must rank that latent #1 against the pack. Only for packs
// the generator made with these options: the model is rebuilt, and checked to be the
// pack's byte for byte without the plant.
//
// CLI: node --import tsx tools/test-pack/planted.ts PACK OUT.onnx --latent N [--scale S]
//        [--vocab N --d-model D --layers L]   (the options PACK was generated with)

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSafetensors } from '../../src/core/sae/safetensors';
import { PACK_FILES } from '../../src/core/pack/types';
import { buildTestModel, type TestModelShape } from './model';
import { DEFAULT_OPTIONS, MODEL_SEED } from './pack';
import { Rng } from './random';

const DEFAULT_SHAPE: TestModelShape = { vocab: DEFAULT_OPTIONS.vocab, dModel: DEFAULT_OPTIONS.dModel, layers: DEFAULT_OPTIONS.layers };

/** Row `latent` of the pack's W_dec [d_sae, d_in], as float32. */
export function decoderRow(packDir: string, latent: number): Float32Array {
  const st = readSafetensors(readFileSync(join(packDir, PACK_FILES.saeWeights)));
  const w = st.tensors.get('W_dec');
  if (!w || w.shape.length !== 2) throw new Error(`${packDir}: no W_dec [d_sae, d_in] in ${PACK_FILES.saeWeights}`);
  const [dSae, dIn] = w.shape;
  if (!Number.isInteger(latent) || latent < 0 || latent >= dSae) throw new Error(`latent ${latent} is out of range for d_sae ${dSae}`);
  return Float32Array.from(w.data.subarray(latent * dIn, (latent + 1) * dIn));
}

/** The test pack's model with `plant` added to its output; throws unless, without it, the model is the pack's own. */
export function plantedTestModel(packDir: string, plant: Float32Array, shape: TestModelShape = DEFAULT_SHAPE): Uint8Array {
  const manifest = JSON.parse(readFileSync(join(packDir, PACK_FILES.manifest), 'utf8'));
  const plain = buildTestModel(new Rng(MODEL_SEED), shape);
  if (createHash('sha256').update(plain).digest('hex') !== manifest.files[PACK_FILES.model]) {
    throw new Error(`${packDir}: its model is not the generator's with ${JSON.stringify(shape)}: pass the options it was generated with`);
  }
  return buildTestModel(new Rng(MODEL_SEED), shape, plant);
}

/** scale × the pack's decoder row of `latent`, planted in its model. */
export function plantLatent(packDir: string, latent: number, scale: number, shape?: TestModelShape): Uint8Array {
  return plantedTestModel(packDir, decoderRow(packDir, latent).map((v) => v * scale), shape);
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { latent: { type: 'string' }, scale: { type: 'string' }, vocab: { type: 'string' }, 'd-model': { type: 'string' }, layers: { type: 'string' } },
  });
  if (positionals.length !== 2 || values.latent === undefined) throw new Error('usage: planted.ts PACK OUT.onnx --latent N [--scale S] [--vocab N --d-model D --layers L]');
  const shape = {
    vocab: Number(values.vocab ?? DEFAULT_SHAPE.vocab),
    dModel: Number(values['d-model'] ?? DEFAULT_SHAPE.dModel),
    layers: Number(values.layers ?? DEFAULT_SHAPE.layers),
  };
  writeFileSync(positionals[1], plantLatent(positionals[0], Number(values.latent), Number(values.scale ?? 4), shape));
  console.log(`${positionals[1]}: ${positionals[0]}'s model + ${values.scale ?? 4} x W_dec[${values.latent}]`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`planted: ${(e as Error).message}`);
    process.exit(2);
  }
}
