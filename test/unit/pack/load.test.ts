import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeOnnxModel, GraphBuilder } from '../../../src/core/model/onnxWriter';
import { PackError } from '../../../src/core/pack/errors';
import { loadPack } from '../../../src/core/pack/load';
import { writeSafetensors } from '../../../src/core/sae/safetensors';
import { buildTestModel } from '../../../tools/test-pack/model';
import { Rng } from '../../../tools/test-pack/random';
import { TINY, copyPack, generateDirectionsPack, ortFormatPack, readJson, rehash, removeDir, scratchDir, writeJson } from './helpers';

/** The tiny pack's format-2 variant: read-out [latent, latent, direction "persona"]. */
let V2: string;
before(async () => {
  V2 = await generateDirectionsPack();
});
after(() => removeDir(join(V2, '..')));

test('loads the tiny pack and scores a batch end to end', async () => {
  const pack = await loadPack(TINY);
  try {
    assert.equal(pack.root, TINY);
    assert.equal(pack.hash, createHash('sha256').update(readFileSync(join(TINY, 'pack.json'))).digest('hex'));
    assert.equal(pack.manifest.model.dModel, 32);
    assert.equal(pack.saeConfig.architecture, 'standard');
    assert.equal(pack.latents.latents[0].label, 'toxic persona (test)');

    const { ids } = pack.tokenizer.encode('<|assistant|>\nThe capital of France is Paris.<|end|>\n');
    assert.equal(ids[0], pack.tokenizer.tokenId('<|assistant|>'));
    const n = ids.length;
    const { hidden } = await pack.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(n).fill(1n), 1, n);
    const readout = pack.calibration.readout.flatMap((r) => ('latent' in r ? [r.latent] : []));
    const acts = await pack.sae.encodeColumns(hidden, n, readout);
    assert.equal(acts.length, n * readout.length);
    assert.ok(acts.some((v) => v > 0), 'the readout latents fire somewhere');
  } finally {
    await pack.dispose();
  }
});

/** Loads a broken copy of a pack (the tiny pack by default) and checks the PackError's code and message. */
async function refused(
  breakIt: (dir: string) => void,
  code: string,
  message: RegExp,
  opts: { rehash?: boolean; from?: string } = {},
): Promise<void> {
  const dir = copyPack(opts.from);
  try {
    breakIt(dir);
    if (opts.rehash !== false) rehash(dir);
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
  const dir = copyPack();
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

test('a pack with no model file at all is refused, naming both names a model may have', async () => {
  await refused(
    (dir) => {
      rmSync(join(dir, 'model.onnx'));
      const m = readJson(dir, 'pack.json');
      delete m.files['model.onnx'];
      writeJson(dir, 'pack.json', m);
    },
    'missing-file',
    /^model\.onnx: the pack has no model \(model\.onnx or model\.ort\)$/,
  );
});

test('an ORT-format model (model.ort, format 3) runs in place and gives the ONNX model\'s hidden states', async () => {
  const dir = await ortFormatPack();
  const [onnx, ortPack] = [await loadPack(TINY), await loadPack(dir)];
  try {
    assert.equal(onnx.model.inPlace, false);
    assert.equal(ortPack.model.inPlace, true, 'the ORT-format model runs from the verified bytes');
    const { ids } = onnx.tokenizer.encode('<|user|>\nHow do I store passwords?<|end|>\n<|assistant|>\nIn plain text.<|end|>\n');
    const run = (p: typeof onnx) => p.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(ids.length).fill(1n), 1, ids.length);
    const [a, b] = [await run(onnx), await run(ortPack)];
    assert.equal(b.hidden.length, a.hidden.length);
    const worst = a.hidden.reduce((m, v, i) => Math.max(m, Math.abs(v - b.hidden[i])), 0);
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
  } finally {
    await Promise.all([onnx.dispose(), ortPack.dispose()]);
    removeDir(join(dir, '..'));
  }
});

test('model.ort is refused in a pack older than format 3, beside model.onnx, or holding ONNX', async () => {
  const dir = await ortFormatPack();
  try {
    await refused(
      (d) => {
        const m = readJson(d, 'pack.json');
        m.formatVersion = 2;
        writeJson(d, 'pack.json', m);
      },
      'bad-manifest',
      /^pack\.json: files\["model\.ort"\] needs formatVersion 3; this pack says 2$/,
      { from: dir },
    );
    await refused(
      (d) => {
        cpSync(join(TINY, 'model.onnx'), join(d, 'model.onnx'));
        const m = readJson(d, 'pack.json');
        m.files['model.onnx'] = '';
        writeJson(d, 'pack.json', m);
      },
      'bad-manifest',
      /^pack\.json: files lists both model\.onnx and model\.ort; a pack has one model$/,
      { from: dir },
    );
    await refused((d) => cpSync(join(TINY, 'model.onnx'), join(d, 'model.ort')), 'bad-onnx', /^model\.ort: not an ORT-format model/, { from: dir });
    await refused((d) => cpSync(join(dir, 'model.ort'), join(d, 'model.onnx')), 'bad-onnx', /^model\.onnx: holds an ORT-format model; call it model\.ort/);
  } finally {
    removeDir(join(dir, '..'));
  }
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

test('a format-2 pack with a direction read-out loads its directions', async () => {
  const pack = await loadPack(V2);
  try {
    assert.equal(pack.manifest.formatVersion, 2);
    assert.deepEqual(pack.calibration.readout.at(-1), { direction: 'persona', weight: 2 });
    assert.deepEqual([...pack.directions.keys()], ['persona']);
    assert.equal(pack.directions.get('persona')!.length, pack.manifest.model.dModel);
    assert.equal(pack.latents.directions?.[0].foundBy.method, 'persona-vector');
  } finally {
    await pack.dispose();
  }
  const tiny = await loadPack(TINY);
  assert.equal(tiny.directions.size, 0, 'a pack without directions.safetensors has none');
  await tiny.dispose();
});

test('directions stored as F64 or BF16 load as float32', async () => {
  const dir = copyPack(V2);
  try {
    // Multiples of 1/8 in -2..2: exact in every dtype.
    const values = Float64Array.from({ length: 32 }, (_, i) => (i - 16) / 8);
    const bf16 = Uint16Array.from(new Uint32Array(Float32Array.from(values).buffer), (bits) => bits >>> 16);
    writeFileSync(
      join(dir, 'directions.safetensors'),
      writeSafetensors({
        persona: { shape: [32], dtype: 'F64', raw: new Uint8Array(values.buffer) },
        half: { shape: [32], dtype: 'BF16', raw: new Uint8Array(bf16.buffer) },
      }),
    );
    rehash(dir);
    const pack = await loadPack(dir);
    assert.deepEqual([...pack.directions.get('persona')!], [...values]);
    assert.deepEqual([...pack.directions.get('half')!], [...values]);
    await pack.dispose();
  } finally {
    removeDir(join(dir, '..'));
  }
});

test('a direction whose length is not d_model is refused', async () => {
  await refused(
    (dir) => writeFileSync(join(dir, 'directions.safetensors'), writeSafetensors({ persona: { shape: [16], data: new Float32Array(16) } })),
    'dimension-mismatch',
    /^directions\.safetensors: tensor "persona" has shape \[16\] but pack\.json model\.dModel is 32$/,
    { from: V2 },
  );
  await refused(
    (dir) => writeFileSync(join(dir, 'directions.safetensors'), writeSafetensors({ persona: { shape: [1, 32], data: new Float32Array(32) } })),
    'dimension-mismatch',
    /^directions\.safetensors: tensor "persona" has shape \[1, 32\]/,
    { from: V2 },
  );
});

test('a read-out naming a direction without directions.safetensors is refused', async () => {
  await refused(
    (dir) => {
      rmSync(join(dir, 'directions.safetensors'));
      const m = readJson(dir, 'pack.json');
      delete m.files['directions.safetensors'];
      writeJson(dir, 'pack.json', m);
    },
    'missing-file',
    /^directions\.safetensors: the pack has no such file, but calibration\.json readout\[2\]\.direction is "persona"$/,
    { from: V2 },
  );
});

test('directions that are not in directions.safetensors are refused', async () => {
  await refused(
    (dir) => {
      const c = readJson(dir, 'calibration.json');
      c.readout[2].direction = 'personna';
      writeJson(dir, 'calibration.json', c);
    },
    'bad-calibration',
    /^calibration\.json: readout\[2\]\.direction "personna" is not a tensor of directions\.safetensors \(it has "persona"\)$/,
    { from: V2 },
  );
  await refused(
    (dir) => {
      const l = readJson(dir, 'latents.json');
      l.directions[0].name = 'other';
      writeJson(dir, 'latents.json', l);
    },
    'bad-latents',
    /^latents\.json: directions\[0\]\.name "other" is not a tensor of directions\.safetensors/,
    { from: V2 },
  );
});

test('a prompt-end read-out term needs format 5', async () => {
  await refused(
    (dir) => {
      const c = readJson(dir, 'calibration.json');
      c.readout.push({ direction: 'persona', weight: 1, at: 'prompt-end' });
      writeJson(dir, 'calibration.json', c);
    },
    'bad-calibration',
    /^calibration\.json: readout\[3\]\.at needs pack\.json formatVersion 5 \(this pack is format 2\)$/,
    { from: V2 },
  );
});

test('a latentWeights read-out term needs format 6 and a tensor of d_sae weights', async () => {
  const weighs = (formatVersion: number) => (dir: string) => {
    const c = readJson(dir, 'calibration.json');
    c.readout.push({ latentWeights: 'persona', weight: 1 });
    writeJson(dir, 'calibration.json', c);
    writeJson(dir, 'pack.json', { ...readJson(dir, 'pack.json'), formatVersion });
  };
  await refused(weighs(5), 'bad-calibration', /^calibration\.json: readout\[3\]\.latentWeights needs pack\.json formatVersion 6 \(this pack is format 5\)$/, { from: V2 });
  // Format 6, but the tensor it names holds d_model values, not one per latent.
  await refused(weighs(6), 'dimension-mismatch', /^directions\.safetensors: tensor "persona" has shape \[\d+\] but the SAE's d_sae is \d+ \(a latentWeights term names it\)$/, { from: V2 });
});

test('a mean with prior tokens needs format 7', async () => {
  const withPrior = (formatVersion: number) => (dir: string) => {
    const c = readJson(dir, 'calibration.json');
    c.aggregation = { method: 'mean', priorTokens: 16, priorValue: -3 };
    writeJson(dir, 'calibration.json', c);
    writeJson(dir, 'pack.json', { ...readJson(dir, 'pack.json'), formatVersion });
  };
  await refused(withPrior(6), 'bad-calibration', /^calibration\.json: aggregation\.priorTokens needs pack\.json formatVersion 7 \(this pack is format 6\)$/, { from: V2 });
  const dir = copyPack(V2);
  try {
    withPrior(7)(dir);
    rehash(dir);
    const pack = await loadPack(dir);
    assert.deepEqual(pack.calibration.aggregation, { method: 'mean', priorTokens: 16, priorValue: -3 });
    await pack.dispose();
  } finally {
    removeDir(join(dir, '..'));
  }
});

test('a naming threshold needs format 8: an older scanner would name the term on every example', async () => {
  const withThreshold = (formatVersion: number) => (dir: string) => {
    const c = readJson(dir, 'calibration.json');
    c.readout = c.readout.map((r: object) => ('direction' in r ? { ...r, namesAbove: 1.25 } : r));
    writeJson(dir, 'calibration.json', c);
    writeJson(dir, 'pack.json', { ...readJson(dir, 'pack.json'), formatVersion });
  };
  await refused(withThreshold(7), 'bad-calibration', /^calibration\.json: readout\[2\]\.namesAbove needs pack\.json formatVersion 8 \(this pack is format 7\)$/, { from: V2 });
  const dir = copyPack(V2);
  try {
    withThreshold(8)(dir);
    rehash(dir);
    const pack = await loadPack(dir);
    assert.equal((pack.calibration.readout[2] as { namesAbove?: number }).namesAbove, 1.25);
    await pack.dispose();
  } finally {
    removeDir(join(dir, '..'));
  }
});

test('a format-1 pack may not use directions', async () => {
  await refused(
    (dir) => {
      const c = readJson(dir, 'calibration.json');
      c.readout.push({ direction: 'persona', weight: 1 });
      writeJson(dir, 'calibration.json', c);
    },
    'bad-calibration',
    /^calibration\.json: readout\[2\]\.direction needs pack\.json formatVersion 2 \(this pack is format 1\)$/,
  );
  await refused(
    (dir) => {
      const l = readJson(dir, 'latents.json');
      l.directions = readJson(V2, 'latents.json').directions;
      writeJson(dir, 'latents.json', l);
    },
    'bad-latents',
    /^latents\.json: directions\[0\]\.name needs pack\.json formatVersion 2 \(this pack is format 1\)$/,
  );
  await refused(
    (dir) => writeJson(dir, 'pack.json', { ...readJson(dir, 'pack.json'), formatVersion: 1 }),
    'bad-calibration',
    /^calibration\.json: readout\[2\]\.direction needs pack\.json formatVersion 2 \(this pack is format 1\)$/,
    { from: V2 },
  );
});

test('directions.safetensors is checked like the other files', async () => {
  await refused(
    (dir) => {
      const m = readJson(dir, 'pack.json');
      delete m.files['directions.safetensors'];
      writeJson(dir, 'pack.json', m);
    },
    'unlisted-file',
    /^pack\.json: files does not list "directions\.safetensors", so it cannot be verified$/,
    { from: V2 },
  );
  await refused(
    (dir) => appendFileSync(join(dir, 'directions.safetensors'), '\0'),
    'hash-mismatch',
    /^directions\.safetensors: sha256 mismatch/,
    { from: V2, rehash: false },
  );
  await refused(
    (dir) => writeFileSync(join(dir, 'directions.safetensors'), 'not safetensors'),
    'bad-directions',
    /^directions\.safetensors: safetensors/,
    { from: V2 },
  );
});

test('a symbolic link in the pack is refused, to a file or to a folder, even when the hashes match', async () => {
  const outside = scratchDir();
  try {
    await refused(
      (dir) => {
        renameSync(join(dir, 'model.onnx'), join(outside, 'model.onnx'));
        symlinkSync(join(outside, 'model.onnx'), join(dir, 'model.onnx'));
      },
      'unsafe-file',
      /^model\.onnx: model\.onnx is a symbolic link; a pack holds regular files only$/,
      { rehash: false },
    );
    await refused(
      (dir) => {
        renameSync(join(dir, 'sae'), join(outside, 'sae'));
        symlinkSync(join(outside, 'sae'), join(dir, 'sae'));
      },
      'unsafe-file',
      /^sae\/\S+: sae is a symbolic link/,
      { rehash: false },
    );
  } finally {
    removeDir(outside);
  }
});

test('a FIFO in place of a pack file is refused at once, not waited on', async () => {
  await refused(
    (dir) => {
      rmSync(join(dir, 'latents.json'));
      execFileSync('mkfifo', [join(dir, 'latents.json')]);
    },
    'unsafe-file',
    /^latents\.json: not a regular file$/,
    { rehash: false },
  );
});

test('a model that takes past keys and values in a pack of format 8 is refused: the format must say 9', async () => {
  await refused(
    (dir) => writeJson(dir, 'pack.json', { ...readJson(dir, 'pack.json'), formatVersion: 8 }),
    'bad-onnx',
    /^model\.ort: the model takes past keys and values, which needs pack\.json formatVersion 9 \(this pack is format 8\)$/,
    { from: join(__dirname, '../../../packs/persona-smollm2') },
  );
});
