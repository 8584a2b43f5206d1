// ONNX external data (pack format 4): onnxruntime reads a model's external weights by path,
// never from bytes we hand it, so a file hashed in the pack folder could be swapped before
// onnxruntime reads it. Each load therefore puts the files in a fresh private folder first
// (a hard link where only this user can write the file, else a copy), hashes what is there,
// points onnxruntime at that folder, and removes it once the session has read them.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, lstat, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { assertRegularFile, hashMismatch } from './packFile';
import { privateDir } from './privateDir';
import { missingOr, sha256File } from './verify';

export interface StagedExternalData {
  /** The private folder onnxruntime reads the external data from. */
  dir: string;
  /** Bytes that had to be copied (0 when every file could be linked). */
  copiedBytes: number;
  /** Removes the folder: call once the session is created. */
  dispose(): Promise<void>;
}

/**
 * Stages `names` (pack files beside model.onnx, at least one) in a new private folder under
 * `cacheDir`, checking each against `hashes` when given.
 */
export async function stageExternalData(
  root: string,
  names: readonly string[],
  hashes: Record<string, string> | undefined,
  cacheDir: string,
): Promise<StagedExternalData> {
  const parent = join(cacheDir, 'external');
  let dir: string;
  try {
    await privateDir(parent, 'stage model weights');
    dir = await mkdtemp(join(parent, 'load-'));
  } catch (e) {
    throw new Error(`cannot stage ${names[0]} for onnxruntime in ${parent}: ${(e as Error).message}`);
  }
  const dispose = () => rm(dir, { recursive: true, force: true, maxRetries: 2 });
  let copiedBytes = 0;
  try {
    for (const name of names) {
      const staged = await stageOne(root, name, join(dir, name));
      copiedBytes += staged.copied;
      const expected = hashes?.[name];
      if (expected !== undefined && staged.sha256 !== expected) {
        throw hashMismatch(name, expected, staged.sha256);
      }
    }
  } catch (e) {
    await dispose();
    throw e;
  }
  return { dir, copiedBytes, dispose };
}

async function stageOne(root: string, name: string, dst: string): Promise<{ sha256: string; copied: number }> {
  const src = join(root, name);
  try {
    await assertRegularFile(root, name);
    if (await onlyMineToWrite(src)) {
      try {
        await link(src, dst);
        // The link is the file: hashed here, after no one else can change it.
        return { sha256: await sha256File(dst), copied: 0 };
      } catch (e) {
        // Another file system (EXDEV) or links not allowed: copy instead.
        if (!['EXDEV', 'EPERM', 'EACCES', 'ENOTSUP', 'EMLINK'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      }
    }
    const hash = createHash('sha256');
    let copied = 0;
    await pipeline(
      createReadStream(src),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          copied += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(dst, { flags: 'wx', mode: 0o600 }),
    );
    return { sha256: hash.digest('hex'), copied };
  } catch (e) {
    throw missingOr(e, name);
  }
}

/** A file of this user's that no one else may write: a hard link to it is as safe as a copy. */
async function onlyMineToWrite(path: string): Promise<boolean> {
  const uid = process.getuid?.();
  if (uid === undefined) return false; // no owners to compare (Windows): copy
  const info = await lstat(path);
  return info.uid === uid && (info.mode & 0o022) === 0;
}
