// convert-sae's converters: each public layout is built here, converted, loaded
// the way a pack loads its SAE, and encoded; the activations must match the
// original layout's own math, computed here independently in float64.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSaeConfig } from '../../../src/core/sae/config';
import { convertGemmaScope, convertSparsify, type ConvertedSae } from '../../../src/core/sae/convert';
import { SaeEncoder } from '../../../src/core/sae/encode';
import { readSafetensors, writeSafetensors } from '../../../src/core/sae/safetensors';
import { saeWeightsFrom } from '../../../src/core/sae/weights';
import { Rng } from '../../../tools/test-pack/random';
import {
  gemmaScopeNpz,
  npyBytes,
  randomGemmaScope,
  randomSparsify,
  sparsifyCfg,
  sparsifySafetensors,
  zipBytes,
  type GemmaScopeSae,
  type SparsifySae,
} from '../../fixtures/saeFormats';

const D_IN = 12;
const D_SAE = 48;
const K = 5;
const N = 7;
const TOL = 1e-4;

const x = new Rng(99).uniform(N * D_IN, 1.5);
const row = (r: number) => Array.from(x.subarray(r * D_IN, (r + 1) * D_IN));

/** Gemma Scope's JumpReLU: relu(x W_enc + b_enc) * (pre > threshold); no b_dec on the input. */
function gemmaReference(s: GemmaScopeSae): number[][] {
  return Array.from({ length: N }, (_, r) =>
    Array.from({ length: D_SAE }, (_, j) => {
      const pre = row(r).reduce((acc, v, i) => acc + v * s.W_enc[i * D_SAE + j], s.b_enc[j]);
      return pre > s.threshold[j] ? Math.max(0, pre) : 0;
    }),
  );
}

/** sparsify's encode: top-k of relu((x - b_dec) encoder.weight^T + encoder.bias). */
function sparsifyReference(s: SparsifySae, k: number): number[][] {
  return Array.from({ length: N }, (_, r) => {
    const v = row(r).map((a, i) => a - s.b_dec[i]);
    const acts = Array.from({ length: D_SAE }, (_, j) =>
      Math.max(0, v.reduce((acc, a, i) => acc + a * s.encoderWeight[j * D_IN + i], s.encoderBias[j])),
    );
    const keep = new Set(acts.map((a, j) => [a, j]).sort((p, q) => q[0] - p[0]).slice(0, k).map(([, j]) => j));
    return acts.map((a, j) => (keep.has(j) ? a : 0));
  });
}

/** Loads the converted files as a pack does and returns every latent's activation per row. */
async function encodeConverted(sae: ConvertedSae): Promise<Float32Array> {
  const config = parseSaeConfig(JSON.parse(JSON.stringify(sae.cfg)));
  const encoder = await SaeEncoder.create(config, saeWeightsFrom(readSafetensors(sae.weights), config), { threads: 1 });
  try {
    return await encoder.encodeColumns(x, N, Array.from({ length: D_SAE }, (_, j) => j));
  } finally {
    await encoder.dispose();
  }
}

function assertActivations(actual: Float32Array, expected: number[][]): void {
  let active = 0;
  expected.forEach((r, i) =>
    r.forEach((e, j) => {
      const a = actual[i * D_SAE + j];
      assert.ok(Math.abs(a - e) <= TOL * Math.max(1, Math.abs(e)), `row ${i} latent ${j}: ${a} vs ${e}`);
      if (e > 0) active++;
    }),
  );
  assert.ok(active > N, 'the fixture activates latents');
}

/** fn throws, and its message (which the CLI prints after the input path) matches re. */
function assertRefused(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, re);
    return true;
  });
}

const GEMMA = randomGemmaScope(7, D_IN, D_SAE);

test('Gemma Scope npz as numpy writes it (stored, zip64 local headers) encodes as Gemma Scope does', async () => {
  const sae = convertGemmaScope(gemmaScopeNpz(GEMMA, D_IN, D_SAE, { zip64Local: true }), { hookName: 'blocks.3.hook_resid_post' });
  assert.deepEqual(sae.cfg, {
    architecture: 'jumprelu',
    d_in: D_IN,
    d_sae: D_SAE,
    dtype: 'float32',
    apply_b_dec_to_input: false,
    normalize_activations: 'none',
    hook_name: 'blocks.3.hook_resid_post',
  });
  const tensors = readSafetensors(sae.weights).tensors;
  assert.deepEqual([...tensors.keys()], ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'threshold']);
  assert.deepEqual(tensors.get('W_dec')!.data, GEMMA.W_dec);
  assert.deepEqual(tensors.get('W_dec')!.shape, [D_SAE, D_IN]);
  assertActivations(await encodeConverted(sae), gemmaReference(GEMMA));
});

test('Gemma Scope npz deflated (np.savez_compressed), float16/float64 arrays, zip64 central directory', async () => {
  const npz = gemmaScopeNpz(GEMMA, D_IN, D_SAE, {
    deflate: true,
    zip64Central: true,
    descr: { W_enc: '<f8', threshold: '<f2', b_enc: '<f2' },
  });
  assertActivations(await encodeConverted(convertGemmaScope(npz)), gemmaReference(GEMMA));
});

const SPARSIFY = randomSparsify(11, D_IN, D_SAE);

test('sparsify folder encodes as sparsify does (b_dec subtracted, top-k of relu)', async () => {
  const sae = convertSparsify(sparsifyCfg(D_IN, K, { num_latents: D_SAE }), sparsifySafetensors(SPARSIFY, D_IN, D_SAE));
  assert.deepEqual(sae.cfg, {
    architecture: 'topk',
    d_in: D_IN,
    d_sae: D_SAE,
    k: K,
    activation_fn_kwargs: { k: K },
    dtype: 'float32',
    apply_b_dec_to_input: true,
    normalize_activations: 'none',
  });
  const tensors = readSafetensors(sae.weights).tensors;
  assert.deepEqual(tensors.get('W_enc')!.shape, [D_IN, D_SAE]);
  assert.deepEqual(tensors.get('W_dec')!.data, SPARSIFY.W_dec);
  assertActivations(await encodeConverted(sae), sparsifyReference(SPARSIFY, K));
});

/** a rounded to bfloat16 (truncated): the values, and their raw little-endian bytes. */
function bf16(a: Float32Array): { values: Float32Array; raw: Uint8Array } {
  const halves = Uint16Array.from(new Uint32Array(Float32Array.from(a).buffer), (bits) => bits >>> 16);
  return { values: new Float32Array(Uint32Array.from(halves, (h) => h << 16).buffer), raw: new Uint8Array(halves.buffer) };
}

test('sparsify: bfloat16 weights, latents from expansion_factor, an older cfg without activation', async () => {
  const [w, b, dec, bDec] = [SPARSIFY.encoderWeight, SPARSIFY.encoderBias, SPARSIFY.W_dec, SPARSIFY.b_dec].map(bf16);
  const weights = writeSafetensors({
    'encoder.weight': { shape: [D_SAE, D_IN], dtype: 'BF16', raw: w.raw },
    'encoder.bias': { shape: [D_SAE], dtype: 'BF16', raw: b.raw },
    W_dec: { shape: [D_SAE, D_IN], dtype: 'BF16', raw: dec.raw },
    b_dec: { shape: [D_IN], dtype: 'BF16', raw: bDec.raw },
  });
  const cfg = JSON.stringify({ expansion_factor: D_SAE / D_IN, normalize_decoder: true, num_latents: 0, k: 3, d_in: D_IN });
  const asLoaded = { encoderWeight: w.values, encoderBias: b.values, W_dec: dec.values, b_dec: bDec.values };
  assertActivations(await encodeConverted(convertSparsify(cfg, weights)), sparsifyReference(asLoaded, 3));
});

test('malformed Gemma Scope archives are refused with the entry and the problem', () => {
  const entry = (name: string, bytes: Uint8Array): [string, Uint8Array] => [name, bytes];
  const good = (['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold'] as const).map((k) =>
    entry(`${k}.npy`, npyBytes(GEMMA[k], k === 'W_enc' ? [D_IN, D_SAE] : k === 'W_dec' ? [D_SAE, D_IN] : [k === 'b_dec' ? D_IN : D_SAE])),
  );
  const replace = (name: string, bytes: Uint8Array) => zipBytes(good.map((e) => (e[0] === name ? entry(name, bytes) : e)));
  const npz = zipBytes(good);
  const crcBroken = Buffer.from(npz);
  crcBroken[200] ^= 0xff; // inside W_enc's data
  const cases: Array<[Uint8Array, RegExp]> = [
    [Buffer.from('not a zip at all'), /not a zip archive/],
    [npz.subarray(0, npz.length - 30), /not a zip archive|truncated/],
    [zipBytes(good.filter((e) => e[0] !== 'threshold.npy')), /no threshold\.npy in the archive \(it holds: W_enc\.npy, W_dec\.npy, b_enc\.npy, b_dec\.npy\)/],
    [replace('W_enc.npy', Buffer.from('PK not numpy')), /^W_enc\.npy: not an \.npy file/],
    [replace('b_enc.npy', npyBytes(GEMMA.b_enc.subarray(0, 5), [5])), /^b_enc has shape \[5\], expected \[48\] \(d_in 12, d_sae 48 from W_enc\)/],
    [replace('W_enc.npy', npyBytes(GEMMA.W_enc, [D_IN * D_SAE])), /^W_enc must be a matrix, has shape \[576\]/],
    [replace('W_dec.npy', npyBytes(GEMMA.W_dec, [D_SAE, D_IN], '<f4', true)), /^W_dec\.npy: fortran_order arrays are not supported/],
    [replace('b_dec.npy', Buffer.from(npyBytes(GEMMA.b_dec, [D_IN]).toString('latin1').replace("'<f4'", "'<i4'"), 'latin1')), /^b_dec\.npy: unsupported dtype "<i4"/],
    [replace('b_dec.npy', npyBytes(GEMMA.b_dec, [D_IN]).subarray(0, 100)), /^b_dec\.npy: \.npy header is truncated/],
    [replace('b_dec.npy', npyBytes(GEMMA.b_dec, [D_IN]).subarray(0, 132)), /^b_dec\.npy: shape \[12\] of <f4 needs 48 data bytes, the file has 4/],
    [crcBroken, /zip entry W_enc\.npy: CRC mismatch/],
  ];
  for (const [bytes, re] of cases) assertRefused(() => convertGemmaScope(bytes), re);

  const bzip2 = Buffer.from(npz);
  bzip2.writeUInt16LE(12, bzip2.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10);
  assertRefused(() => convertGemmaScope(bzip2), /zip entry W_enc\.npy: compression method 12 is not supported/);
});

test('malformed sparsify folders are refused with the file and the problem', () => {
  const weights = sparsifySafetensors(SPARSIFY, D_IN, D_SAE);
  const cfg = (fields: Record<string, unknown> = {}) => sparsifyCfg(D_IN, K, { num_latents: D_SAE, ...fields });
  const without = (name: string) => {
    const t = readSafetensors(weights).tensors;
    t.delete(name);
    return writeSafetensors(Object.fromEntries([...t].map(([n, v]) => [n, { shape: v.shape, data: v.data }])));
  };
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['{"k": ', weights, /^cfg\.json: not valid JSON/],
    [cfg({ activation: 'groupmax' }), weights, /^cfg\.json: activation "groupmax" is not supported \(supported: topk\)/],
    [cfg({ transcode: true }), weights, /^cfg\.json: this is a transcoder/],
    [cfg({ k: 0 }), weights, /^cfg\.json: k must be a positive integer, got 0/],
    [cfg({ k: D_SAE + 1 }), weights, /^sae\.safetensors: cfg\.json's k \(49\) exceeds the 48 latents/],
    [cfg({ d_in: 16 }), weights, /^sae\.safetensors: encoder\.weight is \[48, 12\] but cfg\.json gives d_in 16/],
    [cfg({ num_latents: 64 }), weights, /cfg\.json gives d_in 12 and 64 latents/],
    [cfg(), without('encoder.bias'), /^sae\.safetensors: no tensor "encoder\.bias" \(it holds: encoder\.weight, W_dec, b_dec\)/],
    [cfg(), weights.subarray(0, 4), /^sae\.safetensors: safetensors file is truncated/],
  ];
  for (const [c, w, re] of cases) assertRefused(() => convertSparsify(c, w), re);

  const badDec = writeSafetensors({
    'encoder.weight': { shape: [D_SAE, D_IN], data: SPARSIFY.encoderWeight },
    'encoder.bias': { shape: [D_SAE], data: SPARSIFY.encoderBias },
    W_dec: { shape: [D_IN, D_SAE], data: SPARSIFY.W_dec },
    b_dec: { shape: [D_IN], data: SPARSIFY.b_dec },
  });
  assertRefused(() => convertSparsify(cfg(), badDec), /^sae\.safetensors: W_dec has shape \[12, 48\], expected \[48, 12\]/);
});
