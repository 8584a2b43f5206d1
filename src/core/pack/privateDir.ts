// Folders under the user's cache that hold packs (archive extractions, the pack
// store): a pack is code in effect, so no one but this user may write there.

import { mkdir, lstat } from 'node:fs/promises';

/**
 * Makes `dir` (mode 700) or checks it: a real folder of this user that no one else can
 * write to. Otherwise throws, the message ending "refusing to <purpose> there".
 */
export async function privateDir(dir: string, purpose: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a private folder (a link, another user's, or writable by others): refusing to ${purpose} there`);
  }
}
