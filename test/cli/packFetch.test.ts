// `persona-lens pack fetch` (the built command) against a Hugging Face-style server the
// test runs on 127.0.0.1 (test/fixtures/packServer.ts: resolve/ URLs, LFS redirects,
// ranges) serving the tiny test pack: success, a transfer cut and resumed, a server that
// ignores ranges, a tampered file, 404s, a server that dies or goes silent mid-file, an
// archive; a private repository that needs a Hugging Face token, which goes to its host
// only. After every failure nothing is installed; what was received is kept.

import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packServer, type PackServer } from '../fixtures/packServer';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/persona-lens.js');
const TINY = join(ROOT, 'test/fixtures/packs/tiny');
const INSTALLED = 'test-pack-standard@0.0.1';
const MANIFEST = readFileSync(join(TINY, 'pack.json'));
const FILES: Record<string, string> = JSON.parse(MANIFEST.toString()).files;
const MODEL_SIZE = statSync(join(TINY, 'model.onnx')).size;
const work = mkdtempSync(join(tmpdir(), 'persona-lens-fetch-'));
let server: PackServer;
let stores = 0;

before(async () => {
  mkdirSync(join(work, 'archives'));
  execFileSync('tar', ['-czf', join(work, 'archives', 'tiny.tar.gz'), '-C', join(TINY, '..'), 'tiny']);
  server = await packServer({ 'test-org/tiny': TINY, 'test-org/archives': join(work, 'archives'), 'test-org/packs': join(TINY, '..') });
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a child process; asynchronous, since the server answers from this process. No Hugging Face token unless `env` sets one. */
function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Run> } {
  const base: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(work, 'cache'), HF_ENDPOINT: '', HF_TOKEN: '', HF_HOME: join(work, 'no-hf-home') };
  delete base.HF_TOKEN_PATH;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, done: new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr }))) };
}
const run = (args: string[], env?: NodeJS.ProcessEnv) => start(args, env).done;

const newStore = () => join(work, `store-${++stores}`);
const fetchInto = (store: string, endpoint = server.url, ...more: string[]) =>
  run(['pack', 'fetch', 'hf:test-org/tiny', '--endpoint', endpoint, '--store', store, '--no-progress', ...more]);
/** The store's packs: every entry but the staging folder. */
const packsIn = (store: string) => readdirSync(store).filter((n) => n !== '.staging');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Where a download of the tiny pack keeps the part of `rel`. */
const partOf = (store: string, rel: string) => join(store, '.staging', sha256(MANIFEST), 'parts', rel);
const requestsSince = (n: number) => server.requests.slice(n);

function assertSameAsTiny(dir: string): void {
  for (const rel of [...Object.keys(FILES), 'pack.json']) {
    assert.ok(readFileSync(join(dir, rel)).equals(readFileSync(join(TINY, rel))), `${rel} as the pack has it`);
  }
}

test('fetches every file through the LFS redirects, installs the pack whole, and scan runs with the printed path; again, it downloads nothing', async () => {
  const store = newStore();
  const r = await fetchInto(store);
  assert.equal(r.status, 0, r.stderr);
  const path = r.stdout.trim();
  assert.equal(r.stdout, `${join(store, INSTALLED)}\n`, 'stdout holds the folder alone');
  assert.match(r.stderr, /installed test-pack-standard 0\.0\.1 from hf:test-org\/tiny@main: \d+ (kB|B) received/);
  assertSameAsTiny(path);
  assert.deepEqual(packsIn(store), [INSTALLED]);
  assert.deepEqual(readdirSync(join(store, '.staging')), [], 'nothing left in staging');
  assert.ok(server.requests.some((q) => q.path === '/cdn/test-org/tiny/model.onnx'), 'the redirect was followed');
  assert.equal(statSync(store).mode & 0o077, 0, 'the store is private');

  const scan = (pack: string) => run(['scan', 'examples/sample.jsonl', '--pack', pack, '--format', 'jsonl', '--no-cache']);
  const [fetched, original] = await Promise.all([scan(path), scan(TINY)]);
  assert.equal(fetched.status, 0, fetched.stderr);
  assert.ok(fetched.stdout.split('\n').length > 5);
  assert.equal(fetched.stdout, original.stdout, 'the same results as the pack it came from');

  const seen = server.requests.length;
  const again = await fetchInto(store);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout.trim(), path);
  assert.match(again.stderr, /installed already, every file verified/);
  assert.deepEqual(requestsSince(seen).map((q) => q.path), ['/test-org/tiny/resolve/main/pack.json']);
});

test('a transfer cut mid-file: exit 2, nothing installed, the bytes kept; the rerun asks for the rest with Range and completes', async () => {
  const store = newStore();
  server.fault('model.onnx', { cut: 40_000 });
  const r = await fetchInto(store);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`model\\.onnx: the connection closed after 40000 of ${MODEL_SIZE} bytes, which are kept: run the same command again to resume`));
  assert.deepEqual(packsIn(store), [], 'nothing installed');
  assert.equal(statSync(partOf(store, 'model.onnx')).size, 40_000, 'the part is kept');

  const seen = server.requests.length;
  const resumed = await fetchInto(store);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming model\.onnx/);
  const model = requestsSince(seen).filter((q) => q.path.endsWith('/model.onnx'));
  assert.ok(model.length > 0 && model.every((q) => q.range === 'bytes=40000-'), JSON.stringify(model));
  // Files that were done before the cut are not downloaded again.
  assert.ok(!requestsSince(seen).some((q) => q.path.endsWith('/calibration.json')));
  assertSameAsTiny(resumed.stdout.trim());
  assert.deepEqual(readdirSync(join(store, '.staging')), []);
});

test('a server that ignores Range on the rerun: the file is written whole again, not appended', async () => {
  const store = newStore();
  server.fault('model.onnx', { cut: 30_000 });
  assert.equal((await fetchInto(store)).status, 2);
  server.fault('model.onnx', { ignoreRange: true });
  const r = await fetchInto(store);
  assert.equal(r.status, 0, r.stderr);
  assertSameAsTiny(r.stdout.trim());
});

test('a tampered file: exit 2 naming it and both hashes; nothing installed and its download deleted; a clean rerun installs', async () => {
  const store = newStore();
  const rel = 'sae/sae_weights.safetensors';
  const tampered = readFileSync(join(TINY, rel));
  tampered[tampered.length >> 1] ^= 0xff;
  server.fault(rel, { tamper: true });
  const r = await fetchInto(store);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`${rel}: sha256 mismatch: pack.json lists ${FILES[rel]}, the file downloaded from ${server.url}/test-org/tiny/resolve/main/${rel} has ${sha256(tampered)}`), r.stderr);
  assert.match(r.stderr, /nothing was installed/);
  assert.deepEqual(packsIn(store), []);
  assert.ok(!existsSync(partOf(store, rel)), 'the bad download is gone');

  const again = await fetchInto(store);
  assert.equal(again.status, 0, again.stderr);
  assertSameAsTiny(again.stdout.trim());
});

test('404: a repository that is not there, and a file pack.json lists that is not there, each named with its URL', async () => {
  const store = newStore();
  const missing = await run(['pack', 'fetch', 'hf:test-org/no-such-pack@v2', '--endpoint', server.url, '--store', store]);
  assert.equal(missing.status, 2);
  assert.ok(missing.stderr.includes(`${server.url}/test-org/no-such-pack/resolve/v2/pack.json: HTTP 404 Not Found`), missing.stderr);

  server.fault('latents.json', { status: 404 });
  const file = await fetchInto(store);
  assert.equal(file.status, 2);
  assert.ok(file.stderr.includes(`${server.url}/test-org/tiny/resolve/main/latents.json: HTTP 404 Not Found`), file.stderr);
  assert.deepEqual(packsIn(store), []);
});

test('a server that dies mid-file: exit 2 and the part kept; while it is down, exit 2 saying so; from a new server the rerun resumes', async () => {
  const store = newStore();
  const dying = await packServer({ 'test-org/tiny': TINY });
  dying.fault('model.onnx', { die: 50_000 });
  const r = await fetchInto(store, dying.url);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`model\\.onnx: the connection closed after 50000 of ${MODEL_SIZE} bytes, which are kept`));
  assert.deepEqual(packsIn(store), []);
  assert.equal(statSync(partOf(store, 'model.onnx')).size, 50_000);

  const down = await fetchInto(store, dying.url);
  assert.equal(down.status, 2);
  assert.match(down.stderr, /cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  await dying.close();

  const revived = await packServer({ 'test-org/tiny': TINY });
  try {
    const resumed = await fetchInto(store, revived.url);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.ok(revived.requests.some((q) => q.path.endsWith('/model.onnx') && q.range === 'bytes=50000-'));
    assertSameAsTiny(resumed.stdout.trim());
  } finally {
    await revived.close();
  }
});

test('a server that goes silent mid-file: --timeout gives up, keeping what came', async () => {
  const store = newStore();
  server.fault('model.onnx', { stall: 30_000 });
  const started = Date.now();
  const r = await fetchInto(store, server.url, '--timeout', '1');
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`model\\.onnx: no data from 127\\.0\\.0\\.1:\\d+ for 1 s after 30000 of ${MODEL_SIZE} bytes, which are kept`));
  assert.ok(Date.now() - started < 15_000);
  assert.deepEqual(packsIn(store), []);
  assert.equal(statSync(partOf(store, 'model.onnx')).size, 30_000);
});

test('Ctrl-C mid-file: exit 130, nothing installed, the bytes kept', async () => {
  const store = newStore();
  server.fault('model.onnx', { stall: 30_000 });
  const seen = server.requests.length;
  const { child, done } = start(['pack', 'fetch', 'hf:test-org/tiny', '--endpoint', server.url, '--store', store]);
  const deadline = Date.now() + 10_000;
  while (!requestsSince(seen).some((q) => q.path === '/cdn/test-org/tiny/model.onnx') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.status, 130);
  assert.match(r.stderr, /interrupted: nothing was installed, and what was downloaded is kept; run the same command again to resume/);
  assert.deepEqual(packsIn(store), []);
  assert.equal(statSync(partOf(store, 'model.onnx')).size, 30_000);
});

test('a .tar.gz of the pack by URL: cut, resumed, checked against the pack.json inside, installed', async () => {
  const store = newStore();
  const url = `${server.url}/test-org/archives/resolve/main/tiny.tar.gz`;
  server.fault('tiny.tar.gz', { cut: 20_000 });
  const cut = await run(['pack', 'fetch', url, '--store', store]);
  assert.equal(cut.status, 2);
  assert.match(cut.stderr, /tiny\.tar\.gz: the connection closed after 20000 of \d+ bytes/);
  assert.deepEqual(packsIn(store), []);

  const seen = server.requests.length;
  const r = await run(['pack', 'fetch', url, '--store', store]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(requestsSince(seen).some((q) => q.range === 'bytes=20000-'));
  assert.equal(r.stdout, `${join(store, INSTALLED)}\n`);
  assertSameAsTiny(r.stdout.trim());
  assert.deepEqual(readdirSync(join(store, '.staging')), []);
});

test('hf: with a path: a pack folder inside the repository, and a .tar.gz there, each installed from under resolve/REV/', async () => {
  const store = newStore();
  const folder = await run(['pack', 'fetch', 'hf:test-org/packs/tiny@main', '--endpoint', server.url, '--store', store, '--no-progress']);
  assert.equal(folder.status, 0, folder.stderr);
  assert.match(folder.stderr, /installed test-pack-standard 0\.0\.1 from hf:test-org\/packs\/tiny@main/);
  assertSameAsTiny(folder.stdout.trim());
  assert.ok(server.requests.some((q) => q.path === '/test-org/packs/resolve/main/tiny/pack.json'));

  const other = newStore();
  const seen = server.requests.length;
  const archive = await run(['pack', 'fetch', 'hf:test-org/archives/tiny.tar.gz', '--endpoint', server.url, '--store', other, '--no-progress']);
  assert.equal(archive.status, 0, archive.stderr);
  assert.equal(archive.stdout, `${join(other, INSTALLED)}\n`);
  assertSameAsTiny(archive.stdout.trim());
  assert.ok(requestsSince(seen).some((q) => q.path === '/test-org/archives/resolve/main/tiny.tar.gz'));
});

test('a source that is none: exit 2 with the usage', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['pack', 'fetch'], /pack fetch needs one SOURCE/],
    [['pack', 'fetch', 'ftp://example.com/pack/'], /a pack source must be an http\(s\) URL; got "ftp:"/],
    [['pack', 'fetch', 'hf:just-a-name'], /expected hf:ORG\/NAME, hf:ORG\/NAME\/PATH or either @REV/],
    [['pack', 'fetch', 'hf:a/b/../c'], /the path after ORG\/NAME must name a folder or archive inside the repository/],
    [['pack', 'fetch', 'https://example.com/model.onnx'], /names neither a pack folder nor an archive/],
    [['pack', 'fetch', 'hf:a/b', '--pack', 'x'], /--pack does not apply to pack fetch/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage: persona-lens scan/);
  }
});

/** A private repository on `hub`, which wants TOKEN on its resolve/ URLs and sends large files to `cdn`, another host. */
async function privateHub(): Promise<{ hub: PackServer; cdn: PackServer; close(): Promise<void> }> {
  const cdn = await packServer({ 'test-org/private': TINY });
  const hub = await packServer({ 'test-org/private': TINY }, { token: TOKEN, cdn: cdn.url });
  return { hub, cdn, close: () => Promise.all([hub.close(), cdn.close()]).then(() => undefined) };
}
const TOKEN = 'hf_testTokenAbc123';

test('a private repository: without a token, exit 2 saying to set HF_TOKEN; with HF_TOKEN it installs, the token sent to the hub and never to the CDN it redirects to', async () => {
  const { hub, cdn, close } = await privateHub();
  try {
    const store = newStore();
    const args = ['pack', 'fetch', 'hf:test-org/private', '--endpoint', hub.url, '--store', store, '--no-progress'];
    const refused = await run(args);
    assert.equal(refused.status, 2);
    assert.ok(refused.stderr.includes(`${hub.url}/test-org/private/resolve/main/pack.json: HTTP 401 Unauthorized: the repository may be private, gated or missing`), refused.stderr);
    assert.match(refused.stderr, /set HF_TOKEN to a Hugging Face access token/);
    assert.deepEqual(packsIn(store), []);
    assert.equal(hub.requests[0].authorization, undefined, 'no token set, none sent');

    const seen = hub.requests.length;
    const r = await run(args, { HF_TOKEN: TOKEN });
    assert.equal(r.status, 0, r.stderr);
    assertSameAsTiny(r.stdout.trim());
    const asked = hub.requests.slice(seen);
    assert.ok(asked.length === Object.keys(FILES).length + 1 && asked.every((q) => q.authorization === `Bearer ${TOKEN}`), JSON.stringify(asked));
    assert.ok(cdn.requests.some((q) => q.path === '/cdn/test-org/private/model.onnx'), 'the model came from the CDN host');
    assert.deepEqual(cdn.requests.filter((q) => q.authorization !== undefined), [], 'the CDN host never got the token');
    assert.ok(!r.stderr.includes(TOKEN));
  } finally {
    await close();
  }
});

test('the token from $HF_HOME/token; HF_TOKEN before it; a refused token is named by where it came from, never shown', async () => {
  const { hub, close } = await privateHub();
  try {
    const home = join(work, 'hf-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'token'), `${TOKEN}\n`);
    const args = ['pack', 'fetch', 'hf:test-org/private', '--endpoint', hub.url, '--store', newStore(), '--no-progress'];
    const fromFile = await run(args, { HF_HOME: home });
    assert.equal(fromFile.status, 0, fromFile.stderr);
    assertSameAsTiny(fromFile.stdout.trim());

    const wrong = 'hf_notTheRightOne999';
    const refused = await run(args, { HF_HOME: home, HF_TOKEN: wrong });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /HTTP 401 Unauthorized: the token from HF_TOKEN was refused: the repository may be private or gated, and that token cannot read it/);
    assert.equal(hub.requests.at(-1)!.authorization, `Bearer ${wrong}`, 'HF_TOKEN comes before the file');
    assert.ok(!refused.stderr.includes(wrong) && !refused.stderr.includes(TOKEN), refused.stderr);

    writeFileSync(join(home, 'token'), 'hf_stale000\n');
    const stale = await run(args, { HF_HOME: home });
    assert.equal(stale.status, 2);
    assert.ok(stale.stderr.includes(`the token from ${join(home, 'token')} was refused`), stale.stderr);
  } finally {
    await close();
  }
});

test('a URL source gets the token only on the Hugging Face endpoint: never on another host, nor without the endpoint named', async () => {
  const { hub, cdn, close } = await privateHub();
  try {
    const onHub = `${hub.url}/test-org/private/resolve/main/`;
    // No endpoint names the hub: its URL is any server's, and no credentials go to it.
    const seen = hub.requests.length;
    const bare = await run(['pack', 'fetch', onHub, '--store', newStore()], { HF_TOKEN: TOKEN });
    assert.equal(bare.status, 2);
    assert.ok(bare.stderr.includes(`HTTP 401 Unauthorized: the server refuses it (pack fetch sends no credentials to ${new URL(hub.url).host})`), bare.stderr);
    assert.equal(hub.requests.slice(seen).filter((q) => q.authorization !== undefined).length, 0);

    // HF_ENDPOINT names the hub: a URL there is a Hugging Face source.
    const named = await run(['pack', 'fetch', onHub, '--store', newStore()], { HF_TOKEN: TOKEN, HF_ENDPOINT: hub.url });
    assert.equal(named.status, 0, named.stderr);
    assertSameAsTiny(named.stdout.trim());

    // A source on another host (which serves the pack to anyone) never gets it.
    const other = await run(['pack', 'fetch', `${cdn.url}/test-org/private/resolve/main/`, '--store', newStore()], { HF_TOKEN: TOKEN, HF_ENDPOINT: hub.url });
    assert.equal(other.status, 0, other.stderr);
    assert.ok(cdn.requests.some((q) => q.path === '/test-org/private/resolve/main/pack.json'));
    assert.deepEqual(cdn.requests.filter((q) => q.authorization !== undefined), []);
  } finally {
    await close();
  }
});

test('a fetch first clears .staging of a download untouched for over a week, and keeps one from yesterday', async () => {
  const store = newStore();
  const [old, recent] = ['a'.repeat(64), 'b'.repeat(64)].map((h) => join(store, '.staging', h));
  for (const [dir, days] of [[old, 8], [recent, 1]] as const) {
    mkdirSync(join(dir, 'parts'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'parts', 'model.onnx'), 'kept bytes');
    const when = new Date(Date.now() - days * 24 * 3600 * 1000);
    for (const p of [join(dir, 'parts', 'model.onnx'), join(dir, 'parts'), dir]) utimesSync(p, when, when);
  }
  const r = await fetchInto(store);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(join(store, '.staging')), ['b'.repeat(64)]);
  assert.equal(readFileSync(join(recent, 'parts', 'model.onnx'), 'utf8'), 'kept bytes');
});

test('pack list: each installed pack as name, version and folder; an unreadable folder named on stderr; an empty store says so', async () => {
  const store = newStore();
  const empty = await run(['pack', 'list', '--store', store]);
  assert.deepEqual([empty.status, empty.stdout], [0, '']);
  assert.ok(empty.stderr.includes(`no packs in ${store}`), empty.stderr);

  assert.equal((await fetchInto(store)).status, 0);
  mkdirSync(join(store, 'damaged@1'));
  const r = await run(['pack', 'list', '--store', store]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `test-pack-standard\t0.0.1\t${join(store, INSTALLED)}\n`);
  assert.ok(r.stderr.includes(`${join(store, 'damaged@1')}: cannot be read: no pack.json`), r.stderr);
  // The default store is $XDG_CACHE_HOME's.
  const dflt = await run(['pack', 'list'], { XDG_CACHE_HOME: join(work, 'no-cache-here') });
  assert.ok(dflt.stderr.includes(`no packs in ${join(work, 'no-cache-here', 'persona-lens', 'store')}`), dflt.stderr);
});
