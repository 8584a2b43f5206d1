// The test pack's SAE in SAELens layout: cfg.json plus sae_weights.safetensors
// with W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in], b_dec (and threshold
// for jumprelu). Random weights, scaled so a fair share of latents fire.

import type { SaeArchitecture } from '../../src/core/pack/types';
import { writeSafetensors } from '../../src/core/sae/safetensors';
import type { Rng } from './random';

export interface TestSaeShape {
  dIn: number;
  dSae: number;
  arch: SaeArchitecture;
  /** TopK only. */
  k: number;
  hookName: string;
}

export interface TestSae {
  cfgJson: Record<string, unknown>;
  safetensors: Uint8Array;
}

export function buildTestSae(rng: Rng, { dIn, dSae, arch, k, hookName }: TestSaeShape): TestSae {
  const wEnc = rng.uniform(dIn * dSae, Math.sqrt(3 / dIn));
  const bEnc = rng.between(dSae, -0.3, 0.1);
  const bDec = rng.uniform(dIn, 0.05);
  const wDec = new Float32Array(dSae * dIn);
  for (let i = 0; i < dIn; i++) for (let j = 0; j < dSae; j++) wDec[j * dIn + i] = wEnc[i * dSae + j];
  const threshold = arch === 'jumprelu' ? rng.between(dSae, 0.05, 0.4) : undefined;

  const safetensors = writeSafetensors(
    {
      W_enc: { shape: [dIn, dSae], data: wEnc },
      b_enc: { shape: [dSae], data: bEnc },
      W_dec: { shape: [dSae, dIn], data: wDec },
      b_dec: { shape: [dIn], data: bDec },
      ...(threshold ? { threshold: { shape: [dSae], data: threshold } } : {}),
    },
    { format: 'pt' },
  );
  const cfgJson = {
    architecture: arch,
    d_in: dIn,
    d_sae: dSae,
    ...(arch === 'topk' ? { k } : {}),
    dtype: 'float32',
    device: 'cpu',
    apply_b_dec_to_input: true,
    normalize_activations: 'none',
    reshape_activations: 'none',
    metadata: { model_name: 'persona-lens-test-model', hook_name: hookName, prepend_bos: false, context_size: 128 },
  };
  return { cfgJson, safetensors };
}
