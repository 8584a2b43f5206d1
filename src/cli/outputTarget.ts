// Where `scan --output` may write: never over an input or a file of the pack in use (the
// same file by device and inode, so symlinks and other spellings are caught too), and
// through a temporary file renamed into place once the scan is done, so a failed or
// interrupted scan never leaves a truncated output behind.

import { createWriteStream, rmSync, statSync, type WriteStream } from 'node:fs';
import { realpath, rename, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, isAbsolute, resolve } from 'node:path';

/**
 * Why `output` may not be written, or null when it may. `pack` is the pack as named (a
 * folder or an archive), `packRoot` the folder its files are read from.
 */
export async function outputConflict(output: string, inputs: string[], pack: string, packRoot: string): Promise<string | null> {
  const target = await stat(output).catch(() => null);
  if (target) {
    const same = async (path: string) => {
      const s = await stat(path).catch(() => null);
      return s !== null && s.dev === target.dev && s.ino === target.ino;
    };
    for (const input of inputs) if (await same(input)) return `--output ${output} is the input ${input}: it would be destroyed`;
    if (await same(pack)) return `--output ${output} is the pack ${pack}`;
  }
  // Inside the pack (as it lies on disk, links resolved): a pack is read-only to a scan.
  const where =
    (await realpath(output).catch(() => null)) ??
    join(await realpath(dirname(resolve(output))).catch(() => resolve(dirname(output))), basename(output));
  const root = await realpath(packRoot).catch(() => resolve(packRoot));
  const rel = relative(root, where);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return `--output ${output} is inside the pack ${packRoot}`;
  return null;
}

/**
 * A stream to a temporary file beside `output`; `commit` renames it into place, `abandon`
 * removes it. A device or pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written directly.
 */
export function openOutput(output: string): { stream: WriteStream; commit(): Promise<void>; abandon(): void } {
  const existing = statSync(output, { throwIfNoEntry: false });
  if (existing && !existing.isFile()) {
    return { stream: createWriteStream(output), commit: async () => {}, abandon: () => {} };
  }
  const temp = join(dirname(output), `.${basename(output)}.${process.pid}.partial`);
  const stream = createWriteStream(temp, { flags: 'wx' });
  return {
    stream,
    commit: () => rename(temp, output),
    abandon: () => rmSync(temp, { force: true }),
  };
}
