// Packs shipped as a .tar or .tar.gz of the pack folder. The archive is read in
// JS (ustar with GNU long names and pax paths; gzip by magic bytes) and
// extracted once into a private cache folder (the user's own, no one else may
// write there) named by the archive's sha256. An extraction found there is used
// only if every file in it is byte for byte the archive's; otherwise it is
// extracted afresh. Never trusted for its name.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PackError } from './errors';
import { isSafeRelativePath } from './manifest';
import { privateDir } from './privateDir';
import { PACK_FILES } from './types';

export interface TarEntry {
  /** Relative path, `./` and trailing `/` removed. */
  path: string;
  type: 'file' | 'directory';
  data: Uint8Array;
}

const BLOCK = 512;
/**
 * An archive is read, and unpacked, whole in memory, where one buffer holds at most 2 GiB: a
 * bigger pack (a model with external data, format 4) must be a folder.
 */
export const ARCHIVE_MAX_BYTES = 2 ** 31 - 1;
const TOO_BIG = 'a pack archive is read whole into memory, which holds at most 2 GiB: use the pack as a folder (pack fetch takes a folder URL too)';

function archiveError(message: string): PackError {
  return new PackError('bad-archive', `pack archive: ${message}`);
}

/** Parses an uncompressed tar archive. */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let longName: string | null = null;
  let paxPath: string | null = null;
  for (let off = 0; ; ) {
    if (off + BLOCK > bytes.length) throw archiveError('truncated (no end-of-archive marker)');
    const header = bytes.subarray(off, off + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    checkChecksum(header, off);

    const size = octal(header.subarray(124, 136), 'size', off);
    const start = off + BLOCK;
    if (start + size > bytes.length) throw archiveError(`truncated inside the entry at byte ${off}`);
    const data = bytes.subarray(start, start + size);
    off = start + Math.ceil(size / BLOCK) * BLOCK;

    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      paxPath = paxRecords(data).path ?? null;
      continue;
    }
    if (type === 'g') continue;

    const prefix = cString(header.subarray(257, 263)).startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
    const name = cString(header.subarray(0, 100));
    const raw = paxPath ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    longName = paxPath = null;

    const path = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (path === '' || path === '.') continue;
    if (!isSafeRelativePath(path)) throw archiveError(`entry "${raw}" points outside the pack folder`);
    if (type === '0' || type === '7') entries.push({ path, type: 'file', data });
    else if (type === '5') entries.push({ path, type: 'directory', data });
    else throw archiveError(`entry "${raw}" has tar type "${type}"; only files and folders are allowed in a pack`);
  }
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(end < 0 ? b : b.subarray(0, end)).toString('utf8');
}

function octal(b: Uint8Array, field: string, at: number): number {
  const text = cString(b).trim();
  if (!/^[0-7]+$/.test(text)) throw archiveError(`bad ${field} field in the header at byte ${at}`);
  return parseInt(text, 8);
}

function checkChecksum(header: Uint8Array, at: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  if (octal(header.subarray(148, 156), 'checksum', at) !== sum) throw archiveError(`header checksum mismatch at byte ${at}`);
}

/** pax records: "<length> <key>=<value>\n". */
function paxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const text = Buffer.from(data).toString('utf8');
  for (const line of text.split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/**
 * Extracts the archive into `cacheDir/<sha256>` (once) and returns the pack
 * root inside it: the top level, or the archive's single top-level folder.
 */
export async function extractPackArchive(archivePath: string, cacheDir: string): Promise<string> {
  const { size } = await stat(archivePath);
  if (size > ARCHIVE_MAX_BYTES) throw archiveError(`${archivePath} is ${(size / 2 ** 30).toFixed(1)} GiB; ${TOO_BIG}`);
  const bytes = await readFile(archivePath);
  const target = join(cacheDir, createHash('sha256').update(bytes).digest('hex'));
  const entries = readTar(isGzip(bytes) ? await gunzipBytes(bytes) : bytes);
  await privateDir(cacheDir, 'extract a pack').catch((e: Error) => {
    throw archiveError(e.message);
  });
  if (existsSync(target) && !(await holdsExactly(target, entries))) await rm(target, { recursive: true, force: true });
  if (!existsSync(target)) {
    // Extract beside the target, then rename: a concurrent loader sees all or nothing.
    const partial = await mkdtemp(`${target}.partial-`);
    try {
      for (const e of entries) {
        const dest = join(partial, e.path);
        if (e.type === 'directory') await mkdir(dest, { recursive: true });
        else {
          await mkdir(dirname(dest), { recursive: true });
          await writeFile(dest, e.data);
        }
      }
      await rename(partial, target);
    } catch (e) {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(target)) throw e;
    }
  }
  return packRootIn(target);
}

/** Whether an earlier extraction holds every file of the archive, byte for byte, as regular files. */
async function holdsExactly(dir: string, entries: TarEntry[]): Promise<boolean> {
  for (const e of entries) {
    if (e.type !== 'file') continue;
    const path = join(dir, e.path);
    const info = await lstat(path).catch(() => null);
    if (!info?.isFile()) return false;
    const onDisk = await readFile(path);
    if (Buffer.compare(onDisk, Buffer.from(e.data)) !== 0) return false;
  }
  return true;
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

async function gunzipBytes(b: Uint8Array): Promise<Uint8Array> {
  try {
    return await promisify(gunzip)(b, { maxOutputLength: ARCHIVE_MAX_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw archiveError(`it unpacks to more than 2 GiB; ${TOO_BIG}`);
    throw archiveError(`gzip data is corrupt: ${(e as Error).message}`);
  }
}

async function packRootIn(dir: string): Promise<string> {
  if (existsSync(join(dir, PACK_FILES.manifest))) return dir;
  const top = await readdir(dir, { withFileTypes: true });
  if (top.length === 1 && top[0].isDirectory()) return join(dir, top[0].name);
  return dir;
}
