// `pack fetch`: a pack downloaded into the user's pack store (store.ts). From a folder
// source, pack.json first (checked by the manifest parser, so its paths stay inside the
// pack), then every file it lists, each into a part file that a rerun continues, its
// sha256 compared with pack.json's as it arrives. From an archive, the archive (resumable
// too), extracted by the loader's own reader and every file checked against the
// pack.json inside. Only a pack whose every file verified is renamed into the store.
// Each fetch first clears `.staging` of downloads untouched for a week (cleanStaging).

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { extractPackArchive } from '../archive';
import { PackError } from '../errors';
import { parsePackManifest } from '../manifest';
import { readPackBytes } from '../packFile';
import { privateDir } from '../privateDir';
import { PACK_FILES, type PackManifest } from '../types';
import { sha256File, verifyPackFiles } from '../verify';
import { downloadToPart, type DownloadOptions, type Downloaded } from './download';
import { fetchBytes, type GetOptions } from './http';
import type { HubAuth } from './hubAuth';
import type { FetchProgress } from './progress';
import { fileUrl, type PackSource } from './source';
import { STAGING, cleanStaging, install, installedCopy, lockStaging } from './store';

export interface FetchPackOptions {
  /** The pack store (defaultPackStore() unless the user names another). */
  store: string;
  /** Milliseconds of silence from the server before giving up (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  userAgent?: string;
  /** A Hugging Face token and the origin it may go to (hubAuthFor); none: no credentials are sent. */
  auth?: HubAuth;
  onProgress?: (p: FetchProgress) => void;
}

export interface FetchedPack {
  /** The installed pack's folder. */
  path: string;
  manifest: PackManifest;
  /** sha256 of its pack.json: the pack's identity. */
  hash: string;
  /** Bytes received over the network. */
  received: number;
  /** The store held this pack, whole, already: only its manifest was downloaded. */
  alreadyInstalled: boolean;
  /** Files continued from the parts an earlier run kept. */
  resumed: string[];
}

const MANIFEST_MAX = 4 << 20;
/** More than any pack file should be (a model is at most 2 GB): a guard against an endless body. */
const FILE_MAX = 16 * 2 ** 30;
const TIMEOUT_MS = 30_000;

export async function fetchPack(source: PackSource, opts: FetchPackOptions): Promise<FetchedPack> {
  await privateDir(opts.store, 'install packs');
  await privateDir(join(opts.store, STAGING), 'download packs');
  await cleanStaging(opts.store);
  return source.kind === 'folder' ? fetchFolder(source.base, opts) : fetchArchive(source.url, opts);
}

async function fetchFolder(base: URL, opts: FetchPackOptions): Promise<FetchedPack> {
  const manifestUrl = fileUrl(base, PACK_FILES.manifest);
  const manifestBytes = await fetchBytes(manifestUrl, MANIFEST_MAX, getOptions(opts));
  const manifest = manifestFrom(manifestBytes, manifestUrl.href);
  const hash = sha256(manifestBytes);
  const installed = await installedCopy(opts.store, manifest, hash);
  if (installed) return { path: installed, manifest, hash, received: manifestBytes.length, alreadyInstalled: true, resumed: [] };

  // Named by the manifest's hash: a rerun for the same pack finds its parts, whatever URL it came from.
  const staging = join(opts.store, STAGING, hash);
  const [files, parts] = [join(staging, 'files'), join(staging, 'parts')];
  const unlock = await lockStaging(`${staging}.lock`);
  try {
    const todo: Array<[string, string]> = [];
    for (const [rel, sha] of Object.entries(manifest.files)) {
      // A file an earlier run verified and moved out of parts/ stays done.
      if (!existsSync(join(files, rel)) || (await sha256File(join(files, rel))) !== sha) todo.push([rel, sha]);
    }
    const meter = new Meter(todo.length, opts.onProgress);
    let received = manifestBytes.length;
    const resumed: string[] = [];
    for (const [rel, sha] of todo) {
      const got = await downloadVerified(fileUrl(base, rel), join(parts, rel), rel, sha, downloadOptions(opts, meter.next(rel)));
      received += got.received;
      if (got.resumed) resumed.push(rel);
      await mkdir(dirname(join(files, rel)), { recursive: true, mode: 0o700 });
      await rename(join(parts, rel), join(files, rel));
    }
    await writeFile(join(files, PACK_FILES.manifest), manifestBytes, { mode: 0o600 });
    // Every listed file was hashed as it arrived; this adds the pack's own rules (a model, the required files listed).
    await verifyPackFiles(files, manifest.files, Object.keys(manifest.files));
    const path = await install(files, opts.store, manifest, hash);
    await rm(staging, { recursive: true, force: true });
    return { path, manifest, hash, received, alreadyInstalled: false, resumed };
  } finally {
    await unlock();
  }
}

/** A file downloaded into `part` whose sha256 is `sha`; on a mismatch the part is deleted and a PackError says both hashes. */
async function downloadVerified(url: URL, part: string, rel: string, sha: string, opts: DownloadOptions): Promise<Downloaded> {
  let got = await downloadToPart(url, part, rel, opts);
  if (got.sha256 !== sha && got.resumed) {
    // The kept bytes may be of an older version of the file: once more, whole.
    await rm(part, { force: true });
    const whole = await downloadToPart(url, part, rel, opts);
    got = { ...whole, received: got.received + whole.received, resumed: false };
  }
  if (got.sha256 !== sha) {
    await rm(part, { force: true });
    throw new PackError(
      'hash-mismatch',
      `${rel}: sha256 mismatch: pack.json lists ${sha}, the file downloaded from ${url.href} has ${got.sha256}; it was deleted and nothing was installed`,
      rel,
    );
  }
  return got;
}

async function fetchArchive(url: URL, opts: FetchPackOptions): Promise<FetchedPack> {
  const staging = join(opts.store, STAGING, `archive-${sha256(Buffer.from(url.href)).slice(0, 32)}`);
  const unlock = await lockStaging(`${staging}.lock`);
  try {
    const name = basename(decodeURIComponent(url.pathname));
    const got = await downloadToPart(url, join(staging, 'archive.part'), name, downloadOptions(opts, new Meter(1, opts.onProgress).next(name)));
    let root: string;
    let manifestBytes: Buffer;
    let manifest: PackManifest;
    try {
      root = await extractPackArchive(join(staging, 'archive.part'), join(staging, 'extracted'));
      manifestBytes = await readPackBytes(root, PACK_FILES.manifest);
      manifest = manifestFrom(manifestBytes, `${url.href} (${PACK_FILES.manifest})`);
      // The archive has no hash of its own: every file is checked against the pack.json inside.
      await verifyPackFiles(root, manifest.files);
    } catch (e) {
      // Whole but unusable: nothing in it is kept, and a rerun downloads it afresh.
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    const hash = sha256(manifestBytes);
    const result = { manifest, hash, received: got.received, resumed: got.resumed ? [name] : [] };
    const installed = await installedCopy(opts.store, manifest, hash);
    const path = installed ?? (await install(root, opts.store, manifest, hash));
    await rm(staging, { recursive: true, force: true });
    return { path, ...result, alreadyInstalled: installed !== null };
  } finally {
    await unlock();
  }
}

function manifestFrom(bytes: Buffer, where: string): PackManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new PackError('bad-manifest', `${where}: not a pack manifest (not valid JSON: ${(e as Error).message})`, PACK_FILES.manifest);
  }
  return parsePackManifest(json);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function getOptions(opts: FetchPackOptions): GetOptions {
  return { timeoutMs: opts.timeoutMs ?? TIMEOUT_MS, signal: opts.signal, userAgent: opts.userAgent ?? 'persona-lens', auth: opts.auth };
}

function downloadOptions(opts: FetchPackOptions, onBytes: DownloadOptions['onBytes']): DownloadOptions {
  return { ...getOptions(opts), maxBytes: FILE_MAX, onBytes };
}

/** Progress across the files of one run: which file, its bytes, and the rate over the run. */
class Meter {
  private index = 0;
  private received = 0;
  private readonly started = Date.now();

  constructor(
    private readonly count: number,
    private readonly report: ((p: FetchProgress) => void) | undefined,
  ) {}

  /** The byte callback for the next file. */
  next(file: string): DownloadOptions['onBytes'] {
    const index = ++this.index;
    return (done, total, arrived) => {
      this.received += arrived;
      const secs = Math.max((Date.now() - this.started) / 1000, 1e-3);
      this.report?.({ file, index, count: this.count, done, total, rate: this.received / secs });
    };
  }
}
