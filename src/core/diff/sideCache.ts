// Whole scanned sides kept beside the result cache, keyed by the bytes of the dataset (and
// what else shapes a side), so the report on two files scanned before needs no parsing,
// rendering or lookup per example: a cached 100k-example pair took 6.2 s through the
// per-example cache alone.
//
// Layout: `<result cache>/<pack hash>/sides/<key>.json`, written to a temporary file and
// renamed into place. A file that cannot be read or is not a side of this format is a
// miss, and is written anew.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleHash } from '../cache/resultCache';
import type { DiffSide } from './report';

/** Changed whenever what a side holds, or how it is computed, changes. */
const SIDE_FORMAT = 'persona-lens-diff-side-2';

/** What a side's contents are: the sha256 of a file's bytes, a git blob id, or a text's hash. */
export type SideIdentity = { fileSha256: string } | { gitBlob: string } | { textSha256: string };

export class SideCache {
  constructor(private readonly dir: string) {}

  /** The side cache of a pack beside its result cache under `root` (ResultCache's layout), without opening that. */
  static of(root: string, packHash: string): SideCache {
    return new SideCache(path.join(root, packHash, 'sides'));
  }

  /** The key of a side: its contents and the scan's settings (every latent or not, a named OpenAI model). */
  static key(identity: SideIdentity, settings: string[]): string {
    return exampleHash([SIDE_FORMAT, JSON.stringify(identity), ...settings]);
  }

  get(key: string, label: string): DiffSide | null {
    try {
      const stored = JSON.parse(fs.readFileSync(this.file(key), 'utf8')) as { format?: string; side?: DiffSide };
      return stored.format === SIDE_FORMAT && stored.side && Array.isArray(stored.side.entries) ? { ...stored.side, file: label } : null;
    } catch {
      return null;
    }
  }

  /** Stores a side; a failure to write only loses the cache entry. */
  set(key: string, side: DiffSide): void {
    const file = this.file(key);
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(temp, JSON.stringify({ format: SIDE_FORMAT, side }));
      fs.renameSync(temp, file);
    } catch {
      fs.rmSync(temp, { force: true });
    }
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }
}

/** The sha256 of a file's bytes, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function textSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
