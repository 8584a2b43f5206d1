// Reading a pack's files safely: only regular files that lie inside the pack (no symbolic
// link anywhere on the way, no FIFO or device, which could hang or swap what is read), and
// each file's bytes hashed as read, so what is checked is exactly what is used.

import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PackError } from './errors';

/** Throws unless root/rel and every folder on the way to it below root are real, not links. */
export async function assertRegularFile(root: string, rel: string): Promise<void> {
  const parts = rel.split(/[\\/]/);
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    let info;
    try {
      info = await lstat(join(root, sub));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new PackError('missing-file', `${rel}: the pack has no such file`, rel);
      throw e;
    }
    if (info.isSymbolicLink()) {
      throw new PackError('unsafe-file', `${rel}: ${sub} is a symbolic link; a pack holds regular files only`, rel);
    }
    const last = i === parts.length;
    if (last && !info.isFile()) throw new PackError(info.isDirectory() ? 'missing-file' : 'unsafe-file', `${rel}: not a regular file`, rel);
    if (!last && !info.isDirectory()) throw new PackError('missing-file', `${rel}: the pack has no such file`, rel);
  }
}

/** The error for a pack file whose bytes do not hash to what pack.json lists. */
export function hashMismatch(rel: string, expected: string, actual: string): PackError {
  return new PackError('hash-mismatch', `${rel}: sha256 mismatch: pack.json lists ${expected}, the file has ${actual}`, rel);
}

/** The bytes of root/rel, checked against `sha256` (lower-case hex) when one is given. */
export async function readPackBytes(root: string, rel: string, sha256?: string): Promise<Buffer> {
  await assertRegularFile(root, rel);
  const bytes = await readFile(join(root, rel));
  if (sha256 !== undefined) {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw hashMismatch(rel, sha256, actual);
  }
  return bytes;
}
