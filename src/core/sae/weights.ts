// The encoder half of an SAE, taken from its SAELens safetensors file and
// checked against cfg.json. The decoder is not needed to read latents; W_dec's
// shape is still checked when present, since a mismatch means a broken file.

import type { SaeConfig } from '../pack/types';
import type { SafetensorsFile, Tensor } from './safetensors';

export interface SaeWeights {
  /** [dIn, dSae], row-major. */
  wEnc: Float32Array;
  bEnc: Float32Array;
  bDec: Float32Array;
  /** JumpReLU only: per-latent threshold. */
  threshold?: Float32Array;
}

export function saeWeightsFrom(file: SafetensorsFile, cfg: SaeConfig): SaeWeights {
  const { dIn, dSae } = cfg;
  const checked = (name: string, shape: number[]): Tensor => {
    const t = file.tensors.get(name);
    if (!t) throw new Error(`no tensor named "${name}"`);
    checkShape(name, t.shape, shape);
    return t;
  };
  const tensor = (name: string, shape: number[]): Float32Array => checked(name, shape).data;
  const wDec = file.tensors.get('W_dec');
  if (wDec) checkShape('W_dec', wDec.shape, [dSae, dIn]);

  // Every tensor is converted (copied) here, so nothing keeps the file's bytes, W_dec's half
  // of them (9.4 MB for the embedded pack) too: the pack's encoder needs W_enc at once.
  const weights: SaeWeights = {
    wEnc: tensor('W_enc', [dIn, dSae]),
    bEnc: tensor('b_enc', [dSae]),
    bDec: tensor('b_dec', [dIn]),
  };
  if (cfg.architecture === 'jumprelu') {
    // Inference files store `threshold`; SAELens training checkpoints store `log_threshold`.
    if (file.tensors.has('threshold')) weights.threshold = tensor('threshold', [dSae]);
    else if (file.tensors.has('log_threshold')) weights.threshold = tensor('log_threshold', [dSae]).map(Math.exp);
    else throw new Error('a jumprelu SAE needs a "threshold" (or "log_threshold") tensor');
  }
  return weights;
}

function checkShape(name: string, actual: number[], expected: number[]): void {
  if (actual.join() !== expected.join()) {
    throw new Error(
      `${name} has shape [${actual.join(', ')}], cfg.json (d_in, d_sae) implies [${expected.join(', ')}]`,
    );
  }
}
