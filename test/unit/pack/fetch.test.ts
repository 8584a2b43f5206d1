// The pure parts of `pack fetch` (core/pack/fetch): sources, range answers, store names,
// progress text, where the Hugging Face token is found and who gets it; and the part-file
// download against servers that answer ranges oddly.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { downloadToPart } from '../../../src/core/pack/fetch/download';
import { authorization, hubAuthFor, hubToken, hubTokenFile } from '../../../src/core/pack/fetch/hubAuth';
import { formatBytes, progressText } from '../../../src/core/pack/fetch/progress';
import { parseContentRange, resumeDecision } from '../../../src/core/pack/fetch/range';
import { SourceError, fileUrl, insecure, parsePackSource, sourceHost } from '../../../src/core/pack/fetch/source';
import { defaultPackStore, installName, lockStaging } from '../../../src/core/pack/fetch/store';

const work = mkdtempSync(join(tmpdir(), 'persona-lens-fetch-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('hf: sources resolve to the repository revision on the endpoint; main by default', () => {
  const main = parsePackSource('hf:persona-lens/persona-smollm2');
  assert.equal(main.kind, 'folder');
  assert.equal(main.kind === 'folder' && main.base.href, 'https://huggingface.co/persona-lens/persona-smollm2/resolve/main/');
  assert.equal(main.label, 'hf:persona-lens/persona-smollm2@main');
  const pinned = parsePackSource(' hf:org/name.v2@3f2a9c ', 'http://127.0.0.1:8080/');
  assert.equal(pinned.kind === 'folder' && pinned.base.href, 'http://127.0.0.1:8080/org/name.v2/resolve/3f2a9c/');
  // A revision with "/" is one path segment, as Hugging Face takes it; a mirror's path prefix is kept.
  const pr = parsePackSource('hf:org/name@refs/pr/1', 'https://mirror.example/hf');
  assert.equal(pr.kind === 'folder' && pr.base.href, 'https://mirror.example/hf/org/name/resolve/refs%2Fpr%2F1/');
  assert.equal(sourceHost(pr), 'mirror.example');
});

test('hf: sources with a path: a pack folder inside the repository, or an archive there', () => {
  const sub = parsePackSource('hf:org/name/packs/mini-v1@v2');
  assert.equal(sub.kind === 'folder' && sub.base.href, 'https://huggingface.co/org/name/resolve/v2/packs/mini-v1/');
  assert.equal(sub.label, 'hf:org/name/packs/mini-v1@v2');
  assert.equal(parsePackSource('hf:org/name/packs/').label, 'hf:org/name/packs@main', 'a trailing "/" names the same folder');
  const archive = parsePackSource('hf:org/name/releases/mini-1.0.tar.gz');
  assert.equal(archive.kind === 'archive' && archive.url.href, 'https://huggingface.co/org/name/resolve/main/releases/mini-1.0.tar.gz');
  // Each part is one URL path segment: "#" or "?" in a name stays in the path.
  const odd = parsePackSource('hf:org/name/a#1?x');
  assert.equal(odd.kind === 'folder' && odd.base.href, 'https://huggingface.co/org/name/resolve/main/a%231%3Fx/');
});

test('URL sources: a folder (ending in / or /pack.json) or an archive', () => {
  const folder = parsePackSource('https://example.com/packs/mini/');
  assert.equal(folder.kind === 'folder' && folder.base.href, 'https://example.com/packs/mini/');
  const manifest = parsePackSource('https://example.com/packs/mini/pack.json#x');
  assert.equal(manifest.kind === 'folder' && manifest.base.href, 'https://example.com/packs/mini/');
  const archive = parsePackSource('https://example.com/packs/mini-1.0.tar.gz');
  assert.equal(archive.kind, 'archive');
  assert.equal(parsePackSource('http://h/p.tgz').kind, 'archive');
  assert.equal(parsePackSource('http://h/p.TAR').kind, 'archive');
});

test('what is not a source is refused, saying what is expected', () => {
  const cases: Array<[string, RegExp]> = [
    ['hf:name-only', /expected hf:ORG\/NAME/],
    ['hf:a/b/../c', /the path after ORG\/NAME must name a folder or archive inside the repository/],
    ['hf:a/b/x//y', /the path after ORG\/NAME/],
    ['hf:../etc@main', /expected hf:ORG\/NAME/],
    ['hf:org/na me', /expected hf:ORG\/NAME/],
    ['hf:org/name@', /revision after "@"/],
    ['hf:org/name@has space', /revision after "@"/],
    ['ftp://h/pack/', /must be an http\(s\) URL/],
    ['https://user:secret@h/pack/', /user name or password/],
    ['https://h/pack/model.onnx', /names neither a pack folder nor an archive/],
    ['./packs/mini', /is not a URL/],
  ];
  for (const [text, message] of cases) assert.throws(() => parsePackSource(text), (e: unknown) => e instanceof SourceError && message.test(e.message), text);
  assert.throws(() => parsePackSource('hf:a/b', 'file:///x'), /the Hugging Face endpoint must be an http\(s\) URL/);
});

test('a file URL encodes each path segment under the base', () => {
  const base = new URL('https://h/o/n/resolve/main/');
  assert.equal(fileUrl(base, 'sae/sae_weights.safetensors').href, 'https://h/o/n/resolve/main/sae/sae_weights.safetensors');
  assert.equal(fileUrl(base, 'a b/#1?.json').href, 'https://h/o/n/resolve/main/a%20b/%231%3F.json');
});

test('plain http is insecure except on this machine', () => {
  assert.equal(insecure(parsePackSource('http://example.com/p/')), true);
  assert.equal(insecure(parsePackSource('https://example.com/p/')), false);
  for (const host of ['127.0.0.1:9', 'localhost', '[::1]:80']) assert.equal(insecure(parsePackSource(`http://${host}/p/`)), false, host);
});

test('the Hugging Face token file is where huggingface_hub looks: HF_TOKEN_PATH, HF_HOME, XDG_CACHE_HOME, ~/.cache', () => {
  assert.equal(hubTokenFile({}, '/home/u'), '/home/u/.cache/huggingface/token');
  assert.equal(hubTokenFile({ XDG_CACHE_HOME: '/x' }, '/home/u'), '/x/huggingface/token');
  assert.equal(hubTokenFile({ XDG_CACHE_HOME: 'relative' }, '/home/u'), '/home/u/.cache/huggingface/token');
  assert.equal(hubTokenFile({ XDG_CACHE_HOME: '/x', HF_HOME: '/hf' }, '/home/u'), '/hf/token');
  assert.equal(hubTokenFile({ HF_HOME: '/hf', HF_TOKEN_PATH: '/t/tok' }, '/home/u'), '/t/tok');
});

test('the token: HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file (trimmed), else none; a value no header can carry is refused without showing it', () => {
  const home = join(work, 'hf');
  const file = join(home, '.cache', 'huggingface', 'token');
  assert.equal(hubToken({}, home), null, 'no file');
  mkdirSync(join(home, '.cache', 'huggingface'), { recursive: true });
  writeFileSync(file, '  hf_fromFile\n');
  assert.deepEqual(hubToken({}, home), { value: 'hf_fromFile', from: file });
  assert.deepEqual(hubToken({ HF_TOKEN: ' hf_env ' }, home), { value: 'hf_env', from: 'HF_TOKEN' });
  assert.deepEqual(hubToken({ HF_TOKEN: '' }, home), { value: 'hf_fromFile', from: file }, 'an empty HF_TOKEN is unset');
  // The name huggingface_hub used before HF_TOKEN, still read after it.
  assert.deepEqual(hubToken({ HUGGING_FACE_HUB_TOKEN: 'hf_old' }, home), { value: 'hf_old', from: 'HUGGING_FACE_HUB_TOKEN' });
  assert.deepEqual(hubToken({ HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_old' }, home), { value: 'hf_env', from: 'HF_TOKEN' });
  assert.throws(() => hubToken({ HUGGING_FACE_HUB_TOKEN: 'hf old' }, home), /^Error: HUGGING_FACE_HUB_TOKEN does not hold a Hugging Face token/);
  writeFileSync(file, '\n');
  assert.equal(hubToken({}, home), null, 'an empty file holds none');
  assert.throws(() => hubToken({ HF_TOKEN: 'hf_a b\u0007' }, home), (e: Error) => /^HF_TOKEN does not hold a Hugging Face token/.test(e.message) && !e.message.includes('hf_a'));
});

test('the token goes to the endpoint\'s origin only, and only for a source there', () => {
  const env = { HF_TOKEN: 'hf_x' };
  const hub = hubAuthFor(parsePackSource('hf:o/n', 'https://huggingface.co'), 'https://huggingface.co', env);
  assert.deepEqual(hub, { origin: 'https://huggingface.co', token: { value: 'hf_x', from: 'HF_TOKEN' } });
  assert.equal(authorization(new URL('https://huggingface.co/o/n/resolve/main/pack.json'), hub), 'Bearer hf_x');
  // LFS files are redirected to CDN hosts with signed URLs; http or another port is another origin.
  for (const other of ['https://cdn-lfs.huggingface.co/x', 'https://cas-bridge.xethub.hf.co/x', 'http://huggingface.co/x', 'https://huggingface.co:8443/x', 'https://huggingface.co.evil.example/x']) {
    assert.equal(authorization(new URL(other), hub), undefined, other);
  }
  // A URL source: on the endpoint, a Hugging Face source; elsewhere no credentials at all (the token is not even read).
  assert.equal(hubAuthFor(parsePackSource('https://huggingface.co/o/n/resolve/main/p.tar.gz'), 'https://huggingface.co', env)?.origin, 'https://huggingface.co');
  assert.equal(hubAuthFor(parsePackSource('https://example.com/p/'), 'https://huggingface.co', { HF_TOKEN: 'bad token' }), undefined);
  assert.equal(hubAuthFor(parsePackSource('https://example.com/p/'), 'not a url', env), undefined);
  assert.equal(authorization(new URL('https://huggingface.co/x'), undefined), undefined);
});

test('Content-Range: a byte range, an unknown total, an unsatisfied range; nonsense is null', () => {
  assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, end: 199, total: 1000 });
  assert.deepEqual(parseContentRange('bytes 100-199/*'), { start: 100, end: 199, total: null });
  assert.deepEqual(parseContentRange('bytes */1000'), { start: null, end: null, total: 1000 });
  for (const bad of [undefined, '', 'bytes 5-4/10', 'bytes 0-10/10', 'items 0-1/2', 'bytes */*', 'bytes 1-2']) assert.equal(parseContentRange(bad), null, String(bad));
});

test('the answer to a range request: append, restart, complete, refetch or fail', () => {
  // The server continues from where the part stops.
  assert.deepEqual(resumeDecision(206, 400, 'bytes 400-999/1000', 600), { action: 'append', total: 1000 });
  assert.deepEqual(resumeDecision(206, 400, 'bytes 400-999/*', 600), { action: 'append', total: 1000 });
  // It ignored Range (or none was sent): the body is the whole file.
  assert.deepEqual(resumeDecision(200, 400, undefined, 1000), { action: 'restart', total: 1000 });
  assert.deepEqual(resumeDecision(200, 0, undefined, null), { action: 'restart', total: null });
  // The part is the whole file already; or longer than the file: it is not this file's start.
  assert.deepEqual(resumeDecision(416, 1000, 'bytes */1000', 0), { action: 'complete' });
  assert.deepEqual(resumeDecision(416, 1200, 'bytes */1000', 0), { action: 'refetch' });
  assert.deepEqual(resumeDecision(416, 1000, undefined, 0), { action: 'refetch' });
  // Another range than asked would leave a hole or an overlap.
  assert.deepEqual(resumeDecision(206, 400, 'bytes 0-999/1000', 1000), { action: 'refetch' });
  assert.deepEqual(resumeDecision(206, 400, undefined, 600), { action: 'refetch' });
  for (const status of [404, 500, 403, 206]) assert.deepEqual(resumeDecision(status, 0, undefined, null), { action: 'fail' }, String(status));
});

test('store folder names: name@version, safe as one path segment whatever the manifest says', () => {
  assert.equal(installName({ name: 'persona-smollm2', version: '1.0.0' }), 'persona-smollm2@1.0.0');
  assert.equal(installName({ name: 'x', version: '1' }, 'ab'.repeat(32)), `x@1+${'ab'.repeat(6)}`);
  assert.equal(installName({ name: '../../etc', version: 'a/b' }), '__.._etc@a_b');
  assert.equal(installName({ name: '.hidden', version: '' }), '_hidden@_');
  assert.equal(defaultPackStore({ XDG_CACHE_HOME: '/c' }), '/c/persona-lens/store');
});

test('progress reads as file, place, bytes and rate', () => {
  assert.deepEqual([512, 14_475, 133_208, 99_500_000, 99_990_000, 1_204_000_000].map(formatBytes), ['512 B', '14.5 kB', '133 kB', '99.5 MB', '100 MB', '1.20 GB']);
  assert.equal(progressText({ file: 'model.onnx', index: 3, count: 7, done: 12_300_000, total: 45_600_000, rate: 3_200_000 }), 'model.onnx (3 of 7): 12.3 MB of 45.6 MB, 3.20 MB/s');
  assert.equal(progressText({ file: 'pack.tar.gz', index: 1, count: 1, done: 2_000, total: null, rate: 500 }), 'pack.tar.gz (1 of 1): 2.00 kB, 500 B/s');
});

test('one fetch at a time per staging folder; a lock left by a process that is gone is taken over', async () => {
  const lock = join(work, 'x.lock');
  const release = await lockStaging(lock);
  await assert.rejects(lockStaging(lock), /another pack fetch \(process \d+\) is downloading this pack/);
  await release();
  writeFileSync(lock, '999999999');
  await (await lockStaging(lock))();
});

/** A server of `data` that answers a range with at most `chunk` bytes (206), or with 416 past the end. */
async function stingyServer(data: Buffer, chunk: number): Promise<{ url: URL; ranges: string[]; close(): Promise<void> }> {
  const ranges: string[] = [];
  const server = createServer((req, res) => {
    ranges.push(req.headers.range ?? '');
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (from >= data.length) return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
    const end = Math.min(from + chunk, data.length) - 1;
    res.writeHead(206, { 'content-range': `bytes ${from}-${end}/${data.length}`, 'content-length': end - from + 1 }).end(data.subarray(from, end + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/f`), ranges, close: () => new Promise((r) => server.close(() => r())) };
}

test('a download continues a part through short 206 answers, and a whole part needs only a 416', async () => {
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  const server = await stingyServer(data, 2000);
  try {
    const part = join(work, 'stingy.part');
    writeFileSync(part, data.subarray(0, 700));
    const opts = { timeoutMs: 5000, userAgent: 't', maxBytes: 1e6 };
    const got = await downloadToPart(server.url, part, 'f', opts);
    assert.deepEqual(server.ranges, ['bytes=700-', 'bytes=2700-', 'bytes=4700-']);
    assert.ok(readFileSync(part).equals(data));
    assert.deepEqual(got, { sha256: createHash('sha256').update(data).digest('hex'), bytes: 5000, received: 4300, resumed: true });
    const again = await downloadToPart(server.url, part, 'f', opts);
    assert.equal(server.ranges.at(-1), 'bytes=5000-');
    assert.deepEqual([again.sha256, again.received], [got.sha256, 0]);
  } finally {
    await server.close();
  }
});
