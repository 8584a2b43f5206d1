// What SAELens does to an activation before the encoder matmul
// (SAE.process_sae_in): run-time normalisation, then subtract b_dec when
// apply_b_dec_to_input is set. graph.ts builds the same steps as ONNX nodes.

import type { SaeConfig } from '../pack/types';

/** SAELens' layer_norm epsilon, added to the (unbiased) standard deviation. */
export const LAYER_NORM_EPS = 1e-5;

/**
 * The multiplier for `expected_average_only_in`. SAELens folds the dataset's
 * scaling factor into the weights when it knows one; a file loaded from disk
 * without it is used unscaled (SAELens only warns), and so is it here.
 */
export function expectedAverageScale(cfg: SaeConfig): number | null {
  return cfg.normalizeActivations === 'expected_average_only_in' && cfg.normScalingFactor !== undefined
    ? cfg.normScalingFactor
    : null;
}

/** Writes row `row` of x [n, dIn], processed, into `out` (float64, length dIn). */
export function processSaeInput(x: Float32Array, row: number, cfg: SaeConfig, bDec: Float32Array, out: Float64Array): void {
  const d = cfg.dIn;
  const base = row * d;
  for (let i = 0; i < d; i++) out[i] = x[base + i];

  if (cfg.normalizeActivations === 'constant_norm_rescale') {
    let sq = 0;
    for (let i = 0; i < d; i++) sq += out[i] * out[i];
    scale(out, Math.sqrt(d) / Math.sqrt(sq));
  } else if (cfg.normalizeActivations === 'layer_norm') {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += out[i];
    mean /= d;
    let sq = 0;
    for (let i = 0; i < d; i++) {
      out[i] -= mean;
      sq += out[i] * out[i];
    }
    // torch's Tensor.std is the unbiased (n - 1) estimate.
    scale(out, 1 / (Math.sqrt(sq / (d - 1)) + LAYER_NORM_EPS));
  } else {
    const s = expectedAverageScale(cfg);
    if (s !== null) scale(out, s);
  }

  if (cfg.applyBDecToInput) for (let i = 0; i < d; i++) out[i] -= bDec[i];
}

function scale(v: Float64Array, by: number): void {
  for (let i = 0; i < v.length; i++) v[i] *= by;
}
