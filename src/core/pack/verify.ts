// Checks a pack folder against the sha256 list in pack.json: every listed file
// must exist and match, and every file the scanner reads must be listed (an
// unlisted model or SAE would be loaded unchecked), an optional one when it is there.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PackError } from './errors';
import { assertRegularFile, hashMismatch } from './packFile';
import { MODEL_FILES, OPTIONAL_PACK_FILES, PACK_FILES } from './types';

/** The files a pack must have besides pack.json and its one model file. */
export const REQUIRED_FILES: readonly string[] = Object.values(PACK_FILES).filter(
  (f) => f !== PACK_FILES.manifest && !OPTIONAL_PACK_FILES.includes(f) && !MODEL_FILES.includes(f),
);
/** The files the scanner reads: the loader hashes them as it reads them. */
export const SCANNED_FILES: readonly string[] = Object.values(PACK_FILES).filter((f) => f !== PACK_FILES.manifest);

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks every listed file (but those in `except`, which the caller hashes as it reads them). */
export async function verifyPackFiles(root: string, files: Record<string, string>, except: readonly string[] = []): Promise<void> {
  for (const rel of [...REQUIRED_FILES, ...OPTIONAL_PACK_FILES, ...MODEL_FILES]) {
    if (rel in files) continue;
    if (existsSync(join(root, rel))) {
      throw new PackError('unlisted-file', `pack.json: files does not list "${rel}", so it cannot be verified`, rel);
    }
    if (REQUIRED_FILES.includes(rel)) throw missingFile(rel);
  }
  if (!MODEL_FILES.some((rel) => rel in files)) {
    throw new PackError('missing-file', `${PACK_FILES.model}: the pack has no model (${MODEL_FILES.join(' or ')})`, PACK_FILES.model);
  }
  for (const [rel, expected] of Object.entries(files)) {
    if (except.includes(rel)) continue;
    let actual: string;
    try {
      await assertRegularFile(root, rel);
      actual = await sha256File(join(root, rel));
    } catch (e) {
      throw missingOr(e, rel);
    }
    if (actual !== expected) {
      throw hashMismatch(rel, expected, actual);
    }
  }
}

function missingFile(rel: string): PackError {
  return new PackError('missing-file', `${rel}: the pack has no such file`, rel);
}

/** A read error as a PackError when it means the file is missing; other I/O errors unchanged. */
export function missingOr(e: unknown, rel: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EISDIR' ? missingFile(rel) : e;
}
