// SAE encode checked against an independent float64 implementation of
// SAELens' encode, for every architecture, input normalisation and b_dec mode.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SaeArchitecture, SaeConfig } from '../../../src/core/pack/types';
import { JS_READOUT_LATENTS, SAE_ROWS, SaeEncoder } from '../../../src/core/sae/encode';
import type { SaeWeights } from '../../../src/core/sae/weights';
import { Rng } from '../../../tools/test-pack/random';

const D_IN = 12;
const D_SAE = 40;
const N = 9;
const TOL = 1e-4;

function randomSae(arch: SaeArchitecture, seed: number): SaeWeights {
  const rng = new Rng(seed);
  return {
    wEnc: rng.uniform(D_IN * D_SAE, 0.6),
    bEnc: rng.uniform(D_SAE, 0.4),
    bDec: rng.uniform(D_IN, 0.5),
    ...(arch === 'jumprelu' ? { threshold: rng.between(D_SAE, -0.2, 0.8) } : {}),
  };
}

/** SAELens encode, written out plainly in float64: [n, dSae] activations. */
function reference(cfg: SaeConfig, w: SaeWeights, x: Float32Array, n: number): number[][] {
  const d = cfg.dIn;
  return Array.from({ length: n }, (_, r) => {
    let v = Array.from(x.subarray(r * d, (r + 1) * d));
    if (cfg.normalizeActivations === 'constant_norm_rescale') {
      const norm = Math.hypot(...v);
      v = v.map((a) => (a * Math.sqrt(d)) / norm);
    } else if (cfg.normalizeActivations === 'layer_norm') {
      const mu = v.reduce((a, b) => a + b, 0) / d;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (d - 1));
      v = v.map((a) => (a - mu) / (std + 1e-5));
    } else if (cfg.normalizeActivations === 'expected_average_only_in' && cfg.normScalingFactor) {
      v = v.map((a) => a * cfg.normScalingFactor!);
    }
    if (cfg.applyBDecToInput) v = v.map((a, i) => a - w.bDec[i]);
    const pre = Array.from({ length: cfg.dSae }, (_, j) => v.reduce((s, a, i) => s + a * w.wEnc[i * cfg.dSae + j], w.bEnc[j]));
    if (cfg.architecture === 'standard') return pre.map((p) => Math.max(0, p));
    if (cfg.architecture === 'jumprelu') return pre.map((p, j) => (p > w.threshold![j] ? Math.max(0, p) : 0));
    const keep = new Set(
      pre
        .map((p, j) => [p, j])
        .sort((a, b) => b[0] - a[0])
        .slice(0, cfg.k)
        .map(([, j]) => j),
    );
    return pre.map((p, j) => (keep.has(j) ? Math.max(0, p) : 0));
  });
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOL * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

const NORMALIZATIONS: Array<Pick<SaeConfig, 'normalizeActivations' | 'normScalingFactor'>> = [
  { normalizeActivations: 'none' },
  { normalizeActivations: 'constant_norm_rescale' },
  { normalizeActivations: 'layer_norm' },
  { normalizeActivations: 'expected_average_only_in', normScalingFactor: 0.37 },
  { normalizeActivations: 'expected_average_only_in' },
];

let seed = 100;
for (const architecture of ['standard', 'topk', 'jumprelu'] as const) {
  for (const norm of NORMALIZATIONS) {
    for (const applyBDecToInput of [true, false]) {
      const name = `${architecture}, ${norm.normalizeActivations}${norm.normScalingFactor ? ' x' + norm.normScalingFactor : ''}, b_dec ${applyBDecToInput ? 'applied' : 'not applied'}`;
      const s = seed++;
      test(`encode matches the float64 reference: ${name}`, async () => {
        const cfg: SaeConfig = { architecture, dIn: D_IN, dSae: D_SAE, applyBDecToInput, ...norm, ...(architecture === 'topk' ? { k: 6 } : {}) };
        const w = randomSae(architecture, s);
        const x = new Rng(s + 1000).uniform(N * D_IN, 2);
        const ref = reference(cfg, w, x, N);
        const sae = await SaeEncoder.create(cfg, w);
        try {
          // Columns: some active, some not, one repeated, in no particular order.
          const latents = [D_SAE - 1, 0, 7, 19, 7, 33];
          const cols = await sae.encodeColumns(x, N, latents);
          assert.equal(cols.length, N * latents.length);
          for (let r = 0; r < N; r++) {
            latents.forEach((l, j) => close(cols[r * latents.length + j], ref[r][l], `row ${r} latent ${l}`));
          }

          // Weighted read-outs: a few latents (JS) and every latent plus a repeat (the onnxruntime graph).
          const many = [...Array.from({ length: D_SAE }, (_, l) => D_SAE - 1 - l), 3];
          assert.ok(latents.length <= JS_READOUT_LATENTS && many.length > JS_READOUT_LATENTS);
          for (const terms of [latents, many]) {
            const weights = terms.map((l, j) => ((l * 7 + j) % 5) - 2.5);
            const sum = await sae.readout(x, N, terms, weights);
            for (let r = 0; r < N; r++) {
              close(sum[r], terms.reduce((a, l, j) => a + weights[j] * ref[r][l], 0), `read-out of ${terms.length} latents, row ${r}`);
            }
          }
          assert.equal((await sae.readout(new Float32Array(0), 0, many, many)).length, 0);

          const top = await sae.encodeTopK(x, N, 10);
          assert.equal(top.k, architecture === 'topk' ? 6 : 10);
          for (let r = 0; r < N; r++) {
            const expected = [...ref[r]].sort((a, b) => b - a).slice(0, top.k);
            for (let j = 0; j < top.k; j++) {
              const v = top.values[r * top.k + j];
              close(v, expected[j], `row ${r} rank ${j}`);
              if (v > 0) close(ref[r][top.indices[r * top.k + j]], v, `row ${r} rank ${j} index`);
            }
          }

          // diff-models' statistics: the 9 rows as a batch of 3 x 3 tokens, some not counted.
          const mask = Float32Array.of(1, 1, 0, 0, 1, 1, 1, 0, 1);
          const stats = await sae.latentStats(x, mask, 3, 3);
          for (let l = 0; l < D_SAE; l++) {
            const counted = ref.flatMap((row, r) => (mask[r] ? [row[l]] : []));
            close(stats.sum[l], counted.reduce((a, b) => a + b, 0), `sum of latent ${l}`);
            assert.equal(stats.fires[l], counted.filter((v) => v > 0).length, `fires of latent ${l}`);
            for (let b = 0; b < 3; b++) {
              const row = [0, 1, 2].map((t) => (mask[b * 3 + t] ? ref[b * 3 + t][l] : 0));
              const best = Math.max(...row);
              close(stats.top[b * D_SAE + l], best, `top of latent ${l} in row ${b}`);
              if (best > 0) assert.equal(row[stats.at[b * D_SAE + l]], best, `position of latent ${l}'s top in row ${b}`);
            }
          }
        } finally {
          await sae.dispose();
        }
      });
    }
  }
}

test('the full encode and a read-out of every latent run rows in slices, each row its own result', async () => {
  const n = 2 * SAE_ROWS + 5;
  const cfg: SaeConfig = { architecture: 'jumprelu', dIn: D_IN, dSae: D_SAE, applyBDecToInput: true, normalizeActivations: 'none' };
  const w = randomSae('jumprelu', 7);
  const x = new Rng(8).uniform(n * D_IN, 2);
  const ref = reference(cfg, w, x, n);
  const sae = await SaeEncoder.create(cfg, w);
  try {
    const top = await sae.encodeTopK(x, n, 3);
    const every = Array.from({ length: D_SAE }, (_, l) => l);
    const weights = every.map((l) => (l % 3) - 1);
    const sum = await sae.readout(x, n, every, weights);
    for (let r = 0; r < n; r++) {
      const expected = [...ref[r]].sort((a, b) => b - a);
      for (let j = 0; j < 3; j++) close(top.values[r * 3 + j], expected[j], `row ${r} rank ${j}`);
      close(sum[r], every.reduce((a, l) => a + weights[l] * ref[r][l], 0), `read-out of row ${r}`);
    }
  } finally {
    await sae.dispose();
  }
});

test('refuses out-of-range latents and wrongly sized input', async () => {
  const cfg: SaeConfig = { architecture: 'standard', dIn: D_IN, dSae: D_SAE, applyBDecToInput: true, normalizeActivations: 'none' };
  const sae = await SaeEncoder.create(cfg, randomSae('standard', 1));
  try {
    const x = new Float32Array(2 * D_IN);
    await assert.rejects(sae.encodeColumns(x, 2, [D_SAE]), /latent 40 is out of range for an SAE with d_sae 40/);
    await assert.rejects(sae.encodeColumns(x, 3, [0]), /3 rows of d_in 12 need 36 values, got 24/);
    await assert.rejects(sae.encodeTopK(x, 2, 0), /k must be a positive integer/);
    const empty = await sae.encodeTopK(new Float32Array(0), 0);
    assert.equal(empty.values.length, 0);
    assert.equal((await sae.encodeColumns(new Float32Array(0), 0, [1])).length, 0);
  } finally {
    await sae.dispose();
  }
});
