import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { ARCHIVE_MAX_BYTES, readTar } from '../../../src/core/pack/archive';
import { PackError } from '../../../src/core/pack/errors';
import { loadPack } from '../../../src/core/pack/load';
import { TINY, copyPack, readJson, rehash, removeDir, scratchDir, writeJson } from './helpers';

const work = scratchDir();
after(() => removeDir(work));

/** One ustar entry, written by hand so tests can make archives tar(1) refuses to make. */
function entry(name: string, data: string | Buffer = '', type = '0'): Buffer {
  const body = Buffer.from(data);
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0);
  h.write('0000644\0', 100);
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257);
  h.write(' '.repeat(8), 148);
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

const tar = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

function refusedArchive(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => readTar(bytes),
    (e: unknown) => e instanceof PackError && e.code === 'bad-archive' && message.test(e.message),
  );
}

test('loads a .tar.gz of the pack folder and caches the extraction by hash', async () => {
  const archive = join(work, 'tiny.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', join(TINY, '..'), 'tiny']);
  const cacheDir = join(work, 'cache');
  const folder = await loadPack(TINY);
  const first = await loadPack(archive, { cacheDir });
  try {
    assert.equal(first.hash, folder.hash);
    assert.ok(first.root.startsWith(cacheDir));
    assert.ok(existsSync(join(first.root, 'sae/sae_weights.safetensors')));
  } finally {
    await Promise.all([folder.dispose(), first.dispose()]);
  }
  const marker = join(first.root, 'marker');
  writeFileSync(marker, '');
  const second = await loadPack(archive, { cacheDir });
  await second.dispose();
  assert.equal(second.root, first.root);
  assert.ok(existsSync(marker), 'the second load reused the extraction');
  assert.equal(readdirSync(cacheDir).length, 1, 'no partial folders left behind');
});

test('loads a plain .tar whose members sit at the root (./pack.json)', async () => {
  const archive = join(work, 'tiny.tar');
  execFileSync('tar', ['-cf', archive, '-C', TINY, '.']);
  const pack = await loadPack(archive, { cacheDir: join(work, 'cache-plain') });
  await pack.dispose();
  assert.equal(pack.manifest.name, 'test-pack-standard');
});

test('reads GNU long names and pax paths', () => {
  const long = 'd/'.repeat(60) + 'file.txt';
  const entries = readTar(
    tar(
      entry('././@LongLink', long + '\0', 'L'),
      entry('truncated-name', 'one'),
      entry('PaxHeaders/x', '22 path=pax/path.json\n', 'x'), // a pax record counts its own length digits
      entry('short', 'two'),
      entry('dir/', '', '5'),
    ),
  );
  assert.deepEqual(
    entries.map((e) => [e.path, e.type, Buffer.from(e.data).toString()]),
    [
      [long, 'file', 'one'],
      ['pax/path.json', 'file', 'two'],
      ['dir', 'directory', ''],
    ],
  );
});

test('refuses archives that escape the folder, hold links, or are damaged', async () => {
  refusedArchive(tar(entry('../evil.json', '{}')), /entry "\.\.\/evil\.json" points outside the pack folder/);
  refusedArchive(tar(entry('/etc/passwd', 'x')), /points outside the pack folder/);
  refusedArchive(tar(entry('link', '', '2')), /entry "link" has tar type "2"; only files and folders/);
  const bad = entry('a.json', '{}');
  bad[0] ^= 1;
  refusedArchive(tar(bad), /header checksum mismatch at byte 0/);
  refusedArchive(entry('a.json', 'x'.repeat(600)).subarray(0, 800), /truncated inside the entry at byte 0/);
  refusedArchive(entry('a.json', '{}'), /truncated \(no end-of-archive marker\)/);

  const notTar = join(work, 'pack.tar.gz');
  writeFileSync(notTar, gzipSync(Buffer.from('hello, this is not a tar file')));
  await assert.rejects(loadPack(notTar, { cacheDir: join(work, 'c1') }), (e: unknown) => e instanceof PackError && e.code === 'bad-archive');
  writeFileSync(notTar, gzipSync(tar(entry('a', 'b'))).subarray(0, 30));
  await assert.rejects(
    loadPack(notTar, { cacheDir: join(work, 'c2') }),
    (e: unknown) => e instanceof PackError && e.code === 'bad-archive' && /gzip data is corrupt/.test(e.message),
  );
});

test('an extraction found under the archive’s hash is used only if it holds exactly the archive’s files', async () => {
  const archive = join(work, 'tiny-seeded.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', join(TINY, '..'), 'tiny']);
  const cacheDir = join(work, 'cache-seeded');
  const genuine = await loadPack(TINY);
  await genuine.dispose();
  // Someone plants another pack (here: a copy with its description changed and rehashed) under the archive's name.
  const first = await loadPack(archive, { cacheDir });
  await first.dispose();
  const planted = copyPack();
  writeJson(planted, 'calibration.json', { ...readJson(planted, 'calibration.json'), thresholds: { elevated: 0.01, high: 0.02 } });
  rehash(planted);
  rmSync(first.root, { recursive: true });
  cpSync(planted, first.root, { recursive: true });
  removeDir(join(planted, '..'));
  const second = await loadPack(archive, { cacheDir });
  await second.dispose();
  assert.equal(second.hash, genuine.hash, 'the archive’s pack, not the planted one');
  assert.deepEqual(second.calibration.thresholds, genuine.calibration.thresholds);
});

test('archives are never extracted into a folder others can write to', async () => {
  const archive = join(work, 'tiny-shared.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', join(TINY, '..'), 'tiny']);
  const shared = join(work, 'shared-cache');
  mkdirSync(shared, { mode: 0o777 });
  chmodSync(shared, 0o777);
  await assert.rejects(loadPack(archive, { cacheDir: shared }), (e: unknown) => e instanceof PackError && /not a private folder/.test(e.message));
});

test('an archive over 2 GiB is refused at once, saying to use the pack as a folder', async () => {
  const work = scratchDir();
  try {
    const big = join(work, 'big.tar');
    writeFileSync(big, '');
    truncateSync(big, ARCHIVE_MAX_BYTES + 1); // sparse: no disk used, nothing read
    await assert.rejects(
      loadPack(big, { cacheDir: join(work, 'cache') }),
      (e: unknown) => e instanceof PackError && e.code === 'bad-archive' && /is 2\.0 GiB; a pack archive is read whole into memory.*use the pack as a folder/.test(e.message),
    );
  } finally {
    removeDir(work);
  }
});
