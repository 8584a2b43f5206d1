import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSaeConfig } from '../../../src/core/sae/config';
import { readSafetensors, writeSafetensors } from '../../../src/core/sae/safetensors';
import { saeWeightsFrom } from '../../../src/core/sae/weights';

test('reads a SAELens 6 cfg.json (hook name under metadata)', () => {
  const cfg = parseSaeConfig({
    architecture: 'jumprelu',
    d_in: 2304,
    d_sae: 16384,
    dtype: 'float32',
    apply_b_dec_to_input: false,
    normalize_activations: 'none',
    metadata: { hook_name: 'blocks.20.hook_resid_post', sae_lens_version: '6.12.1' },
  });
  assert.deepEqual(cfg, {
    architecture: 'jumprelu',
    dIn: 2304,
    dSae: 16384,
    applyBDecToInput: false,
    normalizeActivations: 'none',
    hookName: 'blocks.20.hook_resid_post',
  });
});

test('applies SAELens defaults to old configs', () => {
  const cfg = parseSaeConfig({ d_in: 768, d_sae: 24576, hook_point: 'blocks.8.hook_resid_pre', normalize_activations: true });
  assert.equal(cfg.architecture, 'standard');
  assert.equal(cfg.applyBDecToInput, true);
  assert.equal(cfg.normalizeActivations, 'expected_average_only_in');
  assert.equal(cfg.hookName, 'blocks.8.hook_resid_pre');
  assert.equal(parseSaeConfig({ d_in: 4, d_sae: 8, normalize_activations: null }).normalizeActivations, 'none');
  assert.equal(parseSaeConfig({ d_in: 4, d_sae: 8, normalize_activations: false }).normalizeActivations, 'none');
});

test('reads topk from `k` and from pre-6.0 activation_fn_kwargs', () => {
  assert.equal(parseSaeConfig({ architecture: 'topk', d_in: 4, d_sae: 8, k: 3 }).k, 3);
  const old = parseSaeConfig({ architecture: 'standard', activation_fn_str: 'topk', activation_fn_kwargs: { k: 5 }, d_in: 4, d_sae: 8 });
  assert.equal(old.architecture, 'topk');
  assert.equal(old.k, 5);
});

test('reads every normalize_activations mode and the scaling factor', () => {
  for (const mode of ['none', 'expected_average_only_in', 'constant_norm_rescale', 'layer_norm'] as const) {
    assert.equal(parseSaeConfig({ d_in: 4, d_sae: 8, normalize_activations: mode }).normalizeActivations, mode);
  }
  const cfg = parseSaeConfig({ d_in: 4, d_sae: 8, normalize_activations: 'expected_average_only_in', norm_scaling_factor: 0.25 });
  assert.equal(cfg.normScalingFactor, 0.25);
});

test('refuses configs it cannot honour, saying why', () => {
  const base = { d_in: 4, d_sae: 8 };
  assert.throws(() => parseSaeConfig([]), /must be a JSON object/);
  assert.throws(() => parseSaeConfig({ d_sae: 8 }), /d_in must be a positive integer, got undefined/);
  assert.throws(() => parseSaeConfig({ ...base, d_sae: 2.5 }), /d_sae must be a positive integer/);
  assert.throws(() => parseSaeConfig({ ...base, architecture: 'gated' }), /architecture "gated" is not supported \(supported: standard, topk, jumprelu\)/);
  assert.throws(() => parseSaeConfig({ ...base, activation_fn: 'tanh-relu' }), /activation_fn "tanh-relu" is not supported/);
  assert.throws(() => parseSaeConfig({ ...base, architecture: 'topk' }), /k must be a positive integer/);
  assert.throws(() => parseSaeConfig({ ...base, architecture: 'topk', k: 9 }), /k \(9\) must not exceed d_sae \(8\)/);
  assert.throws(() => parseSaeConfig({ ...base, normalize_activations: 'l2' }), /normalize_activations "l2" is not supported/);
  assert.throws(() => parseSaeConfig({ ...base, apply_b_dec_to_input: 'yes' }), /apply_b_dec_to_input must be true or false/);
  assert.throws(() => parseSaeConfig({ ...base, norm_scaling_factor: -1 }), /norm_scaling_factor must be a positive number/);
});

test('weights: shapes are checked against the config; log_threshold becomes threshold', () => {
  const cfg = parseSaeConfig({ architecture: 'jumprelu', d_in: 2, d_sae: 3 });
  const tensors = {
    W_enc: { shape: [2, 3], data: new Float32Array(6) },
    b_enc: { shape: [3], data: new Float32Array(3) },
    W_dec: { shape: [3, 2], data: new Float32Array(6) },
    b_dec: { shape: [2], data: new Float32Array(2) },
  };
  const logThreshold = { shape: [3], data: Float32Array.of(0, Math.log(2), -1) };
  const w = saeWeightsFrom(readSafetensors(writeSafetensors({ ...tensors, log_threshold: logThreshold })), cfg);
  assert.deepEqual([...w.threshold!].map((v) => +v.toFixed(5)), [1, 2, +Math.exp(-1).toFixed(5)]);

  assert.throws(() => saeWeightsFrom(readSafetensors(writeSafetensors(tensors)), cfg), /jumprelu SAE needs a "threshold"/);
  const { b_enc: _omitted, ...noBias } = tensors;
  assert.throws(() => saeWeightsFrom(readSafetensors(writeSafetensors(noBias)), cfg), /no tensor named "b_enc"/);
  const transposed = { ...tensors, W_enc: { shape: [3, 2], data: new Float32Array(6) } };
  assert.throws(
    () => saeWeightsFrom(readSafetensors(writeSafetensors(transposed)), cfg),
    /W_enc has shape \[3, 2\], cfg.json \(d_in, d_sae\) implies \[2, 3\]/,
  );
  const badDec = { ...tensors, W_dec: { shape: [2, 3], data: new Float32Array(6) } };
  assert.throws(() => saeWeightsFrom(readSafetensors(writeSafetensors(badDec)), cfg), /W_dec has shape \[2, 3\]/);
});
