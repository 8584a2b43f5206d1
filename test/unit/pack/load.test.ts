import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeOnnxModel, GraphBuilder } from '../../../src/core/model/onnxWriter';
import { PackError } from '../../../src/core/pack/errors';
import { loadPack } from '../../../src/core/pack/load';
import { buildTestModel } from '../../../tools/test-pack/model';
import { Rng } from '../../../tools/test-pack/random';
import { TINY, copyTiny, readJson, rehash, removeDir, writeJson } from './helpers';

test('loads the tiny pack and scores a batch end to end', async () => {
  const pack = await loadPack(TINY);
  try {
    assert.equal(pack.root, TINY);
    assert.equal(pack.hash, createHash('sha256').update(readFileSync(join(TINY, 'pack.json'))).digest('hex'));
    assert.equal(pack.manifest.model.dModel, 32);
    assert.equal(pack.saeConfig.architecture, 'standard');
    assert.equal(pack.latents.latents[0].label, 'toxic persona (test)');
    assert.deepEqual(pack.tokenizerJson, readJson(TINY, 'tokenizer.json'));

    const { ids } = pack.tokenizer.encode('<|assistant|>\nThe capital of France is Paris.<|end|>\n');
    assert.equal(ids[0], pack.tokenizer.tokenId('<|assistant|>'));
    const n = ids.length;
    const { hidden } = await pack.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(n).fill(1n), 1, n);
    const readout = pack.calibration.readout.map((r) => r.latent);
    const acts = await pack.sae.encodeColumns(hidden, n, readout);
    assert.equal(acts.length, n * readout.length);
    assert.ok(acts.some((v) => v > 0), 'the readout latents fire somewhere');
  } finally {
    await pack.dispose();
  }
});

/** Loads a broken copy of the tiny pack and checks the PackError's code and message. */
async function refused(
  breakIt: (dir: string) => void,
  code: string,
  message: RegExp,
  opts: { rehash?: boolean } = { rehash: true },
): Promise<void> {
  const dir = copyTiny();
  try {
    breakIt(dir);
    if (opts.rehash) rehash(dir);
    await assert.rejects(loadPack(dir), (e: unknown) => {
      assert.ok(e instanceof PackError, `expected a PackError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    });
  } finally {
    removeDir(join(dir, '..'));
  }
}

test('a file whose hash does not match is refused, naming both hashes', async () => {
  await refused(
    (dir) => appendFileSync(join(dir, 'latents.json'), ' '),
    'hash-mismatch',
    /^latents\.json: sha256 mismatch: pack\.json lists [0-9a-f]{64}, the file has [0-9a-f]{64}$/,
    { rehash: false },
  );
});

test('verify: false skips the hash check', async () => {
  const dir = copyTiny();
  try {
    appendFileSync(join(dir, 'latents.json'), ' ');
    const pack = await loadPack(dir, { verify: false });
    await pack.dispose();
  } finally {
    removeDir(join(dir, '..'));
  }
});

test('a missing file is refused', async () => {
  await refused((dir) => rmSync(join(dir, 'calibration.json')), 'missing-file', /^calibration\.json: the pack has no such file$/, {
    rehash: false,
  });
  await refused((dir) => rmSync(join(dir, 'pack.json')), 'missing-file', /^pack\.json: the pack has no such file$/, { rehash: false });
});

test('a required file that pack.json does not list is refused', async () => {
  await refused(
    (dir) => {
      const m = readJson(dir, 'pack.json');
      delete m.files['model.onnx'];
      writeJson(dir, 'pack.json', m);
    },
    'unlisted-file',
    /files does not list "model\.onnx"/,
  );
});

test('malformed JSON in each file gets that file\'s code', async () => {
  const cases: Array<[string, string]> = [
    ['pack.json', 'bad-manifest'],
    ['tokenizer.json', 'bad-tokenizer'],
    ['latents.json', 'bad-latents'],
    ['calibration.json', 'bad-calibration'],
    ['sae/cfg.json', 'bad-sae'],
  ];
  for (const [file, code] of cases) {
    await refused(
      (dir) => writeFileSync(join(dir, file), '{ "broken": '),
      code,
      new RegExp(`^${file.replace('.', '\\.')}: not valid JSON`),
      { rehash: file !== 'pack.json' },
    );
  }
});

test('a tokenizer.json the tokenizer cannot use is refused', async () => {
  await refused((dir) => writeJson(dir, 'tokenizer.json', { version: '1.0' }), 'bad-tokenizer', /^tokenizer\.json: .*"model"/);
});

test('a model without a "hidden" output is refused', async () => {
  await refused(
    (dir) => {
      const g = new GraphBuilder();
      g.op('Cast', ['input_ids'], { to: { int: 1 } }, 'logits');
      g.op('Identity', ['attention_mask'], undefined, 'mask_out');
      const inputs = ['input_ids', 'attention_mask'].map((name) => ({ name, type: 'int64' as const, shape: ['b', 's'] }));
      const outputs = [
        { name: 'logits', type: 'float32' as const, shape: ['b', 's'] },
        { name: 'mask_out', type: 'int64' as const, shape: ['b', 's'] },
      ];
      writeFileSync(join(dir, 'model.onnx'), encodeOnnxModel(g.build('wrong', inputs, outputs)));
    },
    'bad-onnx',
    /^model\.onnx: model outputs are \[logits, mask_out\]; expected one named "hidden"$/,
  );
});

test('a model.onnx that is not ONNX is refused', async () => {
  await refused((dir) => writeFileSync(join(dir, 'model.onnx'), 'garbage'), 'bad-onnx', /^model\.onnx: onnxruntime cannot load the model/);
});

test('SAE d_in different from the model width is refused', async () => {
  await refused(
    (dir) => writeJson(dir, 'sae/cfg.json', { ...readJson(dir, 'sae/cfg.json'), d_in: 48 }),
    'dimension-mismatch',
    /^sae\/cfg\.json: d_in is 48 but pack\.json model\.dModel is 32$/,
  );
});

test('a model whose real output width differs from pack.json is refused', async () => {
  await refused(
    (dir) => writeFileSync(join(dir, 'model.onnx'), buildTestModel(new Rng(1), { vocab: 512, dModel: 16, layers: 1 })),
    'dimension-mismatch',
    /^model\.onnx: the "hidden" output has 16 values per token but pack\.json model\.dModel is 32$/,
  );
});

test('latent indices beyond d_sae are refused', async () => {
  await refused(
    (dir) => {
      const c = readJson(dir, 'calibration.json');
      c.readout[1].latent = 64;
      writeJson(dir, 'calibration.json', c);
    },
    'dimension-mismatch',
    /^calibration\.json: readout\[1\]\.latent 64 is out of range for the SAE's d_sae 64$/,
  );
  await refused(
    (dir) => {
      const l = readJson(dir, 'latents.json');
      l.latents[2].index = 1000;
      writeJson(dir, 'latents.json', l);
    },
    'dimension-mismatch',
    /^latents\.json: latents\[2\]\.index 1000 is out of range/,
  );
});

test('a truncated safetensors file is refused', async () => {
  await refused(
    (dir) => truncateSync(join(dir, 'sae/sae_weights.safetensors'), 10_000),
    'bad-sae',
    /^sae\/sae_weights\.safetensors: safetensors tensor "\w+": data_offsets .* out of range/,
  );
});

test('an SAE config the scanner cannot honour is refused', async () => {
  await refused(
    (dir) => writeJson(dir, 'sae/cfg.json', { ...readJson(dir, 'sae/cfg.json'), architecture: 'gated' }),
    'bad-sae',
    /^sae\/cfg\.json: architecture "gated" is not supported/,
  );
});

test('a path that does not exist is refused', async () => {
  await assert.rejects(loadPack('/nonexistent/pack'), (e: unknown) => e instanceof PackError && e.code === 'missing-file');
});
