// One file of a pack, downloaded into a part file that survives failures: a rerun
// asks for the bytes after the part's (a Range request) and appends them, or writes
// the whole file again when the server does not do ranges. Every byte is hashed as
// it is written (the part's own bytes first, on a resume), so the caller compares
// one sha256 with the manifest's and nothing is read twice.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FetchError, httpGet, statusError, type GetOptions } from './http';
import { resumeDecision } from './range';

export interface Downloaded {
  sha256: string;
  /** The file's length. */
  bytes: number;
  /** Bytes that came over the network this time. */
  received: number;
  /** The part held bytes from an earlier run that were kept. */
  resumed: boolean;
}

export interface DownloadOptions extends Omit<GetOptions, 'from'> {
  /** Called as bytes arrive: the part's length so far, the file's when known, and how many just came. */
  onBytes?: (done: number, total: number | null, arrived: number) => void;
  /** No pack file is longer: a server that sends more is not serving a pack. */
  maxBytes: number;
}

/**
 * Downloads `url` into `part`, continuing what is there. On failure the part keeps every
 * byte written, and the FetchError says so (`name` is the file as the user knows it).
 */
export async function downloadToPart(url: URL, part: string, name: string, opts: DownloadOptions): Promise<Downloaded> {
  await mkdir(dirname(part), { recursive: true, mode: 0o700 });
  let size = (await stat(part).catch(() => null))?.size ?? 0;
  let resumed = size > 0;
  let hash = await hashOf(part, size);
  let received = 0;
  let total: number | null = null;
  let refetched = false;
  // More than one request when a 206 stops short of the end, or a part must be thrown away.
  for (;;) {
    const res = await httpGet(url, { ...opts, from: size }).catch((e: FetchError) => {
      throw kept(e, name, size, total);
    });
    const d = resumeDecision(res.status, size, res.header('content-range'), res.contentLength);
    if (d.action === 'fail') {
      res.discard();
      throw statusError(url, res.status, opts.auth);
    }
    if (d.action === 'complete') {
      res.discard();
      break;
    }
    if (d.action === 'refetch') {
      res.discard();
      if (refetched) throw new FetchError(`${url.href}: the server's answers to a range request do not fit together (Content-Range ${res.header('content-range') ?? 'missing'})`);
      refetched = true;
      await rm(part, { force: true });
      [size, hash, resumed] = [0, createHash('sha256'), false];
      continue;
    }
    if (d.action === 'restart') [size, hash, resumed] = [0, createHash('sha256'), false];
    total = d.total;
    const file = await open(part, d.action === 'append' ? 'a' : 'w', 0o600);
    const before = size;
    try {
      for await (const chunk of res.body()) {
        if (size + chunk.length > opts.maxBytes) {
          // Not kept: a rerun would only get the same endless file.
          await closeQuietly(file);
          await rm(part, { force: true });
          throw new FetchError(`${url.href}: longer than ${opts.maxBytes} bytes, more than any pack file may be`);
        }
        await file.write(chunk);
        hash.update(chunk);
        size += chunk.length;
        received += chunk.length;
        opts.onBytes?.(size, total, chunk.length);
      }
      // Durable before it is renamed into a pack: a crash must not leave an installed pack of empty files.
      await file.sync();
    } catch (e) {
      throw e instanceof FetchError && e.message.startsWith(url.href) ? e : kept(e as Error, name, size, total);
    } finally {
      await closeQuietly(file);
    }
    if (total === null || size >= total) break;
    if (size === before) throw new FetchError(`${url.href}: the server answered a range request with no bytes`);
  }
  return { sha256: hash.digest('hex'), bytes: size, received, resumed };
}

/** A transfer error with what was kept: the bytes in the part, which a rerun continues from. */
function kept(e: Error, name: string, size: number, total: number | null): FetchError {
  if (e instanceof FetchError && e.cancelled) return e;
  const bytes = `${size}${total === null ? '' : ` of ${total}`} bytes`;
  return new FetchError(`${name}: ${e.message}${size > 0 ? ` after ${bytes}, which are kept: run the same command again to resume` : ''}`);
}

/** A hash that has seen the first `size` bytes of `path` (none when size is 0). */
async function hashOf(path: string, size: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (size > 0) for await (const chunk of createReadStream(path, { end: size - 1 })) hash.update(chunk as Buffer);
  return hash;
}

async function closeQuietly(file: FileHandle): Promise<void> {
  await file.close().catch(() => undefined);
}
