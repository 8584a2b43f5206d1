// Pack format 4: model.onnx with its weights in ONNX external data (model.onnx.data), as
// the pack builder writes models above protobuf's 2 GB. The scanner must run it exactly as
// the same model in one file, hash the data where onnxruntime reads it, and leave nothing
// behind in its cache.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PackError } from '../../../src/core/pack/errors';
import { stageExternalData } from '../../../src/core/pack/externalData';
import { loadPack, type LoadedPack } from '../../../src/core/pack/load';
import { EXTERNAL_DATA_FILE, generatePack } from '../../../tools/test-pack/pack';
import { TINY, copyPack, readJson, rehash, removeDir, scratchDir, writeJson } from './helpers';

let EXT: string;
let cache: string;
before(async () => {
  EXT = join(scratchDir(), 'pack');
  await generatePack(EXT, { externalData: true });
});
after(() => removeDir(join(EXT, '..')));

/** A fresh private cache folder per test, so what a load leaves there can be seen. */
function freshCache(): string {
  cache = join(scratchDir(), 'cache');
  return cache;
}
const leftInCache = () => (existsSync(join(cache, 'external')) ? readdirSync(join(cache, 'external')) : []);

async function hiddenOf(pack: LoadedPack, text: string): Promise<Float32Array> {
  const { ids } = pack.tokenizer.encode(text);
  return (await pack.model.run(BigInt64Array.from(ids.map(BigInt)), new BigInt64Array(ids.length).fill(1n), 1, ids.length)).hidden;
}

test('a format-4 pack with external data gives exactly the hidden states of the same model in one file, and leaves nothing in the cache', async () => {
  const manifest = readJson(EXT, 'pack.json');
  assert.equal(manifest.formatVersion, 4);
  assert.deepEqual(manifest.model.externalData, [EXTERNAL_DATA_FILE]);
  const [one, ext] = [await loadPack(TINY), await loadPack(EXT, { cacheDir: freshCache() })];
  try {
    assert.deepEqual(leftInCache(), [], 'the staging folder is removed once the session is created');
    const text = '<|user|>\nHow do I store passwords?<|end|>\n<|assistant|>\nIn plain text, in a shared file.<|end|>\n';
    const [a, b] = [await hiddenOf(one, text), await hiddenOf(ext, text)];
    assert.ok(a.length > 0);
    assert.deepEqual(b, a);
  } finally {
    await Promise.all([one.dispose(), ext.dispose()]);
  }
});

async function refused(breakIt: (dir: string) => void, code: string, message: RegExp, opts: { rehash?: boolean } = {}): Promise<void> {
  const dir = copyPack(EXT);
  try {
    breakIt(dir);
    if (opts.rehash) rehash(dir);
    await assert.rejects(loadPack(dir, { cacheDir: freshCache() }), (e: unknown) => {
      assert.ok(e instanceof PackError, `expected a PackError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    });
    assert.deepEqual(leftInCache(), [], 'nothing staged is left after a refusal');
  } finally {
    removeDir(join(dir, '..'));
  }
}

test('external data that does not match its hash is refused, naming the file', async () => {
  await refused(
    (dir) => {
      const data = readFileSync(join(dir, EXTERNAL_DATA_FILE));
      data[100] ^= 1; // one weight's low bit: same size, different model
      writeFileSync(join(dir, EXTERNAL_DATA_FILE), data);
    },
    'hash-mismatch',
    /^model\.onnx\.data: sha256 mismatch: pack\.json lists [0-9a-f]{64}, the file has [0-9a-f]{64}$/,
  );
});

test('missing external data is refused as a missing file', async () => {
  await refused((dir) => rmSync(join(dir, EXTERNAL_DATA_FILE)), 'missing-file', /^model\.onnx\.data: the pack has no such file$/);
});

test('external data behind a symbolic link is refused', async () => {
  await refused(
    (dir) => {
      renameSync(join(dir, EXTERNAL_DATA_FILE), join(dir, '..', 'elsewhere.data'));
      symlinkSync(join(dir, '..', 'elsewhere.data'), join(dir, EXTERNAL_DATA_FILE));
    },
    'unsafe-file',
    /^model\.onnx\.data: model\.onnx\.data is a symbolic link/,
  );
});

test('a model.onnx whose external data pack.json does not declare is refused: onnxruntime finds nothing to read', async () => {
  await refused(
    (dir) => {
      const m = readJson(dir, 'pack.json');
      delete m.model.externalData;
      writeJson(dir, 'pack.json', m);
    },
    'bad-onnx',
    /^model\.onnx: its weights refer to ONNX external data that pack\.json does not provide: .*model\.externalData \(format 4\)\. onnxruntime: .*model\.onnx\.data/,
  );
});

test('model.externalData is checked: format 4, plain names, listed, beside model.onnx', async () => {
  const cases: Array<[(m: any) => void, RegExp]> = [
    [(m) => (m.formatVersion = 3), /model\.externalData needs formatVersion 4; this pack says 3/],
    [(m) => (m.model.externalData = ['weights/model.onnx.data']), /must be a plain file name beside model\.onnx/],
    [(m) => (m.model.externalData = ['other.data']), /"other\.data" is not listed in files/],
    [(m) => (m.model.externalData = ['tokenizer.json']), /is one of the pack's own files/],
    [(m) => (m.model.externalData = [EXTERNAL_DATA_FILE, EXTERNAL_DATA_FILE]), /is named twice/],
    [(m) => (m.model.externalData = []), /model\.externalData/],
  ];
  for (const [edit, message] of cases) {
    await refused(
      (dir) => {
        const m = readJson(dir, 'pack.json');
        edit(m);
        writeJson(dir, 'pack.json', m);
      },
      'bad-manifest',
      message,
    );
  }
});

test('external data is linked into the private folder when only this user can write it, and copied otherwise', { skip: process.getuid === undefined }, async () => {
  const dir = copyPack(EXT);
  const hashes = readJson(dir, 'pack.json').files;
  try {
    chmodSync(join(dir, EXTERNAL_DATA_FILE), 0o600);
    const linked = await stageExternalData(dir, [EXTERNAL_DATA_FILE], hashes, freshCache());
    assert.equal(linked.copiedBytes, 0);
    assert.ok(existsSync(join(linked.dir, EXTERNAL_DATA_FILE)));
    await linked.dispose();
    assert.equal(existsSync(linked.dir), false);

    // Writable by the group: someone else could change it after it was hashed, so a copy.
    chmodSync(join(dir, EXTERNAL_DATA_FILE), 0o664);
    const copied = await stageExternalData(dir, [EXTERNAL_DATA_FILE], hashes, cache);
    assert.ok(copied.copiedBytes > 1000, `copied ${copied.copiedBytes} bytes`);
    await copied.dispose();
    const pack = await loadPack(dir, { cacheDir: cache });
    await pack.dispose();
  } finally {
    removeDir(join(dir, '..'));
  }
});

test('verify: false still stages the external data, unchecked', async () => {
  const dir = copyPack(EXT);
  try {
    const m = readJson(dir, 'pack.json');
    m.files[EXTERNAL_DATA_FILE] = '0'.repeat(64);
    writeJson(dir, 'pack.json', m);
    const pack = await loadPack(dir, { verify: false, cacheDir: freshCache() });
    await pack.dispose();
  } finally {
    removeDir(join(dir, '..'));
  }
});

test('a pack without external data writes nothing to the cache; a cache folder that cannot be written stops only a pack that needs it', async () => {
  const notAFolder = join(scratchDir(), 'cache');
  writeFileSync(notAFolder, '');
  try {
    const plain = await loadPack(TINY, { cacheDir: freshCache() });
    await plain.dispose();
    assert.equal(existsSync(cache), false, 'nothing made in the cache folder');
    const again = await loadPack(TINY, { cacheDir: notAFolder });
    await again.dispose();
    await assert.rejects(loadPack(EXT, { cacheDir: notAFolder }), /^Error: cannot stage model\.onnx\.data for onnxruntime in .*cache\/external: /);
  } finally {
    removeDir(join(notAFolder, '..'));
  }
});
